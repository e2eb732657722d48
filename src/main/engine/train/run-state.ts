/**
 * A training run's state as a checkpoint: every network's state_dict, each optimizer's
 * moments, the image pools, and — as JSON — where the run is (epoch, batch, iterations),
 * the scheduler, the optimizers' step counts, the pools' random streams and the options.
 * `captureRunState` and `restoreRunState` are inverses: a run restored from a checkpoint
 * continues exactly as the run that wrote it would have.
 */
import type { TrainOptions } from '../../../shared/train-options';
import type { StateDict } from '../io/tensor-data';
import type { TranslationModel } from '../models';
import type { AdamParamState, AdamState } from './adam';
import type { CheckpointMeta, CheckpointPayload, LoadedCheckpoint } from './checkpoint';
import type { ImagePoolState } from './pool';
import type { RngState } from './rng';
import type { LrScheduler, SchedulerState } from './scheduler';

/** Where a run stands, between two steps. */
export interface RunPosition {
  /** The epoch in progress, or just finished (from epoch_count). */
  epoch: number;
  /** The next batch of that epoch; the number of batches per epoch once it is finished. */
  nextBatch: number;
  /** The last epoch whose learning rate has been set (the scheduler steps once per epoch). */
  scheduledEpoch: number;
  /** Iterations done (optimize_parameters calls). */
  step: number;
  /** Images seen in the run and in the current epoch (the reference's counters). */
  totalIters: number;
  epochIter: number;
  /** Training time so far, seconds (not counting pauses). */
  elapsedS: number;
}

export interface RunMeta extends CheckpointMeta {
  kind: 'training-run';
  model: string;
  options: TrainOptions;
  position: RunPosition;
  scheduler: SchedulerState;
  optimizers: Record<string, { lr: number; beta1: number; beta2: number; eps: number; steps: Record<string, number> }>;
  pools: Record<string, { size: number; count: number; rng: RngState }>;
  lossNames: string[];
  visualNames: string[];
  modelNames: string[];
  generators: Partial<Record<'AtoB' | 'BtoA', string>>;
  backend: string;
}

const f32 = (shape: number[], data: Float32Array) => ({ dtype: 'float32' as const, shape, data });

export function captureRunState(
  model: TranslationModel,
  scheduler: LrScheduler,
  options: TrainOptions,
  position: RunPosition,
  backend: string,
): CheckpointPayload {
  const tensors = new Map<string, StateDict>();
  for (const name of model.modelNames) tensors.set(`net_${name}`, model.networks.get(name)!.stateDict());

  const optimizers: RunMeta['optimizers'] = {};
  for (const [name, opt] of model.optimizers) {
    const state = opt.getState();
    const sd: StateDict = new Map();
    const steps: Record<string, number> = {};
    for (const [key, p] of state.params) {
      sd.set(`exp_avg.${key}`, f32(p.shape, p.expAvg));
      sd.set(`exp_avg_sq.${key}`, f32(p.shape, p.expAvgSq));
      steps[key] = p.step;
    }
    tensors.set(`optimizer_${name}`, sd);
    optimizers[name] = { lr: state.lr, beta1: state.beta1, beta2: state.beta2, eps: state.eps, steps };
  }

  const pools: RunMeta['pools'] = {};
  for (const [name, pool] of model.pools) {
    const state = pool.getState();
    pools[name] = { size: state.size, count: state.images.length, rng: state.rng };
    if (state.images.length) {
      tensors.set(`pool_${name}`, new Map(state.images.map((im, i) => [String(i), f32(im.shape, im.data)])));
    }
  }

  const meta: RunMeta = {
    kind: 'training-run',
    sequence: position.step,
    model: model.name,
    options,
    position,
    scheduler: scheduler.getState(),
    optimizers,
    pools,
    lossNames: [...model.lossNames],
    visualNames: [...model.visualNames],
    modelNames: [...model.modelNames],
    generators: { ...model.generators },
    backend,
  };
  return { meta, tensors };
}

function floats(where: string, sd: StateDict | undefined, key: string): { shape: number[]; data: Float32Array } {
  const t = sd?.get(key);
  if (!t || t.dtype !== 'float32') throw new Error(`checkpoint ${where}: '${key}' missing or not float32`);
  return { shape: t.shape, data: t.data as Float32Array };
}

/** Load a checkpoint's state into a freshly built model and scheduler; returns where to continue. */
export function restoreRunState(checkpoint: LoadedCheckpoint, model: TranslationModel, scheduler: LrScheduler): RunPosition {
  const meta = checkpoint.manifest.meta as RunMeta;
  const where = checkpoint.dir;
  if (meta.kind !== 'training-run') throw new Error(`${where}: not a training checkpoint`);
  if (meta.model !== model.name) throw new Error(`${where}: checkpoint of a ${meta.model} run, this run is ${model.name}`);

  for (const name of model.modelNames) {
    const sd = checkpoint.tensors.get(`net_${name}`);
    if (!sd) throw new Error(`${where}: network ${name} is missing`);
    try {
      model.networks.get(name)!.loadStateDict(sd);
    } catch (err) {
      throw new Error(`${where}: network ${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  for (const [name, opt] of model.optimizers) {
    const m = meta.optimizers[name];
    if (!m) throw new Error(`${where}: optimizer ${name} is missing`);
    const sd = checkpoint.tensors.get(`optimizer_${name}`);
    const params = new Map<string, AdamParamState>();
    for (const [key, step] of Object.entries(m.steps)) {
      const avg = floats(where, sd, `exp_avg.${key}`);
      const sq = floats(where, sd, `exp_avg_sq.${key}`);
      params.set(key, { step, shape: avg.shape, expAvg: avg.data, expAvgSq: sq.data });
    }
    const state: AdamState = { lr: m.lr, beta1: m.beta1, beta2: m.beta2, eps: m.eps, params };
    opt.setState(state);
  }

  for (const [name, pool] of model.pools) {
    const p = meta.pools[name];
    if (!p) throw new Error(`${where}: image pool ${name} is missing`);
    const sd = checkpoint.tensors.get(`pool_${name}`);
    const images = Array.from({ length: p.count }, (_, i) => floats(where, sd, String(i)));
    const state: ImagePoolState = { size: p.size, images, rng: p.rng };
    pool.setState(state);
  }

  scheduler.setState(meta.scheduler);
  return { ...meta.position };
}
