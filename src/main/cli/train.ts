/**
 * `atelier train`: train pix2pix or CycleGAN in this process, with the reference's option
 * names (train.py, options/*.py) and its models' defaults; Ctrl+C saves and stops.
 */
import { parseArgs } from 'node:util';
import type { BackendName } from '../../shared/backend';
import { BACKEND_ORDER, initBackend } from '../engine/backends/select';
import { runTraining, TrainingDivergedError } from '../engine/train/trainer';
import {
  MODELS,
  optionDocs,
  optionKind,
  trainOptionFields,
  type TrainOptionName,
  type TrainOptionsInput,
} from '../../shared/train-options';
import { CliUsageError, type CliCommand, type CliContext } from './command';
import { progressBar } from './progress-bar';

const NAMES = Object.keys(trainOptionFields) as TrainOptionName[];

function defaultText(d: ReturnType<typeof optionDocs>[number]): string {
  const show = (v: unknown) => (v === null ? 'inf' : typeof v === 'string' ? v : JSON.stringify(v));
  const parts: string[] = [];
  if (d.name === 'seed') parts.push('random, saved with the run');
  else if ('base' in d.defaults && d.kind.type !== 'boolean') parts.push(show(d.defaults.base));
  for (const m of MODELS) if (m in d.defaults) parts.push(`${m}: ${show(d.defaults[m])}`);
  return parts.length ? ` (default: ${parts.join('; ')})` : '';
}

function usage(): string {
  const lines = optionDocs().map((d) => {
    const arg = d.kind.type === 'boolean' ? '' : d.kind.type === 'enum' ? ' X' : d.kind.type === 'string' ? ' S' : ' N';
    return { flag: `--${d.name}${arg}`, text: `${d.doc}${defaultText(d)}` };
  });
  lines.push({ flag: '--backend B', text: `compute backend: ${BACKEND_ORDER.join(', ')} (default: the fastest available)` });
  const width = Math.max(...lines.map((l) => l.flag.length));
  return [
    'Usage: atelier train --dataroot <folder> [options]',
    '',
    'Train pix2pix (paired images) or CycleGAN (unpaired) as the reference implementation',
    '(junyanz/pytorch-CycleGAN-and-pix2pix) does, with its option names and defaults. The run',
    'goes to <checkpoints_dir>/<name>/: options.json, metrics.jsonl (one line per step),',
    'checkpoints/ (latest, epoch_<n>) and previews/. Ctrl+C saves the run as latest and stops;',
    'continue it with --continue_train. Translate with it: atelier translate --model <run folder>.',
    '',
    'Options:',
    ...lines.map((l) => `  ${l.flag.padEnd(width)}  ${l.text}`),
  ].join('\n');
}

export interface TrainCliOptions {
  input: TrainOptionsInput;
  backend?: BackendName;
}

/** The options given on the command line only, typed (the model's defaults fill the rest later). */
export function parseTrainArgs(args: string[]): TrainCliOptions {
  const spec: Record<string, { type: 'string' | 'boolean' }> = { backend: { type: 'string' } };
  for (const name of NAMES) spec[name] = { type: optionKind(name).type === 'boolean' ? 'boolean' : 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options: spec, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
  const input: Record<string, unknown> = {};
  for (const name of NAMES) {
    const raw = values[name];
    if (raw === undefined) continue;
    const kind = optionKind(name);
    if (kind.type === 'boolean') input[name] = raw;
    else if (kind.type === 'integer' || kind.type === 'number') {
      const text = String(raw).trim();
      if (kind.nullable && (text === 'inf' || text === 'null')) input[name] = null;
      else {
        const n = Number(text);
        if (text === '' || !Number.isFinite(n) || (kind.type === 'integer' && !Number.isInteger(n))) {
          throw new CliUsageError(`--${name} must be ${kind.type === 'integer' ? 'an integer' : 'a number'}${kind.nullable ? " or 'inf'" : ''}, got ${JSON.stringify(raw)}`);
        }
        input[name] = n;
      }
    } else input[name] = raw;
  }
  const backend = values.backend as string | undefined;
  if (backend !== undefined && !(BACKEND_ORDER as readonly string[]).includes(backend)) {
    throw new CliUsageError(`--backend must be one of ${BACKEND_ORDER.join(', ')}, got ${JSON.stringify(backend)}`);
  }
  if (!input.continue_train && input.dataroot === undefined) throw new CliUsageError('--dataroot is required');
  return { input: input as TrainOptionsInput, ...(backend ? { backend: backend as BackendName } : {}) };
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3));

async function run(args: string[], ctx: CliContext): Promise<number> {
  const { input, backend: prefer } = parseTrainArgs(args);
  const backend = await initBackend(prefer ? { prefer } : {});
  ctx.err(`backend ${backend.name} (${backend.device})`);

  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    ctx.err('\nstopping after this step and saving the run (Ctrl+C again to quit at once)…');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const bar = progressBar(ctx, 'steps');
  let sessionSteps = 0;
  try {
    const result = await runTraining(input, {
      signal: controller.signal,
      onEvent: (e) => {
        switch (e.type) {
          case 'start':
            ctx.err(
              `${e.resumedFrom ? `continuing ${e.resumedFrom}` : `training ${e.options.model} into ${e.runDir}`}: ${e.datasetSize} images, ${e.batchesPerEpoch} steps per epoch, epochs ${e.options.epoch_count}–${e.options.n_epochs + e.options.n_epochs_decay}, seed ${e.options.seed}`,
            );
            break;
          case 'epoch-start':
            break;
          case 'checkpoint':
            bar.done();
            ctx.err(`saved ${e.tag} at step ${e.step}`);
            break;
          case 'bad-sample':
            bar.done();
            ctx.err(`warning: skipped ${e.path}: ${e.message}`);
            break;
          case 'warning':
            bar.done();
            ctx.err(`warning: ${e.message}`);
            break;
          case 'epoch-end':
          case 'preview':
            break;
        }
      },
      onStep: (s) => {
        sessionSteps++;
        const losses = Object.entries(s.losses)
          .map(([k, v]) => `${k} ${fmt(v)}`)
          .join('  ');
        bar.update(sessionSteps, sessionSteps + s.stepsLeft, `epoch ${s.epoch}/${s.lastEpoch}  ${s.itPerS.toFixed(2)} it/s  ${losses}`);
        if (s.print) {
          // The reference's loss line: (epoch, iters, time per image, data time) losses.
          bar.done();
          ctx.err(
            `(epoch: ${s.epoch}, iters: ${s.epochIter}, time: ${s.stepS.toFixed(3)}, data: ${s.dataS.toFixed(3)}, lr: ${s.lr.toExponential(3)}) ${Object.entries(s.losses)
              .map(([k, v]) => `${k}: ${v.toFixed(3)}`)
              .join(' ')}`,
          );
        }
      },
    });
    bar.done();
    ctx.out(`${result.status === 'completed' ? 'finished' : 'stopped'} at epoch ${result.epoch}, step ${result.step}: ${result.checkpoint ?? result.runDir}`);
    return result.status === 'completed' ? 0 : 130;
  } catch (err) {
    bar.done();
    if (err instanceof TrainingDivergedError) {
      ctx.err(err.message);
      return 1;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'train pix2pix or CycleGAN on a dataset folder (the reference’s options)',
  get usage() {
    return usage();
  },
  run,
};
