/**
 * `atelier translate`: translate a photo or a folder of photos with a saved model, a
 * training run or a reference .pth, in this process (no server needed).
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { BackendName } from '../../shared/backend';
import { initBackend } from '../engine/backends/select';
import { readModelManifest, MODEL_MANIFEST, type ModelDirection } from '../engine/io/model-file';
import { encodeMask, runBatch, runExport, type BatchSummary } from '../engine/jobs/translate';
import type { ModelRef } from '../engine/jobs/translate-model';
import type { InferenceEngine } from '../engine/onnx/engine';
import * as tf from '../engine/tf';
import { readRunSummary } from '../services/models';
import { CliUsageError, type CliCommand, type CliContext } from './command';
import { progressBar, type ProgressBar } from './progress-bar';

const USAGE = `Usage: atelier translate --model <model> --input <file|folder> --output <file|folder> [options]

Translate photos with a trained generator, at their full resolution.
  --model M        a saved model folder (with model.json), a training run folder
                   (with options.json) or a reference generator checkpoint (.pth)
  --input P        a photo, or a folder of photos (not recursive)
  --output P       the file to write (.png or .jpg), or the folder for a folder input
  --direction D    AtoB or BtoA: which generator of the model runs (default: AtoB when
                   the model has it, else its only direction)
  --eval           BatchNorm with running statistics and dropout off (the reference's --eval)
  --size N         translate at N pixels on the longest side, then scale the result
                   back to the photo's size (default: translate at full resolution)
  --tile N         tile side for full-resolution inference (default 1024)
  --mask PNG       translate only where this grayscale PNG (the photo's size) is white;
                   black keeps the photo exactly, grays blend
  --feather N      soften the mask's edge over N pixels inside it (default 0)
  --strength S     blend of translation over the photo, 0 to 1 (default 1)
  --format F       png or jpeg, for a folder output (default png; a file output's
                   extension decides)
  --quality Q      JPEG quality 1-100 (default 92)
  --overwrite      replace existing output files (never the input photo)
  --backend B      TF.js compute backend: wasm, cpu, tensorflow, tensorflow-gpu (default:
                   the fastest available). Inference runs on ONNX Runtime unless TF.js runs
                   on a CUDA GPU or ONNX Runtime cannot run the model (ATELIER_INFERENCE=tfjs
                   forces TF.js); the engine that runs is printed.`;

export interface TranslateCliOptions {
  model: string;
  input: string;
  output: string;
  direction?: ModelDirection;
  eval: boolean;
  size?: number;
  tile: number;
  mask?: string;
  feather: number;
  strength: number;
  format?: 'png' | 'jpeg';
  quality: number;
  overwrite: boolean;
  backend?: BackendName;
}

function number(name: string, value: string | undefined, check: (n: number) => boolean, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n)) throw new CliUsageError(`--${name} must be ${what}, got ${JSON.stringify(value)}`);
  return n;
}

export function parseTranslateArgs(args: string[]): TranslateCliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        model: { type: 'string' },
        input: { type: 'string' },
        output: { type: 'string' },
        direction: { type: 'string' },
        eval: { type: 'boolean' },
        size: { type: 'string' },
        tile: { type: 'string' },
        mask: { type: 'string' },
        feather: { type: 'string' },
        strength: { type: 'string' },
        format: { type: 'string' },
        quality: { type: 'string' },
        overwrite: { type: 'boolean' },
        backend: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
  for (const required of ['model', 'input', 'output'] as const) {
    if (!values[required]) throw new CliUsageError(`--${required} is required`);
  }
  if (values.direction !== undefined && values.direction !== 'AtoB' && values.direction !== 'BtoA') {
    throw new CliUsageError(`--direction must be AtoB or BtoA, got ${JSON.stringify(values.direction)}`);
  }
  if (values.format !== undefined && values.format !== 'png' && values.format !== 'jpeg' && values.format !== 'jpg') {
    throw new CliUsageError(`--format must be png or jpeg, got ${JSON.stringify(values.format)}`);
  }
  const backends = ['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'];
  if (values.backend !== undefined && !backends.includes(values.backend)) {
    throw new CliUsageError(`--backend must be one of ${backends.join(', ')}, got ${JSON.stringify(values.backend)}`);
  }
  const isInt = (min: number, max: number) => (n: number) => Number.isInteger(n) && n >= min && n <= max;
  return {
    model: values.model!,
    input: values.input!,
    output: values.output!,
    direction: values.direction as ModelDirection | undefined,
    eval: values.eval ?? false,
    size: number('size', values.size, isInt(16, 16384), 'an integer from 16 to 16384'),
    tile: number('tile', values.tile, isInt(64, 8192), 'an integer from 64 to 8192') ?? 1024,
    mask: values.mask,
    feather: number('feather', values.feather, (n) => n >= 0 && n <= 500, 'a number of pixels from 0 to 500') ?? 0,
    strength: number('strength', values.strength, (n) => n >= 0 && n <= 1, 'a number from 0 to 1') ?? 1,
    format: values.format === undefined ? undefined : values.format === 'png' ? 'png' : 'jpeg',
    quality: number('quality', values.quality, isInt(1, 100), 'an integer from 1 to 100') ?? 92,
    overwrite: values.overwrite ?? false,
    backend: values.backend as BackendName | undefined,
  };
}

async function kindOf(path: string): Promise<'file' | 'dir' | 'missing'> {
  const s = await stat(path).catch(() => null);
  return !s ? 'missing' : s.isDirectory() ? 'dir' : 'file';
}

/** What --model names, and the direction to run. */
export async function resolveModelArg(model: string, direction: ModelDirection | undefined): Promise<{ ref: ModelRef; direction: ModelDirection; label: string }> {
  const path = resolve(model);
  const kind = await kindOf(path);
  if (kind === 'missing') throw new Error(`--model ${model}: no such file or folder`);
  if (kind === 'file') {
    if (extname(path).toLowerCase() !== '.pth') throw new Error(`--model ${model}: expected a .pth checkpoint or a model/run folder`);
    return { ref: { type: 'pth', path }, direction: direction ?? 'AtoB', label: basename(path) };
  }
  if ((await kindOf(join(path, MODEL_MANIFEST))) === 'file') {
    const manifest = await readModelManifest(path);
    const have = (['AtoB', 'BtoA'] as const).filter((d) => manifest.generators[d]);
    const chosen = direction ?? (have.includes('AtoB') ? 'AtoB' : have[0]!);
    if (!manifest.generators[chosen]) {
      throw new Error(`--direction ${chosen}: model "${manifest.name}" translates ${have.join(' and ')} only`);
    }
    const from = chosen === 'AtoB' ? manifest.domains.A : manifest.domains.B;
    const to = chosen === 'AtoB' ? manifest.domains.B : manifest.domains.A;
    return { ref: { type: 'model', dir: path }, direction: chosen, label: `${manifest.name} (${from} → ${to})` };
  }
  if ((await kindOf(join(path, 'options.json'))) === 'file') {
    const run = await readRunSummary(path);
    if (!run) throw new Error(`--model ${model}: the run has saved no checkpoint yet`);
    const have = (['AtoB', 'BtoA'] as const).filter((d) => run.generators[d]);
    const chosen = direction ?? (have.includes('AtoB') ? 'AtoB' : have[0]!);
    if (!run.generators[chosen]) throw new Error(`--direction ${chosen}: run ${run.name} translates ${have.join(' and ')} only`);
    return { ref: { type: 'run', dir: path }, direction: chosen, label: `run ${run.name} (${run.kind}, ${chosen})` };
  }
  throw new Error(`--model ${model}: the folder holds neither ${MODEL_MANIFEST} (a saved model) nor options.json (a training run)`);
}

