/**
 * A run's metrics in the renderer: one growable Float64Array per column (step, epoch,
 * time, learning rate, each loss), appended to as the log grows. Charts read `view()`s of
 * these arrays (no copies), so a live update costs what it adds.
 *
 * Steps only go forward: when a resumed run logs a step at or before the last one held
 * (it continued from a checkpoint older than the end of the log), the points from that
 * step on are dropped first, as TensorBoard purges orphaned data.
 */
import type { MetricColumns } from '../../../../shared/api/train';

export class Column {
  private data: Float64Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  /** Keep the first `length` values. */
  truncate(length: number): void {
    this.length = Math.min(this.length, Math.max(0, length));
  }

  get(i: number): number {
    return this.data[i]!;
  }

  /** The values as an array view (valid until the next push that grows the buffer). */
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }

  last(): number | undefined {
    return this.length ? this.data[this.length - 1] : undefined;
  }
}

export interface SeriesChange {
  /** The first index whose value changed (earlier values are as before). */
  from: number;
  length: number;
}

export type SeriesListener = (change: SeriesChange) => void;

/** First index i with values[i] ≥ x in a sorted array (binary search). */
export function lowerBound(values: ArrayLike<number>, x: number, length = values.length): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class RunSeries {
  readonly step = new Column();
  readonly epoch = new Column();
  readonly epochProgress = new Column();
  readonly time = new Column();
  /** Seconds since the first logged step (the "relative" time axis). */
  readonly relativeTime = new Column();
  readonly lr = new Column();
  /** Losses in the order the model declares them (first seen in the log). */
  readonly losses = new Map<string, Column>();
  /** Bumped on every change, so views can tell whether they are stale. */
  version = 0;
  private readonly listeners = new Set<SeriesListener>();

  constructor(readonly name: string) {}

  get length(): number {
    return this.step.length;
  }

  get lossNames(): string[] {
    return [...this.losses.keys()];
  }

  onChange(listener: SeriesListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Drop everything (the log was rewritten and is read again from the start). */
  clear(): void {
    this.truncate(0);
    this.notify({ from: 0, length: 0 });
  }

  /** Append a chunk of `runs:metrics`; returns the change. */
  append(columns: MetricColumns): SeriesChange {
    const n = columns.step.length;
    let from = this.length;
    for (let i = 0; i < n; i++) {
      const step = columns.step[i]!;
      const lastStep = this.step.last();
      if (lastStep !== undefined && step <= lastStep) {
        const keep = lowerBound(this.step.view(), step);
        this.truncate(keep);
        from = Math.min(from, keep);
      }
      this.pushRow(columns, i);
    }
    const change = { from, length: this.length };
    if (n > 0) this.notify(change);
    return change;
  }

  /** Append one row directly (synthetic data, tests). */
  appendRow(row: { step: number; epoch?: number; epochProgress?: number; time?: number; lr?: number | null; losses: Record<string, number> }): void {
    const from = this.length;
    this.pushValues(row.step, row.epoch ?? 0, row.epochProgress ?? row.epoch ?? 0, row.time ?? 0, row.lr ?? null, row.losses);
    this.notify({ from, length: this.length });
  }

  private pushRow(c: MetricColumns, i: number): void {
    const losses: Record<string, number> = {};
    for (const [name, values] of Object.entries(c.losses)) {
      const v = values[i];
      losses[name] = v === null || v === undefined ? Number.NaN : v;
    }
    this.pushValues(c.step[i]!, c.epoch[i] ?? 0, c.epochProgress[i] ?? c.epoch[i] ?? 0, c.time[i] ?? 0, c.lr[i] ?? null, losses);
  }

  private pushValues(step: number, epoch: number, epochProgress: number, time: number, lr: number | null, losses: Record<string, number>): void {
    const row = this.length;
    for (const name of Object.keys(losses)) {
      if (!this.losses.has(name)) {
        const column = new Column();
        for (let k = 0; k < row; k++) column.push(Number.NaN);
        this.losses.set(name, column);
      }
    }
    this.step.push(step);
    this.epoch.push(epoch);
    this.epochProgress.push(epochProgress);
    this.time.push(time);
    this.relativeTime.push(row === 0 ? 0 : time - this.time.get(0));
    this.lr.push(lr ?? Number.NaN);
    for (const [name, column] of this.losses) column.push(losses[name] ?? Number.NaN);
  }

  private truncate(length: number): void {
    for (const c of [this.step, this.epoch, this.epochProgress, this.time, this.relativeTime, this.lr, ...this.losses.values()]) c.truncate(length);
  }

  private notify(change: SeriesChange): void {
    this.version += 1;
    for (const listener of this.listeners) listener(change);
  }
}
