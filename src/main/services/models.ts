/**
 * The model library of a project: what the Translate workspace lists and what the
 * translate jobs load.
 *
 * - `models/<folder>/model.json`: our saved models and imported reference checkpoints
 *   (engine/io/model-file.ts);
 * - `runs/<folder>/`: training runs, translated with their latest checkpoint.
 *
 * Ids are "models/<folder>" and "runs/<folder>", stable as long as the folder is.
 * Node only: architecture detection, which needs the networks module, is injected.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  Direction,
  DomainNames,
  GeneratorSummary,
  ImportModelInput,
  InspectResult,
  ModelInfo,
} from '../../shared/api/translate';
import {
  MODEL_DIRECTIONS,
  readModelManifest,
  saveModel,
  type ModelManifest,
  type StoredGeneratorOptions,
} from '../engine/io/model-file';
import { trainOptionsSchema } from '../../shared/train-options';
import { generatorDirections, networkPlans } from '../engine/models/architecture';
import { findCheckpoint, listCheckpoints } from '../engine/train/checkpoint';
import { ApiError } from './api-error';
import { safeSegments } from './path-confinement';
import { PROJECT_LAYOUT } from './project-layout';

/** What the engine needs to load the generator(s) of a library entry. */
export type ModelRef = { type: 'model'; dir: string } | { type: 'run'; dir: string } | { type: 'pth'; path: string };

/** A run's description, read without loading weights (see engine/train's run layout). */
export interface RunSummary {
  name: string;
  kind: ModelInfo['kind'];
  domains?: DomainNames;
  generators: Partial<Record<Direction, StoredGeneratorOptions>>;
  created?: string;
}

export interface ModelLibraryOptions {
  /** The open project's folder and domain names; throws when none is open. */
  project(): { root: string; domains?: DomainNames };
  /** Detect a .pth file's architecture (runs where the networks module is). */
  inspect(path: string): Promise<InspectResult>;
  /** Read a run folder's summary, or null when it holds no usable checkpoint yet. */
  readRun(dir: string): Promise<RunSummary | null>;
  now?: () => Date;
}

export interface BrokenEntry {
  id: string;
  path: string;
  error: string;
}

export class ModelLibrary {
  constructor(private readonly options: ModelLibraryOptions) {}

  async list(): Promise<{ models: ModelInfo[]; broken: BrokenEntry[] }> {
    const { root, domains } = this.options.project();
    const models: ModelInfo[] = [];
    const broken: BrokenEntry[] = [];
    for (const folder of await subfolders(join(root, PROJECT_LAYOUT.models))) {
      const id = `${PROJECT_LAYOUT.models}/${folder}`;
      const dir = join(root, id);
      try {
        models.push(infoFromManifest(id, await readModelManifest(dir)));
      } catch (err) {
        broken.push({ id, path: dir, error: (err as Error).message });
      }
    }
    for (const folder of await subfolders(join(root, PROJECT_LAYOUT.runs))) {
      const id = `${PROJECT_LAYOUT.runs}/${folder}`;
      const dir = join(root, id);
      try {
        const run = await this.options.readRun(dir);
        if (run) models.push(infoFromRun(id, dir, run, domains));
      } catch (err) {
        broken.push({ id, path: dir, error: (err as Error).message });
      }
    }
    models.sort((a, b) => (b.created ?? '').localeCompare(a.created ?? '') || a.name.localeCompare(b.name));
    return { models, broken };
  }

  /** The entry with this id, and how the engine loads it; `not-found` otherwise. */
  async resolve(id: string): Promise<{ info: ModelInfo; ref: ModelRef }> {
    const { root, domains } = this.options.project();
    const segments = safeSegments(id);
    if (segments.length !== 2 || (segments[0] !== PROJECT_LAYOUT.models && segments[0] !== PROJECT_LAYOUT.runs)) {
      throw new ApiError('invalid-payload', `Model id ${JSON.stringify(id)} is not "models/<name>" or "runs/<name>"`, { id });
    }
    const dir = join(root, ...segments);
    if (!(await isDirectory(dir))) throw new ApiError('not-found', `No model ${id} in ${root}`, { id });
    if (segments[0] === PROJECT_LAYOUT.models) {
      return { info: infoFromManifest(id, await readModelManifest(dir)), ref: { type: 'model', dir } };
    }
    const run = await this.options.readRun(dir);
    if (!run) throw new ApiError('not-found', `Run ${id} has no checkpoint to translate with yet`, { id });
    return { info: infoFromRun(id, dir, run, domains), ref: { type: 'run', dir } };
  }

