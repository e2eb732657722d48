import { describe, expect, it } from 'vitest';
import { EmaState, smooth, smoothInto } from '../../src/renderer/src/workspaces/train/ema';

/**
 * TensorBoard's debiased EMA written out as a sum: the smoothed value at i is
 * Σⱼ (1−w)·w^(i−j)·yⱼ over the finite values so far, divided by 1 − w^n (n of them).
 */
function closedForm(values: number[], w: number): number[] {
  const finite: number[] = [];
  return values.map((y) => {
    if (!Number.isFinite(y)) return y;
    finite.push(y);
    const n = finite.length;
    let sum = 0;
    finite.forEach((v, j) => (sum += (1 - w) * w ** (n - 1 - j) * v));
    return w === 0 ? y : sum / (1 - w ** n);
  });
}

describe('EMA smoothing (TensorBoard)', () => {
  const noisy = Array.from({ length: 200 }, (_, i) => 2 * Math.exp(-i / 50) + 0.3 * Math.sin(i * 1.7) + (i % 7) * 0.01);

  it('equals the debiased moving average at every point, for several weights', () => {
    for (const w of [0, 0.3, 0.6, 0.9, 0.999]) {
      const got = smooth(noisy, w);
      const want = closedForm(noisy, w);
      for (let i = 0; i < noisy.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 10);
    }
  });

  it('is not pulled towards zero at the start (debiased): the first value is kept', () => {
    expect(smooth([5, 5, 5], 0.99)[0]).toBeCloseTo(5, 12);
    const s = smooth([10, 10, 10, 10], 0.9);
    for (const v of s) expect(v).toBeCloseTo(10, 10);
  });

  it('weight 0 returns the raw values', () => {
    expect([...smooth(noisy.slice(0, 20), 0)]).toEqual(noisy.slice(0, 20));
  });

  it('passes NaN through and leaves it out of the average', () => {
    const s = smooth([1, Number.NaN, 3], 0.5);
    expect(s[1]).toBeNaN();
    // (0.5·1·0.5 + 0.5·3) / (1 − 0.25): the NaN did not count as a step.
    expect(s[2]).toBeCloseTo((0.25 + 1.5) / 0.75, 12);
  });

  it('incremental smoothing of appended points equals smoothing the whole series', () => {
    const state = new EmaState(0.8);
    const out: number[] = [];
    for (let end = 10; end <= noisy.length; end += 10) smoothInto(state, noisy, out, end);
    expect(state.count).toBe(noisy.length);
    const whole = smooth(noisy, 0.8);
    for (let i = 0; i < noisy.length; i++) expect(out[i]).toBe(whole[i]);
  });

  it('a heavier weight gives a smoother curve (smaller total variation)', () => {
    const tv = (a: ArrayLike<number>) => {
      let t = 0;
      for (let i = 1; i < a.length; i++) t += Math.abs(a[i]! - a[i - 1]!);
      return t;
    };
    expect(tv(smooth(noisy, 0.9))).toBeLessThan(tv(smooth(noisy, 0.5)));
    expect(tv(smooth(noisy, 0.5))).toBeLessThan(tv(noisy));
  });

  it('rejects weights outside [0, 1)', () => {
    expect(() => new EmaState(1)).toThrow(/\[0, 1\)/);
    expect(() => new EmaState(-0.1)).toThrow(/\[0, 1\)/);
  });
});
