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
  baseDefaults,
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
  const runDir = runDirOf({ checkpoints_dir: input.checkpoints_dir ?? baseDefaults.checkpoints_dir, name: input.name ?? baseDefaults.name });
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
  await mkdir(runDir, { recursive: true });
  const dataset = await createDataset(options);
  const model = createModel(options);
  const session = new TrainingSession(options, runDir, dataset, model, hooks);
  try {
    return await session.run(checkpoint);
  } finally {
    await session.close();
    model.dispose();
  }
}

/** One sitting of a run: from a fresh start or a checkpoint to the end, a stop or a failure. */
class TrainingSession {
  private readonly loader: DataLoader;
  private readonly scheduler: LrScheduler;
  private readonly backend = tf.getBackend();
  private readonly lastEpoch: number;
  private metrics: MetricsLog | null = null;
  private previews: PreviewWriter | null = null;
  private position: RunPosition;
  private lastCheckpoint: string | null = null;
  private savedAtStep = -1;

  constructor(
    private readonly options: TrainOptions,
    private readonly runDir: string,
    private readonly dataset: Dataset,
    private readonly model: TranslationModel,
    private readonly hooks: TrainHooks,
  ) {
    this.loader = new DataLoader(dataset, {
      batchSize: options.batch_size,
      serialBatches: options.serial_batches,
      maxDatasetSize: options.max_dataset_size,
      seed: options.seed,
      prefetchBatches: Math.max(1, Math.ceil(options.num_threads / options.batch_size)),
      onBadSample: (bad) => {
        this.emit({ type: 'bad-sample', path: bad.path, message: bad.message });
        void this.event('bad-sample', this.position.step, { path: bad.path, message: bad.message });
      },
    });
    this.scheduler = new LrScheduler(options);
    this.lastEpoch = options.n_epochs + options.n_epochs_decay;
    this.position = {
      epoch: options.epoch_count,
      nextBatch: 0,
      scheduledEpoch: options.epoch_count - 1,
      step: 0,
      totalIters: 0,
      epochIter: 0,
      elapsedS: 0,
    };
  }

  private emit(e: TrainEvent): void {
    this.hooks.onEvent?.(e);
  }

  private async event(event: string, step: number, fields: Record<string, unknown> = {}): Promise<void> {
    await this.metrics?.append({ type: 'event', event, step, time: new Date().toISOString(), ...fields });
  }

  async run(checkpoint: LoadedCheckpoint | null): Promise<TrainResult> {
    const { options, model, scheduler, runDir } = this;
    for (const w of this.dataset.warnings) this.emit({ type: 'warning', message: w });
    if (checkpoint) {
      this.position = restoreRunState(checkpoint, model, scheduler);
      this.lastCheckpoint = checkpoint.dir;
      this.savedAtStep = this.position.step;
    }
    model.setLearningRate(scheduler.lr);
    this.hooks.onModel?.(model);
    await writeFileAtomic(join(runDir, RUN_OPTIONS_FILE), `${JSON.stringify(options, null, 1)}\n`);
    // Records and previews past the checkpoint describe steps that run again: dropped.
    const keepThrough = checkpoint ? this.position.step : 0;
    this.metrics = await MetricsLog.open(join(runDir, METRICS_FILE), keepThrough);
    const samples = await previewSamples(this.loader, this.dataset, 4);
    if (samples) this.previews = await PreviewWriter.open(runDir, model, samples, deriveSeed(options.seed, 'preview'), keepThrough);
    else this.emit({ type: 'warning', message: 'no sample could be loaded for previews' });

    const perEpoch = this.loader.batchesPerEpoch;
    this.emit({
      type: 'start',
      runDir,
      options,
      ...(checkpoint ? { resumedFrom: checkpoint.dir } : {}),
      datasetSize: this.loader.length,
      batchesPerEpoch: perEpoch,
      backend: this.backend,
    });
    await this.event(checkpoint ? 'resume' : 'start', this.position.step, {
      epoch: this.position.epoch,
      backend: this.backend,
      ...(checkpoint ? { checkpoint: checkpoint.dir } : {}),
    });

    const stopped = await this.epochs(perEpoch);
    // The final state (or, when stopped, where the run stopped) is always the latest.
    if (this.savedAtStep !== this.position.step) await this.save(['latest']);
    await this.event(stopped ? 'stopped' : 'completed', this.position.step);
    return {
      runDir,
      status: stopped ? 'stopped' : 'completed',
      step: this.position.step,
      epoch: this.position.epoch,
      totalIters: this.position.totalIters,
      checkpoint: this.lastCheckpoint,
      losses: model.getCurrentLosses(),
    };
  }

