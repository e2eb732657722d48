import { describe, expect, it } from 'vitest';
import { LrScheduler, type SchedulerOptions } from '../../src/main/engine/train/scheduler';

const base: SchedulerOptions = { lr_policy: 'linear', lr: 2e-4, n_epochs: 100, n_epochs_decay: 100, epoch_count: 1, lr_decay_iters: 50 };

/** The rate each epoch trains with: step() is called at the start of every epoch. */
function ratesPerEpoch(opts: SchedulerOptions, epochs: number, metric?: (e: number) => number): number[] {
  const s = new LrScheduler(opts);
  return Array.from({ length: epochs }, (_, i) => s.step(metric?.(i + 1)));
}

describe('learning-rate policies', () => {
  it('linear keeps the rate for n_epochs−1 epochs, then decays to 0 at the last epoch', () => {
    const r = ratesPerEpoch(base, 200);
    expect(r.slice(0, 98).every((x) => x === 2e-4)).toBe(true);
    // λ(e) = 1 − max(0, e + epoch_count − n_epochs)/(n_epochs_decay + 1), e = epochs stepped.
    expect(r[98]).toBeCloseTo(2e-4 * (1 - 0 / 101), 12); // epoch 99
    expect(r[99]).toBeCloseTo(2e-4 * (1 - 1 / 101), 12); // epoch 100
    expect(r[149]).toBeCloseTo(2e-4 * (1 - 51 / 101), 12);
    expect(r[199]).toBeCloseTo(0, 12); // epoch 200
  });

  it('linear honours epoch_count (a run started at a later epoch is further along the decay)', () => {
    const r = ratesPerEpoch({ ...base, n_epochs: 2, n_epochs_decay: 4, epoch_count: 3 }, 4);
    expect(r).toEqual([1, 2, 3, 4].map((e) => 2e-4 * (1 - Math.max(0, e + 3 - 2) / 5)));
  });

  it('step multiplies by 0.1 every lr_decay_iters epochs', () => {
    const r = ratesPerEpoch({ ...base, lr_policy: 'step', lr_decay_iters: 3 }, 7);
    expect(r[0]).toBe(2e-4);
    expect(r[1]).toBe(2e-4);
    expect(r[2]).toBeCloseTo(2e-5, 15);
    expect(r[5]).toBeCloseTo(2e-6, 16);
    expect(r[6]).toBeCloseTo(2e-6, 16);
  });

  it('cosine follows (1 + cos(π e / T))/2 and comes back up after T', () => {
    const T = 10;
    const r = ratesPerEpoch({ ...base, lr_policy: 'cosine', n_epochs: T }, 25);
    r.forEach((x, i) => {
      const e = i + 1;
      expect(x).toBeCloseTo((2e-4 * (1 + Math.cos((Math.PI * e) / T))) / 2, 12);
    });
    expect(r[T - 1]).toBeCloseTo(0, 15);
  });

  it('plateau divides by 5 after more than 5 epochs without a 1% improvement', () => {
    // The reference's models report a constant metric of 0: the rate drops every 6 epochs.
    const r = ratesPerEpoch({ ...base, lr_policy: 'plateau' }, 14, () => 0);
    expect(r.slice(0, 6)).toEqual(new Array(6).fill(2e-4));
    expect(r[6]).toBeCloseTo(4e-5, 15);
    expect(r[12]).toBeCloseTo(8e-6, 15);
    // An improving metric keeps the rate.
    const improving = ratesPerEpoch({ ...base, lr_policy: 'plateau' }, 14, (e) => 1 / e);
    expect(improving.every((x) => x === 2e-4)).toBe(true);
  });

  it('resumes the same schedule from a saved state', () => {
    for (const lr_policy of ['linear', 'step', 'plateau', 'cosine'] as const) {
      const opts = { ...base, lr_policy, n_epochs: 6, n_epochs_decay: 6, lr_decay_iters: 2 };
      const straight = ratesPerEpoch(opts, 12, () => 0);
      const a = new LrScheduler(opts);
      const first = Array.from({ length: 5 }, () => a.step(0));
      const state = JSON.parse(JSON.stringify(a.getState()));
      const b = new LrScheduler(opts);
      b.setState(state);
      const rest = Array.from({ length: 7 }, () => b.step(0));
      expect([...first, ...rest]).toEqual(straight);
    }
  });

  it('rejects an unknown policy and a mismatched state by name', () => {
    expect(() => new LrScheduler({ ...base, lr_policy: 'exp' as never })).toThrow(/'exp' is not implemented/);
    const s = new LrScheduler(base);
    expect(() => s.setState({ ...new LrScheduler({ ...base, lr_policy: 'step' }).getState() })).toThrow(/'step'/);
  });
});
