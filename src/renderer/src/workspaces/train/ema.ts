/**
 * Smoothing of a loss curve as TensorBoard's scalar dashboard does it: an exponential
 * moving average with weight w (0 = raw, 0.999 = very smooth), debiased so that the
 * first points are not dragged towards 0 (the EMA starts at 0; dividing by 1 − wⁿ
 * undoes that, as Adam's bias correction does). Non-finite values pass through unchanged
 * and do not enter the average.
 *
 * Incremental: a live run appends a few points per update, and only those are smoothed;
 * the whole series is recomputed only when the weight changes.
 */
export class EmaState {
  /** The running (biased) average. */
  private last = 0;
  /** wⁿ for the n finite values averaged so far. */
  private weightPow = 1;
  /** How many values have been smoothed (the index the next `next` call fills). */
  count = 0;

  constructor(readonly weight: number) {
    if (!(weight >= 0 && weight < 1)) throw new Error(`smoothing weight must be in [0, 1), got ${weight}`);
  }

  /** The smoothed value of the next point `y`. */
  next(y: number): number {
    this.count += 1;
    if (!Number.isFinite(y)) return y;
    this.last = this.last * this.weight + (1 - this.weight) * y;
    this.weightPow *= this.weight;
    return this.weight === 0 ? y : this.last / (1 - this.weightPow);
  }

  reset(): void {
    this.last = 0;
    this.weightPow = 1;
    this.count = 0;
  }
}

/** Smooth `values[state.count … length)` into `out` at the same indices. */
export function smoothInto(state: EmaState, values: ArrayLike<number>, out: { [i: number]: number }, length = values.length): void {
  for (let i = state.count; i < length; i++) out[i] = state.next(values[i]!);
}

/** The whole series smoothed (for tests and one-off use). */
export function smooth(values: ArrayLike<number>, weight: number): Float64Array {
  const out = new Float64Array(values.length);
  smoothInto(new EmaState(weight), values, out);
  return out;
}
