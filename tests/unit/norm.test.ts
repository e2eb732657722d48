/**
 * The fused normalisation ops (networks/norm.ts) and the reflection padding op against the
 * compositions of TF.js ops they replace, whose gradients TF.js derives op by op: forward
 * values and every gradient (x, γ, β) for a random upstream gradient, on the cpu backend
 * (TF.js's reference implementation) and on the backend the tests run on. Shapes include
 * odd sizes, batches > 1 and 1×N maps. Tolerance: max |ours − composite| ≤ 1e-4 · max |composite|
 * per tensor (gradients have entries near zero, where an elementwise relative bound means
 * nothing).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { batchNormTrain, instanceNorm, normalizeWithStats } from '../../src/main/engine/networks/norm';
import { reflectionPad2d } from '../../src/main/engine/networks/reflection-pad';
import * as tf from '../../src/main/engine/tf';
import { testBackend, useBackend, type TestBackend } from '../helpers/backend';

const REL_TOL = 1e-4;
const EPS = 1e-5;

/** max |a − b| relative to max |b|. */
function relErr(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => {
    const diff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
    const scale = tf.max(tf.abs(b)).dataSync()[0]!;
    return diff / Math.max(scale, 1e-30);
  });
}

/** Inputs with a mean and a scale of their own per channel, so that normalising matters. */
function input(shape: number[], seed: number): tf.Tensor4D {
  return tf.tidy(() => {
    const c = shape[3]!;
    const scale = tf.randomUniform([c], 0.5, 3, 'float32', seed + 1);
    const shift = tf.randomUniform([c], -2, 2, 'float32', seed + 2);
    return tf.add(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), scale), shift) as tf.Tensor4D;
  });
}

// The composite formulations the executor used before the fused ops.
function compositeInstanceNorm(x: tf.Tensor4D): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, EPS)));
}
function compositeBatchNorm(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2], false);
  const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, EPS)));
  return tf.add(tf.mul(tf.sub(x, mean), scale), beta);
}

/** Values and gradients of y = f(args) for the upstream gradient dy, kept for comparison. */
function valueAndGrads(f: (...args: tf.Tensor[]) => tf.Tensor, args: tf.Tensor[], dy: tf.Tensor): { y: tf.Tensor; grads: tf.Tensor[] } {
  return tf.tidy(() => {
    const y = f(...args);
    const grads = tf.grads((...a: tf.Tensor[]) => f(...a))(args, dy);
    return { y, grads };
  });
}

function expectClose(ours: { y: tf.Tensor; grads: tf.Tensor[] }, ref: { y: tf.Tensor; grads: tf.Tensor[] }, names: string[]): void {
  expect(relErr(ours.y, ref.y), 'forward').toBeLessThan(REL_TOL);
  ours.grads.forEach((g, i) => expect(relErr(g, ref.grads[i]!), `gradient of ${names[i]}`).toBeLessThan(REL_TOL));
  tf.dispose([ours.y, ...ours.grads, ref.y, ...ref.grads]);
}

const inShapes: number[][] = [
  [1, 5, 7, 3],
  [3, 4, 6, 2],
  [2, 1, 9, 4], // a 1×N map
  [1, 11, 1, 5], // an N×1 map
  [2, 16, 16, 8],
];
const bnShapes: number[][] = [
  [1, 5, 7, 3],
  [4, 3, 5, 2],
  [3, 1, 1, 6], // 1×1 maps: the batch gives the values
  [2, 1, 7, 4],
  [2, 16, 16, 8],
];

const backends: TestBackend[] = testBackend === 'cpu' ? ['cpu'] : ['cpu', testBackend];

