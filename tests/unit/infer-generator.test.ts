/**
 * Generators loaded for inference (`InferenceGenerator`: spec + PyTorch state_dict): ONNX
 * Runtime runs them straight from the state_dict, equal to the TF.js network on the same
 * weights, without creating a single TF.js variable; TF.js still runs them (and says why)
 * when asked to or when ONNX Runtime cannot build the graph.
 *
 * Tolerance: max |y_onnx − y_tfjs| ≤ 1e-4 · max(1, max |y_tfjs|), the parity tolerance of
 * tests/unit/onnx-infer.test.ts (both float32; they differ only in summation order).
 */
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { InferenceGenerator, initialStateDict, translateImage, type InferenceMode } from '../../src/main/engine/infer';
import type { StateDict } from '../../src/main/engine/io/tensor-data';
import { StateDictError, defineG, type GeneratorOptions, type Network } from '../../src/main/engine/networks';
import { OnnxGenerator, buildOnnxModelExternal, type InferenceEngine } from '../../src/main/engine/onnx';
import * as tf from '../../src/main/engine/tf';
import { useBackend } from '../helpers/backend';
import { smallGenerator } from '../helpers/network-options';

const G = (o: Partial<GeneratorOptions>): GeneratorOptions => smallGenerator({ netG: 'resnet_2blocks', initType: 'kaiming', ...o });

const EVAL: InferenceMode = { training: false, dropout: false };
const TEST_MODE: InferenceMode = { training: true, dropout: true, seed: 11 };

beforeAll(async () => {
  await useBackend();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** A trained-looking state_dict: random weights, BatchNorm running statistics away from 0 / 1. */
function trainedStateDict(options: GeneratorOptions, seed: number): StateDict {
  const sd = initialStateDict(options, seed);
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (const [key, t] of sd) {
    if (key.endsWith('running_mean')) t.data = Float32Array.from(t.data as Float32Array, () => rand() - 0.5);
    if (key.endsWith('running_var')) t.data = Float32Array.from(t.data as Float32Array, () => 0.5 + rand() * 2);
  }
  return sd;
}

/** The same weights as a TF.js network, built independently of the generator under test. */
function tfjsTwin(options: GeneratorOptions, sd: StateDict): Network {
  const net = defineG(options, { seed: 0 });
  net.loadStateDict(sd);
  return net;
}

function maxAbs(t: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]!);
}

function expectClose(y: tf.Tensor, ref: tf.Tensor, what: string): void {
  expect(y.shape, what).toEqual(ref.shape);
  const diff = maxAbs(tf.sub(y, ref));
  expect(diff, `${what}: max |Δ| ${diff} (max |y| ${maxAbs(ref)})`).toBeLessThanOrEqual(1e-4 * Math.max(1, maxAbs(ref)));
}

const variableCount = () => Object.keys(tf.engine().registeredVariables).length;

