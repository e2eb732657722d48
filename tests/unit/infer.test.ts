/**
 * Whole-image inference at any size: reflection padding as ReflectionPad2d, odd sizes,
 * alignment of the down-sampling grid, and inference leaving the network unchanged.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { paddingToMultiple, reflectIndex, reflectPad, translateImage, translateWhole } from '../../src/main/engine/infer';
import { defineG, type GeneratorOptions } from '../../src/main/engine/networks';
import * as tf from '../../src/main/engine/tf';
import { useBackend } from '../helpers/backend';

const G = (o: Partial<GeneratorOptions>): GeneratorOptions => ({
  netG: 'resnet_1blocks',
  inputNc: 3,
  outputNc: 3,
  ngf: 4,
  norm: 'none',
  useDropout: false,
  initType: 'normal',
  initGain: 0.1,
  ...o,
});
const EVAL = { training: false, dropout: false };

beforeAll(async () => {
  await useBackend();
});

describe('reflection padding', () => {
  test('as ReflectionPad2d: [a b c d] padded by 2 is [c b a b c d c b]', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [1, 1, 4, 1]);
    const y = reflectPad(x, { top: 0, bottom: 0, left: 2, right: 2 });
    expect(Array.from(y.dataSync())).toEqual([3, 2, 1, 2, 3, 4, 3, 2]);
  });

  test('pads larger than the image reflect again; a single pixel repeats', () => {
    expect(Array.from({ length: 12 }, (_, i) => reflectIndex(i - 4, 3))).toEqual([0, 1, 2, 1, 0, 1, 2, 1, 0, 1, 2, 1]);
    expect(reflectIndex(-5, 1)).toBe(0);
    const x = tf.tensor4d([1, 2, 3], [1, 3, 1, 1]);
    expect(Array.from(reflectPad(x, { top: 0, bottom: 6, left: 0, right: 0 }).dataSync())).toEqual([1, 2, 3, 2, 1, 2, 3, 2, 1]);
  });

  test('padding goes to the bottom and right, up to the multiple and the minimum size', () => {
    expect(paddingToMultiple(157, 300, 256)).toEqual({ top: 0, bottom: 99, left: 0, right: 212 });
    expect(paddingToMultiple(8, 12, 4, 8)).toEqual({ top: 0, bottom: 0, left: 0, right: 0 });
    expect(paddingToMultiple(3, 5, 4, 8)).toEqual({ top: 0, bottom: 5, left: 0, right: 3 });
  });
});

describe('translateWhole', () => {
  test('odd sizes come back at their own size (U-Net 157×300 runs at 256×512)', () => {
    const net = defineG(G({ netG: 'unet_256', ngf: 2, norm: 'batch' }), { seed: 1 });
    const x = tf.randomUniform([1, 157, 300, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const y = translateWhole(net, x, EVAL);
    expect(y.shape).toEqual([1, 157, 300, 3]);
    expect(y.dataSync().every((v) => Number.isFinite(v) && Math.abs(v) <= 1)).toBe(true);
    // Tiny inputs are padded up to the minimum size.
    expect(translateWhole(net, tf.zeros([1, 5, 3, 3]) as tf.Tensor4D, EVAL).shape).toEqual([1, 5, 3, 3]);
    net.dispose();
  });

  test('an image at a size multiple is translated as the network computes it', () => {
    const net = defineG(G({ norm: 'batch' }), { seed: 2 });
    const x = tf.randomUniform([2, 24, 32, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
    const a = translateWhole(net, x, EVAL);
    const b = net.apply(x, EVAL);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBe(0);
    net.dispose();
  });

  test('padding keeps the down-sampling grid: the interior of an odd image equals that of an aligned crop', () => {
    // resnet_1blocks sees 20 pixels around each output pixel (8·n_blocks + 12).
    const net = defineG(G({}), { seed: 3 });
    const x = tf.randomUniform([1, 61, 75, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
    const whole = translateWhole(net, x, EVAL);
    const crop = tf.slice(x, [0, 0, 0, 0], [1, 60, 72, 3]) as tf.Tensor4D;
    const cropped = translateWhole(net, crop, EVAL);
    const inner = (t: tf.Tensor4D) => tf.slice(t, [0, 20, 20, 0], [1, 20, 32, 3]);
    expect(tf.max(tf.abs(tf.sub(inner(whole), inner(cropped)))).dataSync()[0]).toBeLessThan(1e-6);
    net.dispose();
  });

  test('train-mode inference uses the image statistics but leaves running statistics alone', () => {
    const net = defineG(G({ norm: 'batch' }), { seed: 4 });
    const x = tf.randomUniform([1, 30, 30, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
    const before = net.stateDict();
    const train = translateWhole(net, x, { training: true, dropout: false });
    const evalOut = translateWhole(net, x, EVAL);
    expect(tf.max(tf.abs(tf.sub(train, evalOut))).dataSync()[0]).toBeGreaterThan(1e-3);
    const after = net.stateDict();
    for (const [k, t] of before) expect(after.get(k)!.data, k).toEqual(t.data);
    net.dispose();
  });

  test('bad input fails with what was expected', () => {
    const net = defineG(G({}), { seed: 5 });
    expect(() => translateWhole(net, tf.zeros([1, 8, 8, 1]) as tf.Tensor4D, EVAL)).toThrow(/takes 3-channel images, got 1 channels/);
    expect(() => translateWhole(net, tf.zeros([8, 8, 3]) as unknown as tf.Tensor4D, EVAL)).toThrow(/rank 4, got shape \[8, 8, 3\]/);
    expect(() => translateWhole(net, tf.zeros([1, 0, 8, 3]) as tf.Tensor4D, EVAL)).toThrow(/empty image/);
    net.dispose();
  });

  test('translateImage runs small images in one pass and reports it', async () => {
    const net = defineG(G({}), { seed: 6 });
    const x = tf.randomUniform([1, 20, 28, 3], -1, 1, 'float32', 6) as tf.Tensor4D;
    const progress: [number, number][] = [];
    // On TF.js, so that one pass is bit-identical to translateWhole (engines: tests/unit/onnx-infer.test.ts).
    const y = await translateImage(net, x, { mode: EVAL, tileSize: 64, engine: 'tfjs', onProgress: (d, t) => progress.push([d, t]) });
    expect(progress).toEqual([[0, 1], [1, 1]]);
    expect(tf.max(tf.abs(tf.sub(y, translateWhole(net, x, EVAL)))).dataSync()[0]).toBe(0);
    net.dispose();
  });
});
