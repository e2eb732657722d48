/**
 * Weights in and out: initialisation, state_dict layouts and round trips, load errors,
 * the InstanceNorm patch for old checkpoints, and architecture inference from a state_dict.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { StateDict, TensorData } from '../../src/main/engine/io/tensor-data';
import {
  Network,
  StateDictError,
  defineD,
  defineG,
  generatorSpec,
  inferArchitecture,
  networkFromStateDict,
  type DiscriminatorOptions,
  type GeneratorOptions,
} from '../../src/main/engine/networks';
import * as tf from '../../src/main/engine/tf';
import { smallDiscriminator as D, smallGenerator as G } from '../helpers/network-options';

const f32 = (t: TensorData) => t.data as Float32Array;
const stats = (a: Float32Array) => {
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  const std = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
  return { mean, std };
};
/** A state_dict with every float entry replaced by distinct values, to catch layout mix-ups. */
function distinctValues(sd: StateDict): StateDict {
  const out: StateDict = new Map();
  let next = 0;
  for (const [k, t] of sd) {
    if (t.dtype !== 'float32') out.set(k, { ...t, data: BigInt64Array.of(7n) });
    else out.set(k, { ...t, data: Float32Array.from(f32(t), () => (next++ % 1000) / 1000 + 0.5) });
  }
  return out;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('init', () => {
  test('normal: conv weights ~ N(0, gain), BN weights ~ N(1, gain), biases 0; same seed, same weights', () => {
    const a = defineG(G({ ngf: 16, norm: 'batch', initGain: 0.05 }), { seed: 7 });
    const b = defineG(G({ ngf: 16, norm: 'batch', initGain: 0.05 }), { seed: 7 });
    const c = defineG(G({ ngf: 16, norm: 'batch', initGain: 0.05 }), { seed: 8 });
    const sa = a.stateDict();
    const w = stats(f32(sa.get('model.10.conv_block.1.weight')!)); // 64·64·9 values
    expect(Math.abs(w.mean)).toBeLessThan(0.003);
    expect(w.std).toBeCloseTo(0.05, 2);
    const bn = stats(f32(sa.get('model.2.weight')!));
    expect(Math.abs(bn.mean - 1)).toBeLessThan(0.05);
    expect([...f32(sa.get('model.2.bias')!)].every((v) => v === 0)).toBe(true);
    expect([...f32(sa.get('model.18.bias')!)].every((v) => v === 0)).toBe(true);
    // Running statistics are not touched by init.
    expect([...f32(sa.get('model.2.running_var')!)].every((v) => v === 1)).toBe(true);
    expect(f32(b.stateDict().get('model.1.weight')!)).toEqual(f32(sa.get('model.1.weight')!));
    expect(f32(c.stateDict().get('model.1.weight')!)).not.toEqual(f32(sa.get('model.1.weight')!));
    for (const n of [a, b, c]) n.dispose();
  });

  test('xavier and kaiming scale with fan-in/fan-out; orthogonal rows are orthonormal × gain', () => {
    const net = new Network(generatorSpec(G({ ngf: 8 })), G({ ngf: 8 }));
    // model.4: Conv2d(8, 16, 3): fan_in 72, fan_out 144.
    net.init('xavier', 1.0, 1);
    expect(stats(f32(net.stateDict().get('model.10.conv_block.1.weight')!)).std).toBeCloseTo(Math.sqrt(2 / (288 + 288)), 2);
    net.init('kaiming', 0.02, 1); // the reference ignores the gain for kaiming
    expect(stats(f32(net.stateDict().get('model.10.conv_block.1.weight')!)).std).toBeCloseTo(Math.sqrt(2 / 288), 2);
    net.init('orthogonal', 0.5, 1);
    const w = f32(net.stateDict().get('model.4.weight')!); // [16, 8·3·3]: 16 orthogonal rows of 72
    for (const [i, j] of [[0, 0], [0, 1], [5, 9], [15, 15]]) {
      let dot = 0;
      for (let k = 0; k < 72; k++) dot += w[i * 72 + k] * w[j * 72 + k];
      expect(dot).toBeCloseTo(i === j ? 0.25 : 0, 5);
    }
    const t = f32(net.stateDict().get('model.11.weight')!); // ConvTranspose [32, 16, 3, 3] → 32 × 144
    let dot = 0;
    for (let k = 0; k < 144; k++) dot += t[3 * 144 + k] * t[3 * 144 + k];
    expect(dot).toBeCloseTo(0.25, 5);
    net.dispose();
  });
});

describe('state_dict', () => {
  test('load → stateDict round-trips bit for bit, in key order, counters as int64', () => {
    const net = defineG(G({ netG: 'unet_32', norm: 'batch' }), { seed: 1 });
    const sd = distinctValues(net.stateDict());
    net.loadStateDict(sd);
    const back = net.stateDict();
    expect([...back.keys()]).toEqual([...sd.keys()]);
    for (const [k, t] of sd) {
      expect(back.get(k)!.shape).toEqual(t.shape);
      expect(back.get(k)!.dtype).toBe(t.dtype);
      expect(back.get(k)!.data).toEqual(t.data);
    }
    expect(net.numBatchesTracked.get('model.model.1.model.2.num_batches_tracked')).toBe(7);
    net.dispose();
  });

  test('conv weights are converted to TF.js layouts', () => {
    const net = defineG(G({}), { seed: 1 });
    const sd = distinctValues(net.stateDict());
    net.loadStateDict(sd);
    // Conv2d model.4: torch [out 8, in 4, 3, 3] → tf [3, 3, in 4, out 8]
    const conv = f32(sd.get('model.4.weight')!);
    const convTf = net.params.get('model.4.weight')!;
    expect(convTf.shape).toEqual([3, 3, 4, 8]);
    const o = 5, i = 2, y = 1, x = 2;
    expect(convTf.bufferSync().get(y, x, i, o)).toBe(conv[((o * 4 + i) * 3 + y) * 3 + x]);
    // ConvTranspose2d model.11: torch [in 16, out 8, 3, 3] → tf [3, 3, out 8, in 16]
    const up = f32(sd.get('model.11.weight')!);
    const upTf = net.params.get('model.11.weight')!;
    expect(upTf.shape).toEqual([3, 3, 8, 16]);
    expect(upTf.bufferSync().get(2, 0, 3, 11)).toBe(up[((11 * 8 + 3) * 3 + 2) * 3 + 0]);
    net.dispose();
  });

  test('load errors list missing keys, unexpected keys and shape mismatches with both shapes', () => {
    const net = defineD(D({}), { seed: 1 });
    const good = net.stateDict();
    const bad: StateDict = new Map(good);
    bad.delete('model.2.weight');
    bad.set('model.99.weight', good.get('model.0.weight')!);
    bad.set('model.0.bias', { dtype: 'float32', shape: [5], data: new Float32Array(5) });
    let err: unknown;
    try {
      net.loadStateDict(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StateDictError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/missing keys \(1\): model\.2\.weight/);
    expect(msg).toMatch(/unexpected keys \(1\): model\.99\.weight/);
    expect(msg).toMatch(/size mismatch for model\.0\.bias: checkpoint has \[5\], network expects \[4\]/);
    // Non-strict loading tolerates missing/unexpected keys but never a wrong shape.
    expect(() => net.loadStateDict(bad, { strict: false })).toThrow(/size mismatch for model\.0\.bias/);
    bad.set('model.0.bias', good.get('model.0.bias')!);
    const report = net.loadStateDict(bad, { strict: false });
    expect(report.missing).toEqual(['model.2.weight']);
    expect(report.unexpected).toEqual(['model.99.weight']);
    net.dispose();
  });

  test('a failed load leaves the weights unchanged', () => {
    const net = defineD(D({ ndf: 2 }), { seed: 1 });
    const before = net.stateDict();
    const sd = distinctValues(before);
    sd.set('model.11.weight', { dtype: 'int32', shape: [1, 16, 4, 4], data: new Int32Array(256) });
    expect(() => net.loadStateDict(sd)).toThrow(/model\.11\.weight: expected a floating-point tensor, got int32/);
    expect(f32(net.stateDict().get('model.0.weight')!)).toEqual(f32(before.get('model.0.weight')!));
    net.dispose();
  });

  test('float64 values load; a missing num_batches_tracked (PyTorch < 0.4.1) loads as 0', () => {
    const net = defineD(D({}), { seed: 1 });
    const sd: StateDict = new Map();
    for (const [k, t] of net.stateDict()) {
      if (k.endsWith('num_batches_tracked')) continue;
      sd.set(k, { ...t, dtype: 'float64', data: Float64Array.from(f32(t), (v) => v + 0.25) });
    }
    net.loadStateDict(sd);
    expect(net.numBatchesTracked.get('model.3.num_batches_tracked')).toBe(0);
    expect(f32(net.stateDict().get('model.3.running_var')!)[0]).toBe(1.25);
    net.dispose();
  });

  test("InstanceNorm running stats saved by old PyTorch are dropped, as the reference's patch does", () => {
    const net = defineG(G({ norm: 'instance' }), { seed: 1 });
    const sd: StateDict = new Map();
    for (const [k, t] of net.stateDict()) {
      sd.set(k, t);
      if (k === 'model.1.bias') {
        sd.set('model.2.running_mean', { dtype: 'float32', shape: [4], data: new Float32Array(4) });
        sd.set('model.2.running_var', { dtype: 'float32', shape: [4], data: new Float32Array(4).fill(1) });
      }
    }
    const report = net.loadStateDict(sd);
    expect(report.dropped).toEqual(['model.2.running_mean', 'model.2.running_var']);
    // The same entries on a BatchNorm-free non-norm module are still unexpected.
    sd.set('model.1.running_mean', { dtype: 'float32', shape: [4], data: new Float32Array(4) });
    expect(() => net.loadStateDict(sd)).toThrow(/unexpected keys \(1\): model\.1\.running_mean/);
    net.dispose();
  });
});

describe('inferArchitecture', () => {
  const gens: GeneratorOptions[] = [
    G({ netG: 'unet_128', norm: 'batch', ngf: 4 }),
    G({ netG: 'unet_256', norm: 'instance', ngf: 2, inputNc: 1, outputNc: 4 }),
    G({ netG: 'unet_32', norm: 'none', ngf: 3 }),
    G({ netG: 'resnet_9blocks', norm: 'instance', ngf: 2 }),
    G({ netG: 'resnet_6blocks', norm: 'batch', ngf: 4, useDropout: true, inputNc: 4, outputNc: 1 }),
    G({ netG: 'resnet_2blocks', norm: 'batch', ngf: 4 }),
    G({ netG: 'resnet_2blocks', norm: 'instance', ngf: 4, useDropout: true }),
    G({ netG: 'resnet_0blocks', norm: 'none', ngf: 2 }),
  ];
  test.each(gens.map((o) => [o.netG, o.norm, o]))('generator %s / %s', (_n, _m, opts) => {
    const o = opts as GeneratorOptions;
    const net = new Network(generatorSpec(o), o);
    const got = inferArchitecture(net.stateDict());
    expect(got.role).toBe('generator');
    if (got.role !== 'generator') return;
    const isUnet = o.netG.startsWith('unet');
    expect(got.options).toEqual({ ...o, useDropout: isUnet ? true : o.useDropout });
    expect(got.dropoutInferred).toBe(!isUnet);
    net.dispose();
  });

  const discs: DiscriminatorOptions[] = [
    D({ netD: 'basic', norm: 'batch', inputNc: 6 }),
    D({ netD: 'basic', norm: 'instance', ndf: 3 }),
    D({ netD: 'n_layers', nLayersD: 4, norm: 'none' }),
    D({ netD: 'n_layers', nLayersD: 1, norm: 'batch' }),
    D({ netD: 'n_layers', nLayersD: 0, norm: 'instance' }),
    D({ netD: 'pixel', norm: 'batch', inputNc: 1 }),
  ];
  test.each(discs.map((o) => [o.netD, o.nLayersD, o.norm, o]))('discriminator %s %i / %s', (_n, _l, _m, opts) => {
    const o = opts as DiscriminatorOptions;
    const net = defineD(o, { seed: 1 });
    const got = inferArchitecture(net.stateDict());
    expect(got.role).toBe('discriminator');
    expect(got.options).toEqual({ ...o, nLayersD: o.netD === 'pixel' ? 3 : o.nLayersD });
    net.dispose();
  });

  test('networkFromStateDict builds and loads the recognised network', () => {
    const source = defineG(G({ netG: 'unet_32', norm: 'batch', inputNc: 2 }), { seed: 4 });
    const sd = source.stateDict();
    const { net, architecture } = networkFromStateDict(sd);
    expect(architecture.options).toMatchObject({ netG: 'unet_32', norm: 'batch', inputNc: 2, ngf: 4 });
    const x = tf.randomUniform([1, 32, 64, 2]) as tf.Tensor4D;
    const diff = tf.max(tf.abs(tf.sub(net.apply(x, { training: false, dropout: false }), source.apply(x, { training: false, dropout: false }))));
    expect(diff.dataSync()[0]).toBe(0);
    source.dispose();
    net.dispose();
  });

  test('old InstanceNorm entries still read as instance norm', () => {
    const net = new Network(generatorSpec(G({ norm: 'instance' })), G({ norm: 'instance' }));
    const sd = net.stateDict();
    sd.set('model.2.running_mean', { dtype: 'float32', shape: [4], data: new Float32Array(4) });
    sd.set('model.2.running_var', { dtype: 'float32', shape: [4], data: new Float32Array(4) });
    const got = inferArchitecture(sd);
    expect(got.options.norm).toBe('instance');
    expect(got.droppedKeys).toEqual(['model.2.running_mean', 'model.2.running_var']);
    net.dispose();
  });

  test('a damaged dict names the closest network and what differs; a foreign dict says what was expected', () => {
    const net = new Network(generatorSpec(G({ netG: 'resnet_6blocks', norm: 'batch' })), G({}));
    const sd = net.stateDict();
    sd.delete('model.12.conv_block.2.running_var');
    sd.set('model.4.weight', { dtype: 'float32', shape: [8, 4, 5, 5], data: new Float32Array(800) });
    expect(() => inferArchitecture(sd)).toThrow(
      /closest is resnet_6blocks \(input_nc 3, output_nc 3, ngf 4, norm batch\)[\s\S]*missing keys \(1\): model\.12\.conv_block\.2\.running_var[\s\S]*size mismatch for model\.4\.weight: checkpoint has \[8, 4, 5, 5\], network expects \[8, 4, 3, 3\]/,
    );
    expect(() => inferArchitecture(new Map([['fc.weight', { dtype: 'float32', shape: [2, 2], data: new Float32Array(4) }]]))).toThrow(
      /matches no network the reference builds[\s\S]*first keys are: fc\.weight/,
    );
    net.dispose();
  });
});
