/**
 * Pausing a running job: main asks (`pause` / `resume` messages), the job honours it at its
 * next `pausePoint()`, between two steps, so a pause never splits a step and the job keeps
 * everything it holds in memory. `onWaiting` reports when the job actually stops and goes
 * on again, so the UI shows "paused" only once it is true.
 */
export class PauseGate {
  private requested = false;
  private release: (() => void) | null = null;

  constructor(
    private readonly signal: AbortSignal,
    private readonly onWaiting: (waiting: boolean) => void,
  ) {}

  get paused(): boolean {
    return this.requested;
  }

  pause(): void {
    this.requested = true;
  }

  resume(): void {
    this.requested = false;
    this.release?.();
  }

  /**
   * Resolves at once unless paused; else when resumed, or when the job is cancelled — the
   * caller checks its signal next, so a run stopped while paused still saves on its way out.
   */
  async pausePoint(): Promise<void> {
    if (!this.requested || this.signal.aborted) return;
    this.onWaiting(true);
    await new Promise<void>((resolve) => {
      const onAbort = () => resolve();
      this.signal.addEventListener('abort', onAbort, { once: true });
      this.release = () => {
        this.signal.removeEventListener('abort', onAbort);
        resolve();
      };
    });
    this.release = null;
    if (!this.signal.aborted) this.onWaiting(false);
  }
}
