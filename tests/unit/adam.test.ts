import { describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/tf';
import { Adam } from '../../src/main/engine/train/adam';

await tf.setBackend('cpu');

/** torch.optim.Adam's update written out in float64, one scalar at a time. */
function torchAdamReference(p0: number[], grads: number[][], lr: number, b1: number, b2: number, eps: number): number[] {
  const p = [...p0];
  const m = p0.map(() => 0);
  const v = p0.map(() => 0);
  grads.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < p.length; i++) {
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! * g[i]!;
      const denom = Math.sqrt(v[i]!) / Math.sqrt(1 - b2 ** t) + eps;
      p[i] = p[i]! - (lr / (1 - b1 ** t)) * (m[i]! / denom);
    }
  });
  return p;
}

describe('Adam (torch.optim.Adam semantics)', () => {
  it('matches the PyTorch update over several steps', () => {
    const p0 = [0.5, -0.25, 0.01, 2.0, -1.5, 0.0];
    const grads = [
      [0.1, -0.2, 1e-3, 3.0, -0.5, 1e-7],
      [0.05, 0.2, -2e-3, 1.0, 0.5, -1e-7],
      [-0.3, 0.1, 5e-3, -2.0, 0.25, 3e-7],
    ];
    const param = tf.variable(tf.tensor1d(p0));
    const adam = new Adam(new Map([['w', param]]), { lr: 2e-4, beta1: 0.5 });
    for (const g of grads) {
      const gt = tf.tensor1d(g);
      adam.step(new Map([['w', gt]]));
      gt.dispose();
    }
    const expected = torchAdamReference(p0, grads, 2e-4, 0.5, 0.999, 1e-8);
    const got = Array.from(param.dataSync());
    // float32 rounding of the parameter itself: a few ulps of its magnitude. The steps are ~lr.
    got.forEach((x, i) => expect(Math.abs(x - expected[i]!)).toBeLessThan(5e-7 * Math.max(1, Math.abs(expected[i]!))));
    expect(adam.stepCount).toBe(3);
    param.dispose();
    adam.dispose();
  });

  it('adds eps after bias correction: a tiny first gradient still moves the weight by lr·g/(|g|+eps)', () => {
    // With eps added to the uncorrected √v (TF.js's AdamOptimizer) the step would be ~30× smaller.
    const param = tf.variable(tf.tensor1d([0, 0]));
    const adam = new Adam(new Map([['w', param]]), { lr: 2e-4, beta1: 0.5 });
    adam.step(new Map([['w', tf.tensor1d([1e-8, -1])]]));
    const [a, b] = Array.from(param.dataSync());
    expect(a).toBeCloseTo(-1e-4, 9);
    expect(b).toBeCloseTo(2e-4, 9);
  });

  it('skips parameters without a gradient and keeps per-parameter step counts', () => {
    const w = tf.variable(tf.tensor1d([1]));
    const b = tf.variable(tf.tensor1d([1]));
    const adam = new Adam(new Map([['w', w], ['b', b]]), { lr: 0.1, beta1: 0.9 });
    adam.step(new Map([['w', tf.tensor1d([1])]]));
    expect(b.dataSync()[0]).toBe(1);
    adam.step(new Map([['w', tf.tensor1d([1])], ['b', tf.tensor1d([1])]]));
    const state = adam.getState();
    expect(state.params.get('w')!.step).toBe(2);
    expect(state.params.get('b')!.step).toBe(1);
  });

  it('rejects unknown or mis-shaped gradients with the key in the message', () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const adam = new Adam(new Map([['w', w]]), { lr: 0.1, beta1: 0.5 });
    expect(() => adam.step(new Map([['x', tf.tensor1d([1, 2])]]))).toThrow(/unknown parameter 'x'/);
    expect(() => adam.step(new Map([['w', tf.tensor1d([1])]]))).toThrow(/'w' has shape \[1\]/);
  });

  it('continues identically after saving and restoring its state', () => {
    const run = (split: boolean) => {
      const w = tf.variable(tf.tensor1d([0.3, -0.7, 0.2]));
      let adam = new Adam(new Map([['w', w]]), { lr: 1e-2, beta1: 0.5 });
      for (let k = 0; k < 6; k++) {
        if (split && k === 3) {
          const state = adam.getState();
          adam.dispose();
          adam = new Adam(new Map([['w', w]]), { lr: 99, beta1: 0.5 });
          adam.setState(state);
        }
        adam.step(new Map([['w', tf.tensor1d([Math.sin(k), Math.cos(k), 0.1 * k])]]));
      }
      return Array.from(w.dataSync());
    };
    expect(run(true)).toEqual(run(false));
  });
});
