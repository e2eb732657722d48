/**
 * Level of detail for long curves: a chart a few hundred pixels wide cannot show more than
 * a few points per pixel column, so for each series we keep, per bucket of consecutive
 * points, the index of its minimum and of its maximum, at bucket sizes 8, 32, 128, …
 * (each level built from the one below). Drawing a 100,000-point curve then takes the
 * first, last, minimum and maximum point of ~1,000 buckets (the M4 aggregation), which
 * draws the same picture as all the points; every point drawn is a real logged point, so
 * the hover readout shows true values.
 *
 * Appending a point updates one bucket per level: O(levels).
 */

const BASE = 8;
const FANOUT = 4;
const LEVELS = 7; // bucket sizes 8 … 32768

class IndexColumn {
  data = new Int32Array(64);
  length = 0;

  set(i: number, v: number): void {
    if (i >= this.data.length) {
      let size = this.data.length;
      while (size <= i) size *= 2;
      const grown = new Int32Array(size);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[i] = v;
    if (i >= this.length) this.length = i + 1;
  }
}

interface Level {
  size: number;
  min: IndexColumn;
  max: IndexColumn;
}

export class MinMaxLevels {
  private readonly levels: Level[] = [];
  /** Points covered (the length of the values at the last update). */
  length = 0;

  constructor() {
    for (let k = 0, size = BASE; k < LEVELS; k++, size *= FANOUT) this.levels.push({ size, min: new IndexColumn(), max: new IndexColumn() });
  }

  /** Bring the buckets up to date after `values[from … length)` changed. NaN values are skipped. */
  update(values: ArrayLike<number>, from: number, length: number): void {
    this.length = length;
    for (let k = 0; k < this.levels.length; k++) {
      const level = this.levels[k]!;
      const firstBucket = Math.floor(Math.min(from, length) / level.size);
      const buckets = Math.ceil(length / level.size);
      level.min.length = Math.min(level.min.length, firstBucket);
      level.max.length = Math.min(level.max.length, firstBucket);
      for (let b = firstBucket; b < buckets; b++) {
        let minI = -1;
        let maxI = -1;
        let minV = Infinity;
        let maxV = -Infinity;
        if (k === 0) {
          const end = Math.min(length, (b + 1) * level.size);
          for (let i = b * level.size; i < end; i++) {
            const v = values[i]!;
            if (v < minV) (minV = v), (minI = i);
            if (v > maxV) (maxV = v), (maxI = i);
          }
        } else {
          const below = this.levels[k - 1]!;
          const end = Math.min(below.min.length, (b + 1) * FANOUT);
          for (let c = b * FANOUT; c < end; c++) {
            const ci = below.min.data[c]!;
            const cx = below.max.data[c]!;
            if (ci >= 0 && values[ci]! < minV) (minV = values[ci]!), (minI = ci);
            if (cx >= 0 && values[cx]! > maxV) (maxV = values[cx]!), (maxI = cx);
          }
        }
        level.min.set(b, minI);
        level.max.set(b, maxI);
      }
    }
  }

  /** The level (index) whose buckets are the smallest that still give at most `maxBuckets` over `count` points. */
  static levelFor(count: number, maxBuckets: number): number {
    for (let k = 0, size = BASE; k < LEVELS; k++, size *= FANOUT) if (count / size <= maxBuckets) return k;
    return LEVELS - 1;
  }

  static bucketSize(level: number): number {
    return BASE * FANOUT ** level;
  }

  /** Indices of the minimum and maximum of bucket `b` at `level` (−1 when all NaN or not built). */
  bucket(level: number, b: number): [number, number] {
    const l = this.levels[level]!;
    return b < l.min.length ? [l.min.data[b]!, l.max.data[b]!] : [-1, -1];
  }
}

/**
 * The indices to draw for points `i0 … i1` (inclusive) of several series sharing one x:
 * all of them when they are few; else, per bucket, its first and last point and each
 * series' minimum and maximum — sorted, without repeats.
 */
export function gatherIndices(series: readonly MinMaxLevels[], i0: number, i1: number, maxBuckets: number): Int32Array {
  const count = i1 - i0 + 1;
  if (count <= 0) return new Int32Array(0);
  if (series.length === 0 || count <= maxBuckets * 4) {
    const all = new Int32Array(count);
    for (let i = 0; i < count; i++) all[i] = i0 + i;
    return all;
  }
  const level = MinMaxLevels.levelFor(count, maxBuckets);
  const size = MinMaxLevels.bucketSize(level);
  const b0 = Math.floor(i0 / size);
  const b1 = Math.floor(i1 / size);
  const out = new Int32Array((b1 - b0 + 1) * (2 + 2 * series.length));
  let n = 0;
  const scratch: number[] = [];
  for (let b = b0; b <= b1; b++) {
    const start = Math.max(i0, b * size);
    const end = Math.min(i1, (b + 1) * size - 1);
    scratch.length = 0;
    scratch.push(start, end);
    for (const s of series) {
      const [lo, hi] = s.bucket(level, b);
      if (lo >= start && lo <= end) scratch.push(lo);
      if (hi >= start && hi <= end) scratch.push(hi);
    }
    scratch.sort((a, c) => a - c);
    for (let k = 0; k < scratch.length; k++) if (k === 0 || scratch[k] !== scratch[k - 1]) out[n++] = scratch[k]!;
  }
  return out.subarray(0, n);
}
