/**
 * Pausing a training run between steps: `pause()` takes effect before the next step,
 * `resume()` lets it continue; a stop (the run's AbortSignal) also ends a pause.
 */
export class PauseControl {
  private waiters: (() => void)[] = [];
  private pausedFlag = false;

  get paused(): boolean {
    return this.pausedFlag;
  }

  pause(): void {
    this.pausedFlag = true;
  }

  resume(): void {
    this.pausedFlag = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves at once when not paused; otherwise when resumed or when `signal` aborts. */
  async waitWhilePaused(signal?: AbortSignal): Promise<void> {
    while (this.pausedFlag && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.waiters.push(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }
}
