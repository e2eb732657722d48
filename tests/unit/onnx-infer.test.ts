/**
 * ONNX Runtime against the TF.js executor on random small networks of every generator and
 * discriminator kind, at odd sizes, in every inference mode (eval and train-mode BatchNorm,
 * batch of one and more, dropout with a seed); the normalisation statistics it records and
 * takes for tiled inference; and the inference entry's engine choice.
 *
 * Tolerance: max |y_onnx − y_tfjs| ≤ 1e-4 · max(1, max |y_tfjs|), the parity tolerance for
 * O(1) outputs (both are float32; they differ only in summation order).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { translateImage } from '../../src/main/engine/infer';
import type { StateDict } from '../../src/main/engine/io/tensor-data';
import type { NormStats } from '../../src/main/engine/networks/executor';
import {
  Network,
  defineD,
  defineG,
  type DiscriminatorOptions,
  type GeneratorOptions,
  type NetworkOptions,
} from '../../src/main/engine/networks';
import { chooseInferenceEngine, generatorForward, onnxGeneratorFor, withInferenceEngine, type RunMode } from '../../src/main/engine/onnx';
import * as tf from '../../src/main/engine/tf';

const G = (o: Partial<GeneratorOptions>): GeneratorOptions => ({
  netG: 'resnet_2blocks',
  inputNc: 3,
  outputNc: 3,
  ngf: 4,
  norm: 'batch',
  useDropout: false,
  initType: 'kaiming',
  initGain: 0.02,
  ...o,
});
const D = (o: Partial<DiscriminatorOptions>): DiscriminatorOptions => ({
  netD: 'basic',
  inputNc: 3,
  ndf: 4,
  nLayersD: 3,
  norm: 'batch',
  initType: 'kaiming',
  initGain: 0.02,
  ...o,
});

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** BatchNorm running statistics away from their initial 0 / 1, so eval mode is a real test. */
function randomizeRunningStats(net: Network, seed: number): void {
  const sd: StateDict = net.stateDict();
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (const [key, t] of sd) {
    if (key.endsWith('running_mean')) t.data = Float32Array.from(t.data as Float32Array, () => rand() - 0.5);
    if (key.endsWith('running_var')) t.data = Float32Array.from(t.data as Float32Array, () => 0.5 + rand() * 2);
  }
  net.loadStateDict(sd);
}

function build(o: NetworkOptions, seed: number): Network {
  const net = 'netG' in o ? defineG(o, { seed }) : defineD(o, { seed });
  randomizeRunningStats(net, seed);
  return net;
}

function maxAbs(t: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]!);
}

async function expectSame(net: Network, x: tf.Tensor4D, mode: RunMode): Promise<void> {
  const ref = net.apply(x, { ...mode, updateRunningStats: false });
  const y = await onnxGeneratorFor(net).run(x, mode);
  expect(y.shape).toEqual(ref.shape);
  const diff = maxAbs(tf.sub(y, ref));
  const scale = Math.max(1, maxAbs(ref));
  expect(diff, `max |Δ| ${diff} (max |y| ${maxAbs(ref)})`).toBeLessThanOrEqual(1e-4 * scale);
  tf.dispose([ref, y]);
}

const EVAL: RunMode = { training: false, dropout: false };
const TRAIN: RunMode = { training: true, dropout: false };
const TEST_MODE: RunMode = { training: true, dropout: true, seed: 11 };

interface Case {
  name: string;
  options: NetworkOptions;
  sizes: [number, number][];
  modes: RunMode[];
}

const norms = ['batch', 'instance', 'none'] as const;
const cases: Case[] = [
  // U-Nets need multiples of 2^num_downs when run directly (translateImage pads; tested below).
  ...norms.map((norm) => ({ name: `unet_64 ${norm} with dropout`, options: G({ netG: 'unet_64', norm, useDropout: true }), sizes: [[64, 128]] as [number, number][], modes: [EVAL, TRAIN, TEST_MODE] })),
  ...norms.map((norm) => ({ name: `resnet_2blocks ${norm} with dropout`, options: G({ netG: 'resnet_2blocks', norm, useDropout: true }), sizes: [[37, 45], [20, 16]] as [number, number][], modes: [EVAL, TRAIN, TEST_MODE] })),
  ...(['batch', 'instance'] as const).map((norm) => ({ name: `basic D ${norm}, 6 channels`, options: D({ norm, inputNc: 6 }), sizes: [[37, 53]] as [number, number][], modes: [EVAL, TRAIN] })),
  { name: 'n_layers D (2 layers) instance', options: D({ netD: 'n_layers', nLayersD: 2, norm: 'instance' }), sizes: [[29, 31]], modes: [EVAL] },
  { name: 'n_layers D (4 layers) batch', options: D({ netD: 'n_layers', nLayersD: 4, norm: 'batch' }), sizes: [[67, 53]], modes: [EVAL, TRAIN] },
  ...(['batch', 'none'] as const).map((norm) => ({ name: `pixel D ${norm}`, options: D({ netD: 'pixel', norm }), sizes: [[7, 13]] as [number, number][], modes: [EVAL, TRAIN] })),
];