/** A grayscale PNG as the coverage payload the translate jobs take. */
async function readMask(path: string) {
  try {
    const { data, info } = await sharp(path).greyscale().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    const bytes = info.channels === 1 ? new Uint8Array(data) : Uint8Array.from({ length: info.width * info.height }, (_, i) => data[i * info.channels]!);
    return encodeMask(bytes, info.width, info.height);
  } catch (err) {
    throw new Error(`--mask ${path}: cannot read the mask (${(err as Error).message})`);
  }
}

/**
 * The engine that runs inference, as `atelier translate` prints it: "inference: onnxruntime,
 * CPU, 2 threads (ONNX Runtime 1.22.0)", or "inference: tfjs-wasm (not ONNX Runtime: …why)".
 */
export function describeInference(engine: InferenceEngine): string {
  if (engine.name === 'onnxruntime') return `inference: onnxruntime, ${engine.device}`;
  return `inference: tfjs-${tf.getBackend()}${engine.reason ? ` (not ONNX Runtime: ${engine.reason})` : ''}`;
}

function formatFor(path: string): 'png' | 'jpeg' | undefined {
  const ext = extname(path).toLowerCase();
  return ext === '.png' ? 'png' : ext === '.jpg' || ext === '.jpeg' ? 'jpeg' : undefined;
}