  /** Runs the remaining epochs; true when stopped by the signal. */
  private async epochs(perEpoch: number): Promise<boolean> {
    const { options, model, scheduler, hooks } = this;
    // A checkpoint taken at the end of an epoch continues with the next one.
    if (this.position.nextBatch >= perEpoch) this.advance();
    const sessionStart = performance.now();
    let sessionSteps = 0;
    while (this.position.epoch <= this.lastEpoch) {
      const epochStart = performance.now();
      if (this.position.scheduledEpoch < this.position.epoch) {
        // train.py updates the learning rate at the beginning of every epoch.
        scheduler.step(model.metric);
        model.setLearningRate(scheduler.lr);
        this.position = { ...this.position, scheduledEpoch: this.position.epoch };
        this.emit({ type: 'epoch-start', epoch: this.position.epoch, lr: scheduler.lr });
      }
      const batches = this.loader.epoch(this.position.epoch, this.position.nextBatch);
      try {
        for (;;) {
          await hooks.pausePoint?.();
          const t0 = performance.now();
          const next = await batches.next();
          // The end of an epoch is handled (and saved when due) before a stop takes effect.
          if (next.done) break;
          if (hooks.signal?.aborted) return true;
          const batch = next.value;
          const dataS = (performance.now() - t0) / 1000;
          const stepS = await this.step(batch);
          const n = batch.A.shape[0];
          const before = this.position.totalIters;
          this.position = {
            ...this.position,
            nextBatch: batch.batchIndex + 1,
            step: this.position.step + 1,
            totalIters: before + n,
            epochIter: this.position.epochIter + n,
            elapsedS: this.position.elapsedS + dataS + stepS,
          };
          sessionSteps++;
          const losses = model.getCurrentLosses();
          const at = this.position;
          await this.metrics!.append({
            type: 'step',
            step: at.step,
            epoch: at.epoch,
            epoch_iter: at.epochIter,
            total_iters: at.totalIters,
            lr: scheduler.lr,
            losses,
            step_s: stepS,
            data_s: dataS,
            time: new Date().toISOString(),
          });
          const itPerS = sessionSteps / ((performance.now() - sessionStart) / 1000);
          const stepsLeft = perEpoch - at.nextBatch + perEpoch * (this.lastEpoch - at.epoch);
          hooks.onStep?.({
            step: at.step,
            epoch: at.epoch,
            lastEpoch: this.lastEpoch,
            batch: batch.batchIndex,
            batchesPerEpoch: perEpoch,
            epochIter: at.epochIter,
            totalIters: at.totalIters,
            lr: scheduler.lr,
            losses,
            stepS,
            dataS,
            itPerS,
            etaS: stepsLeft / itPerS,
            stepsLeft,
            print: crossed(before, at.totalIters, options.print_freq),
          });
          if (this.previews && crossed(before, at.totalIters, options.preview_freq)) {
            const entry = await this.previews.write(model, { step: at.step, epoch: at.epoch, total_iters: at.totalIters });
            this.emit({ type: 'preview', step: at.step, files: entry.files });
          }
          if (crossed(before, at.totalIters, options.save_latest_freq)) {
            await this.save([options.save_by_iter ? `iter_${at.totalIters}` : 'latest']);
          }
        }
      } finally {
        await batches.return(undefined);
      }
      this.emit({ type: 'epoch-end', epoch: this.position.epoch, seconds: (performance.now() - epochStart) / 1000 });
      await this.event('epoch-end', this.position.step, { epoch: this.position.epoch });
      this.position = { ...this.position, nextBatch: perEpoch };
      if (this.position.epoch % options.save_epoch_freq === 0) await this.save(['latest', `epoch_${this.position.epoch}`]);
      if (this.position.epoch === this.lastEpoch) break;
      this.advance();
    }
    return false;
  }

  private advance(): void {
    this.position = { ...this.position, epoch: this.position.epoch + 1, nextBatch: 0, epochIter: 0 };
  }

  /** set_input → optimize_parameters on one batch; returns its seconds. */
  private async step(batch: Batch): Promise<number> {
    const inputs = toModelInput(batch);
    const t1 = performance.now();
    const step = this.position.step + 1;
    try {
      this.model.setInput(inputs);
      this.model.optimizeParameters({ dropoutSeed: deriveSeed(this.options.seed, 'dropout', step) });
    } catch (err) {
      if (err instanceof NonFiniteLossError) {
        await this.event('diverged', step, { message: err.message });
        throw new TrainingDivergedError(err.message, step, this.lastCheckpoint);
      }
      throw err;
    } finally {
      inputs.A.dispose();
      inputs.B.dispose();
    }
    return (performance.now() - t1) / 1000;
  }

  private async save(tags: string[]): Promise<void> {
    const at = this.position;
    // Never replace a good checkpoint with a diverged state (a NaN gradient can poison the
    // weights while the step's losses were still finite).
    const bad = nonFiniteNetworks(this.model);
    if (bad.length) {
      const reason = `the weights of ${bad.join(', ')} are no longer finite (training diverged; try a lower --lr)`;
      await this.event('diverged', at.step, { message: reason });
      throw new TrainingDivergedError(reason, at.step, this.lastCheckpoint);
    }
    const payload = captureRunState(this.model, this.scheduler, this.options, at, this.backend);
    for (const tag of tags) {
      this.lastCheckpoint = await writeCheckpoint(join(this.runDir, CHECKPOINTS_DIR), tag, payload);
      await this.event('checkpoint', at.step, { tag });
      this.emit({ type: 'checkpoint', tag, dir: this.lastCheckpoint, step: at.step });
    }
    this.savedAtStep = at.step;
  }

  async close(): Promise<void> {
    await this.metrics?.close();
    this.previews?.dispose();
  }
}