describe('ONNX Runtime equals TF.js', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const net = build(c.options, c.name.length);
      try {
        for (const [h, w] of c.sizes) {
          for (const mode of c.modes) {
            for (const batch of mode.training ? [1, 2] : [1]) {
              const x = tf.randomUniform([batch, h, w, net.spec.inChannels], -1, 1, 'float32', h * w + batch) as tf.Tensor4D;
              await expectSame(net, x, mode);
              x.dispose();
            }
          }
        }
      } finally {
        net.dispose();
      }
    });
  }
});

describe('the ONNX runner', () => {
  test('follows weight changes: after an update it translates with the new weights', async () => {
    const net = build(G({ netG: 'resnet_1blocks', norm: 'instance' }), 1);
    const x = tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const before = await onnxGeneratorFor(net).run(x, EVAL);
    net.init('kaiming', 0.02, 99);
    await expectSame(net, x, EVAL);
    const after = await onnxGeneratorFor(net).run(x, EVAL);
    expect(maxAbs(tf.sub(before, after))).toBeGreaterThan(1e-3);
    tf.dispose([x, before, after]);
    net.dispose();
  });

  test('refuses inputs the network cannot take, as the TF.js executor does', async () => {
    const net = build(G({ netG: 'unet_64', norm: 'instance' }), 2);
    const x = tf.zeros([1, 96, 64, 3]) as tf.Tensor4D;
    await expect(onnxGeneratorFor(net).run(x, EVAL)).rejects.toThrow(/multiple of 64/);
    await expect(onnxGeneratorFor(net).run(tf.zeros([1, 64, 64, 1]) as tf.Tensor4D, EVAL)).rejects.toThrow(/3 channels, got shape \[1, 64, 64, 1\]/);
    net.dispose();
    await expect(onnxGeneratorFor(net).run(tf.zeros([1, 64, 64, 3]) as tf.Tensor4D, EVAL)).rejects.toThrow(/disposed/);
  });
});

/** Every layer's statistics the hook records on one pass (TF.js: `net.apply`; ONNX Runtime: the runner). */
async function recordStats(net: Network, x: tf.Tensor4D, mode: RunMode, engine: 'tfjs' | 'onnxruntime'): Promise<Map<string, NormStats>> {
  const stats = new Map<string, NormStats>();
  const record = (module: string, s: NormStats) => stats.set(module, s);
  if (engine === 'tfjs') net.apply(x, { ...mode, updateRunningStats: false, normStats: { record } }).dispose();
  else (await onnxGeneratorFor(net).run(x, mode, { record })).dispose();
  return stats;
}

function disposeStats(stats: Map<string, NormStats>): void {
  for (const s of stats.values()) tf.dispose([s.mean, s.variance]);
}

