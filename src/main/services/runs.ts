/**
 * The project's training runs: the run list, a run's metrics and previews, CSV export, and
 * the control of live runs (start, pause, resume, stop) as engine jobs of kind `train`.
 *
 * A run's state is kept in its folder (status.json, run-files.ts) so it survives the
 * studio: a run whose status says it is running while no job of ours runs it was cut
 * short (the studio quit, the server or the engine was killed) and is listed as
 * `interrupted`, ready to resume from its latest checkpoint.
 */
import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiErrorShape } from '../../shared/api/errors';
import {
  LIVE_RUN_STATES,
  type MetricsResult,
  type PreviewEntry,
  type RunState,
  type RunSummary,
  type TrainProgress,
  type ValidateResult,
} from '../../shared/api/train';
import type { EventName, EventPayload } from '../../shared/contract';
import type { TrainOptions, TrainOptionsInput } from '../../shared/train-options';
import { writeFileAtomic } from '../util/atomic-write';
import { ApiError } from './api-error';
import type { Handlers } from './api-host';
import type { EngineHost, JobProgressUpdate } from './engine-host';
import type { JobRunner } from './job-runner';
import { safeSegments } from './path-confinement';
import { PROJECT_LAYOUT } from './project-layout';
import type { ProjectService } from './projects';
import {
  appendRecords,
  emptyColumns,
  exists,
  lastMetric,
  metricsCsv,
  readCheckpoints,
  readMetrics,
  readPreviews,
  readRunOptions,
  readStatus,
  RUN_FILES,
  trainedSeconds,
  writeStatus,
  type RunStatusFile,
} from './run-files';
import { validateTrainOptions } from './train-validate';

type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

/** The engine job that trains; its params are `{ options }` (resolved TrainOptions). */
export const TRAIN_JOB_KIND = 'train';

export interface RunsServiceDeps {
  projects: ProjectService;
  engine: EngineHost;
  jobs: JobRunner;
  emit: Emit;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  now?: () => Date;
  /** A stopping run may take this long to save its checkpoint before the engine is restarted. */
  stopGraceMs?: number;
}

/** A run that a job of ours holds now. */
interface LiveRun {
  dir: string;
  name: string;
  jobId: string;
  state: RunState;
  status: RunStatusFile;
  options: TrainOptions;
  /** The user asked to stop (a cancel that is not a stop means the studio is quitting). */
  stopRequested: boolean;
  pauseRequested: boolean;
  progress: TrainProgress;
  rate: RateMeter;
  lastEmit: number;
  /** When the engine's memory was last read (ms). */
  memorySampled: number;
  /** A folded update waiting to go out. */
  trailing: ReturnType<typeof setTimeout> | null;
  lastStatusWrite: number;
  /** Status writes in order, so an older one never lands after a newer one. */
  writes: Promise<void>;
}

/** Progress events at most this often per run (state changes always go out). */
const PROGRESS_INTERVAL_MS = 100;
/** status.json is rewritten this often while a run trains, so an interruption's time is known. */
const HEARTBEAT_MS = 10_000;

export class RunsService {
  private readonly live = new Map<string, LiveRun>();

  constructor(private readonly deps: RunsServiceDeps) {}

  handlers(): Pick<
    Handlers,
    | 'runs:list'
    | 'runs:get'
    | 'runs:metrics'
    | 'runs:previews'
    | 'runs:exportCsv'
    | 'train:validate'
    | 'train:start'
    | 'train:pause'
    | 'train:resume'
    | 'train:stop'
  > {
    return {
      'runs:list': () => this.list(),
      'runs:get': ({ name }) => this.get(name),
      'runs:metrics': ({ name, offset, limit }) => this.metrics(name, offset, limit),
      'runs:previews': async ({ name }) => ({ entries: await this.previews(name) }),
      'runs:exportCsv': ({ name }) => this.exportCsv(name),
      'train:validate': ({ options }) => this.validate(options),
      'train:start': ({ options }) => this.start(options),
      'train:pause': ({ name }) => this.pause(name),
      'train:resume': ({ name, overrides }) => this.resume(name, overrides ?? {}),
      'train:stop': ({ name }) => this.stop(name),
    };
  }

