/**
 * The training loop, as the reference's train.py, for any `TranslationModel`:
 *
 *   for epoch in epoch_count … n_epochs + n_epochs_decay:
 *     update the learning rate (at the beginning of the epoch, as train.py does)
 *     for each batch: set_input → optimize_parameters; log; preview; save 'latest' every
 *                     save_latest_freq images
 *     every save_epoch_freq epochs: save 'latest' and 'epoch_<n>'
 *
 * Around it: a run folder (`<checkpoints_dir>/<name>/` with options.json, metrics.jsonl,
 * checkpoints/, previews/), resumable state, stop (AbortSignal: the state is saved as
 * 'latest' and the run ends), pause between steps, and a clear stop on a non-finite loss
 * that leaves the last good checkpoint in place.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  formatOptionIssues,
  resolveTrainOptions,
  resumableOverrides,
  trainOptionsSchema,
  type TrainOptionName,
  type TrainOptions,
  type TrainOptionsInput,
} from '../../../shared/train-options';
import { writeFileAtomic } from '../../util/atomic-write';
import { createDataset, type Dataset } from '../data/datasets';
import { collate, DataLoader, type Batch } from '../data/loader';
import { createModel, NonFiniteLossError, type ModelInput, type TranslationModel } from '../models';
import * as tf from '../tf';
import { listCheckpoints, readCheckpoint, writeCheckpoint, type LoadedCheckpoint } from './checkpoint';
import { MetricsLog } from './metrics-log';
import { PreviewWriter } from './previews';
import { CHECKPOINTS_DIR, METRICS_FILE, RUN_OPTIONS_FILE, checkpointTag, runDirOf } from './run-layout';
import { deriveSeed } from './rng';
import { captureRunState, restoreRunState, type RunMeta, type RunPosition } from './run-state';
import { LrScheduler } from './scheduler';


export interface StepReport {
  step: number;
  epoch: number;
  lastEpoch: number;
  /** Batch index within the epoch and the epoch's number of batches. */
  batch: number;
  batchesPerEpoch: number;
  epochIter: number;
  totalIters: number;
  lr: number;
  losses: Record<string, number>;
  stepS: number;
  dataS: number;
  /** Iterations per second in this session, and the estimated seconds left. */
  itPerS: number;
  etaS: number;
  /** Steps left in the run (estimated from the epochs' batch counts). */
  stepsLeft: number;
  /** Whether this step crossed a multiple of print_freq images (the reference prints then). */
  print: boolean;
}

export type TrainEvent =
  | { type: 'start'; runDir: string; options: TrainOptions; resumedFrom?: string; datasetSize: number; batchesPerEpoch: number; backend: string }
  | { type: 'epoch-start'; epoch: number; lr: number }
  | { type: 'epoch-end'; epoch: number; seconds: number }
  | { type: 'checkpoint'; tag: string; dir: string; step: number }
  | { type: 'preview'; step: number; files: Record<string, string> }
  | { type: 'bad-sample'; path: string; message: string }
  | { type: 'warning'; message: string };

export interface TrainHooks {
  /** Stops the run between steps; the state is saved as 'latest' first. */
  signal?: AbortSignal;
  /** Awaited before every step: holds the run while it is paused (the job's pause point). */
  pausePoint?(): Promise<void>;
  onStep?(report: StepReport): void;
  onEvent?(event: TrainEvent): void;
  /** Called once the model is built (and restored), before the first step. */
  onModel?(model: TranslationModel): void;
}

export interface TrainResult {
  runDir: string;
  status: 'completed' | 'stopped';
  step: number;
  epoch: number;
  totalIters: number;
  /** The checkpoint written last (its folder). */
  checkpoint: string | null;
  losses: Record<string, number>;
}

/** A non-finite loss or weight stopped the run; `checkpoint` is the last good one (if any). */
export class TrainingDivergedError extends Error {
  constructor(
    readonly reason: string,
    readonly step: number,
    readonly checkpoint: string | null,
  ) {
    super(
      `training stopped at step ${step}: ${reason}. ${
        checkpoint ? `The last good checkpoint is ${checkpoint}.` : 'No checkpoint had been saved yet.'
      }`,
    );
    this.name = 'TrainingDivergedError';
  }
}

