/**
 * What one chart draws, as uPlot's aligned data: for each run shown, a metric (a loss or
 * the learning rate) raw and smoothed, against the chosen x axis, reduced to what the
 * chart's width can show (lod.ts). Pure (no DOM): the chart component calls `build` at
 * most once per animation frame, and only the points added since the last call are
 * smoothed and indexed.
 */
import { EmaState } from './ema';
import { MinMaxLevels, gatherIndices } from './lod';
import { Column, lowerBound, type RunSeries } from './run-series';

export const X_AXES = ['step', 'epoch', 'relative', 'wall'] as const;
export type XAxis = (typeof X_AXES)[number];

export const X_AXIS_LABELS: Record<XAxis, string> = {
  step: 'Step',
  epoch: 'Epoch',
  relative: 'Relative time',
  wall: 'Wall time',
};

/** The learning rate's metric key (losses use their own names). */
export const LR_METRIC = 'lr';

export function xColumn(series: RunSeries, axis: XAxis): Column {
  switch (axis) {
    case 'step':
      return series.step;
    case 'epoch':
      return series.epochProgress;
    case 'relative':
      return series.relativeTime;
    case 'wall':
      return series.time;
  }
}

function metricColumn(series: RunSeries, metric: string): Column | undefined {
  return metric === LR_METRIC ? series.lr : series.losses.get(metric);
}

/** One run's metric with its smoothed copy and their levels of detail, kept up to date. */
class Track {
  readonly rawLevels = new MinMaxLevels();
  readonly smoothed = new Column();
  readonly smoothedLevels = new MinMaxLevels();
  private ema: EmaState | null = null;
  /** The first index that changed since the last sync. */
  private dirtyFrom = 0;
  private readonly unsubscribe: () => void;

  constructor(
    readonly series: RunSeries,
    readonly metric: string,
  ) {
    this.unsubscribe = series.onChange(({ from }) => {
      this.dirtyFrom = Math.min(this.dirtyFrom, from);
    });
  }

  /** Bring everything up to the series' length; `weight` 0 skips smoothing. */
  sync(weight: number): void {
    const column = metricColumn(this.series, this.metric);
    const length = column?.length ?? 0;
    const from = Math.min(this.dirtyFrom, length);
    this.dirtyFrom = length;
    const values = column?.view() ?? new Float64Array(0);
    if (from < this.rawLevels.length || length !== this.rawLevels.length) this.rawLevels.update(values, from, length);
    if (weight <= 0) return;
    let smoothFrom = from;
    if (!this.ema || this.ema.weight !== weight || from < this.ema.count) {
      // A new weight, or points rewritten: the average depends on everything before, so start over.
      this.ema = new EmaState(weight);
      this.smoothed.truncate(0);
      smoothFrom = 0;
    }
    this.smoothed.truncate(this.ema.count);
    for (let i = this.ema.count; i < length; i++) this.smoothed.push(this.ema.next(values[i]!));
    this.smoothedLevels.update(this.smoothed.view(), smoothFrom, length);
  }

  raw(): Float64Array {
    return metricColumn(this.series, this.metric)?.view() ?? new Float64Array(0);
  }

  dispose(): void {
    this.unsubscribe();
  }
}

export interface ChartSeriesInfo {
  run: string;
  kind: 'raw' | 'smoothed';
}

export interface ChartData {
  /** uPlot's AlignedData: x, then one array per entry of `series`. */
  data: [ArrayLike<number>, ...ArrayLike<number | null>[]];
  series: ChartSeriesInfo[];
  /** Points in the data (after reduction). */
  points: number;
}

export interface BuildOptions {
  axis: XAxis;
  /** Smoothing weight in [0, 1); 0 draws the raw curve only. */
  smoothing: number;
  /** The visible x range when zoomed; null shows everything. */
  range: [number, number] | null;
  /** About how many buckets (pixel columns) the chart has room for. */
  buckets: number;
}

/** The data of one chart; keep one per chart so that only new points are processed. */
export class ChartModel {
  private readonly tracks = new Map<RunSeries, Track>();

  constructor(readonly metric: string) {}