export async function translateCli(o: TranslateCliOptions, ctx: CliContext): Promise<number> {
  const input = resolve(o.input);
  const output = resolve(o.output);
  const inputKind = await kindOf(input);
  if (inputKind === 'missing') throw new Error(`--input ${o.input}: no such file or folder`);
  const { ref, direction, label } = await resolveModelArg(o.model, o.direction);
  await initBackend(o.backend ? { prefer: o.backend } : {});
  ctx.err(`${label}, ${direction}`);
  // Said once, when the first photo starts (and again only if a later one runs elsewhere).
  let said: string | undefined;
  const engineNoter = (bar: ProgressBar) => (engine: InferenceEngine) => {
    const line = describeInference(engine);
    if (line !== said) bar.note((said = line));
  };
  const blend = {
    ...(o.mask ? { mask: await readMask(resolve(o.mask)) } : {}),
    feather: o.feather,
    strength: o.strength,
  };
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  try {
    if (inputKind === 'file') {
      let target = output;
      if ((await kindOf(output)) === 'dir') target = join(output, `${basename(input, extname(input))}.${o.format === 'jpeg' ? 'jpg' : 'png'}`);
      const format = formatFor(target);
      if (!format) throw new CliUsageError(`--output ${o.output}: use a .png or .jpg file name (or an existing folder)`);
      const bar = progressBar(ctx, 'tiles');
      const result = await runExport(
        {
          model: ref,
          direction,
          source: { path: input },
          blend,
          eval: o.eval,
          output: target,
          format,
          quality: o.quality,
          overwrite: o.overwrite,
          tile: o.tile,
          ...(o.size !== undefined ? { workSize: o.size } : {}),
        },
        { signal: controller.signal, progress: bar.update, onEngine: engineNoter(bar) },
      );
      bar.done();
      ctx.out(`${result.path} (${result.width}×${result.height}, ${result.tiles} tile${result.tiles === 1 ? '' : 's'}, ${(result.ms / 1000).toFixed(1)} s)`);
      return 0;
    }
    if ((await kindOf(output)) === 'file') throw new Error(`--output ${o.output}: a folder input needs an output folder, not a file`);
    const names = (await readdir(input)).filter((n) => !n.startsWith('.')).sort();
    const inputs: string[] = [];
    for (const name of names) if ((await kindOf(join(input, name))) === 'file') inputs.push(join(input, name));
    if (inputs.length === 0) throw new Error(`--input ${o.input}: the folder holds no files`);
    const bar = progressBar(ctx, 'images');
    const summary: BatchSummary = await runBatch(
      {
        model: ref,
        direction,
        inputs,
        outputDir: output,
        blend,
        eval: o.eval,
        format: o.format ?? 'png',
        quality: o.quality,
        overwrite: o.overwrite,
        tile: o.tile,
        ...(o.size !== undefined ? { workSize: o.size } : {}),
      },
      { signal: controller.signal, progress: bar.update, onEngine: engineNoter(bar) },
    );
    bar.done();
    for (const s of summary.skipped) ctx.err(`skipped ${s.source}: ${s.reason}`);
    for (const f of summary.failed) ctx.err(`failed  ${f.source}: ${f.error}`);
    ctx.out(
      `${summary.written.length} written to ${summary.outputDir}, ${summary.failed.length} failed, ${summary.skipped.length} skipped (${(summary.ms / 1000).toFixed(1)} s)`,
    );
    return summary.failed.length > 0 ? 1 : 0;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}

export const translateCommand: CliCommand = {
  name: 'translate',
  summary: 'translate a photo or a folder with a model, a run or a .pth',
  usage: USAGE,
  run: (args, context) => translateCli(parseTranslateArgs(args), context),
};