/** Networks whose parameters or statistics hold NaN or ±Infinity. */
function nonFiniteNetworks(model: TranslationModel): string[] {
  const bad: string[] = [];
  for (const [name, net] of model.networks) {
    const finite = tf.tidy(() =>
      [...net.params.values(), ...net.buffers.values()].every((v) => tf.all(tf.isFinite(v)).dataSync()[0] === 1),
    );
    if (!finite) bad.push(name);
  }
  return bad;
}

interface PreparedRun {
  options: TrainOptions;
  runDir: string;
  checkpoint: LoadedCheckpoint | null;
}

/**
 * Resolve the options of a new run, or of a continued one: then the saved options apply,
 * and only those in `resumableOverrides` may be changed; any other option given with a
 * different value is an error naming it.
 */
export async function prepareRun(input: TrainOptionsInput): Promise<PreparedRun> {
  if (!input.continue_train) {
    const options = resolveTrainOptions(input);
    const runDir = runDirOf(options);
    const existing = await listCheckpoints(join(runDir, CHECKPOINTS_DIR));
    if (existing.length) {
      throw new Error(
        `${runDir} already holds a run (checkpoints: ${existing.join(', ')}): continue it with --continue_train, or choose another --name`,
      );
    }
    return { options, runDir, checkpoint: null };
  }
  const name = input.name ?? 'experiment_name';
  const runDir = join(input.checkpoints_dir ?? './checkpoints', name);
  const tag = checkpointTag(input.epoch ?? 'latest');
  const checkpoint = await readCheckpoint(join(runDir, CHECKPOINTS_DIR), tag);
  const saved = (checkpoint.manifest.meta as RunMeta).options;
  const conflicts = (Object.keys(input) as TrainOptionName[]).filter(
    (k) => input[k] !== undefined && !resumableOverrides.includes(k) && JSON.stringify(input[k]) !== JSON.stringify(saved[k]),
  );
  if (conflicts.length) {
    throw new Error(
      `--continue_train keeps the run's options; these differ from ${runDir}/${RUN_OPTIONS_FILE}: ${conflicts
        .map((k) => `${k} (run: ${JSON.stringify(saved[k])}, given: ${JSON.stringify(input[k])})`)
        .join(', ')}`,
    );
  }
  const overrides = Object.fromEntries(
    (Object.keys(input) as TrainOptionName[]).filter((k) => input[k] !== undefined && resumableOverrides.includes(k)).map((k) => [k, input[k]]),
  );
  const parsed = trainOptionsSchema.safeParse({ ...saved, ...overrides, continue_train: true });
  if (!parsed.success) throw new Error(`invalid training options:\n${formatOptionIssues(parsed.error)}`);
  return { options: parsed.data, runDir, checkpoint };
}

function toModelInput(batch: Batch): ModelInput {
  if (!batch.B) throw new Error(`the dataset gives no B images (${batch.A_paths[0]}); training needs both domains`);
  return { A: tf.tensor4d(batch.A.data, batch.A.shape), B: tf.tensor4d(batch.B.data, batch.B.shape) };
}

/** A few fixed samples for previews: the first images of the dataset, with fixed crops. */
async function previewSamples(loader: DataLoader, dataset: Dataset, count: number): Promise<ModelInput | null> {
  const samples = [];
  const indices = [];
  for (let i = 0; i < dataset.size && samples.length < count; i++) {
    try {
      samples.push(await loader.loadSample(0, i));
      indices.push(i);
    } catch {
      // A bad file is reported when training reaches it; previews use the next one.
    }
  }
  if (!samples.length) return null;
  try {
    return toModelInput(collate(samples, indices));
  } catch {
    // Sizes differ (scale_width, none): preview the first sample only.
    return toModelInput(collate(samples.slice(0, 1), indices.slice(0, 1)));
  }
}

const crossed = (before: number, after: number, every: number) => Math.floor(before / every) < Math.floor(after / every);