  /** Whether any of `runs` has this metric (a chart for a loss only some runs log). */
  has(runs: readonly RunSeries[]): boolean {
    return runs.some((r) => metricColumn(r, this.metric) !== undefined);
  }

  build(runs: readonly RunSeries[], options: BuildOptions): ChartData {
    const weight = this.metric === LR_METRIC ? 0 : options.smoothing;
    for (const [series, track] of this.tracks) {
      if (!runs.includes(series)) {
        track.dispose();
        this.tracks.delete(series);
      }
    }
    const parts: { run: string; x: Float64Array; ys: Float64Array[]; kinds: ChartSeriesInfo['kind'][] }[] = [];
    for (const series of runs) {
      if (!metricColumn(series, this.metric)) {
        // Not logged (yet) by this run: empty curves keep every run's series in place.
        const empty = new Float64Array(0);
        parts.push({ run: series.name, x: empty, ys: weight > 0 ? [empty, empty] : [empty], kinds: weight > 0 ? ['raw', 'smoothed'] : ['raw'] });
        continue;
      }
      let track = this.tracks.get(series);
      if (!track) {
        track = new Track(series, this.metric);
        this.tracks.set(series, track);
      }
      track.sync(weight);
      parts.push(reduce(track, xColumn(series, options.axis).view(), weight > 0, options));
    }
    if (parts.length === 1) {
      const p = parts[0]!;
      return { data: [p.x, ...p.ys], series: p.kinds.map((kind) => ({ run: p.run, kind })), points: p.x.length };
    }
    return merge(parts);
  }

  dispose(): void {
    for (const track of this.tracks.values()) track.dispose();
    this.tracks.clear();
  }
}

function reduce(track: Track, x: Float64Array, smoothed: boolean, options: BuildOptions) {
  const n = Math.min(x.length, track.raw().length);
  let i0 = 0;
  let i1 = n - 1;
  if (options.range && n > 0) {
    // One point beyond each edge, so the line runs to the border of the zoomed view.
    i0 = Math.max(0, lowerBound(x, options.range[0], n) - 1);
    i1 = Math.min(n - 1, lowerBound(x, options.range[1], n));
  }
  const levels = smoothed ? [track.rawLevels, track.smoothedLevels] : [track.rawLevels];
  const idx = gatherIndices(levels, i0, i1, options.buckets);
  const raw = track.raw();
  const xs = new Float64Array(idx.length);
  const yRaw = new Float64Array(idx.length);
  const ySmooth = smoothed ? new Float64Array(idx.length) : null;
  const s = track.smoothed.view();
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    xs[k] = x[i]!;
    yRaw[k] = raw[i]!;
    if (ySmooth) ySmooth[k] = s[i]!;
  }
  return {
    run: track.series.name,
    x: xs,
    ys: ySmooth ? [yRaw, ySmooth] : [yRaw],
    kinds: (ySmooth ? ['raw', 'smoothed'] : ['raw']) as ChartSeriesInfo['kind'][],
  };
}

/**
 * Several runs on one x axis: the union of their x values (each run's are sorted), with
 * null where a run has no point (uPlot's spanGaps joins across those).
 */
export function merge(parts: { run: string; x: Float64Array; ys: Float64Array[]; kinds: ChartSeriesInfo['kind'][] }[]): ChartData {
  const series: ChartSeriesInfo[] = parts.flatMap((p) => p.kinds.map((kind) => ({ run: p.run, kind })));
  const x: number[] = [];
  const ys: (number | null)[][] = series.map(() => []);
  const cursor = parts.map(() => 0);
  for (;;) {
    let next = Infinity;
    for (let p = 0; p < parts.length; p++) {
      const c = cursor[p]!;
      if (c < parts[p]!.x.length && parts[p]!.x[c]! < next) next = parts[p]!.x[c]!;
    }
    if (next === Infinity) break;
    x.push(next);
    let column = 0;
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p]!;
      const c = cursor[p]!;
      const here = c < part.x.length && part.x[c] === next;
      for (const y of part.ys) {
        const v = here ? y[c]! : null;
        ys[column++]!.push(v === null || Number.isNaN(v) ? null : v);
      }
      if (here) cursor[p] = c + 1;
    }
  }
  return { data: [x, ...ys], series, points: x.length };
}