describe.each(backends)('on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });
  afterAll(async () => {
    await useBackend();
  });

  describe('InstanceNorm (affine=False)', () => {
    test.each(inShapes)('[%i, %i, %i, %i]: forward and gradient as the composite', (...shape) => {
      const x = input(shape, 10);
      const dy = tf.randomNormal(shape, 0, 1, 'float32', 20);
      const ours = valueAndGrads((t) => instanceNorm(t as tf.Tensor4D, EPS).y, [x], dy);
      const ref = valueAndGrads((t) => compositeInstanceNorm(t as tf.Tensor4D), [x], dy);
      expectClose(ours, ref, ['x']);
      tf.dispose([x, dy]);
    });

    test('the forward values are the composite\'s, bit for bit', () => {
      const x = input([2, 9, 13, 5], 30);
      const ours = instanceNorm(x, EPS).y;
      const ref = compositeInstanceNorm(x);
      expect(Array.from(ours.dataSync())).toEqual(Array.from(ref.dataSync()));
      tf.dispose([x, ours, ref]);
    });

    test('statistics handed back when asked: mean and biased variance per sample and channel', () => {
      const x = input([2, 5, 6, 3], 40);
      const { y, stats } = instanceNorm(x, EPS, true);
      const ref = tf.moments(x, [1, 2], true);
      expect(stats!.mean.shape).toEqual([2, 1, 1, 3]);
      expect(relErr(stats!.mean, ref.mean)).toBeLessThan(1e-6);
      expect(relErr(stats!.variance, ref.variance)).toBeLessThan(1e-6);
      expect(instanceNorm(x, EPS).stats).toBeUndefined();
      tf.dispose([x, y, stats!.mean, stats!.variance, ref.mean, ref.variance]);
    });

    test.each(inShapes)('[%i, %i, %i, %i] with given statistics: constants, the gradient is dy/σ', (...shape) => {
      const x = input(shape, 50);
      const other = input(shape, 51);
      const stats = tf.moments(other, [1, 2], true);
      const dy = tf.randomNormal(shape, 0, 1, 'float32', 52);
      const ours = valueAndGrads((t) => normalizeWithStats(t as tf.Tensor4D, stats, EPS), [x], dy);
      const ref = valueAndGrads((t) => tf.mul(tf.sub(t, stats.mean), tf.rsqrt(tf.add(stats.variance, EPS))), [x], dy);
      expectClose(ours, ref, ['x']);
      tf.dispose([x, other, stats.mean, stats.variance, dy]);
    });
  });

  describe('BatchNorm in train mode', () => {
    test.each(bnShapes)('[%i, %i, %i, %i]: forward and gradients (x, γ, β) as the composite', (...shape) => {
      const c = shape[3]!;
      const x = input(shape, 60);
      const gamma = tf.randomNormal([c], 1, 0.5, 'float32', 61);
      const beta = tf.randomNormal([c], 0, 0.5, 'float32', 62);
      const dy = tf.randomNormal(shape, 0, 1, 'float32', 63);
      const ours = valueAndGrads((t, g, b) => batchNormTrain(t as tf.Tensor4D, g!, b!, EPS).y, [x, gamma, beta], dy);
      const ref = valueAndGrads((t, g, b) => compositeBatchNorm(t as tf.Tensor4D, g!, b!), [x, gamma, beta], dy);
      expectClose(ours, ref, ['x', 'γ', 'β']);
      tf.dispose([x, gamma, beta, dy]);
    });

    test('the forward values are the composite\'s, bit for bit', () => {
      const x = input([3, 7, 5, 4], 70);
      const gamma = tf.randomNormal([4], 1, 0.5, 'float32', 71);
      const beta = tf.randomNormal([4], 0, 0.5, 'float32', 72);
      const ours = batchNormTrain(x, gamma, beta, EPS).y;
      const ref = compositeBatchNorm(x, gamma, beta);
      expect(Array.from(ours.dataSync())).toEqual(Array.from(ref.dataSync()));
      tf.dispose([x, gamma, beta, ours, ref]);
    });

    test('statistics handed back when asked: per-channel mean and biased variance', () => {
      const x = input([3, 4, 5, 2], 80);
      const gamma = tf.ones([2]);
      const beta = tf.zeros([2]);
      const { y, stats } = batchNormTrain(x, gamma, beta, EPS, true);
      const ref = tf.moments(x, [0, 1, 2], false);
      expect(stats!.variance.shape).toEqual([2]);
      expect(relErr(stats!.mean, ref.mean)).toBeLessThan(1e-6);
      expect(relErr(stats!.variance, ref.variance)).toBeLessThan(1e-6);
      tf.dispose([x, gamma, beta, y, stats!.mean, stats!.variance, ref.mean, ref.variance]);
    });

    test.each(bnShapes)('[%i, %i, %i, %i] with given statistics: gradients (x, γ, β) with the statistics constant', (...shape) => {
      const c = shape[3]!;
      const x = input(shape, 90);
      const other = input(shape, 91);
      const stats = tf.moments(other, [0, 1, 2], false);
      const gamma = tf.randomNormal([c], 1, 0.5, 'float32', 92);
      const beta = tf.randomNormal([c], 0, 0.5, 'float32', 93);
      const dy = tf.randomNormal(shape, 0, 1, 'float32', 94);
      const ours = valueAndGrads((t, g, b) => normalizeWithStats(t as tf.Tensor4D, stats, EPS, { gamma: g!, beta: b! }), [x, gamma, beta], dy);
      const ref = valueAndGrads(
        (t, g, b) => tf.add(tf.mul(tf.sub(t, stats.mean), tf.mul(g!, tf.rsqrt(tf.add(stats.variance, EPS)))), b!),
        [x, gamma, beta],
        dy,
      );
      expectClose(ours, ref, ['x', 'γ', 'β']);
      tf.dispose([x, other, stats.mean, stats.variance, gamma, beta, dy]);
    });
  });

  test('a training pass through the fused ops leaves no tensor behind', () => {
    const x = input([2, 6, 6, 4], 100);
    const gamma = tf.variable(tf.randomNormal([4], 1, 0.5, 'float32', 101));
    const beta = tf.variable(tf.zeros([4]));
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() =>
      tf.sum(tf.square(instanceNorm(batchNormTrain(x, gamma, beta, EPS).y, EPS).y)) as tf.Scalar,
    );
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, gamma, beta]);
  });

  describe('ReflectionPad2d', () => {
    // The formulation the op replaces: slices, reverses and concats, with their own gradients.
    const composite = (x: tf.Tensor4D, p: number): tf.Tensor4D => {
      const padAxis = (t: tf.Tensor4D, a: 1 | 2): tf.Tensor4D => {
        const n = t.shape[a];
        const begin = (s: number): [number, number, number, number] => (a === 1 ? [0, s, 0, 0] : [0, 0, s, 0]);
        const size: [number, number, number, number] = a === 1 ? [-1, p, -1, -1] : [-1, -1, p, -1];
        return tf.concat([tf.reverse(tf.slice(t, begin(1), size), a), t, tf.reverse(tf.slice(t, begin(n - 1 - p), size), a)], a) as tf.Tensor4D;
      };
      return padAxis(padAxis(x, 1), 2);
    };
    // Maps large enough for disjoint strips, and small ones where the strips overlap (n < 2p + 2).
    const cases: { shape: number[]; p: number }[] = [
      { shape: [1, 8, 9, 3], p: 1 },
      { shape: [2, 12, 7, 2], p: 3 },
      { shape: [1, 3, 3, 2], p: 1 },
      { shape: [2, 5, 4, 3], p: 3 },
      { shape: [1, 4, 10, 1], p: 2 },
      { shape: [1, 2, 6, 2], p: 1 },
    ];
    test.each(cases)('$shape padded by $p: forward and gradient as the composite', ({ shape, p }) => {
      const x = input(shape, 110);
      const paddedShape = [shape[0]!, shape[1]! + 2 * p, shape[2]! + 2 * p, shape[3]!];
      const dy = tf.randomNormal(paddedShape, 0, 1, 'float32', 111);
      const ours = valueAndGrads((t) => reflectionPad2d(t as tf.Tensor4D, p), [x], dy);
      const ref = valueAndGrads((t) => composite(t as tf.Tensor4D, p), [x], dy);
      expect(Array.from(ours.y.dataSync())).toEqual(Array.from(ref.y.dataSync()));
      expectClose(ours, ref, ['x']);
      tf.dispose([x, dy]);
    });
  });
});