  /** Jobs of ours that are training now (for the quit guard). */
  liveRuns(): { name: string; state: RunState; jobId: string }[] {
    return [...this.live.values()].map((r) => ({ name: r.name, state: r.state, jobId: r.jobId }));
  }

  // ---- reading ----------------------------------------------------------------------------

  private runsDir(): string {
    return join(this.deps.projects.requireRoot(), PROJECT_LAYOUT.runs);
  }

  /** The folder of run `name` in the open project; `not-found` when there is none. */
  private async runDir(name: string): Promise<string> {
    const segments = safeSegments(name);
    if (segments.length !== 1) throw new ApiError('invalid-payload', `Run name ${JSON.stringify(name)} is not a folder name`, { name });
    const dir = join(this.runsDir(), name);
    const s = await stat(dir).catch(() => null);
    if (!s?.isDirectory()) throw new ApiError('not-found', `No run “${name}” in ${this.runsDir()}`, { name });
    return dir;
  }

  async list(): Promise<{ runs: RunSummary[]; broken: { name: string; error: string }[] }> {
    const runsDir = this.runsDir();
    let names: string[];
    try {
      names = await readdir(runsDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { runs: [], broken: [] };
      throw err;
    }
    const runs: RunSummary[] = [];
    const broken: { name: string; error: string }[] = [];
    for (const name of names.sort()) {
      if (name.startsWith('.')) continue;
      const dir = join(runsDir, name);
      if (!(await stat(dir).then((s) => s.isDirectory(), () => false))) continue;
      try {
        const summary = await this.summarise(name, dir);
        if (summary) runs.push(summary);
      } catch (err) {
        broken.push({ name, error: (err as Error).message });
      }
    }
    runs.sort((a, b) => b.created.localeCompare(a.created) || a.name.localeCompare(b.name));
    return { runs, broken };
  }

  async get(name: string): Promise<RunSummary> {
    const dir = await this.runDir(name);
    const summary = await this.summarise(name, dir);
    if (!summary) throw new ApiError('not-found', `${dir} is not a training run (no options.json)`, { name });
    return summary;
  }

  /** A run's summary from its files and, while it is live, its job; null for a folder that is no run. */
  private async summarise(name: string, dir: string): Promise<RunSummary | null> {
    const live = this.live.get(dir);
    const status = live?.status ?? (await readStatus(dir));
    const options = (await readRunOptions(dir)) ?? status?.options ?? live?.options ?? null;
    if (!options) return null;
    const [last, checkpoints] = await Promise.all([lastMetric(dir), readCheckpoints(dir)]);
    const now = this.now();
    let state: RunState;
    let error = status?.error;
    if (live) state = live.state;
    else if (!status) {
      // A run written by `atelier train` into the project: no job of ours, no status.
      const epochs = options.n_epochs + options.n_epochs_decay;
      state = last && last.epoch >= epochs ? 'finished' : 'stopped';
    } else if (LIVE_RUN_STATES.has(status.state)) {
      state = 'interrupted';
      error ??= 'The studio or its engine stopped while this run was training';
    } else state = status.state;
    // An interrupted span ends where its last record (or heartbeat) says it did.
    const openEnd = live ? now : new Date(Math.max(Date.parse(status?.updated ?? '') || 0, (last?.time ?? 0) * 1000));
    const latest = checkpoints.find((c) => c.tag === 'latest');
    return {
      name,
      state,
      ...(error !== undefined && state !== 'running' && state !== 'finished' ? { error } : {}),
      options,
      jobId: live?.jobId ?? null,
      created: status?.created ?? (await stat(dir)).birthtime.toISOString(),
      updated: status?.updated ?? (last ? new Date(last.time * 1000).toISOString() : now.toISOString()),
      durationSeconds: status ? trainedSeconds(status.spans, openEnd) : 0,
      step: live?.progress.step ?? last?.step ?? 0,
      epoch: live?.progress.epoch ?? last?.epoch ?? 0,
      totalSteps: live?.progress.totalSteps ?? status?.totalSteps ?? null,
      lastLosses: live && Object.keys(live.progress.losses).length ? live.progress.losses : finiteLosses(last?.losses ?? {}),
      lr: live?.progress.lr ?? last?.lr ?? null,
      checkpoints,
      modelId: latest ? `${PROJECT_LAYOUT.runs}/${name}` : null,
    };
  }

  async metrics(name: string, offset: number, limit: number): Promise<MetricsResult> {
    const dir = await this.runDir(name);
    const status = this.live.get(dir)?.status ?? (await readStatus(dir).catch(() => null));
    const chunk = await readMetrics(dir, offset, limit, status?.imagesPerEpoch);
    return {
      offset: chunk.offset,
      next: chunk.next,
      reset: chunk.reset,
      more: chunk.more,
      columns: appendRecords(emptyColumns(), chunk.records),
    };
  }

  async previews(name: string): Promise<PreviewEntry[]> {
    const dir = await this.runDir(name);
    return readPreviews(dir, `${PROJECT_LAYOUT.runs}/${name}`);
  }

  async exportCsv(name: string): Promise<{ path: string; rel: string; rows: number }> {
    const dir = await this.runDir(name);
    const records = [];
    for (let offset = 0; ; ) {
      const chunk = await readMetrics(dir, offset, 500_000);
      records.push(...chunk.records);
      if (!chunk.more || chunk.next === offset) break;
      offset = chunk.next;
    }
    const rel = `${PROJECT_LAYOUT.exports}/${name}-metrics.csv`;
    const path = join(this.deps.projects.requireRoot(), rel);
    await writeFileAtomic(path, metricsCsv(records));
    return { path, rel, rows: records.length };
  }

  // ---- control ----------------------------------------------------------------------------

  validate(input: TrainOptionsInput): Promise<ValidateResult> {
    const root = this.deps.projects.requireRoot();
    const runsDir = this.runsDir();
    return validateTrainOptions(input, {
      projectRoot: root,
      runsDir,
      runExists: (name) => exists(join(runsDir, name)),
    });
  }

  async start(input: TrainOptionsInput): Promise<{ name: string; state: RunState; jobId: string | null }> {
    const result = await this.validate(input);
    if (!result.ok || !result.resolved) {
      const errors = result.issues.filter((i) => i.severity === 'error');
      throw new ApiError(
        'invalid-payload',
        `The run cannot start:\n${errors.map((i) => `${i.path}: ${i.message}`).join('\n')}`,
        { issues: errors },
      );
    }
    const options = result.resolved;
    const dir = join(this.runsDir(), options.name);
    const now = this.now().toISOString();
    const status: RunStatusFile = {
      state: 'queued',
      jobId: null,
      created: now,
      updated: now,
      spans: [],
      totalSteps: result.dataset ? result.dataset.stepsPerEpoch * (options.n_epochs + options.n_epochs_decay - options.epoch_count + 1) : null,
      imagesPerEpoch: result.dataset?.images ?? null,
      options,
    };
    await writeStatus(dir, status);
    return this.launch(dir, options, status);
  }

  async pause(name: string): Promise<{ name: string; state: RunState; jobId: string | null }> {
    const run = this.liveOrThrow(await this.runDir(name), 'pause');
    if (run.state === 'paused') return this.stateOf(run);
    if (run.state !== 'running') throw new ApiError('failed', `Run “${name}” is ${run.state}; only a running run can pause`, { name });
    if (!this.deps.engine.pause(run.jobId)) throw new ApiError('failed', `Run “${name}” is not running in the engine now`, { name });
    run.pauseRequested = true;
    this.publish(run, { message: 'Pausing after this step…' }, true);
    return this.stateOf(run);
  }

  async resume(
    name: string,
    overrides: Partial<Pick<TrainOptions, 'n_epochs' | 'n_epochs_decay' | 'save_epoch_freq' | 'save_latest_freq' | 'print_freq' | 'preview_freq'>>,
  ): Promise<{ name: string; state: RunState; jobId: string | null }> {
    const dir = await this.runDir(name);
    const run = this.live.get(dir);
    if (run) {
      if (run.state !== 'paused' && !run.pauseRequested) throw new ApiError('failed', `Run “${name}” is ${run.state}, not paused`, { name });
      if (!this.deps.engine.resume(run.jobId)) throw new ApiError('failed', `Run “${name}” is not in the engine any more`, { name });
      run.pauseRequested = false;
      if (run.state === 'paused') this.setState(run, 'running');
      return this.stateOf(run);
    }
    const summary = await this.get(name);
    if (summary.state === 'finished' && Object.keys(overrides).length === 0) {
      throw new ApiError('failed', `Run “${name}” has finished; give it more epochs (n_epochs, n_epochs_decay) to train it further`, { name });
    }
    if (!summary.checkpoints.some((c) => c.tag === 'latest')) {
      throw new ApiError('failed', `Run “${name}” has no checkpoint to resume from (it stopped before its first save); start it again instead`, {
        name,
      });
    }
    const options: TrainOptions = { ...summary.options, ...overrides, continue_train: true, epoch: 'latest' };
    const status: RunStatusFile = {
      ...((await readStatus(dir)) ?? { created: summary.created, spans: [], totalSteps: summary.totalSteps, imagesPerEpoch: null, jobId: null }),
      state: 'queued',
      updated: this.now().toISOString(),
      options,
    };
    delete status.error;
    await writeStatus(dir, status);
    return this.launch(dir, options, status);
  }

  async stop(name: string): Promise<{ name: string; state: RunState; jobId: string | null }> {
    const run = this.liveOrThrow(await this.runDir(name), 'stop');
    if (run.state === 'stopping') return this.stateOf(run);
    run.stopRequested = true;
    if (run.state === 'paused') {
      // The job waits at a pause point: a cancel releases it, and it saves on its way out.
      this.deps.engine.resume(run.jobId);
    }
    this.setState(run, 'stopping', { message: 'Saving a checkpoint, then stopping…' });
    this.deps.jobs.cancel(run.jobId);
    return this.stateOf(run);
  }

  // ---- live runs --------------------------------------------------------------------------

  private launch(dir: string, options: TrainOptions, status: RunStatusFile) {
    const progress: TrainProgress = {
      name: options.name,
      jobId: null,
      state: 'queued',
      step: 0,
      totalSteps: status.totalSteps,
      epoch: options.epoch_count,
      totalEpochs: options.n_epochs + options.n_epochs_decay,
      losses: {},
      lr: null,
      itPerSec: null,
      etaSeconds: null,
      elapsedSeconds: trainedSeconds(status.spans, this.now()),
      memory: null,
    };
    let run: LiveRun | undefined;
    const { jobId } = this.deps.jobs.start(
      TRAIN_JOB_KIND,
      { options },
      {
        onProgress: (update) => run && this.onProgress(run, update),
        onPaused: (paused) => run && this.onPaused(run, paused),
        onSettled: (outcome) => (run ? this.onSettled(run, outcome) : undefined),
        cancelGraceMs: this.deps.stopGraceMs ?? 120_000,
      },
    );
    run = {
      dir,
      name: options.name,
      jobId,
      state: 'queued',
      status: { ...status, jobId },
      options,
      stopRequested: false,
      pauseRequested: false,
      progress: { ...progress, jobId },
      rate: new RateMeter(),
      lastEmit: 0,
      trailing: null,
      memorySampled: 0,
      lastStatusWrite: 0,
      writes: Promise.resolve(),
    };
    this.live.set(dir, run);
    void this.writeRunStatus(run);
    this.publish(run, {}, true);
    return this.stateOf(run);
  }

  private onProgress(run: LiveRun, update: JobProgressUpdate): void {
    const data = (update.data && typeof update.data === 'object' ? update.data : {}) as Record<string, unknown>;
    const now = this.now();
    const starting = run.state === 'queued';
    if (starting) run.status.spans.push({ start: now.toISOString() });
    const step = int(data.step) ?? int(data.iter) ?? update.done;
    const stepsLeft = int(data.stepsLeft);
    const totalSteps =
      int(data.totalSteps) ?? int(data.total_steps) ?? (stepsLeft !== undefined ? step + stepsLeft : undefined) ?? (update.total > 0 ? update.total : run.progress.totalSteps);
    if (totalSteps !== null && totalSteps !== run.status.totalSteps) run.status.totalSteps = totalSteps;
    run.rate.add(step, now.getTime());
    const itPerSec = run.rate.perSecond();
    const losses = isNumberRecord(data.losses) ? finiteLosses(data.losses) : run.progress.losses;
    const memory = readMemory(data.memory) ?? this.engineMemory(run);
    const previewStep = int(data.previewStep) ?? int((data.preview as { step?: unknown } | undefined)?.step);
    run.progress = {
      ...run.progress,
      step,
      totalSteps: totalSteps ?? null,
      epoch: int(data.epoch) ?? run.progress.epoch,
      totalEpochs: int(data.totalEpochs) ?? int(data.lastEpoch) ?? int(data.epochs) ?? run.progress.totalEpochs,
      losses,
      lr: num(data.lr) ?? run.progress.lr,
      itPerSec,
      etaSeconds: itPerSec && totalSteps ? Math.max(0, (totalSteps - step) / itPerSec) : null,
      elapsedSeconds: trainedSeconds(run.status.spans, now),
      memory,
      ...(update.message ? { message: update.message } : {}),
    };
    if (previewStep !== undefined) run.progress.previewStep = previewStep;
    if (starting) this.setState(run, 'running');
    else {
      if (now.getTime() - run.lastStatusWrite > HEARTBEAT_MS) {
        run.status.updated = now.toISOString();
        void this.writeRunStatus(run);
      }
      this.publish(run, {}, previewStep !== undefined);
    }
  }

  private onPaused(run: LiveRun, paused: boolean): void {
    if (run.state === 'stopping') return;
    const now = this.now();
    if (paused) {
      run.pauseRequested = false;
      closeSpan(run.status, now);
      run.rate.reset();
      this.setState(run, 'paused', { message: 'Paused', itPerSec: null, etaSeconds: null });
    } else {
      run.status.spans.push({ start: now.toISOString() });
      this.setState(run, 'running', { message: 'Resumed' });
    }
  }

  private async onSettled(run: LiveRun, outcome: { ok: true; result: unknown } | { ok: false; error: ApiErrorShape }): Promise<void> {
    const now = this.now();
    closeSpan(run.status, now);
    let state: RunState;
    let error: string | undefined;
    if (outcome.ok) {
      const result = outcome.result as { status?: unknown; stopped?: unknown } | undefined;
      const stoppedEarly = result?.status === 'stopped' || result?.stopped === true;
      state = stoppedEarly ? 'stopped' : 'finished';
    } else if (outcome.error.code === 'cancelled') {
      // A cancel while the engine shuts down is the studio quitting, not the user stopping.
      const quitting = !run.stopRequested && this.deps.engine.status().state === 'stopped';
      state = quitting ? 'interrupted' : 'stopped';
      if (quitting) error = outcome.error.message;
    } else {
      state = 'failed';
      error = outcome.error.message;
    }
    run.status = { ...run.status, state, jobId: null, updated: now.toISOString() };
    if (error) run.status.error = error;
    else delete run.status.error;
    run.state = state;
    // Listed as live (with its final state) until its status is on disk.
    await this.writeRunStatus(run);
    this.live.delete(run.dir);
    this.deps.log?.(state === 'failed' ? 'error' : 'info', `Run “${run.name}” ${state}${error ? `: ${error}` : ''}`);
    this.publish(run, { itPerSec: null, etaSeconds: null, ...(error ? { error } : {}) }, true);
  }

  private setState(run: LiveRun, state: RunState, patch: Partial<TrainProgress> = {}): void {
    run.state = state;
    run.status.state = state;
    run.status.updated = this.now().toISOString();
    void this.writeRunStatus(run);
    this.publish(run, patch, true);
  }

  /**
   * Send the run's progress. Updates closer together than PROGRESS_INTERVAL_MS are folded:
   * the latest goes out when the interval has passed, so the last values are never lost.
   */
  private publish(run: LiveRun, patch: Partial<TrainProgress>, force: boolean): void {
    run.progress = { ...run.progress, ...patch, state: run.state, jobId: LIVE_RUN_STATES.has(run.state) ? run.jobId : null };
    const wait = run.lastEmit + PROGRESS_INTERVAL_MS - Date.now();
    if (!force && wait > 0) {
      run.trailing ??= setTimeout(() => {
        run.trailing = null;
        this.emitProgress(run);
      }, wait);
      return;
    }
    this.emitProgress(run);
  }

  private emitProgress(run: LiveRun): void {
    if (run.trailing) clearTimeout(run.trailing);
    run.trailing = null;
    run.lastEmit = Date.now();
    this.deps.emit('train:progress', run.progress);
    // A preview is announced once.
    delete run.progress.previewStep;
  }

  private writeRunStatus(run: LiveRun): Promise<void> {
    run.lastStatusWrite = this.now().getTime();
    const snapshot: RunStatusFile = structuredClone(run.status);
    run.writes = run.writes
      .then(() => writeStatus(run.dir, snapshot))
      .catch((err: unknown) => this.deps.log?.('warn', `Could not write ${join(run.dir, RUN_FILES.status)}: ${(err as Error).message}`));
    return run.writes;
  }

  /**
   * The engine process's resident memory when the job does not report its own: read from
   * /proc where there is one, at most once a second.
   */
  private engineMemory(run: LiveRun): TrainProgress['memory'] {
    const pid = this.deps.engine.pid;
    const t = Date.now();
    if (pid === undefined || process.platform !== 'linux') return run.progress.memory;
    if (t - run.memorySampled < 1000) return run.progress.memory;
    run.memorySampled = t;
    try {
      const kib = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
      return Number.isFinite(kib) ? { ...run.progress.memory, rssMiB: Math.round((kib / 1024) * 10) / 10 } : run.progress.memory;
    } catch {
      return run.progress.memory;
    }
  }

  private liveOrThrow(dir: string, what: string): LiveRun {
    const run = this.live.get(dir);
    if (!run) throw new ApiError('failed', `Cannot ${what} run “${dir.split(/[\\/]/).pop()}”: it is not running`);
    return run;
  }

  private stateOf(run: LiveRun) {
    return { name: run.name, state: run.state, jobId: LIVE_RUN_STATES.has(run.state) ? run.jobId : null };
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}

/** Iterations per second over the last minute of steps (robust to bursts and pauses). */
export class RateMeter {
  private readonly samples: { step: number; t: number }[] = [];

  add(step: number, t: number): void {
    const last = this.samples.at(-1);
    if (last && step < last.step) this.samples.length = 0;
    if (last && step === last.step) return;
    this.samples.push({ step, t });
    while (this.samples.length > 2 && t - this.samples[0]!.t > 60_000) this.samples.shift();
    if (this.samples.length > 200) this.samples.splice(0, this.samples.length - 200);
  }

  perSecond(): number | null {
    if (this.samples.length < 2) return null;
    const first = this.samples[0]!;
    const last = this.samples.at(-1)!;
    const dt = (last.t - first.t) / 1000;
    return dt > 0 ? (last.step - first.step) / dt : null;
  }

  reset(): void {
    this.samples.length = 0;
  }
}

function closeSpan(status: RunStatusFile, now: Date): void {
  const open = status.spans.at(-1);
  if (open && !open.end) open.end = now.toISOString();
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const int = (v: unknown): number | undefined => {
  const n = num(v);
  return n === undefined ? undefined : Math.trunc(n);
};

function isNumberRecord(v: unknown): v is Record<string, number> {
  return !!v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'number' || x === null);
}

function finiteLosses(losses: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(losses).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)));
}

/** Memory as the engine reports it: MiB, or bytes under the usual names. */
function readMemory(v: unknown): TrainProgress['memory'] | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const mib = (x: number | undefined) => (x === undefined ? undefined : Math.round((x / 2 ** 20) * 10) / 10);
  const rssMiB = num(o.rssMiB) ?? mib(num(o.rss));
  const tensorMiB = num(o.tensorMiB) ?? mib(num(o.numBytes) ?? num(o.tensorBytes));
  if (rssMiB === undefined && tensorMiB === undefined) return undefined;
  return { ...(rssMiB !== undefined ? { rssMiB } : {}), ...(tensorMiB !== undefined ? { tensorMiB } : {}) };
}
