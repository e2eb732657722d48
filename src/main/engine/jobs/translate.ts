/**
 * The translate jobs of the engine process:
 * - 'translate:preview'  a scaled-down, composited result as base64 PNG, for the live view;
 * - 'translate:export'   one photo at full resolution (tiled), written atomically;
 * - 'translate:batch'    a list of photos into a folder, failures collected, not fatal;
 * - 'translate:inspect'  the architecture a .pth holds (for importing it).
 *
 * Main resolves project-relative ids and paths (services/translate.ts) and sends absolute
 * paths and a model reference. The same run functions serve `atelier translate`, which
 * calls them in its own process.
 */
import { realpath, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { z } from 'zod';
import { blendSchema, directionSchema, imageFormatSchema, inspectResultSchema } from '../../../shared/api/translate';
import { rleDecodeInto, rleEncode } from '../../../shared/rle';
import { writeFileAtomic } from '../../util/atomic-write';
import { writeNewFileAtomic } from '../io/write-new-file';
import { defineJob, type JobContext } from './index';
import { GeneratorCache, modelRefSchema } from './translate-model';
import { inspectPth } from './translate-inspect';
import type { InferenceEngine } from '../onnx/engine';
import {
  decodePhoto,
  describeEngine,
  encodeRaster,
  fitWithin,
  renderPreview,
  resizeRaster,
  translateAndComposite,
  type BlendSettings,
  type Raster,
} from './translate-pipeline';

/** Networks stay loaded between previews: switching back and forth between two models is instant. */
export const generatorCache = new GeneratorCache(3);

const sourceSchema = z.union([z.strictObject({ path: z.string().min(1) }), z.strictObject({ png: z.base64().min(1) })]);

const common = {
  model: modelRefSchema,
  direction: directionSchema,
  blend: blendSchema.optional(),
  eval: z.boolean().default(false),
};

export const previewParamsSchema = z.strictObject({
  ...common,
  source: sourceSchema,
  maxSize: z.number().int().min(16).max(4096),
});

export const exportParamsSchema = z.strictObject({
  ...common,
  source: z.strictObject({ path: z.string().min(1) }),
  /** Absolute path of the file to write. */
  output: z.string().min(1),
  format: imageFormatSchema.default('png'),
  quality: z.number().int().min(1).max(100).default(92),
  overwrite: z.boolean().default(false),
  tile: z.number().int().min(16).max(8192).default(1024),
  /** Translate at this longest side and scale the result to the photo's size. */
  workSize: z.number().int().min(16).max(16384).optional(),
});

export const batchParamsSchema = z.strictObject({
  ...common,
  inputs: z.array(z.string().min(1)).min(1),
  outputDir: z.string().min(1),
  format: imageFormatSchema.default('png'),
  quality: z.number().int().min(1).max(100).default(92),
  overwrite: z.boolean().default(false),
  tile: z.number().int().min(16).max(8192).default(1024),
  workSize: z.number().int().min(16).max(16384).optional(),
});

export type PreviewParams = z.output<typeof previewParamsSchema>;
export type ExportParams = z.output<typeof exportParamsSchema>;
export type BatchParams = z.output<typeof batchParamsSchema>;

type Progress = Pick<JobContext, 'signal' | 'progress'> & {
  /** Told which inference engine runs the generator, for every photo (`atelier translate` prints it). */
  onEngine?: (engine: InferenceEngine) => void;
};

/** The mask payload (run-length coded, base64) as coverage at the source's size. */
export function decodeMask(mask: { width: number; height: number; data: string }, width: number, height: number): Uint8Array {
  if (mask.width !== width || mask.height !== height) {
    throw new Error(`the mask is ${mask.width}×${mask.height} but the photo is ${width}×${height}: paint the mask on this photo`);
  }
  const bytes = new Uint8Array(width * height);
  try {
    rleDecodeInto(Buffer.from(mask.data, 'base64'), bytes);
  } catch (err) {
    throw new Error(`the mask data does not decode to ${width}×${height} values (${(err as Error).message})`);
  }
  return bytes;
}

/** Coverage bytes as the mask payload. */
export function encodeMask(coverage: Uint8Array, width: number, height: number) {
  return { width, height, encoding: 'rle' as const, data: Buffer.from(rleEncode(coverage)).toString('base64') };
}

function blendFor(params: { blend?: z.output<typeof blendSchema> }, width: number, height: number): BlendSettings {
  const b = params.blend;
  if (!b) return {};
  return { mask: b.mask ? decodeMask(b.mask, width, height) : undefined, feather: b.feather, strength: b.strength };
}

/** Decoded and scaled sources of recent previews: a mask stroke must not decode the photo again. */
const previewSources = new Map<string, { source: Raster; size: { width: number; height: number } }>();
const PREVIEW_SOURCES = 4;

async function previewSource(source: PreviewParams['source'], maxSize: number) {
  if ('png' in source) {
    // Pixels painted in the renderer (a label map): small, changing with every stroke.
    const full = await decodePhoto(Buffer.from(source.png, 'base64'), 'the painted image');
    const fit = fitWithin(full.width, full.height, maxSize);
    return { source: resizeRaster(full, fit.width, fit.height), size: { width: full.width, height: full.height } };
  }
  const s = await stat(source.path).catch(() => {
    throw new Error(`photo not found: ${source.path}`);
  });
  const key = `${source.path}|${s.mtimeMs}|${s.size}|${maxSize}`;
  const hit = previewSources.get(key);
  if (hit) {
    previewSources.delete(key);
    previewSources.set(key, hit);
    return hit;
  }
  const full = await decodePhoto(source.path);
  const fit = fitWithin(full.width, full.height, maxSize);
  const entry = { source: resizeRaster(full, fit.width, fit.height), size: { width: full.width, height: full.height } };
  previewSources.set(key, entry);
  while (previewSources.size > PREVIEW_SOURCES) previewSources.delete(previewSources.keys().next().value as string);
  return entry;
}

export async function runPreview(params: PreviewParams, { signal }: Pick<JobContext, 'signal'>) {
  const t0 = performance.now();
  const gen = await generatorCache.get(params.model, params.direction);
  const t1 = performance.now();
  signal.throwIfAborted();
  const { source, size } = await previewSource(params.source, params.maxSize);
  signal.throwIfAborted();
  let engine: InferenceEngine | undefined;
  const result = await renderPreview(
    gen,
    source,
    size,
    { eval: params.eval, signal, onEngine: (e) => (engine = e) },
    blendFor(params, size.width, size.height),
  );
  const t2 = performance.now();
  const png = await encodeRaster(result, 'png');
  return {
    png: Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64'),
    width: result.width,
    height: result.height,
    sourceWidth: size.width,
    sourceHeight: size.height,
    engine: describeEngine(engine),
    ms: { load: gen.cached ? 0 : t1 - t0, infer: t2 - t1, total: performance.now() - t0 },
  };
}

/** Refuse to write over the photo being translated, whatever `overwrite` says. */
async function checkNotSource(output: string, sources: string[]): Promise<void> {
  const out = await realpath(output).catch(() => resolve(output));
  for (const source of sources) {
    const src = await realpath(source).catch(() => resolve(source));
    if (src === out) throw new Error(`refusing to write the result over its source photo ${source}: choose another output file`);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function writeOutput(path: string, bytes: Uint8Array, overwrite: boolean): Promise<void> {
  if (overwrite) await writeFileAtomic(path, bytes);
  else await writeNewFileAtomic(path, bytes);
}

export async function runExport(params: ExportParams, { signal, progress, onEngine }: Progress) {
  const t0 = performance.now();
  const output = resolve(params.output);
  await checkNotSource(output, [params.source.path]);
  // Checked before the work as well as at the write, so nobody waits minutes for a refusal.
  if (!params.overwrite && (await exists(output))) {
    throw new Error(`${output} already exists (pass overwrite to replace it)`);
  }
  progress(0, 1, 'loading model');
  const gen = await generatorCache.get(params.model, params.direction);
  signal.throwIfAborted();
  progress(0, 1, 'reading photo');
  const source = await decodePhoto(params.source.path);
  const blend = blendFor(params, source.width, source.height);
  let tiles = 1;
  let engine: InferenceEngine | undefined;
  const result = await translateAndComposite(
    gen,
    source,
    {
      eval: params.eval,
      tile: params.tile,
      workSize: params.workSize,
      signal,
      onProgress: (done, total) => {
        tiles = total;
        progress(done, total + 1, `tile ${done}/${total}`);
      },
      onEngine: (e) => {
        engine = e;
        onEngine?.(e);
      },
    },
    blend,
  );
  progress(tiles, tiles + 1, `writing ${basename(output)}`);
  const bytes = await encodeRaster(result, params.format, params.quality);
  signal.throwIfAborted();
  await writeOutput(output, bytes, params.overwrite);
  progress(tiles + 1, tiles + 1, 'done');
  return { path: output, width: result.width, height: result.height, tiles, engine: describeEngine(engine), ms: performance.now() - t0 };
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.bmp', '.gif', '.avif']);

export function isImageFile(path: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(path).toLowerCase());
}

/** Output names for a batch: <stem>.<ext>, numbered where two inputs share a stem. */
export function batchOutputNames(inputs: readonly string[], ext: string): string[] {
  const used = new Set<string>();
  return inputs.map((input) => {
    const stem = basename(input, extname(input));
    let name = `${stem}.${ext}`;
    for (let i = 2; used.has(name.toLowerCase()); i++) name = `${stem}_${i}.${ext}`;
    used.add(name.toLowerCase());
    return name;
  });
}

export interface BatchSummary {
  outputDir: string;
  written: { source: string; output: string }[];
  failed: { source: string; error: string }[];
  skipped: { source: string; reason: string }[];
  ms: number;
}

/**
 * Translate every input into outputDir. A file that cannot be read or translated is
 * recorded in `failed` and the batch goes on; cancel stops before the next file.
 */
export async function runBatch(params: BatchParams, { signal, progress, onEngine }: Progress): Promise<BatchSummary> {
  const t0 = performance.now();
  const outputDir = resolve(params.outputDir);
  const summary: BatchSummary = { outputDir, written: [], failed: [], skipped: [], ms: 0 };
  const ext = params.format === 'jpeg' ? 'jpg' : 'png';
  const names = batchOutputNames(params.inputs, ext);
  const total = params.inputs.length;
  progress(0, total, 'loading model');
  const gen = await generatorCache.get(params.model, params.direction);
  for (let i = 0; i < total; i++) {
    signal.throwIfAborted();
    const input = params.inputs[i]!;
    const output = join(outputDir, names[i]!);
    progress(i, total, basename(input));
    if (!isImageFile(input)) {
      summary.skipped.push({ source: input, reason: `not an image file (${extname(input) || 'no extension'})` });
      continue;
    }
    try {
      await checkNotSource(output, [input]);
      if (!params.overwrite && (await exists(output))) {
        summary.skipped.push({ source: input, reason: `${output} already exists` });
        continue;
      }
      const source = await decodePhoto(input);
      const result = await translateAndComposite(
        gen,
        source,
        { eval: params.eval, tile: params.tile, workSize: params.workSize, signal, onEngine },
        blendFor(params, source.width, source.height),
      );
      await writeOutput(output, await encodeRaster(result, params.format, params.quality), params.overwrite);
      summary.written.push({ source: input, output });
    } catch (err) {
      if (signal.aborted) throw err;
      summary.failed.push({ source: input, error: (err as Error).message });
    }
  }
  progress(total, total, `${summary.written.length} written, ${summary.failed.length} failed, ${summary.skipped.length} skipped`);
  summary.ms = performance.now() - t0;
  return summary;
}

export const translatePreviewJob = defineJob({
  kind: 'translate:preview',
  params: previewParamsSchema,
  run: (params, context) => runPreview(params, context),
});

export const translateExportJob = defineJob({
  kind: 'translate:export',
  params: exportParamsSchema,
  run: (params, context) => runExport(params, context),
});

export const translateBatchJob = defineJob({
  kind: 'translate:batch',
  params: batchParamsSchema,
  run: (params, context) => runBatch(params, context),
});

export const translateInspectJob = defineJob({
  kind: 'translate:inspect',
  params: z.strictObject({ path: z.string().min(1) }),
  run: async ({ path }) => inspectResultSchema.parse(await inspectPth(path)),
});

export const translateJobs = [translatePreviewJob, translateExportJob, translateBatchJob, translateInspectJob];
