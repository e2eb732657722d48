import { randomUUID } from 'node:crypto';
import type { EngineState, EngineStatus } from '../../shared/api/engine';
import type { BackendInfo } from '../../shared/backend';
import type { EngineToMain, MainToEngine } from '../engine/jobs';
import { ApiError } from './api-error';

/** One running engine process, whatever started it (Node fork or Electron utilityProcess). */
export interface EngineProcess {
  readonly pid: number | undefined;
  send(message: MainToEngine): void;
  onMessage(listener: (message: EngineToMain) => void): void;
  /** Called once when the process is gone, for whatever reason. */
  onExit(listener: (exit: EngineExit) => void): void;
  /** Terminate the process (SIGTERM, or the platform's equivalent). */
  kill(): void;
}

export interface EngineExit {
  code: number | null;
  signal: string | null;
}

export interface EngineSpawner {
  spawn(): EngineProcess;
}

export interface JobProgressUpdate {
  done: number;
  total: number;
  message: string;
  data?: unknown;
}

export interface RunOptions {
  /** Id to run under (reported in events); a fresh one when absent. */
  jobId?: string;
  onProgress?: (update: JobProgressUpdate) => void;
  /** The job stopped at a pause point (true) or went on (false); see `pause`. */
  onPaused?: (paused: boolean) => void;
  /** How long this job may take to stop once cancelled (default: the host's cancelGraceMs). */
  cancelGraceMs?: number;
  /** Aborting it cancels the job (queued: dropped; running: the engine is asked to stop). */
  signal?: AbortSignal;
}

export interface EngineHostOptions {
  spawner: EngineSpawner;
  /** Restarts allowed within `restartWindowMs` before the engine stays down. */
  maxRestarts?: number;
  restartWindowMs?: number;
  /** Backoff before restart n (0-based): baseDelayMs · 2ⁿ, capped at maxDelayMs. */
  restartBaseDelayMs?: number;
  restartMaxDelayMs?: number;
  /** How long a cancelled job may take to stop before the engine is killed and restarted. */
  cancelGraceMs?: number;
}

export type EngineLogListener = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

interface Job {
  id: string;
  kind: string;
  params: unknown;
  options: RunOptions;
  resolve(value: unknown): void;
  reject(err: Error): void;
  cancelTimer?: ReturnType<typeof setTimeout>;
  detachSignal?: () => void;
}

/**
 * Runs the engine process and its jobs from main. Jobs run one at a time in the order they
 * were submitted (TF.js holds its memory per process; two trainings side by side would
 * only compete for it). When the process dies, the job it was running is rejected with a
 * clear error, the status goes 'crashed' → 'restarting' → 'starting' → 'ready', and the
 * new process initialises its backend again; queued jobs then run. After `maxRestarts`
 * deaths within `restartWindowMs` it stays 'crashed' and every job is rejected.
 */
export class EngineHost {
  private process: EngineProcess | null = null;
  private state: EngineState = 'stopped';
  private backend: BackendInfo | null = null;
  private error: string | undefined;
  private current: Job | null = null;
  private readonly queue: Job[] = [];
  private restarts = 0;
  private readonly recentDeaths: number[] = [];
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  /** Set when the host itself killed the engine to end a job that ignored its cancel. */
  private killedForCancel = false;
  private readonly statusListeners = new Set<(status: EngineStatus) => void>();
  private readonly logListeners = new Set<EngineLogListener>();
  private readonly opts: Required<Omit<EngineHostOptions, 'spawner'>> & { spawner: EngineSpawner };

  constructor(options: EngineHostOptions) {
    this.opts = {
      maxRestarts: 5,
      restartWindowMs: 60_000,
      restartBaseDelayMs: 250,
      restartMaxDelayMs: 8_000,
      cancelGraceMs: 15_000,
      ...options,
    };
  }

  /** Start the engine process (idempotent while it runs; after a crash or stop, a fresh start). */
  start(): void {
    if (this.process || this.restartTimer) return;
    this.error = undefined;
    this.recentDeaths.length = 0;
    this.launch();
  }

  status(): EngineStatus {
    return {
      state: this.state,
      backend: this.backend,
      job: this.current ? { jobId: this.current.id, kind: this.current.kind } : null,
      queued: this.queue.length,
      restarts: this.restarts,
      ...(this.error === undefined ? {} : { error: this.error }),
    };
  }