describe('a generator loaded for inference', () => {
  const cases = [
    { name: 'unet_64 batch norm with dropout', options: G({ netG: 'unet_64', norm: 'batch', useDropout: true }), size: [100, 150], tile: 128 },
    { name: 'resnet_2blocks instance norm', options: G({ netG: 'resnet_2blocks', norm: 'instance' }), size: [45, 61], tile: 32 },
  ];

  for (const c of cases) {
    test(`${c.name}: ONNX Runtime from the state_dict equals the TF.js network, whole and tiled, batch 1 and 2`, async () => {
      const sd = trainedStateDict(c.options, 7);
      const gen = new InferenceGenerator(c.options, sd);
      const twin = tfjsTwin(c.options, sd);
      const [h, w] = c.size as [number, number];
      try {
        for (const batch of [1, 2]) {
          const x = tf.randomUniform([batch, h, w, 3], -1, 1, 'float32', batch) as tf.Tensor4D;
          for (const mode of [EVAL, TEST_MODE]) {
            for (const tileSize of [undefined, c.tile]) {
              const engines: InferenceEngine[] = [];
              const y = await translateImage(gen, x, { mode, tileSize, onEngine: (e) => engines.push(e) });
              const ref = await translateImage(twin, x, { mode, tileSize, engine: 'tfjs' });
              expect(engines.map((e) => e.name)).toEqual(['onnxruntime']);
              expectClose(y, ref, `batch ${batch}, ${mode.training ? 'test mode' : 'eval'}, ${tileSize ? `${tileSize}-px tiles` : 'whole'}`);
              tf.dispose([y, ref]);
            }
          }
          x.dispose();
        }
        expect(gen.hasNetwork).toBe(false);
      } finally {
        twin.dispose();
        await gen.dispose();
      }
    });
  }

  test('ONNX Runtime runs it without creating a TF.js variable or leaving a tensor', async () => {
    const options = G({ netG: 'resnet_2blocks', norm: 'batch', useDropout: true });
    const x = tf.randomUniform([1, 70, 90, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
    const variables = variableCount();
    const tensors = tf.memory().numTensors;
    const gen = new InferenceGenerator(options, initialStateDict(options, 3));
    // Test mode (dropout masks drawn with TF.js ops), eval, and tiles with shared statistics.
    for (const [mode, tileSize] of [[TEST_MODE, undefined], [EVAL, undefined], [TEST_MODE, 32]] as const) {
      const y = await translateImage(gen, x, { mode, tileSize });
      y.dispose();
    }
    expect(gen.hasNetwork).toBe(false);
    expect(variableCount()).toBe(variables);
    expect(tf.memory().numTensors).toBe(tensors);
    await gen.dispose();
    x.dispose();
  });

  test('TF.js runs it on request, building its network then, with the same result', async () => {
    const options = G({ netG: 'resnet_2blocks', norm: 'batch' });
    const gen = new InferenceGenerator(options, trainedStateDict(options, 5));
    const x = tf.randomUniform([1, 33, 41, 3], -1, 1, 'float32', 5) as tf.Tensor4D;
    const onnx = await translateImage(gen, x, { mode: EVAL });
    const variables = variableCount();
    const engines: InferenceEngine[] = [];
    const tfjs = await translateImage(gen, x, { mode: EVAL, engine: 'tfjs', onEngine: (e) => engines.push(e) });
    expect(engines).toEqual([expect.objectContaining({ name: 'tfjs', reason: 'TF.js was requested' })]);
    expect(gen.hasNetwork).toBe(true);
    expect(variableCount()).toBeGreaterThan(variables);
    expectClose(onnx, tfjs, 'ONNX Runtime against TF.js');
    tf.dispose([x, onnx, tfjs]);
    await gen.dispose();
    // Disposing frees the network's variables as well.
    expect(variableCount()).toBe(variables);
  });

  test('falls back to TF.js, with the reason, when ONNX Runtime cannot build the graph', async () => {
    const options = G({ netG: 'resnet_2blocks', norm: 'instance' });
    const sd = trainedStateDict(options, 9);
    const gen = new InferenceGenerator(options, sd);
    const twin = tfjsTwin(options, sd);
    vi.spyOn(OnnxGenerator.prototype, 'prepare').mockRejectedValue(new Error('no kernel for InstanceNormalization\nat node 3'));
    const x = tf.randomUniform([1, 24, 24, 3], -1, 1, 'float32', 9) as tf.Tensor4D;
    const engines: InferenceEngine[] = [];
    const y = await translateImage(gen, x, { mode: EVAL, tileSize: 16, onEngine: (e) => engines.push(e) });
    expect(engines).toEqual([{ name: 'tfjs', device: `TF.js ${tf.getBackend()}`, reason: 'ONNX Runtime could not run ResnetGenerator: no kernel for InstanceNormalization' }]);
    expect(gen.hasNetwork).toBe(true);
    const ref = await translateImage(twin, x, { mode: EVAL, tileSize: 16, engine: 'tfjs' });
    expectClose(y, ref, 'fallback against the TF.js network');
    // Asked for ONNX Runtime explicitly, the failure is an error.
    await expect(translateImage(gen, x, { mode: EVAL, engine: 'onnxruntime' })).rejects.toThrow(/no kernel for InstanceNormalization/);
    tf.dispose([x, y, ref]);
    twin.dispose();
    await gen.dispose();
  });

  test('checks the state_dict when loaded, keeps float32 values as they are and converts others', () => {
    const options = G({ netG: 'resnet_1blocks', norm: 'instance' });
    const sd = initialStateDict(options, 1);
    const [firstKey, first] = [...sd][0]!;
    const missing = new Map(sd);
    missing.delete(firstKey);
    expect(() => new InferenceGenerator(options, missing, 'G_AtoB.pth')).toThrow(StateDictError);
    expect(() => new InferenceGenerator(options, missing, 'G_AtoB.pth')).toThrow(
      new RegExp(`^G_AtoB\\.pth: state_dict does not fit ResnetGenerator \\(netG resnet_1blocks.*\\):\\n  missing keys \\(1\\): ${firstKey.replace(/\./g, '\\.')}`),
    );
    expect(new InferenceGenerator(options, sd).stateDict.get(firstKey)!.data).toBe(first.data);
    const asDouble: StateDict = new Map([...sd].map(([k, t]) => [k, { ...t, dtype: 'float64' as const, data: Float64Array.from(t.data as Float32Array) }]));
    const converted = new InferenceGenerator(options, asDouble).stateDict.get(firstKey)!;
    expect(converted.dtype).toBe('float32');
    expect(converted.data).toEqual(first.data);
  });

  test("ONNX Runtime gets the state_dict's own arrays as external data, beside a graph of a few KiB", () => {
    const options = G({ netG: 'unet_64', norm: 'batch', ngf: 8 });
    const gen = new InferenceGenerator(options, initialStateDict(options, 6));
    const { model, externalData } = buildOnnxModelExternal(gen, { training: true });
    expect(model.byteLength).toBeLessThan(32 * 1024);
    const weights = [...gen.stateDict.values()].filter((t) => t.data.byteLength >= 1024);
    expect(weights.length).toBeGreaterThan(10);
    expect(externalData.length).toBe(weights.length);
    // The same memory, not a copy of it.
    const buffers = new Set(externalData.map((f) => f.data.buffer));
    for (const t of weights) expect(buffers.has(t.data.buffer)).toBe(true);
    expect(new Set(externalData.map((f) => f.path)).size).toBe(externalData.length);
  });

  test('a disposed generator refuses to run', async () => {
    const options = G({ netG: 'resnet_1blocks', norm: 'none' });
    const gen = new InferenceGenerator(options, initialStateDict(options, 2));
    const x = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
    (await translateImage(gen, x, { mode: EVAL })).dispose();
    await gen.dispose();
    expect(gen.isDisposed).toBe(true);
    await expect(translateImage(gen, x, { mode: EVAL })).rejects.toThrow(/disposed/);
    expect(() => gen.network()).toThrow(/disposed/);
    x.dispose();
  });
});

describe('initialStateDict', () => {
  test('holds the weights defineG initialises, and fresh BatchNorm buffers', () => {
    for (const options of [G({ netG: 'unet_32', norm: 'batch', initType: 'normal' }), G({ netG: 'resnet_1blocks', norm: 'instance', initType: 'xavier' })]) {
      const net = defineG(options, { seed: 4 });
      const want = net.stateDict();
      net.dispose();
      const got = initialStateDict(options, 4);
      expect([...got.keys()]).toEqual([...want.keys()]);
      for (const [key, t] of want) {
        const g = got.get(key)!;
        expect({ dtype: g.dtype, shape: g.shape }, key).toEqual({ dtype: t.dtype, shape: t.shape });
        expect(Buffer.from(g.data.buffer, g.data.byteOffset, g.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)), key).toBe(true);
      }
    }
  });
});
