/**
 * Latest-wins scheduling of live previews. Every change of the input (a brush dab on the
 * label map, the mask, the model, the direction, a slider) calls `update`. The scheduler
 *
 * - debounces: a burst of changes starts one job, `debounceMs` after the last of them;
 * - never queues stale work: a change cancels the job in flight (its result, should it
 *   still arrive, is dropped), so the engine only ever computes what the user sees next;
 * - answers fast first: a low-resolution draft as soon as the debounce ends, then the
 *   full-resolution preview once the input has been still for `settleMs` (after the draft
 *   is shown — the engine runs one job at a time, so starting both would queue one);
 * - measures latency from the change to the moment its result is handed over.
 *
 * Pure TypeScript with an injectable clock, so it is tested without a browser.
 */

export type PreviewQuality = 'draft' | 'full';

/** A started preview job: its result, and a way to cancel it (e.g. by sending job:cancel). */
export interface PreviewJob<R> {
  result: Promise<R>;
  cancel(): void;
}

export interface PreviewResultInfo {
  /** Which change this result reflects (increases with every `update`). */
  seq: number;
  quality: PreviewQuality;
  /** Milliseconds from the change to this result being handed over. */
  latencyMs: number;
  /** True when no better result for this input will follow. */
  final: boolean;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface PreviewSchedulerOptions<I, R> {
  /** Starts the engine job for an input at a quality. */
  start(input: I, quality: PreviewQuality): PreviewJob<R>;
  onResult(result: R, info: PreviewResultInfo): void;
  /** A job for the current input failed (cancelled jobs are never reported). */
  onError?(error: unknown, info: { seq: number; quality: PreviewQuality }): void;
  /** Whether a job for the current input is running or about to (for a spinner). */
  onBusy?(busy: boolean): void;
  /** Quiet time after the last change before the first job starts (default 30 ms). */
  debounceMs?: number;
  /** Quiet time after the last change before the full-resolution job (default 300 ms). */
  settleMs?: number;
  /**
   * Whether a draft is worth computing for this input; when false the full preview is
   * the only job and starts after the debounce (e.g. the image is already small).
   */
  wantsDraft?: (input: I) => boolean;
  clock?: Clock;
}

const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface InFlight<R> {
  seq: number;
  quality: PreviewQuality;
  job: PreviewJob<R>;
}

export class PreviewScheduler<I, R> {
  private readonly clock: Clock;
  private readonly debounceMs: number;
  private readonly settleMs: number;
  private seq = 0;
  private input: I | undefined;
  private changedAt = 0;
  private inFlight: InFlight<R> | undefined;
  private debounceTimer: unknown;
  private settleTimer: unknown;
  /** The input has been still for settleMs: the full preview is due. */
  private settled = false;
  /** The full preview of the current seq has been started (or delivered). */
  private fullStarted = false;
  private busy = false;
  private disposed = false;
  /** Counters, for the latency panel and for tests. */
  readonly stats = { started: 0, cancelled: 0, delivered: 0, dropped: 0 };

  constructor(private readonly options: PreviewSchedulerOptions<I, R>) {
    this.clock = options.clock ?? systemClock;
    this.debounceMs = options.debounceMs ?? 30;
    this.settleMs = Math.max(options.settleMs ?? 300, this.debounceMs);
  }

  /** The input changed: drop whatever is under way and schedule fresh work. */
  update(input: I): void {
    if (this.disposed) throw new Error('preview scheduler is disposed');
    this.seq += 1;
    this.input = input;
    this.changedAt = this.clock.now();
    this.settled = false;
    this.fullStarted = false;
    this.cancelInFlight();
    this.clearTimers();
    this.debounceTimer = this.clock.setTimeout(() => this.onDebounced(), this.debounceMs);
    this.settleTimer = this.clock.setTimeout(() => this.onSettled(), this.settleMs);
    this.setBusy(true);
  }

  /** Stop what is under way (the input went away); a later `update` starts afresh. */
  cancel(): void {
    this.cancelInFlight();
    this.clearTimers();
    this.fullStarted = true;
    this.setBusy(false);
  }

  /** Stop everything for good: cancel the job in flight, forget timers. */
  dispose(): void {
    this.cancel();
    this.disposed = true;
  }

  private onDebounced(): void {
    this.debounceTimer = undefined;
    if (this.fullStarted) return;
    const input = this.input as I;
    const draft = this.options.wantsDraft ? this.options.wantsDraft(input) : true;
    if (draft) this.launch('draft');
    else this.launchFull();
  }

  private onSettled(): void {
    this.settleTimer = undefined;
    this.settled = true;
    if (this.debounceTimer !== undefined) {
      // Both quiet times elapsed at once: the draft has no point any more.
      this.clock.clearTimeout(this.debounceTimer);
      this.debounceTimer = undefined;
    }
    // A draft still computing is for this very input: let it finish, then go full.
    if (!this.inFlight) this.launchFull();
  }

  private launchFull(): void {
    if (this.fullStarted) return;
    this.fullStarted = true;
    this.launch('full');
  }

  private launch(quality: PreviewQuality): void {
    this.cancelInFlight();
    const seq = this.seq;
    let job: PreviewJob<R>;
    try {
      job = this.options.start(this.input as I, quality);
    } catch (error) {
      this.fail(error, seq, quality);
      return;
    }
    const entry: InFlight<R> = { seq, quality, job };
    this.inFlight = entry;
    this.stats.started += 1;
    job.result.then(
      (result) => this.onJobResult(entry, result),
      (error: unknown) => this.onJobError(entry, error),
    );
  }

  private onJobResult(entry: InFlight<R>, result: R): void {
    if (this.inFlight !== entry || this.disposed) {
      this.stats.dropped += 1;
      return;
    }
    this.inFlight = undefined;
    const final = entry.quality === 'full';
    this.stats.delivered += 1;
    if (final) this.setBusy(false);
    this.options.onResult(result, {
      seq: entry.seq,
      quality: entry.quality,
      latencyMs: this.clock.now() - this.changedAt,
      final,
    });
    if (!final && this.settled && entry.seq === this.seq) this.launchFull();
  }

  private onJobError(entry: InFlight<R>, error: unknown): void {
    if (this.inFlight !== entry || this.disposed) {
      this.stats.dropped += 1;
      return;
    }
    this.inFlight = undefined;
    this.fail(error, entry.seq, entry.quality);
  }

  private fail(error: unknown, seq: number, quality: PreviewQuality): void {
    // The full preview would fail the same way: stop here until the input changes.
    this.fullStarted = true;
    this.clearTimers();
    this.setBusy(false);
    this.options.onError?.(error, { seq, quality });
  }

  private cancelInFlight(): void {
    const entry = this.inFlight;
    if (!entry) return;
    this.inFlight = undefined;
    this.stats.cancelled += 1;
    try {
      entry.job.cancel();
    } catch {
      // A job that cannot be cancelled any more has finished; its result is dropped.
    }
  }

  private clearTimers(): void {
    if (this.debounceTimer !== undefined) this.clock.clearTimeout(this.debounceTimer);
    if (this.settleTimer !== undefined) this.clock.clearTimeout(this.settleTimer);
    this.debounceTimer = undefined;
    this.settleTimer = undefined;
  }

  private setBusy(busy: boolean): void {
    if (this.busy === busy) return;
    this.busy = busy;
    this.options.onBusy?.(busy);
  }
}
