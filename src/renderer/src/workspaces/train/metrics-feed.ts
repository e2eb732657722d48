/**
 * Follows a run's metrics.jsonl into a RunSeries: each `poll` reads from where the last
 * one stopped (`runs:metrics` with a byte offset), so a long run is read once, not at
 * every update. Polls that arrive while one is in flight are folded into one more.
 */
import type { AtelierApi } from '../../../../shared/contract';
import { RunSeries } from './run-series';

export class MetricsFeed {
  readonly series: RunSeries;
  private offset = 0;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  /** The last read's failure, until a read succeeds. */
  error: string | null = null;

  constructor(
    private readonly api: Pick<AtelierApi, 'invoke'>,
    readonly run: string,
  ) {
    this.series = new RunSeries(run);
  }

  /** Read what was appended since the last poll; resolves when caught up. */
  poll(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.readAll().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  close(): void {
    this.closed = true;
  }

  private async readAll(): Promise<void> {
    do {
      this.again = false;
      for (;;) {
        if (this.closed) return;
        let chunk;
        try {
          chunk = await this.api.invoke('runs:metrics', { name: this.run, offset: this.offset });
        } catch (err) {
          this.error = err instanceof Error ? err.message : String(err);
          return;
        }
        this.error = null;
        if (chunk.reset) this.series.clear();
        this.series.append(chunk.columns);
        this.offset = chunk.next;
        if (!chunk.more) break;
      }
    } while (this.again);
  }
}