  /** The engine's process id (for diagnostics), or undefined while none runs. */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** The running job and the queued ones, in order. */
  jobs(): { jobId: string; kind: string }[] {
    return [this.current, ...this.queue].filter((j): j is Job => j !== null).map((j) => ({ jobId: j.id, kind: j.kind }));
  }

  onStatus(listener: (status: EngineStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onLog(listener: EngineLogListener): () => void {
    this.logListeners.add(listener);
    return () => this.logListeners.delete(listener);
  }

  /** Run a job in the engine; resolves with its result, rejects with an ApiError. */
  run<R = unknown>(kind: string, params: unknown, options: RunOptions = {}): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.state === 'stopped' || (this.state === 'crashed' && !this.restartTimer && !this.process)) {
        reject(new ApiError('failed', this.unavailableReason()));
        return;
      }
      const job: Job = { id: options.jobId ?? randomUUID(), kind, params, options, resolve: resolve as (v: unknown) => void, reject };
      if (options.signal) {
        if (options.signal.aborted) {
          reject(cancelled(job));
          return;
        }
        const onAbort = () => this.cancel(job.id);
        options.signal.addEventListener('abort', onAbort, { once: true });
        job.detachSignal = () => options.signal?.removeEventListener('abort', onAbort);
      }
      this.queue.push(job);
      this.pump();
      this.emitStatus();
    });
  }

  /** Cancel a queued or running job; false when no such job is waiting or running. */
  cancel(jobId: string): boolean {
    const queuedAt = this.queue.findIndex((j) => j.id === jobId);
    if (queuedAt >= 0) {
      const [job] = this.queue.splice(queuedAt, 1);
      this.settle(job, cancelled(job));
      this.emitStatus();
      return true;
    }
    const job = this.current;
    if (!job || job.id !== jobId) return false;
    if (job.cancelTimer) return true;
    this.process?.send({ type: 'cancel', id: job.id });
    // A job stuck in one long synchronous op never sees the abort: past the grace period
    // the engine is killed, the job reported cancelled, and a fresh engine started.
    job.cancelTimer = setTimeout(() => {
      if (this.current !== job) return;
      this.emitLog('warn', `Job ${job.id} (${job.kind}) did not stop within ${this.opts.cancelGraceMs} ms; restarting the engine`);
      this.current = null;
      this.settle(job, cancelled(job));
      this.killedForCancel = true;
      this.process?.kill();
    }, job.options.cancelGraceMs ?? this.opts.cancelGraceMs);
    return true;
  }

  /**
   * Ask the running job to wait at its next pause point (`resume` lets it go on); the job's
   * `onPaused` reports when it does. False when `jobId` is not the running job.
   */
  pause(jobId: string): boolean {
    return this.control(jobId, 'pause');
  }

  resume(jobId: string): boolean {
    return this.control(jobId, 'resume');
  }

  private control(jobId: string, type: 'pause' | 'resume'): boolean {
    const job = this.current;
    if (!job || job.id !== jobId || job.cancelTimer || !this.process) return false;
    this.process.send({ type, id: jobId });
    return true;
  }

  /** Cancel every job and stop the engine process; resolves when it has exited. */
  async stop(reason = 'Atelier is shutting down'): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    for (const job of this.queue.splice(0)) this.settle(job, new ApiError('cancelled', `${reason}: job ${job.kind} cancelled`));
    const proc = this.process;
    // Detached first, so its exit is not taken for a crash.
    this.process = null;
    this.backend = null;
    const job = this.current;
    this.current = null;
    if (job) this.settle(job, new ApiError('cancelled', `${reason}: job ${job.kind} cancelled`));
    this.setState('stopped');
    if (!proc) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(resolve, 5_000);
      proc.onExit(() => {
        clearTimeout(force);
        resolve();
      });
      proc.kill();
    });
  }

  private launch(): void {
    this.backend = null;
    let proc: EngineProcess;
    try {
      proc = this.opts.spawner.spawn();
    } catch (err) {
      this.error = `The engine process could not be started: ${(err as Error).message}`;
      this.emitLog('error', this.error);
      this.setState('crashed');
      this.failAll(this.error);
      return;
    }
    this.process = proc;
    this.setState('starting');
    proc.onMessage((message) => {
      if (this.process === proc) this.handle(message);
    });
    proc.onExit((exit) => {
      if (this.process === proc) this.handleExit(exit);
    });
  }

  private handle(message: EngineToMain): void {
    switch (message.type) {
      case 'status':
        if (message.state === 'ready') {
          this.backend = message.backend;
          this.setState(this.current ? 'busy' : 'ready');
          this.pump();
        } else {
          this.emitLog('error', `The engine could not initialise a compute backend: ${message.error}`);
          this.process?.kill();
        }
        return;
      case 'log':
        this.emitLog(message.level, message.message);
        return;
      case 'progress': {
        const job = this.current;
        if (job?.id !== message.id || job.cancelTimer) return;
        job.options.onProgress?.({
          done: message.done,
          total: message.total,
          message: message.message,
          ...(message.data === undefined ? {} : { data: message.data }),
        });
        return;
      }
      case 'paused': {
        const job = this.current;
        if (job?.id === message.id) job.options.onPaused?.(message.paused);
        return;
      }
      case 'result':
      case 'error': {
        const job = this.current;
        if (job?.id !== message.id) return;
        this.current = null;
        if (message.type === 'result') this.settle(job, undefined, message.result);
        else {
          const code = message.error.code === 'unknown-job' ? 'failed' : message.error.code;
          this.settle(job, new ApiError(code, message.error.message, { jobId: job.id, kind: job.kind }));
        }
        this.setState('ready');
        this.pump();
        return;
      }
    }
  }

  private handleExit(exit: EngineExit): void {
    this.process = null;
    this.backend = null;
    const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
    const job = this.current;
    this.current = null;
    if (job) {
      this.settle(
        job,
        new ApiError(
              'failed',
              `The engine process ${how} while running job ${job.id} (${job.kind}); the engine is being restarted, run the job again`,
              { jobId: job.id, kind: job.kind, exitCode: exit.code, signal: exit.signal },
            ),
      );
    }
    const expected = this.killedForCancel;
    this.killedForCancel = false;
    const now = Date.now();
    if (!expected) this.recentDeaths.push(now);
    while (this.recentDeaths.length > 0 && now - this.recentDeaths[0] > this.opts.restartWindowMs) this.recentDeaths.shift();
    if (this.recentDeaths.length > this.opts.maxRestarts) {
      this.error =
        `The engine process ${how}; it died ${this.recentDeaths.length} times within ` +
        `${Math.round(this.opts.restartWindowMs / 1000)} s, so it is not restarted. See the log for its last output.`;
      this.emitLog('error', this.error);
      this.setState('crashed');
      this.failAll(this.error);
      return;
    }
    if (expected) {
      this.emitLog('info', 'The engine was stopped to end a cancelled job; starting a fresh one');
    } else {
      this.error = `The engine process ${how}`;
      this.emitLog('error', `${this.error}; restarting it`);
      this.setState('crashed');
    }
    const delay = expected
      ? 0
      : Math.min(this.opts.restartBaseDelayMs * 2 ** (this.recentDeaths.length - 1), this.opts.restartMaxDelayMs);
    this.setState('restarting');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.restarts += 1;
      this.error = undefined;
      this.launch();
    }, delay);
  }

  /** Send the next queued job when the engine is idle and ready. */
  private pump(): void {
    if (this.current || !this.process || this.backend === null) return;
    const job = this.queue.shift();
    if (!job) return;
    this.current = job;
    this.process.send({ type: 'job', id: job.id, kind: job.kind, params: job.params });
    this.setState('busy');
  }

  private settle(job: Job, err: Error | undefined, result?: unknown): void {
    if (job.cancelTimer) clearTimeout(job.cancelTimer);
    job.detachSignal?.();
    if (err) job.reject(err);
    else job.resolve(result);
  }

  private failAll(reason: string): void {
    for (const job of this.queue.splice(0)) this.settle(job, new ApiError('failed', reason));
    this.emitStatus();
  }

  private unavailableReason(): string {
    return this.state === 'stopped'
      ? 'The engine is not running'
      : (this.error ?? 'The engine is not available');
  }

  private setState(state: EngineState): void {
    this.state = state;
    this.emitStatus();
  }

  private emitStatus(): void {
    const status = this.status();
    for (const listener of this.statusListeners) listener(status);
  }

  private emitLog(level: 'debug' | 'info' | 'warn' | 'error', message: string): void {
    for (const listener of this.logListeners) listener(level, message);
  }
}

function cancelled(job: Job): ApiError {
  return new ApiError('cancelled', `Job ${job.kind} was cancelled`, { jobId: job.id, kind: job.kind });
}