describe('shared normalisation statistics (tiled inference)', () => {
  // InstanceNorm per sample, and train-mode BatchNorm over the batch; with dropout so the
  // masks fed beside the statistics are exercised too.
  const statsCases = [
    { name: 'resnet_2blocks instance', options: G({ netG: 'resnet_2blocks', norm: 'instance', useDropout: true }), size: [37, 45], mode: TEST_MODE },
    { name: 'unet_64 batch, train mode', options: G({ netG: 'unet_64', norm: 'batch', useDropout: true }), size: [64, 128], mode: TEST_MODE },
    { name: 'resnet_2blocks batch, train mode', options: G({ netG: 'resnet_2blocks', norm: 'batch' }), size: [29, 51], mode: TRAIN },
  ];

  for (const c of statsCases) {
    test(`${c.name}: recorded statistics equal TF.js's; fed ones normalise as TF.js does`, async () => {
      const net = build(c.options, 21);
      try {
        for (const batch of [1, 2]) {
          const [h, w] = c.size as [number, number];
          const x = tf.randomUniform([batch, h, w, 3], -1, 1, 'float32', batch) as tf.Tensor4D;
          const ref = await recordStats(net, x, c.mode, 'tfjs');
          const got = await recordStats(net, x, c.mode, 'onnxruntime');
          expect([...got.keys()]).toEqual([...ref.keys()]);
          expect(ref.size).toBeGreaterThan(3);
          for (const [module, r] of ref) {
            const g = got.get(module)!;
            for (const k of ['mean', 'variance'] as const) {
              expect(g[k].shape, `${module} ${k}`).toEqual(r[k].shape);
              const diff = maxAbs(tf.sub(g[k], r[k]));
              expect(diff, `${module} ${k}, batch ${batch}: max |Δ| ${diff}`).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(r[k])));
            }
          }
          // Another input (a shifted crop, as a tile is) normalised with those statistics.
          const tile = tf.tidy(() => tf.mul(tf.reverse(x, 2), 0.7)) as tf.Tensor4D;
          const lookup = (module: string) => ref.get(module);
          const want = net.apply(tile, { ...c.mode, updateRunningStats: false, normStats: { lookup } });
          const y = await onnxGeneratorFor(net).run(tile, c.mode, { lookup });
          const own = await onnxGeneratorFor(net).run(tile, c.mode);
          const diff = maxAbs(tf.sub(y, want));
          expect(diff, `batch ${batch}: max |Δ| ${diff}`).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(want)));
          // The statistics did change the result (the tile's own differ).
          expect(maxAbs(tf.sub(own, want))).toBeGreaterThan(1e-2);
          tf.dispose([x, tile, want, y, own]);
          disposeStats(ref);
          disposeStats(got);
        }
      } finally {
        net.dispose();
      }
    });
  }

  test('fed statistics must cover every layer and fit its shape', async () => {
    const net = build(G({ netG: 'resnet_1blocks', norm: 'instance' }), 22);
    const x = tf.randomUniform([1, 20, 24, 3], -1, 1, 'float32', 22) as tf.Tensor4D;
    const stats = await recordStats(net, x, EVAL, 'tfjs');
    const [first, second] = [...stats.keys()];
    await expect(onnxGeneratorFor(net).run(x, EVAL, { lookup: (m) => (m === second ? undefined : stats.get(m)) })).rejects.toThrow(
      new RegExp(`no shared statistics for ${second!.replace(/\./g, '\\.')}`),
    );
    // Statistics of a batch of one do not fit a batch of two (InstanceNorm is per sample).
    const x2 = tf.concat([x, x]) as tf.Tensor4D;
    await expect(onnxGeneratorFor(net).run(x2, EVAL, { lookup: (m) => stats.get(m) })).rejects.toThrow(
      new RegExp(`${first!.replace(/\./g, '\\.')}: shared statistics of shape \\[1, 1, 1, 4\\] do not fit \\[2, 4, 1, 1\\]`),
    );
    tf.dispose([x, x2]);
    disposeStats(stats);
    net.dispose();
  });
});

describe('choosing the inference engine', () => {
  test('ONNX Runtime when it loads; TF.js on request; a bad name is refused', async () => {
    const auto = await chooseInferenceEngine('auto');
    expect(auto).toMatchObject({ name: 'onnxruntime', device: expect.stringMatching(/ONNX Runtime 1\.\d+/) });
    expect(await chooseInferenceEngine('tfjs')).toMatchObject({ name: 'tfjs', device: 'TF.js cpu', reason: 'TF.js was requested' });
    await expect(chooseInferenceEngine('fast' as 'auto')).rejects.toThrow(/unknown engine 'fast' \(expected auto, onnxruntime, tfjs\)/);
    const backend = await withInferenceEngine({ name: 'cpu', device: 'CPU', attempts: [] });
    expect(backend.inference).toMatchObject({ name: 'onnxruntime', providers: expect.arrayContaining(['cpu']) });
  });

  test('translateImage reports the engine and both engines agree, whole and tiled, at odd sizes', async () => {
    const net = build(G({ netG: 'unet_64', norm: 'batch', useDropout: true }), 3);
    const x = tf.randomUniform([1, 100, 150, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
    // Padded to 128×192: one pass, or 128-px tiles overlapping by 64.
    for (const tileSize of [undefined, 128]) {
      const mode = { training: true, dropout: true, seed: 5 };
      const engines: string[] = [];
      const onnxY = await translateImage(net, x, { mode, tileSize, overlap: 64, onEngine: (e) => engines.push(e.name) });
      const tfjsY = await translateImage(net, x, { mode, tileSize, overlap: 64, engine: 'tfjs', onEngine: (e) => engines.push(e.name) });
      expect(engines).toEqual(['onnxruntime', 'tfjs']);
      expect(onnxY.shape).toEqual([1, 100, 150, 3]);
      expect(maxAbs(tf.sub(onnxY, tfjsY))).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(tfjsY)));
      tf.dispose([onnxY, tfjsY]);
    }
    x.dispose();
    net.dispose();
  });

  test('the forward pass is ready for the mode it was asked for', async () => {
    const net = build(G({ netG: 'resnet_1blocks', norm: 'batch' }), 4);
    const fwd = await generatorForward(net, TRAIN, 2);
    expect(fwd.name).toBe('onnxruntime');
    const x = tf.randomUniform([2, 12, 12, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
    const y = await fwd.forward(x, TRAIN);
    expect(y.shape).toEqual([2, 12, 12, 3]);
    tf.dispose([x, y]);
    net.dispose();
  });
});
