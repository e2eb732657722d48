/**
 * The forward pass as training uses it: BatchNorm train/eval semantics and running-stat
 * bookkeeping, gradients through `tf.variableGrads`, dropout control, no leaked tensors.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { defineD, defineG, forward, type DiscriminatorOptions, type GeneratorOptions } from '../../src/main/engine/networks';
import { reflectionPad2d } from '../../src/main/engine/networks/reflection-pad';
import * as tf from '../../src/main/engine/tf';
import { useBackend } from '../helpers/backend';

const pixelD: DiscriminatorOptions = { netD: 'pixel', inputNc: 3, ndf: 4, nLayersD: 3, norm: 'batch', initType: 'normal', initGain: 0.5 };
const resnetG = (o: Partial<GeneratorOptions>): GeneratorOptions => ({
  netG: 'resnet_1blocks',
  inputNc: 3,
  outputNc: 3,
  ngf: 4,
  norm: 'batch',
  useDropout: false,
  initType: 'normal',
  initGain: 0.1,
  ...o,
});
const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

beforeAll(async () => {
  await useBackend();
});

describe('BatchNorm', () => {
  // PixelDiscriminator: conv(bias) → LeakyReLU → conv → BatchNorm (net.3) → LeakyReLU → conv.
  const preNorm = (net: ReturnType<typeof defineD>, x: tf.Tensor4D) =>
    tf.tidy(() => {
      const h = tf.leakyRelu(tf.add(tf.conv2d(x, net.params.get('net.0.weight') as tf.Tensor4D, 1, 'valid'), net.params.get('net.0.bias')!), 0.2) as tf.Tensor4D;
      return tf.conv2d(h, net.params.get('net.2.weight') as tf.Tensor4D, 1, 'valid');
    });

  test('train mode: batch statistics (biased) normalise; running stats get momentum 0.1 with the unbiased variance', () => {
    const net = defineD(pixelD, { seed: 3 });
    const x = tf.randomUniform([2, 5, 7, 3], -1, 1, 'float32', 11) as tf.Tensor4D;
    const h = preNorm(net, x);
    const { mean, variance } = tf.moments(h, [0, 1, 2]);
    const n = 2 * 5 * 7;
    const gamma = net.params.get('net.3.weight')!;
    const beta = net.params.get('net.3.bias')!;
    const expected = tf.tidy(() => {
      const normed = tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta);
      return tf.conv2d(tf.leakyRelu(normed, 0.2) as tf.Tensor4D, net.params.get('net.5.weight') as tf.Tensor4D, 1, 'valid');
    });

    const y = net.apply(x, { training: true, dropout: false });
    expect(maxAbsDiff(y, expected)).toBeLessThan(1e-5);
    expect(maxAbsDiff(net.buffers.get('net.3.running_mean')!, tf.mul(mean, 0.1))).toBeLessThan(1e-6);
    expect(maxAbsDiff(net.buffers.get('net.3.running_var')!, tf.add(0.9, tf.mul(variance, (0.1 * n) / (n - 1))))).toBeLessThan(1e-6);
    expect(net.numBatchesTracked.get('net.3.num_batches_tracked')).toBe(1);

    net.apply(x, { training: true, dropout: false });
    expect(net.numBatchesTracked.get('net.3.num_batches_tracked')).toBe(2);
    expect(maxAbsDiff(net.buffers.get('net.3.running_mean')!, tf.mul(mean, 0.19))).toBeLessThan(1e-6);
    net.dispose();
  });

  test('eval mode uses the running statistics and changes nothing; inference in train mode can leave them alone', () => {
    const net = defineD(pixelD, { seed: 4 });
    const x = tf.randomUniform([1, 6, 6, 3], -1, 1, 'float32', 12) as tf.Tensor4D;
    net.apply(x, { training: true, dropout: false });
    const rm = net.buffers.get('net.3.running_mean')!.clone();
    const rv = net.buffers.get('net.3.running_var')!.clone();
    const h = preNorm(net, x);
    const expected = tf.tidy(() => {
      const normed = tf.add(tf.mul(tf.div(tf.sub(h, rm), tf.sqrt(tf.add(rv, 1e-5))), net.params.get('net.3.weight')!), net.params.get('net.3.bias')!);
      return tf.conv2d(tf.leakyRelu(normed, 0.2) as tf.Tensor4D, net.params.get('net.5.weight') as tf.Tensor4D, 1, 'valid');
    });
    expect(maxAbsDiff(net.apply(x, { training: false, dropout: false }), expected)).toBeLessThan(1e-5);
    net.apply(x, { training: true, dropout: false, updateRunningStats: false });
    expect(maxAbsDiff(net.buffers.get('net.3.running_mean')!, rm)).toBe(0);
    expect(maxAbsDiff(net.buffers.get('net.3.running_var')!, rv)).toBe(0);
    expect(net.numBatchesTracked.get('net.3.num_batches_tracked')).toBe(1);
    net.dispose();
  });

  test('train mode with one value per channel fails as PyTorch does', () => {
    const net = defineD(pixelD, { seed: 1 });
    expect(() => net.apply(tf.zeros([1, 1, 1, 3]) as tf.Tensor4D, { training: true, dropout: false })).toThrow(
      /net\.3: batch norm in train mode needs more than one value per channel/,
    );
    net.dispose();
  });
});

describe('gradients', () => {
  test('reflection padding returns the mirrored border\'s gradient to its source pixels', () => {
    // [a b c] padded by 1 → [b a b c b]: b is used three times per axis.
    const x = tf.zeros([1, 3, 3, 1]) as tf.Tensor4D;
    const g = tf.grad((t: tf.Tensor) => tf.sum(reflectionPad2d(t as tf.Tensor4D, 1)))(x);
    expect(Array.from(g.dataSync())).toEqual([1, 3, 1, 3, 9, 3, 1, 3, 1]);
  });

  test('transposed convolutions: gradients agree with the directional derivative (linear, so exactly)', () => {
    const net = defineG(resnetG({ norm: 'none', netG: 'resnet_0blocks' }), { seed: 9 });
    const up = net.params.get('model.10.weight')!; // ConvTranspose2d(16, 8, 3, 2, 1, output_padding 1)
    const x = tf.randomNormal([1, 4, 4, 16], 0, 1, 'float32', 1) as tf.Tensor4D;
    const layer = net.spec.layers.find((l) => l.kind === 'convTranspose2d')!;
    const r = tf.randomNormal([1, 8, 8, 8], 0, 1, 'float32', 2);
    const f = (w: tf.Tensor) =>
      tf.sum(tf.mul(forward({ ...net.spec, inChannels: 16, layers: [layer] }, x, { training: false, dropout: false }, { param: () => w, buffer: () => w }), r));
    const d = tf.randomNormal(up.shape, 0, 1, 'float32', 3);
    const analytic = tf.sum(tf.mul(tf.grad(f)(up), d)).dataSync()[0];
    const numeric = f(tf.add(up, d)).dataSync()[0] - f(up).dataSync()[0];
    expect(Math.abs(analytic - numeric)).toBeLessThan(1e-4 * Math.abs(numeric) + 1e-4);
    net.dispose();
  });

  test('variableGrads: every parameter gets a gradient, BN bookkeeping does not change it, no leaks', () => {
    const net = defineG(resnetG({ norm: 'batch' }), { seed: 5 });
    const x = tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', 13) as tf.Tensor4D;
    const r = tf.randomNormal([1, 16, 16, 3], 0, 1, 'float32', 14);
    const loss = (updateRunningStats: boolean) => () =>
      tf.sum(tf.mul(net.apply(x, { training: true, dropout: false, updateRunningStats }), r)) as tf.Scalar;

    const before = tf.memory().numTensors;
    const withUpdate = tf.variableGrads(loss(true), net.trainableVariables());
    expect(net.numBatchesTracked.get('model.2.num_batches_tracked')).toBe(1);
    const without = tf.variableGrads(loss(false), net.trainableVariables());
    const names = new Map([...net.params].map(([k, v]) => [v.name, k]));
    expect(new Set(Object.keys(withUpdate.grads).map((n) => names.get(n)))).toEqual(new Set(net.params.keys()));
    for (const [name, g] of Object.entries(withUpdate.grads)) expect(maxAbsDiff(g, without.grads[name])).toBe(0);
    for (const res of [withUpdate, without]) {
      res.value.dispose();
      for (const g of Object.values(res.grads)) g.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });

  test('gradients of a whole generator match a finite-difference directional derivative', () => {
    // No norm: the loss is smooth enough for float32 central differences along one direction.
    const net = defineG(resnetG({ norm: 'none' }), { seed: 5 });
    const x = tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', 13) as tf.Tensor4D;
    const r = tf.randomNormal([1, 16, 16, 3], 0, 1, 'float32', 14);
    const loss = () => tf.sum(tf.mul(net.apply(x, { training: true, dropout: false }), r)) as tf.Scalar;
    const vars = net.trainableVariables();
    const { grads } = tf.variableGrads(loss, vars);
    const origin = vars.map((v) => v.clone());
    const dirs = vars.map((v, i) => tf.randomNormal(v.shape, 0, 1, 'float32', 100 + i));
    const at = (eps: number) => {
      vars.forEach((v, i) => tf.tidy(() => v.assign(tf.add(origin[i], tf.mul(dirs[i], eps)))));
      return tf.tidy(() => loss().dataSync()[0]);
    };
    const eps = 1e-4;
    const numeric = (at(eps) - at(-eps)) / (2 * eps);
    const analytic = vars.reduce((s, v, i) => s + tf.tidy(() => tf.sum(tf.mul(grads[v.name], dirs[i])).dataSync()[0]), 0);
    expect(Math.abs(analytic - numeric)).toBeLessThan(0.02 * Math.abs(analytic));
    net.dispose();
  });

  test('apply leaks no tensors in either mode', () => {
    const net = defineG(resnetG({ norm: 'batch', useDropout: true }), { seed: 1 });
    const x = tf.randomUniform([1, 16, 16, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    for (const training of [true, false]) {
      for (const dropout of [true, false]) net.apply(x, { training, dropout, seed: 1 }).dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    const variables = tf.memory().numTensors;
    net.dispose();
    expect(tf.memory().numTensors).toBe(variables - net.params.size - net.buffers.size);
  });
});

describe('modes', () => {
  test('InstanceNorm gives the same output in train and eval mode', () => {
    const net = defineG(resnetG({ norm: 'instance' }), { seed: 2 });
    const x = tf.randomUniform([1, 16, 12, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    expect(maxAbsDiff(net.apply(x, { training: true, dropout: false }), net.apply(x, { training: false, dropout: false }))).toBe(0);
    net.dispose();
  });

  test('dropout: off by flag, deterministic for a seed, different across seeds', () => {
    const net = defineG(resnetG({ norm: 'instance', useDropout: true }), { seed: 2 });
    const x = tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const off1 = net.apply(x, { training: false, dropout: false });
    const off2 = net.apply(x, { training: true, dropout: false });
    const on5a = net.apply(x, { training: false, dropout: true, seed: 5 });
    const on5b = net.apply(x, { training: false, dropout: true, seed: 5 });
    const on6 = net.apply(x, { training: false, dropout: true, seed: 6 });
    expect(maxAbsDiff(off1, off2)).toBe(0);
    expect(maxAbsDiff(on5a, on5b)).toBe(0);
    expect(maxAbsDiff(on5a, on6)).toBeGreaterThan(1e-4);
    expect(maxAbsDiff(on5a, off1)).toBeGreaterThan(1e-4);
    // Without dropout layers in the network the flag changes nothing.
    const plain = defineG(resnetG({ norm: 'instance' }), { seed: 2 });
    expect(maxAbsDiff(plain.apply(x, { training: false, dropout: true }), off1)).toBe(0);
    net.dispose();
    plain.dispose();
  });
});
