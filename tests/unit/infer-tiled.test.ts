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

/** max and mean |a − b|, and mean |b|. */
function difference(a: tf.Tensor, b: tf.Tensor): { max: number; mean: number; scale: number } {
  return tf.tidy(() => {
    const d = tf.abs(tf.sub(a, b));
    return { max: tf.max(d).dataSync()[0], mean: tf.mean(d).dataSync()[0], scale: tf.mean(tf.abs(b)).dataSync()[0] };
  });
}

let photo: tf.Tensor4D;

beforeAll(async () => {
  await useBackend();
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

  // Measured on this photo window (150×200) with the seeds below, tile/overlap 128/32, when
  // every tile uses its own statistics (sharedStats: false):
  //   InstanceNorm resnet_2blocks ngf 8:       mean |Δ| 0.062, max 0.59 (mean |y| 0.169)
  //   BatchNorm in train mode, same network:   mean |Δ| 0.062, max 0.60 (mean |y| 0.185)
  // and at 96/32: 0.117 and 0.117. The bounds below leave a margin over these.
  const statisticsCases = [
    { name: 'instance', opts: G({ norm: 'instance', netG: 'resnet_2blocks', ngf: 8, initGain: 0.02 }), mode: EVAL },
    { name: 'batch, train mode', opts: G({ norm: 'batch', netG: 'resnet_2blocks', ngf: 8, initGain: 0.02 }), mode: { training: true, dropout: false } },
  ];

  test('InstanceNorm and train-mode BatchNorm: tiles share the whole image\'s statistics and reproduce it', async () => {
    for (const { name, opts, mode } of statisticsCases) {
      const net = defineG(opts, { seed: 3 });
      const whole = translateWhole(net, photo, mode);
      const before = tf.memory().numTensors;
      // Two tiles per axis with an 80-px overlap: wide enough that seams vanish too.
      const tiled = await translateTiled(net, photo, { mode, tileSize: 160, overlap: 80 });
      expect(tf.memory().numTensors - before, name).toBe(1); // only the result: shared stats freed
      expect(difference(tiled, whole).max, name).toBeLessThan(1e-5);
      // Small tiles: differences only along seams, no tone shift between tiles.
      const small = difference(await translateTiled(net, photo, { mode, tileSize: 96, overlap: 32 }), whole);
      expect(small.mean, name).toBeLessThan(0.02 * small.scale);
      net.dispose();
    }
  });

  test('with statistics per tile (sharedStats: false) tiled output differs everywhere, less with larger tiles', async () => {
    for (const { name, opts, mode } of statisticsCases) {
      const net = defineG(opts, { seed: 3 });
      const whole = translateWhole(net, photo, mode);
      const small = difference(await translateTiled(net, photo, { mode, tileSize: 96, overlap: 32, sharedStats: false }), whole);
      const large = difference(await translateTiled(net, photo, { mode, tileSize: 128, overlap: 32, sharedStats: false }), whole);
      expect(large.mean, name).toBeGreaterThan(1e-3); // not a seam effect: tile statistics differ
      expect(large.mean, name).toBeLessThan(small.mean);
      expect(large.mean, name).toBeLessThan(0.5 * large.scale);
      expect(small.mean, name).toBeLessThan(0.9 * small.scale);
      net.dispose();
    }
  });

  test('images larger than the statistics pass get the statistics of their downscaled version', async () => {
    const { opts, mode } = statisticsCases[0];
    const net = defineG(opts, { seed: 3 });
    const whole = translateWhole(net, photo, mode);
    const perTile = difference(await translateTiled(net, photo, { mode, tileSize: 96, overlap: 32, sharedStats: false }), whole);
    const downscaled = difference(await translateTiled(net, photo, { mode, tileSize: 96, overlap: 32, statsSize: 100 }), whole);
    expect(downscaled.mean).toBeLessThan(0.5 * perTile.mean);
    net.dispose();
  });

  test('a U-Net sees beyond any small tile: eval-mode tiled output is close to whole-image output', async () => {
    // Kaiming init keeps the deep levels' contribution alive (N(0, 0.02) weights would make the
    // output depend on the first levels only and hide the effect).
    const net = defineG(G({ norm: 'batch', netG: 'unet_32', ngf: 8, initType: 'kaiming' }), { seed: 3 });
    const whole = translateWhole(net, photo, EVAL);
    const d = difference(await translateTiled(net, photo, { mode: EVAL, tileSize: 128, overlap: 32 }), whole);
    expect(d.max).toBeGreaterThan(1e-4);
    expect(d.mean).toBeLessThan(0.05 * d.scale);
    net.dispose();
  });
});

describe('progress, cancellation, memory', () => {
  test('progress goes 0 … total, one call per tile; translateImage tiles large images', async () => {
    const net = defineG(G({}), { seed: 4 });
    const x = tf.randomUniform([1, 100, 130, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
    const plan = planTiles(net, 100, 130, 64, 16);
    const calls: [number, number][] = [];
    const y = await translateImage(net, x, { mode: EVAL, tileSize: 64, overlap: 16, onProgress: (d, t) => calls.push([d, t]) });
    expect(y.shape).toEqual([1, 100, 130, 3]);
    expect(calls).toEqual(Array.from({ length: plan.tiles.length + 1 }, (_, i) => [i, plan.tiles.length]));
    expect(plan.tiles.length).toBe(2 * 3);
    net.dispose();
  });

  test('abort stops before the next tile, rejects with the abort reason, and frees every tensor', async () => {
    const net = defineG(G({ norm: 'batch' }), { seed: 5 });
    const x = tf.randomUniform([1, 120, 120, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const done: number[] = [];
    const run = translateTiled(net, x, {
      mode: EVAL,
      tileSize: 48,
      overlap: 16,
      signal: controller.signal,
      onProgress: (d) => {
        done.push(d);
        if (d === 2) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(done).toEqual([0, 1, 2]);
    expect(tf.memory().numTensors).toBe(before);
    // An already aborted signal never starts.
    const aborted = AbortSignal.abort(new Error('user cancelled'));
    await expect(translateTiled(net, x, { mode: EVAL, tileSize: 48, overlap: 16, signal: aborted })).rejects.toThrow('user cancelled');
    net.dispose();
  });

  test('a finished run leaves only its result', async () => {
    const net = defineG(G({}), { seed: 6 });
    const x = tf.randomUniform([1, 70, 90, 3], -1, 1, 'float32', 6) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const y = await translateTiled(net, x, { mode: EVAL, tileSize: 32, overlap: 8 });
    expect(tf.memory().numTensors).toBe(before + 1);
    y.dispose();
    net.dispose();
  });
});
