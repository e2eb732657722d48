/**
 * `atelier export-onnx`: writes a generator (or any network in a reference .pth) as an ONNX
 * file that other runtimes can run.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ModelDirection } from '../engine/io/model-file';
import { readPth } from '../engine/io/pth';
import { GeneratorCache } from '../engine/jobs/translate-model';
import { describeOptions, discriminatorSpec, generatorSpec, inferArchitecture } from '../engine/networks';
import { exportOnnx, type ExportOnnxOptions, type OnnxSource } from '../engine/onnx';
import { CliUsageError, type CliCommand, type CliContext } from './command';
import { resolveModelArg } from './translate';

const USAGE = `Usage: atelier export-onnx --model <model> --output <file.onnx> [options]

Write a network as an ONNX file (opset 17, NCHW float32, values in [-1, 1]; height, width
and batch dynamic unless --size is given).
  --model M        a saved model folder, a training run folder, or a reference .pth
                   (a .pth may hold a generator or a discriminator)
  --output F       the .onnx file to write
  --direction D    AtoB or BtoA: which generator of a model or run (default AtoB)
  --test-mode      BatchNorm normalises with each image's own statistics and dropout stays
                   on, as the reference's test.py without --eval (default: running
                   statistics and no dropout, as with --eval)
  --size HxW       fix the input size (e.g. 256x256)
  --overwrite      replace an existing file`;

export interface ExportOnnxCliOptions {
  model: string;
  output: string;
  direction?: ModelDirection;
  testMode: boolean;
  size?: { height: number; width: number };
  overwrite: boolean;
}

export function parseExportOnnxArgs(args: string[]): ExportOnnxCliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        model: { type: 'string' },
        output: { type: 'string' },
        direction: { type: 'string' },
        'test-mode': { type: 'boolean' },
        size: { type: 'string' },
        overwrite: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
  for (const required of ['model', 'output'] as const) if (!values[required]) throw new CliUsageError(`--${required} is required`);
  if (!values.output!.toLowerCase().endsWith('.onnx')) throw new CliUsageError(`--output must name a .onnx file, got ${JSON.stringify(values.output)}`);
  if (values.direction !== undefined && values.direction !== 'AtoB' && values.direction !== 'BtoA') {
    throw new CliUsageError(`--direction must be AtoB or BtoA, got ${JSON.stringify(values.direction)}`);
  }
  let size: ExportOnnxCliOptions['size'];
  if (values.size !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(values.size);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new CliUsageError(`--size must be HxW in pixels (e.g. 256x256), got ${JSON.stringify(values.size)}`);
    size = { height: Number(m[1]), width: Number(m[2]) };
  }
  return {
    model: values.model!,
    output: values.output!,
    direction: values.direction as ModelDirection | undefined,
    testMode: values['test-mode'] ?? false,
    size,
    overwrite: values.overwrite ?? false,
  };
}

async function exportCli(o: ExportOnnxCliOptions, ctx: CliContext): Promise<number> {
  const output = resolve(o.output);
  if (existsSync(output) && !o.overwrite) throw new Error(`--output ${o.output} exists (use --overwrite to replace it)`);
  const { ref, direction, label } = await resolveModelArg(o.model, o.direction);
  const cache = new GeneratorCache(1);
  let source: OnnxSource;
  let what: string;
  if (ref.type === 'pth') {
    // A bare checkpoint: any network the reference builds, straight from its state_dict.
    const sd = await readPth(ref.path);
    const found = inferArchitecture(sd);
    const options = found.role === 'generator' ? { ...found.options, useDropout: found.dropoutInferred ? found.options.useDropout : false } : found.options;
    source = { spec: 'netG' in options ? generatorSpec(options) : discriminatorSpec(options), stateDict: sd };
    what = `${label}: ${describeOptions(options)}`;
  } else {
    const loaded = await cache.get(ref, direction);
    source = loaded.net;
    what = `${label}, ${direction}: ${describeOptions(loaded.options)}`;
  }
  try {
    const options: ExportOnnxOptions = {
      training: o.testMode,
      dropout: o.testMode ? 'random' : 'off',
      ...(o.size ? { inputShape: o.size } : {}),
    };
    const bytes = await exportOnnx(source, output, options);
    ctx.err(what);
    ctx.out(`${output} (${(bytes / 2 ** 20).toFixed(1)} MiB, ${o.testMode ? 'test mode: batch statistics, dropout on' : 'eval mode'})`);
    return 0;
  } finally {
    cache.clear();
  }
}

export const exportOnnxCommand: CliCommand = {
  name: 'export-onnx',
  summary: 'write a model as an ONNX file for other runtimes',
  usage: USAGE,
  run: (args, context) => exportCli(parseExportOnnxArgs(args), context),
};
