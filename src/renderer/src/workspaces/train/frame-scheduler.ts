/**
 * Coalesces chart updates to one per animation frame: metrics may arrive many times per
 * frame (a burst of records, several runs), but each chart rebuilds its data and redraws
 * at most once before the browser paints.
 */
export class FrameScheduler {
  private readonly pending = new Map<object, () => void>();
  private frame: number | null = null;
  /** Told how long each frame's chart work took (the dashboard benchmark listens). */
  onFrame: ((ms: number, charts: number) => void) | null = null;

  constructor(
    private readonly requestFrame: (callback: () => void) => number = (cb) => requestAnimationFrame(cb),
    private readonly cancelFrame: (id: number) => void = (id) => cancelAnimationFrame(id),
  ) {}

  /** Run `task` in the next frame; a later request for the same `key` replaces it. */
  request(key: object, task: () => void): void {
    this.pending.set(key, task);
    this.frame ??= this.requestFrame(() => this.flush());
  }

  cancel(key: object): void {
    this.pending.delete(key);
    if (this.pending.size === 0 && this.frame !== null) {
      this.cancelFrame(this.frame);
      this.frame = null;
    }
  }

  private flush(): void {
    this.frame = null;
    const tasks = [...this.pending.values()];
    this.pending.clear();
    const t0 = performance.now();
    for (const task of tasks) task();
    this.onFrame?.(performance.now() - t0, tasks.length);
  }
}

/** The renderer's one scheduler for chart frames. */
export const chartFrames = new FrameScheduler();
