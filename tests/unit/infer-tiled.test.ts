/**
 * Tiled inference: the tile plan, agreement with whole-image translation (exact where the
 * network's field of view allows, a measured bound where normalisation uses per-tile
 * statistics), progress reporting, cancellation and memory.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { axisTiles, axisWeights, planTiles, translateImage, translateTiled, translateWhole } from '../../src/main/engine/infer';
import { readImage } from '../../src/main/engine/io/image';
import { defineG, type GeneratorOptions } from '../../src/main/engine/networks';
import * as tf from '../../src/main/engine/tf';
import { sharedData } from '../helpers/paths';

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

/** max and mean |a − b|, and mean |b|. */
function difference(a: tf.Tensor, b: tf.Tensor): { max: number; mean: number; scale: number } {
  return tf.tidy(() => {
    const d = tf.abs(tf.sub(a, b));
    return { max: tf.max(d).dataSync()[0], mean: tf.mean(d).dataSync()[0], scale: tf.mean(tf.abs(b)).dataSync()[0] };
  });
}

let photo: tf.Tensor4D;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const img = await readImage(sharedData('horse2zebra', 'trainA', 'n02381460_1084.jpg'));
  // A 150 × 200 window of a real photo (statistics vary across it, unlike noise).
  photo = tf.tidy(() => tf.slice(tf.tensor4d(img.data, [1, img.height, img.width, img.channels]), [0, 40, 20, 0], [1, 150, 200, 3]));
});

describe('tile plan', () => {
  test('tiles cover the padded image, origins sit on the size multiple, the last tile is flush', () => {
    const axis = axisTiles(300, 96, 32);
    expect(axis.map((t) => t.origin)).toEqual([0, 64, 128, 192, 204]);
    expect(axis.at(-1)!.origin + axis.at(-1)!.size).toBe(300);
    expect(axis.map((t) => [t.overlapBefore, t.overlapAfter])).toEqual([[0, 32], [32, 32], [32, 32], [32, 84], [84, 0]]);
    expect(axisTiles(80, 96, 32)).toEqual([{ origin: 0, size: 80, overlapBefore: 0, overlapAfter: 0 }]);

    const net = defineG(G({}), { seed: 1 });
    const plan = planTiles(net, 157, 301, 62, 30); // resnet: multiple 4 → tile 64, overlap 32
    expect([plan.paddedHeight, plan.paddedWidth, plan.tileSize, plan.overlap]).toEqual([160, 304, 64, 32]);
    for (const t of plan.tiles) expect([t.y.origin % 4, t.x.origin % 4]).toEqual([0, 0]);
    expect(() => planTiles(net, 100, 100, 64, 40)).toThrow(/overlap 40 .* at most half the tile size 64/);
    net.dispose();
  });

  test('feather weights of neighbouring tiles sum to 1 across each overlap, zero next to the inner edge', () => {
    const [a, b] = axisTiles(300, 96, 32);
    const wa = axisWeights(a);
    const wb = axisWeights(b);
    for (let j = 0; j < 32; j++) expect(wa[64 + j] + wb[j]).toBeCloseTo(1, 6);
    expect(wb.slice(0, 8).every((w) => w === 0)).toBe(true); // outer quarter of the overlap
    expect(wa.slice(0, 64).every((w) => w === 1)).toBe(true); // image border: no ramp
  });
});

describe('agreement with whole-image translation', () => {
  test('no norm / eval BatchNorm: equal everywhere once overlap/4 covers the field of view (20 px here)', async () => {
    for (const norm of ['none', 'batch'] as const) {
      const net = defineG(G({ norm, initGain: 0.1 }), { seed: 2 });
      const whole = translateWhole(net, photo, EVAL);
      const tiled = await translateTiled(net, photo, { mode: EVAL, tileSize: 160, overlap: 80 });
      expect(tiled.shape).toEqual(whole.shape);
      expect(difference(tiled, whole).max, norm).toBeLessThan(1e-6);
      // With a smaller overlap only bands along the seams differ.
      const seams = await translateTiled(net, photo, { mode: EVAL, tileSize: 64, overlap: 32 });
      const d = difference(seams, whole);
      expect(d.max, norm).toBeGreaterThan(1e-5);
      const inner = (t: tf.Tensor4D) => tf.slice(t, [0, 0, 0, 0], [1, 40, 40, 3]); // inside the first tile
      expect(difference(inner(seams), inner(whole)).max, norm).toBeLessThan(1e-6);
      net.dispose();
    }
  });

  test('InstanceNorm and train-mode BatchNorm use tile statistics: close, not equal (measured bound)', async () => {
    const cases = [
      { name: 'instance', net: defineG(G({ norm: 'instance', netG: 'resnet_2blocks', ngf: 8, initGain: 0.02 }), { seed: 3 }), mode: EVAL },
      { name: 'instance kaiming', net: defineG(G({ norm: 'instance', netG: 'resnet_2blocks', ngf: 8, initType: 'kaiming' }), { seed: 3 }), mode: EVAL },
      { name: 'batch, train mode', net: defineG(G({ norm: 'batch', netG: 'resnet_2blocks', ngf: 8, initGain: 0.02 }), { seed: 3 }), mode: { training: true, dropout: false } },
      { name: 'U-Net, eval BatchNorm', net: defineG(G({ norm: 'batch', netG: 'unet_32', ngf: 8, initGain: 0.02 }), { seed: 3 }), mode: EVAL },
      { name: 'U-Net, eval BatchNorm kaiming', net: defineG(G({ norm: 'batch', netG: 'unet_32', ngf: 8, initType: 'kaiming' }), { seed: 3 }), mode: EVAL },
    ];
    for (const { name, net, mode } of cases) {
      const whole = translateWhole(net, photo, mode);
      for (const [T, O] of [[96, 32], [128, 32], [128, 64]]) {
      const tiled = await translateTiled(net, photo, { mode, tileSize: T, overlap: O });
      const d = difference(tiled, whole);
      console.log(name, T, O, JSON.stringify(d));
      }
      net.dispose();
    }
  });
});
