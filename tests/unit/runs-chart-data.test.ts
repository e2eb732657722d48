/**
 * The dashboard's data path: a run's metrics as growable columns (RunSeries), the
 * level-of-detail reduction (lod.ts) and what a chart hands uPlot (ChartModel).
 */
import { describe, expect, it } from 'vitest';
import { ChartModel, LR_METRIC, merge } from '../../src/renderer/src/workspaces/train/chart-model';
import { smooth } from '../../src/renderer/src/workspaces/train/ema';
import { MinMaxLevels, gatherIndices } from '../../src/renderer/src/workspaces/train/lod';
import { RunSeries } from '../../src/renderer/src/workspaces/train/run-series';

function columns(steps: number[], losses: Record<string, (number | null)[]>) {
  return {
    step: steps,
    epoch: steps.map((s) => Math.ceil(s / 10)),
    epochProgress: steps.map((s) => (s - 1) / 10),
    time: steps.map((s) => 1_700_000_000 + s),
    lr: steps.map(() => 2e-4),
    losses,
  };
}

function wave(n: number, seed = 1): number[] {
  let x = seed;
  return Array.from({ length: n }, (_, i) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return Math.exp(-i / (n / 3)) + (x / 2 ** 31 - 0.5) * 0.4;
  });
}

describe('RunSeries', () => {
  it('appends chunks as columns and keeps the model’s loss order', () => {
    const s = new RunSeries('r');
    s.append(columns([1, 2], { G_GAN: [1, 2], G_L1: [3, 4] }));
    s.append(columns([3], { G_GAN: [5], G_L1: [6] }));
    expect(s.lossNames).toEqual(['G_GAN', 'G_L1']);
    expect([...s.step.view()]).toEqual([1, 2, 3]);
    expect([...s.losses.get('G_L1')!.view()]).toEqual([3, 4, 6]);
    expect([...s.relativeTime.view()]).toEqual([0, 1, 2]);
  });

  it('a loss first logged later is NaN before, and a null value is NaN', () => {
    const s = new RunSeries('r');
    s.append(columns([1, 2], { a: [1, null] }));
    s.append(columns([3], { a: [3], b: [7] }));
    expect([...s.losses.get('a')!.view()]).toEqual([1, Number.NaN, 3]);
    expect([...s.losses.get('b')!.view()]).toEqual([Number.NaN, Number.NaN, 7]);
  });

  it('a resumed run that logs an earlier step replaces the points from that step on', () => {
    const s = new RunSeries('r');
    const changes: number[] = [];
    s.onChange((c) => changes.push(c.from));
    s.append(columns([1, 2, 3, 4, 5], { a: [1, 2, 3, 4, 5] }));
    s.append(columns([4, 5, 6], { a: [40, 50, 60] }));
    expect([...s.step.view()]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...s.losses.get('a')!.view()]).toEqual([1, 2, 3, 40, 50, 60]);
    expect(changes).toEqual([0, 3]);
  });

  it('grows past its initial capacity without losing values', () => {
    const s = new RunSeries('r');
    const n = 5000;
    const values = wave(n);
    for (let i = 0; i < n; i++) s.appendRow({ step: i + 1, losses: { a: values[i]! } });
    expect(s.length).toBe(n);
    expect(s.losses.get('a')!.get(n - 1)).toBe(values[n - 1]);
  });
});

describe('level of detail', () => {
  it('every bucket keeps its true minimum and maximum, at every level', () => {
    const values = wave(10_000, 7);
    const levels = new MinMaxLevels();
    levels.update(values, 0, values.length);
    for (const maxBuckets of [20, 100, 600]) {
      const idx = gatherIndices([levels], 0, values.length - 1, maxBuckets);
      const picked = [...idx].map((i) => values[i]!);
      expect(Math.min(...picked)).toBe(Math.min(...values));
      expect(Math.max(...picked)).toBe(Math.max(...values));
      expect(idx.length).toBeLessThanOrEqual(maxBuckets * 4 + 4);
      // Sorted, without repeats, first and last point included.
      for (let k = 1; k < idx.length; k++) expect(idx[k]!).toBeGreaterThan(idx[k - 1]!);
      expect(idx[0]).toBe(0);
      expect(idx[idx.length - 1]).toBe(values.length - 1);
    }
  });

  it('incremental updates give the same buckets as building from scratch', () => {
    const values = wave(3000, 3);
    const incremental = new MinMaxLevels();
    for (let end = 1; end <= values.length; end += 37) incremental.update(values, Math.max(0, end - 37), end);
    incremental.update(values, 2997, values.length);
    const whole = new MinMaxLevels();
    whole.update(values, 0, values.length);
    expect([...gatherIndices([incremental], 0, 2999, 50)]).toEqual([...gatherIndices([whole], 0, 2999, 50)]);
  });

  it('keeps every point when they are few, and reduces a range to its buckets', () => {
    const values = wave(1000);
    const levels = new MinMaxLevels();
    levels.update(values, 0, values.length);
    expect(gatherIndices([levels], 100, 199, 50).length).toBe(100);
    const idx = gatherIndices([levels], 0, 999, 10);
    expect(idx.length).toBeLessThan(100);
  });

  it('skips NaN values when looking for extremes', () => {
    const values = Array.from({ length: 4096 }, (_, i) => (i % 3 === 0 ? Number.NaN : Math.sin(i / 100)));
    const levels = new MinMaxLevels();
    levels.update(values, 0, values.length);
    const picked = [...gatherIndices([levels], 0, values.length - 1, 20)].map((i) => values[i]!).filter((v) => !Number.isNaN(v));
    expect(Math.max(...picked)).toBeCloseTo(1, 3);
    expect(Math.min(...picked)).toBeCloseTo(-1, 3);
  });
});

