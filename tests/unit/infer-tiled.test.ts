/**
 * Tiled inference: the tile plan, agreement with whole-image translation (exact where the
 * network's field of view allows, a measured bound where normalisation uses per-tile
 * statistics), the same on ONNX Runtime, progress reporting, cancellation and memory.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { axisTiles, axisWeights, planTiles, reflectPad, translateImage, translateTiled, translateWhole } from '../../src/main/engine/infer';
import { defaultOverlap, disposeNormStats, fieldOfViewRadius, recordNormStats } from '../../src/main/engine/infer/tiled';
import { readImage } from '../../src/main/engine/io/image';
import { defineG, generatorSpec, type GeneratorOptions } from '../../src/main/engine/networks';
import { generatorForward, type InferenceEngine } from '../../src/main/engine/onnx';
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
  test('the fewest tiles, each as short as they allow, spread evenly; the last tile is flush', () => {
    // 300 px in tiles of at most 96 overlapping by ≥ 32: five are needed, 86 px each suffice.
    const axis = axisTiles(300, 96, 32);
    expect(axis.map((t) => t.origin)).toEqual([0, 54, 107, 161, 214]);
    expect(axis.map((t) => t.size)).toEqual([86, 86, 86, 86, 86]);
    expect(axis.map((t) => [t.overlapBefore, t.overlapAfter])).toEqual([[0, 32], [32, 33], [33, 32], [32, 33], [33, 0]]);
    expect(axisTiles(80, 96, 32)).toEqual([{ origin: 0, size: 80, overlapBefore: 0, overlapAfter: 0 }]);
    // Every length: tiles within the limit, overlaps at least as asked, origins on the
    // multiple, and one tile fewer could not cover the length.
    for (const [tile, overlap, multiple] of [[96, 32, 1], [64, 16, 4], [1024, 176, 4], [512, 128, 32]]) {
      for (let length = multiple; length <= 6 * tile; length += multiple) {
        const ts = axisTiles(length, tile, overlap, multiple);
        const at = `${length} in ${tile}/${overlap}`;
        expect(ts[0].origin, at).toBe(0);
        expect(ts.at(-1)!.origin + ts.at(-1)!.size, at).toBe(length);
        for (const [i, t] of ts.entries()) {
          expect(t.size <= tile && t.origin % multiple === 0 && t.size % multiple === 0, at).toBe(true);
          if (i > 0) expect(t.overlapBefore, at).toBeGreaterThanOrEqual(overlap);
          if (i > 0) expect(t.overlapBefore, at).toBe(ts[i - 1].overlapAfter);
        }
        if (ts.length > 1) expect((ts.length - 1) * tile - (ts.length - 2) * overlap, at).toBeLessThan(length);
      }
    }

    const net = defineG(G({}), { seed: 1 });
    const plan = planTiles(net, 157, 301, 62, 30); // resnet: multiple 4 → tile 64, overlap 32
    expect([plan.paddedHeight, plan.paddedWidth, plan.tileSize, plan.overlap]).toEqual([160, 304, 64, 32]);
    for (const t of plan.tiles) expect([t.y.origin % 4, t.x.origin % 4]).toEqual([0, 0]);
    expect(() => planTiles(net, 100, 100, 64, 40)).toThrow(/overlap 40 .* at most half the tile size 64/);
    expect(() => planTiles(net, 100, 100, 64, 32, 16)).toThrow(/margin must be an integer from 0 to less than half the overlap 32, got 16/);
    net.dispose();
  });

  test('feather weights of neighbouring tiles sum to 1 across each overlap, zero next to the inner edge', () => {
    const [a, b] = axisTiles(300, 96, 32);
    for (const margin of [undefined, 12]) {
      const wa = axisWeights(a, margin);
      const wb = axisWeights(b, margin);
      const ov = a.overlapAfter;
      for (let j = 0; j < ov; j++) expect(wa[a.size - ov + j] + wb[j]).toBeCloseTo(1, 6);
      // Zero in the outer quarter of the overlap, or the margin asked for.
      const zero = margin ?? 8;
      expect(wb.slice(0, zero).every((w) => w === 0)).toBe(true);
      expect(wb[zero]).toBeGreaterThan(0);
      expect(wa.slice(0, a.size - ov).every((w) => w === 1)).toBe(true); // image border: no ramp
    }
  });

  test('field of view and the default overlap: exact tiles where they hold the field twice over', () => {
    const spec = (netG: GeneratorOptions['netG']) => generatorSpec(G({ netG, norm: 'instance' }));
    const radius = Object.fromEntries((['resnet_1blocks', 'resnet_9blocks', 'unet_32', 'unet_256'] as const).map((n) => [n, fieldOfViewRadius(spec(n))]));
    expect(radius).toEqual({ resnet_1blocks: 20, resnet_9blocks: 84, unet_32: 93, unet_256: 765 });
    const resnet9 = spec('resnet_9blocks');
    expect(defaultOverlap(resnet9, 1024, true)).toEqual({ overlap: 176, margin: 84 });
    // Smaller tiles, tiles with their own statistics, deep U-Nets: a quarter of the tile.
    expect(defaultOverlap(resnet9, 512, true)).toEqual({ overlap: 128 });
    expect(defaultOverlap(resnet9, 1024, false)).toEqual({ overlap: 256 });
    expect(defaultOverlap(spec('unet_256'), 1024, true)).toEqual({ overlap: 256 });
    // The 4000×3000 export in 1024-px tiles: 5 × 4 tiles of 944 × 884 (16.7 Mpx computed).
    const plan = planTiles({ spec: resnet9 }, 3000, 4000, 1024, 176, 84);
    expect([plan.tiles.length, plan.tiles[0].y.size, plan.tiles[0].x.size]).toEqual([20, 884, 944]);
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
      // Inside the first tile, before the second one's weight starts (28 + 8 px).
      const inner = (t: tf.Tensor4D) => tf.slice(t, [0, 0, 0, 0], [1, 32, 32, 3]);
      expect(difference(inner(seams), inner(whole)).max, norm).toBeLessThan(1e-6);
      net.dispose();
    }
  });

  // Measured on this photo window (150×200) with the seeds below, tile/overlap 160/32, when
  // every tile uses its own statistics (sharedStats: false):
  //   InstanceNorm resnet_2blocks ngf 8:       mean |Δ| 0.076, max 0.78 (mean |y| 0.169)
  //   BatchNorm in train mode, same network:   mean |Δ| 0.079, max 0.92 (mean |y| 0.185)
  // and at 96/32: 0.126 and 0.125. With shared statistics, at 96/32 (a quarter-overlap
  // margin of 8 px, less than the field of view, R = 28): 0.0045 and 0.0046, along the seams.
  // The bounds below leave a margin over these.
  const statisticsCases = [
    { name: 'instance', opts: G({ norm: 'instance', netG: 'resnet_2blocks', ngf: 8, initGain: 0.02 }), mode: EVAL },
    { name: 'batch, train mode', opts: G({ norm: 'batch', netG: 'resnet_2blocks', ngf: 8, initGain: 0.02 }), mode: { training: true, dropout: false } },
  ];

  test('InstanceNorm and train-mode BatchNorm: tiles share the whole image\'s statistics and reproduce it', async () => {
    for (const { name, opts, mode } of statisticsCases) {
      const net = defineG(opts, { seed: 3 });
      // The photo window at twice its size, in 256-px tiles: the default overlap (64) and
      // margin (R = 28) make two exact tiles per axis.
      const large = tf.image.resizeBilinear(photo, [300, 400]) as tf.Tensor4D;
      const whole = translateWhole(net, large, mode);
      const before = tf.memory().numTensors;
      const tiled = await translateTiled(net, large, { mode, tileSize: 256 });
      expect(tf.memory().numTensors - before, name).toBe(1); // only the result: shared stats freed
      expect(difference(tiled, whole).max, name).toBeLessThan(1e-5);
      // The same overlap feathered over its middle half keeps a margin of 16 < R only: seams
      // (measured max 0.014).
      expect(difference(await translateTiled(net, large, { mode, tileSize: 256, overlap: 64 }), whole).max, name).toBeGreaterThan(1e-3);
      // Small tiles: differences only along seams, no tone shift between tiles.
      const wholeSmall = translateWhole(net, photo, mode);
      const small = difference(await translateTiled(net, photo, { mode, tileSize: 96, overlap: 32 }), wholeSmall);
      expect(small.mean, name).toBeLessThan(0.05 * small.scale);
      tf.dispose([large, whole, tiled, wholeSmall]);
      net.dispose();
    }
  });

  test('with statistics per tile (sharedStats: false) tiled output differs everywhere, less with larger tiles', async () => {
    for (const { name, opts, mode } of statisticsCases) {
      const net = defineG(opts, { seed: 3 });
      const whole = translateWhole(net, photo, mode);
      const small = difference(await translateTiled(net, photo, { mode, tileSize: 96, overlap: 32, sharedStats: false }), whole);
      const large = difference(await translateTiled(net, photo, { mode, tileSize: 160, overlap: 32, sharedStats: false }), whole);
      expect(large.mean, name).toBeGreaterThan(1e-3); // not a seam effect: tile statistics differ
      expect(large.mean, name).toBeLessThan(small.mean);
      expect(large.mean, name).toBeLessThan(0.6 * large.scale);
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

describe('on ONNX Runtime', () => {
  // The statistics pass and every tile run on ONNX Runtime with the shared statistics; TF.js
  // tiled translation is the reference. Tolerance: max |Δ| ≤ 1e-4 · max(1, max |y_tfjs|),
  // the ONNX parity tolerance of tests/unit/onnx-infer.test.ts (float32 on both, differing
  // in summation order).
  const cases = [
    { name: 'InstanceNorm resnet_2blocks', opts: G({ norm: 'instance', netG: 'resnet_2blocks', ngf: 8, initGain: 0.02 }), mode: EVAL, tile: 96, overlap: 32 },
    {
      name: 'train-mode BatchNorm unet_32',
      opts: G({ norm: 'batch', netG: 'unet_32', ngf: 8, initType: 'kaiming' }),
      mode: { training: true, dropout: false },
      tile: 128,
      overlap: 32,
    },
  ];

  for (const c of cases) {
    test(`${c.name}: tiles with shared statistics equal TF.js's, batch 1 and 2, odd sizes`, async () => {
      const net = defineG(c.opts, { seed: 8 });
      for (const batch of [1, 2]) {
        // 149 × 197 of the photo; the second sample mirrored, so the statistics differ per sample.
        const x = tf.tidy(() => {
          const one = tf.slice(photo, [0, 0, 0, 0], [1, 149, 197, 3]);
          return (batch === 1 ? one : tf.concat([one, tf.reverse(one, 2)])) as tf.Tensor4D;
        });
        const onnx = await generatorForward(net, c.mode, batch, 'onnxruntime', { normStats: true });
        expect(onnx.name).toBe('onnxruntime');

        // The statistics pass, downscaled (statsSize below the image) as for large photos.
        const padded = reflectPad(x, { top: 0, left: 0, bottom: 160 - 149, right: 224 - 197 });
        const ref = await recordNormStats(net, padded, c.mode, 100);
        const got = await recordNormStats(net, padded, c.mode, 100, onnx.forward);
        expect([...got.keys()]).toEqual([...ref.keys()]);
        for (const [module, r] of ref) {
          for (const k of ['mean', 'variance'] as const) {
            const d = difference(got.get(module)![k], r[k]);
            expect(d.max, `${module} ${k}`).toBeLessThanOrEqual(1e-4 * Math.max(1, tf.tidy(() => tf.max(tf.abs(r[k])).dataSync()[0])));
          }
        }
        disposeNormStats(ref);
        disposeNormStats(got);
        padded.dispose();

        const want = await translateTiled(net, x, { mode: c.mode, tileSize: c.tile, overlap: c.overlap });
        const before = tf.memory().numTensors;
        const y = await translateTiled(net, x, { mode: c.mode, tileSize: c.tile, overlap: c.overlap, forward: onnx.forward });
        expect(tf.memory().numTensors - before, 'only the result is left').toBe(1);
        expect(y.shape).toEqual([batch, 149, 197, 3]);
        const d = difference(y, want);
        const scale = Math.max(1, tf.tidy(() => tf.max(tf.abs(want)).dataSync()[0]));
        expect(d.max, `batch ${batch}: max |Δ| ${d.max}`).toBeLessThanOrEqual(1e-4 * scale);
        // Each tile on its own statistics would differ far beyond that.
        const own = difference(await translateTiled(net, x, { mode: c.mode, tileSize: c.tile, overlap: c.overlap, forward: onnx.forward, sharedStats: false }), want);
        expect(own.mean).toBeGreaterThan(1e-3);
        tf.dispose([x, want, y]);
      }
      net.dispose();
    });
  }

  test('translateImage tiles on ONNX Runtime and says so; TF.js on request', async () => {
    const { opts, mode } = cases[0];
    const net = defineG(opts, { seed: 9 });
    const engines: InferenceEngine[] = [];
    const run = (engine: 'auto' | 'tfjs') =>
      translateImage(net, photo, { mode, tileSize: 96, overlap: 32, engine, onEngine: (e) => engines.push(e) });
    const [auto, tfjs] = [await run('auto'), await run('tfjs')];
    expect(engines.map((e) => e.name)).toEqual(['onnxruntime', 'tfjs']);
    expect(engines[1].reason).toBe('TF.js was requested');
    expect(difference(auto, tfjs).max).toBeLessThanOrEqual(1e-4 * Math.max(1, tf.tidy(() => tf.max(tf.abs(tfjs)).dataSync()[0])));
    tf.dispose([auto, tfjs]);
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