  /**
   * Copy reference .pth generator(s) into models/<folder>/ with a manifest recording the
   * detected architecture and the domain names the user gave. Each file must hold a
   * generator; the detection runs before anything is written.
   */
  async import(input: ImportModelInput): Promise<ModelInfo> {
    const { root } = this.options.project();
    const generators: Parameters<typeof saveModel>[1]['generators'] = {};
    for (const g of input.generators) {
      const found = await this.options.inspect(g.path).catch((err: unknown) => {
        throw new ApiError('failed', `Cannot import ${g.path}: ${(err as Error).message}`, { path: g.path });
      });
      if (found.role !== 'generator' || !found.generator) {
        throw new ApiError('failed', `Cannot import ${g.path}: it holds a ${found.role} (${found.description}), not a generator`, {
          path: g.path,
        });
      }
      generators[g.direction] = {
        options: {
          netG: found.generator.netG,
          inputNc: found.generator.inputNc,
          outputNc: found.generator.outputNc,
          ngf: found.generator.ngf,
          norm: found.generator.norm,
          // Not recorded in a .pth: the user says (the reference's pix2pix trains with it).
          useDropout: input.useDropout ?? false,
          initType: 'normal',
          initGain: 0.02,
        },
        copyFrom: g.path,
      };
    }
    const kind = input.kind ?? (input.generators.length === 2 ? 'cycle_gan' : 'pix2pix');
    const folder = await freeFolderName(join(root, PROJECT_LAYOUT.models), slug(input.name));
    const id = `${PROJECT_LAYOUT.models}/${folder}`;
    const manifest = await saveModel(join(root, id), {
      name: input.name,
      kind,
      domains: input.domains,
      origin: 'imported',
      source: input.generators.map((g) => g.path).join(', '),
      generators,
      created: this.options.now?.(),
    });
    return infoFromManifest(id, manifest);
  }
}

function summary(o: StoredGeneratorOptions): GeneratorSummary {
  return { netG: o.netG, ngf: o.ngf, norm: o.norm, inputNc: o.inputNc, outputNc: o.outputNc, useDropout: o.useDropout };
}

function directionsOf(domains: DomainNames, generators: Partial<Record<Direction, StoredGeneratorOptions>>): ModelInfo['directions'] {
  return MODEL_DIRECTIONS.filter((d) => generators[d]).map((direction) => ({
    direction,
    from: direction === 'AtoB' ? domains.A : domains.B,
    to: direction === 'AtoB' ? domains.B : domains.A,
    generator: summary(generators[direction]!),
  }));
}

function infoFromManifest(id: string, m: ModelManifest): ModelInfo {
  const generators: Partial<Record<Direction, StoredGeneratorOptions>> = {};
  for (const d of MODEL_DIRECTIONS) if (m.generators[d]) generators[d] = m.generators[d]!.options;
  return {
    id,
    name: m.name,
    origin: m.origin,
    kind: m.kind,
    domains: m.domains,
    directions: directionsOf(m.domains, generators),
    created: m.created,
    ...(m.source !== undefined ? { source: m.source } : {}),
  };
}

function infoFromRun(id: string, dir: string, run: RunSummary, fallback: DomainNames | undefined): ModelInfo {
  const domains = run.domains ?? fallback ?? { A: 'A', B: 'B' };
  return {
    id,
    name: run.name,
    origin: 'run',
    kind: run.kind,
    domains,
    directions: directionsOf(domains, run.generators),
    ...(run.created !== undefined ? { created: run.created } : {}),
    source: dir,
  };
}

async function subfolders(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: string[] = [];
  for (const name of names.sort()) {
    // Hidden entries are staging folders of a save in progress (model-file.ts).
    if (name.startsWith('.')) continue;
    if (await isDirectory(join(dir, name))) out.push(name);
  }
  return out;
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** A folder name from a display name: letters, digits, dashes and underscores. */
export function slug(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return s || 'model';
}

async function freeFolderName(parent: string, base: string): Promise<string> {
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`;
    const taken = await stat(join(parent, name)).then(
      () => true,
      () => false,
    );
    if (!taken) return name;
  }
}


/** The options file and checkpoint folder of a run (engine/train/run-layout.ts). */
export const RUN_OPTIONS_FILE = 'options.json';
export const RUN_CHECKPOINTS = 'checkpoints';

/**
 * A run's summary from its options.json, or null while it has no complete checkpoint (a
 * run that has only just started). A folder without options.json is not a run: an error.
 * Which generator translates which way is the models' own rule (generatorDirections).
 */
export async function readRunSummary(dir: string): Promise<RunSummary | null> {
  const path = join(dir, RUN_OPTIONS_FILE);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path} not found: not a training run` : `cannot read ${path}: ${(err as Error).message}`);
  }
  const parsed = trainOptionsSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ')}`);
  }
  const options = parsed.data;
  const root = join(dir, RUN_CHECKPOINTS);
  let saved: string | undefined;
  for (const tag of await listCheckpoints(root)) {
    const found = await findCheckpoint(root, tag);
    if (found && (!saved || found.manifest.savedAt > saved)) saved = found.manifest.savedAt;
  }
  if (!saved) return null;
  const plans = networkPlans(options);
  const generators: RunSummary['generators'] = {};
  for (const [direction, name] of Object.entries(generatorDirections(options)) as [Direction, string][]) {
    const plan = plans.get(name);
    if (plan?.role === 'generator') generators[direction] = plan.options;
  }
  return { name: options.name, kind: options.model, generators, created: saved };
}