describe('ChartModel', () => {
  it('draws a run’s loss raw and smoothed, with real points only, reduced to the width', () => {
    const n = 20_000;
    const values = wave(n, 11);
    const s = new RunSeries('run-a');
    for (let i = 0; i < n; i++) s.appendRow({ step: i + 1, losses: { G_GAN: values[i]! } });
    const model = new ChartModel('G_GAN');
    const out = model.build([s], { axis: 'step', smoothing: 0.9, range: null, buckets: 400 });
    expect(out.series).toEqual([
      { run: 'run-a', kind: 'raw' },
      { run: 'run-a', kind: 'smoothed' },
    ]);
    const [x, raw, smoothed] = out.data as [Float64Array, Float64Array, Float64Array];
    expect(x.length).toBeLessThan(4000);
    const full = smooth(values, 0.9);
    for (let k = 0; k < x.length; k += 97) {
      const i = x[k]! - 1;
      expect(raw[k]).toBe(values[i]);
      expect(smoothed[k]).toBe(full[i]);
    }
    expect(Math.max(...raw)).toBe(Math.max(...values));
    expect(Math.min(...smoothed)).toBe(Math.min(...full));
  });

  it('follows appended points and a new smoothing weight', () => {
    const s = new RunSeries('r');
    const values = wave(500, 5);
    for (let i = 0; i < 300; i++) s.appendRow({ step: i + 1, losses: { a: values[i]! } });
    const model = new ChartModel('a');
    model.build([s], { axis: 'step', smoothing: 0.5, range: null, buckets: 1000 });
    for (let i = 300; i < 500; i++) s.appendRow({ step: i + 1, losses: { a: values[i]! } });
    let out = model.build([s], { axis: 'step', smoothing: 0.5, range: null, buckets: 1000 });
    expect([...(out.data[2] as Float64Array)]).toEqual([...smooth(values, 0.5)]);
    out = model.build([s], { axis: 'step', smoothing: 0.95, range: null, buckets: 1000 });
    expect([...(out.data[2] as Float64Array)]).toEqual([...smooth(values, 0.95)]);
  });

  it('a zoomed range keeps the points inside it plus one beyond each edge', () => {
    const s = new RunSeries('r');
    for (let i = 1; i <= 1000; i++) s.appendRow({ step: i, losses: { a: i } });
    const out = new ChartModel('a').build([s], { axis: 'step', smoothing: 0, range: [100.5, 200.5], buckets: 500 });
    const x = [...(out.data[0] as Float64Array)];
    expect(x[0]).toBe(100);
    expect(x.at(-1)).toBe(201);
    expect(x.length).toBe(102);
  });

  it('the learning rate is drawn raw only, and other x axes use their own columns', () => {
    const s = new RunSeries('r');
    s.append(columns([1, 2, 3], { a: [1, 2, 3] }));
    const byEpoch = new ChartModel(LR_METRIC).build([s], { axis: 'epoch', smoothing: 0.9, range: null, buckets: 100 });
    expect(byEpoch.series).toEqual([{ run: 'r', kind: 'raw' }]);
    expect([...(byEpoch.data[0] as Float64Array)]).toEqual([0, 0.1, 0.2]);
    const byTime = new ChartModel('a').build([s], { axis: 'relative', smoothing: 0, range: null, buckets: 100 });
    expect([...(byTime.data[0] as Float64Array)]).toEqual([0, 1, 2]);
  });

  it('overlays runs on the union of their x values, null where a run has no point', () => {
    const a = new RunSeries('a');
    const b = new RunSeries('b');
    a.append(columns([1, 2, 3], { loss: [1, 2, 3] }));
    b.append(columns([2, 4], { loss: [20, 40] }));
    const out = new ChartModel('loss').build([a, b], { axis: 'step', smoothing: 0, range: null, buckets: 100 });
    expect(out.series.map((s) => s.run)).toEqual(['a', 'b']);
    expect(out.data).toEqual([
      [1, 2, 3, 4],
      [1, 2, 3, null],
      [null, 20, null, 40],
    ]);
  });

  it('a run that has not logged the metric yet keeps its (empty) series, so the layout never shifts', () => {
    const a = new RunSeries('a');
    const b = new RunSeries('b');
    a.append(columns([1, 2], { loss: [1, 2] }));
    const out = new ChartModel('loss').build([a, b], { axis: 'step', smoothing: 0.5, range: null, buckets: 100 });
    expect(out.series).toEqual([
      { run: 'a', kind: 'raw' },
      { run: 'a', kind: 'smoothed' },
      { run: 'b', kind: 'raw' },
      { run: 'b', kind: 'smoothed' },
    ]);
    expect(out.data).toHaveLength(5);
    expect(out.data[3]).toEqual([null, null]);
    const alone = new ChartModel('loss').build([b], { axis: 'step', smoothing: 0, range: null, buckets: 100 });
    expect(alone.data.map((d) => d.length)).toEqual([0, 0]);
  });

  it('merge keeps repeated x values of one run', () => {
    const out = merge([
      { run: 'a', x: new Float64Array([1, 1, 2]), ys: [new Float64Array([5, 6, 7])], kinds: ['raw'] },
      { run: 'b', x: new Float64Array([1]), ys: [new Float64Array([9])], kinds: ['raw'] },
    ]);
    expect(out.data).toEqual([
      [1, 1, 2],
      [5, 6, 7],
      [9, null, null],
    ]);
  });
});
