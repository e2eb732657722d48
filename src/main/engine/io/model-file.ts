/**
 * Our saved-model format: a folder holding `model.json` and one PyTorch state_dict per
 * generator, in the reference's own .pth format, so a model saved here loads in the
 * reference (`--model test` with `latest_net_G.pth` renamed) and back, bit for bit.
 *
 *   <models>/<folder>/
 *     model.json      { format, version, name, kind, domains {A, B},
 *                       generators { AtoB?, BtoA? }: { file, options }, created, origin, source? }
 *     G_AtoB.pth      the generator translating domain A into domain B (CycleGAN's G_A)
 *     G_BtoA.pth      … B into A (CycleGAN's G_B; a pix2pix model trained --direction BtoA)
 *
 * A folder is written under a temporary name and renamed into place, so a crash leaves
 * either the old model or the new one, never a half-written folder.
 *
 * TF.js-free: the model library (main process) reads manifests with it; the engine
 * builds networks from the options and loads the state dicts.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../util/atomic-write';
import { readPth, writePth } from './pth';
import type { StateDict } from './tensor-data';

export const MODEL_FORMAT = 'atelier-model';
export const MODEL_VERSION = 1;
export const MODEL_MANIFEST = 'model.json';

export const generatorOptionsSchema = z.strictObject({
  netG: z.string().regex(/^(unet_\d+|resnet_\d+blocks)$/, 'netG: unet_<size> or resnet_<n>blocks'),
  inputNc: z.number().int().min(1),
  outputNc: z.number().int().min(1),
  ngf: z.number().int().min(1),
  norm: z.enum(['batch', 'instance', 'none']),
  useDropout: z.boolean(),
  initType: z.enum(['normal', 'xavier', 'kaiming', 'orthogonal']),
  initGain: z.number(),
});

const generatorEntrySchema = z.strictObject({
  /** File name inside the model folder. */
  file: z.string().regex(/^[^/\\]+\.pth$/, 'a .pth file name inside the model folder'),
  options: generatorOptionsSchema,
});

export type ModelDirection = 'AtoB' | 'BtoA';
export const MODEL_DIRECTIONS: readonly ModelDirection[] = ['AtoB', 'BtoA'];

export const modelManifestSchema = z
  .looseObject({
    format: z.literal(MODEL_FORMAT),
    version: z.number().int().min(1),
    name: z.string().min(1),
    kind: z.enum(['pix2pix', 'cycle_gan']),
    domains: z.strictObject({ A: z.string().min(1), B: z.string().min(1) }),
    generators: z
      .strictObject({ AtoB: generatorEntrySchema.optional(), BtoA: generatorEntrySchema.optional() })
      .refine((g) => g.AtoB || g.BtoA, 'a model needs at least one generator'),
    created: z.string(),
    /** 'saved' from the studio or a run, 'imported' from a reference checkpoint. */
    origin: z.enum(['saved', 'imported']),
    /** What it was made from: a run folder, an imported file's original path. */
    source: z.string().optional(),
  });

export type ModelManifest = z.output<typeof modelManifestSchema>;
export type GeneratorEntry = z.output<typeof generatorEntrySchema>;
export type StoredGeneratorOptions = z.output<typeof generatorOptionsSchema>;

/**
 * The generators to save, per direction: options and either the weights or a .pth file to
 * copy byte for byte (an imported reference checkpoint keeps its exact bytes).
 */
export type GeneratorWeights = Partial<
  Record<ModelDirection, { options: StoredGeneratorOptions } & ({ stateDict: StateDict } | { copyFrom: string })>
>;

export interface SaveModelInput {
  name: string;
  kind: ModelManifest['kind'];
  domains: ModelManifest['domains'];
  origin: ModelManifest['origin'];
  source?: string;
  generators: GeneratorWeights;
  /** Defaults to now. */
  created?: Date;
}

export const generatorFileName = (direction: ModelDirection): string => `G_${direction}.pth`;

/**
 * Write a model folder at `dir`. Refuses to replace an existing folder unless
 * `overwrite`; then the old folder is swapped out only once the new one is complete.
 */
export async function saveModel(dir: string, input: SaveModelInput, { overwrite = false } = {}): Promise<ModelManifest> {
  const directions = MODEL_DIRECTIONS.filter((d) => input.generators[d]);
  if (directions.length === 0) throw new Error(`saving model ${dir}: no generator given`);
  const exists = await stat(dir).then(
    () => true,
    () => false,
  );
  if (exists && !overwrite) throw new Error(`model folder ${dir} exists already (pass overwrite to replace it)`);

  const generators: ModelManifest['generators'] = {};
  for (const d of directions) {
    generators[d] = { file: generatorFileName(d), options: generatorOptionsSchema.parse(input.generators[d]!.options) };
  }
  const manifest: ModelManifest = modelManifestSchema.parse({
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    name: input.name,
    kind: input.kind,
    domains: input.domains,
    generators,
    created: (input.created ?? new Date()).toISOString(),
    origin: input.origin,
    ...(input.source !== undefined ? { source: input.source } : {}),
  });

  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const staging = join(parent, `.${basename(dir)}.${randomBytes(6).toString('hex')}.partial`);
  await mkdir(staging);
  try {
    for (const d of directions) {
      const g = input.generators[d]!;
      const target = join(staging, generatorFileName(d));
      // Through writeFileAtomic rather than copyFile: the bytes are fsynced before the rename.
      if ('copyFrom' in g) await writeFileAtomic(target, await readFile(g.copyFrom));
      else await writePth(target, g.stateDict);
    }
    await writeFileAtomic(join(staging, MODEL_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    if (exists) {
      const old = join(parent, `.${basename(dir)}.${randomBytes(6).toString('hex')}.old`);
      await rename(dir, old);
      await rename(staging, dir);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(staging, dir);
    }
  } catch (err) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
  return manifest;
}

/** Read and validate `<dir>/model.json`; every error names the file. */
export async function readModelManifest(dir: string): Promise<ModelManifest> {
  const path = join(dir, MODEL_MANIFEST);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path} not found: not a saved model folder` : `cannot read ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (json && typeof json === 'object' && 'version' in json && typeof json.version === 'number' && json.version > MODEL_VERSION) {
    throw new Error(`${path} has format version ${json.version}; this Atelier reads up to version ${MODEL_VERSION}`);
  }
  const parsed = modelManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${path} is not a valid model manifest: ${issues}`);
  }
  return parsed.data;
}

/** The state dict of one generator of a saved model, and its options. */
export async function readModelGenerator(
  dir: string,
  direction: ModelDirection,
  manifest?: ModelManifest,
): Promise<{ options: StoredGeneratorOptions; stateDict: StateDict; path: string }> {
  const m = manifest ?? (await readModelManifest(dir));
  const entry = m.generators[direction];
  if (!entry) {
    const have = MODEL_DIRECTIONS.filter((d) => m.generators[d]).join(', ');
    throw new Error(`model "${m.name}" (${dir}) has no ${direction} generator (it has: ${have})`);
  }
  const path = join(dir, entry.file);
  return { options: entry.options, stateDict: await readPth(path), path };
}
