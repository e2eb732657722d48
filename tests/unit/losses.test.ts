import { describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/tf';
import { ganLoss, gradientPenalty, l1Loss } from '../../src/main/engine/train/losses';
import { Rng } from '../../src/main/engine/train/rng';

await tf.setBackend('cpu');

const logits = [-3.2, -0.5, 0, 0.25, 1.7, 4.0];
const pred = () => tf.tensor4d(logits, [1, 2, 3, 1]);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('GAN losses', () => {
  it('lsgan is the mean squared error to targets 1 (real) and 0 (fake)', () => {
    expect(ganLoss('lsgan', pred(), true).dataSync()[0]).toBeCloseTo(mean(logits.map((x) => (x - 1) ** 2)), 5);
    expect(ganLoss('lsgan', pred(), false).dataSync()[0]).toBeCloseTo(mean(logits.map((x) => x * x)), 5);
  });

  it('vanilla is binary cross-entropy on logits (sigmoid inside the loss)', () => {
    const real = mean(logits.map((x) => -Math.log(sigmoid(x))));
    const fake = mean(logits.map((x) => -Math.log(1 - sigmoid(x))));
    expect(ganLoss('vanilla', pred(), true).dataSync()[0]).toBeCloseTo(real, 5);
    expect(ganLoss('vanilla', pred(), false).dataSync()[0]).toBeCloseTo(fake, 5);
    // Its gradient is (σ(x) − t)/N.
    const g = tf.grad((p: tf.Tensor) => ganLoss('vanilla', p, true))(pred()).dataSync();
    logits.forEach((x, i) => expect(g[i]).toBeCloseTo((sigmoid(x) - 1) / logits.length, 6));
  });

  it('vanilla stays finite for saturated logits', () => {
    const big = tf.tensor1d([-200, 200]);
    expect(ganLoss('vanilla', big, true).dataSync()[0]).toBeCloseTo(100, 4);
    expect(ganLoss('vanilla', big, false).dataSync()[0]).toBeCloseTo(100, 4);
  });

  it('wgangp is −mean for real targets and +mean for fake ones', () => {
    expect(ganLoss('wgangp', pred(), true).dataSync()[0]).toBeCloseTo(-mean(logits), 6);
    expect(ganLoss('wgangp', pred(), false).dataSync()[0]).toBeCloseTo(mean(logits), 6);
  });

  it('rejects an unknown mode by name', () => {
    expect(() => ganLoss('hinge' as never, pred(), true)).toThrow(/'hinge' is not implemented/);
  });
});

describe('L1 loss', () => {
  it('is the mean absolute error and checks shapes', () => {
    const a = tf.tensor2d([1, -2, 3, 0.5], [2, 2]);
    const b = tf.tensor2d([0, 0, 1, 1], [2, 2]);
    expect(l1Loss(a, b).dataSync()[0]).toBeCloseTo((1 + 2 + 2 + 0.5) / 4, 6);
    expect(() => l1Loss(a, tf.zeros([4]))).toThrow(/shapes differ/);
  });
});

describe('gradient penalty (WGAN-GP)', () => {
  // A linear critic D(x) = Σ w·x has ∇ₓD = w everywhere: the penalty is λ(‖w‖ − 1)².
  const w = tf.variable(tf.tensor4d([0.3, -0.4, 1.2, 0.5, -0.1, 0.9, 0.2, 0.7], [1, 2, 2, 2]));
  const netD = (x: tf.Tensor4D) => tf.sum(tf.mul(x, w), [1, 2, 3]);
  const norm = Math.sqrt([0.3, -0.4, 1.2, 0.5, -0.1, 0.9, 0.2, 0.7].reduce((s, v) => s + v * v, 0));
  const real = tf.randomUniform([3, 2, 2, 2], -1, 1, 'float32', 1) as tf.Tensor4D;
  const fake = tf.randomUniform([3, 2, 2, 2], -1, 1, 'float32', 2) as tf.Tensor4D;

  it('equals λ(‖∇D‖ − c)² for every interpolation type', () => {
    for (const type of ['real', 'fake', 'mixed'] as const) {
      const { penalty, gradients } = gradientPenalty(netD, real, fake, { type, lambdaGp: 10, rng: Rng.derive(0) });
      expect(penalty.dataSync()[0]).toBeCloseTo(10 * (norm - 1) ** 2, 4);
      expect(gradients.shape).toEqual([3, 8]);
    }
  });

  it('is differentiable with respect to the critic (double backpropagation)', () => {
    const { grads } = tf.variableGrads(() => gradientPenalty(netD, real, fake, { type: 'real', lambdaGp: 10 }).penalty, [w]);
    const g = grads[w.name]!.dataSync();
    const wv = w.dataSync();
    wv.forEach((wi, i) => expect(g[i]).toBeCloseTo(((2 * 10 * (norm - 1)) / norm) * wi, 3));
  });

  it('needs an rng for random mixing', () => {
    expect(() => gradientPenalty(netD, real, fake, { type: 'mixed' })).toThrow(/needs an rng/);
  });
});