export async function runTraining(input: TrainOptionsInput, hooks: TrainHooks = {}): Promise<TrainResult> {
  const { options, runDir, checkpoint } = await prepareRun(input);
  const emit = (e: TrainEvent) => hooks.onEvent?.(e);
  const ckptRoot = join(runDir, CHECKPOINTS_DIR);
  const backend = tf.getBackend();
  await mkdir(runDir, { recursive: true });

  const dataset = await createDataset(options);
  for (const w of dataset.warnings) emit({ type: 'warning', message: w });
  const loader = new DataLoader(dataset, {
    batchSize: options.batch_size,
    serialBatches: options.serial_batches,
    maxDatasetSize: options.max_dataset_size,
    seed: options.seed,
    prefetchBatches: Math.max(1, Math.ceil(options.num_threads / options.batch_size)),
    onBadSample: (bad) => {
      emit({ type: 'bad-sample', path: bad.path, message: bad.message });
      void metrics?.append({ type: 'event', event: 'bad-sample', step: position.step, time: new Date().toISOString(), path: bad.path, message: bad.message });
    },
  });

  const model = createModel(options);
  let metrics: MetricsLog | null = null;
  let previews: PreviewWriter | null = null;
  try {
  const scheduler = new LrScheduler(options);
  let position: RunPosition = {
    epoch: options.epoch_count,
    nextBatch: 0,
    scheduledEpoch: options.epoch_count - 1,
    step: 0,
    totalIters: 0,
    epochIter: 0,
    elapsedS: 0,
  };
  if (checkpoint) position = restoreRunState(checkpoint, model, scheduler);
  model.setLearningRate(scheduler.lr);
  hooks.onModel?.(model);
  await writeFileAtomic(join(runDir, RUN_OPTIONS_FILE), `${JSON.stringify(options, null, 1)}\n`);

  const log = await MetricsLog.open(join(runDir, METRICS_FILE), checkpoint ? position.step : 0);
  metrics = log;
  const samples = await previewSamples(loader, dataset, 4);
  previews = samples
    ? await PreviewWriter.open(runDir, model, samples, deriveSeed(options.seed, 'preview'), checkpoint ? position.step : 0)
    : null;
  if (!samples) emit({ type: 'warning', message: 'no sample could be loaded for previews' });

  let lastCheckpoint: string | null = checkpoint?.dir ?? null;
  let savedAtStep = checkpoint ? position.step : -1;
  const save = async (tags: string[], at: RunPosition) => {
    // Never replace a good checkpoint with a diverged state (a NaN gradient can poison the
    // weights while the step's losses were still finite).
    const bad = nonFiniteNetworks(model);
    if (bad.length) {
      const reason = `the weights of ${bad.join(', ')} are no longer finite (training diverged; try a lower --lr)`;
      await metrics?.append({ type: 'event', event: 'diverged', step: at.step, time: new Date().toISOString(), message: reason });
      throw new TrainingDivergedError(reason, at.step, lastCheckpoint);
    }
    const payload = captureRunState(model, scheduler, options, at, backend);
    for (const tag of tags) {
      lastCheckpoint = await writeCheckpoint(ckptRoot, tag, payload);
      await metrics?.append({ type: 'event', event: 'checkpoint', tag, step: at.step, time: new Date().toISOString() });
      emit({ type: 'checkpoint', tag, dir: lastCheckpoint, step: at.step });
    }
    savedAtStep = at.step;
  };

  const lastEpoch = options.n_epochs + options.n_epochs_decay;
  const perEpoch = loader.batchesPerEpoch;
  emit({
    type: 'start',
    runDir,
    options,
    ...(checkpoint ? { resumedFrom: checkpoint.dir } : {}),
    datasetSize: loader.length,
    batchesPerEpoch: perEpoch,
    backend,
  });
  await metrics.append({
    type: 'event',
    event: checkpoint ? 'resume' : 'start',
    step: position.step,
    time: new Date().toISOString(),
    epoch: position.epoch,
    backend,
    ...(checkpoint ? { checkpoint: checkpoint.dir } : {}),
  });

  const sessionStart = performance.now();
  let sessionSteps = 0;
  let stopped = false;
  let losses: Record<string, number> = {};
    // A checkpoint taken at the end of an epoch continues with the next one.
    if (position.nextBatch >= perEpoch) position = { ...position, epoch: position.epoch + 1, nextBatch: 0, epochIter: 0 };
    epochs: while (position.epoch <= lastEpoch) {
      const epochStart = performance.now();
      if (position.scheduledEpoch < position.epoch) {
        // train.py updates the learning rate at the beginning of every epoch.
        scheduler.step(model.metric);
        model.setLearningRate(scheduler.lr);
        position = { ...position, scheduledEpoch: position.epoch };
        emit({ type: 'epoch-start', epoch: position.epoch, lr: scheduler.lr });
      }
      const batches = loader.epoch(position.epoch, position.nextBatch);
      try {
        for (;;) {
          await hooks.pausePoint?.();
          const t0 = performance.now();
          const next = await batches.next();
          // The end of an epoch is handled (and saved when due) before a stop takes effect.
          if (next.done) break;
          if (hooks.signal?.aborted) {
            stopped = true;
            break epochs;
          }
          const batch = next.value;
          const dataS = (performance.now() - t0) / 1000;
          const inputs = toModelInput(batch);
          const t1 = performance.now();
          try {
            model.setInput(inputs);
            model.optimizeParameters({ dropoutSeed: deriveSeed(options.seed, 'dropout', position.step + 1) });
          } catch (err) {
            if (err instanceof NonFiniteLossError) {
              await metrics.append({ type: 'event', event: 'diverged', step: position.step + 1, time: new Date().toISOString(), message: err.message });
              throw new TrainingDivergedError(err.message, position.step + 1, lastCheckpoint);
            }
            throw err;
          } finally {
            inputs.A.dispose();
            inputs.B.dispose();
          }
          const stepS = (performance.now() - t1) / 1000;
          const n = batch.A.shape[0];
          const before = position.totalIters;
          position = {
            ...position,
            nextBatch: batch.batchIndex + 1,
            step: position.step + 1,
            totalIters: position.totalIters + n,
            epochIter: position.epochIter + n,
            elapsedS: position.elapsedS + dataS + stepS,
          };
          sessionSteps++;
          losses = model.getCurrentLosses();
          await metrics.append({
            type: 'step',
            step: position.step,
            epoch: position.epoch,
            epoch_iter: position.epochIter,
            total_iters: position.totalIters,
            lr: scheduler.lr,
            losses,
            step_s: stepS,
            data_s: dataS,
            time: new Date().toISOString(),
          });
          const itPerS = sessionSteps / ((performance.now() - sessionStart) / 1000);
          const stepsLeft = perEpoch - position.nextBatch + perEpoch * (lastEpoch - position.epoch);
          hooks.onStep?.({
            step: position.step,
            epoch: position.epoch,
            lastEpoch,
            batch: batch.batchIndex,
            batchesPerEpoch: perEpoch,
            epochIter: position.epochIter,
            totalIters: position.totalIters,
            lr: scheduler.lr,
            losses,
            stepS,
            dataS,
            itPerS,
            etaS: stepsLeft / itPerS,
            stepsLeft,
            print: crossed(before, position.totalIters, options.print_freq),
          });
          if (previews && crossed(before, position.totalIters, options.preview_freq)) {
            const entry = await previews.write(model, { step: position.step, epoch: position.epoch, total_iters: position.totalIters });
            emit({ type: 'preview', step: position.step, files: entry.files });
          }
          if (crossed(before, position.totalIters, options.save_latest_freq)) {
            await save([options.save_by_iter ? `iter_${position.totalIters}` : 'latest'], position);
          }
        }
      } finally {
        await batches.return(undefined);
      }
      emit({ type: 'epoch-end', epoch: position.epoch, seconds: (performance.now() - epochStart) / 1000 });
      await metrics.append({ type: 'event', event: 'epoch-end', step: position.step, epoch: position.epoch, time: new Date().toISOString() });
      position = { ...position, nextBatch: perEpoch };
      if (position.epoch % options.save_epoch_freq === 0) await save(['latest', `epoch_${position.epoch}`], position);
      if (position.epoch === lastEpoch) break;
      position = { ...position, epoch: position.epoch + 1, nextBatch: 0, epochIter: 0 };
    }
    // The final state (or, when stopped, where the run stopped) is always the latest.
    if (savedAtStep !== position.step) await save(['latest'], position);
    await metrics.append({ type: 'event', event: stopped ? 'stopped' : 'completed', step: position.step, time: new Date().toISOString() });
    return {
      runDir,
      status: stopped ? 'stopped' : 'completed',
      step: position.step,
      epoch: position.epoch,
      totalIters: position.totalIters,
      checkpoint: lastCheckpoint,
      losses,
    };
  } finally {
    await metrics?.close();
    previews?.dispose();
    model.dispose();
  }
}
