/**
 * The ONNX builder: what the graph holds (weights unchanged from the state_dict, PyTorch's
 * convolution attributes, dynamic sizes, dropout variants), its errors, and `.onnx` export.
 * Numerical agreement is in tests/parity/onnx.test.ts (reference) and onnx-infer.test.ts (TF.js).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto, { type onnx as OnnxT } from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { StateDict } from '../../src/main/engine/io/tensor-data';
import { Network, StateDictError, defineG, generatorSpec, stateEntries, type GeneratorOptions } from '../../src/main/engine/networks';
import { buildOnnxModel, buildOnnxModelExternal, createSession, exportOnnx, loadOnnxRuntime, type OnnxBuildOptions } from '../../src/main/engine/onnx';
import * as tf from '../../src/main/engine/tf';

const { onnx } = onnxProto;

const G = (o: Partial<GeneratorOptions>): GeneratorOptions => ({
  netG: 'resnet_2blocks',
  inputNc: 3,
  outputNc: 3,
  ngf: 4,
  norm: 'instance',
  useDropout: false,
  initType: 'normal',
  initGain: 0.2,
  ...o,
});

const decode = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes);
const dims = (v: OnnxT.IValueInfoProto) => (v.type!.tensorType!.shape!.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue)));
const attrOf = (node: OnnxT.INodeProto, name: string) => node.attribute!.find((a) => a.name === name);

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = mkdtempSync(join(tmpdir(), 'atelier-onnx-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(bytes: Uint8Array, x: Float32Array, shape: number[], extra: Record<string, { data: Float32Array; shape: number[] }> = {}) {
  const ort = await loadOnnxRuntime();
  const session = await createSession(bytes, { providers: ['cpu'] });
  try {
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = { input: new ort.Tensor('float32', x, shape) };
    for (const [k, v] of Object.entries(extra)) feeds[k] = new ort.Tensor('float32', v.data, v.shape);
    const out = await session.run(feeds);
    return { data: out.output!.data as Float32Array, dims: [...out.output!.dims] };
  } finally {
    await session.release();
  }
}

function randomInput(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.9);
}

describe('graph contents', () => {
  test('initializers are the state_dict entries, bit for bit, under their reference keys', () => {
    const net = defineG(G({ netG: 'unet_32', norm: 'batch' }), { seed: 3 });
    const sd = net.stateDict();
    for (const source of [net, { spec: net.spec, stateDict: sd }]) {
      const model = decode(buildOnnxModel(source));
      const inits = new Map(model.graph!.initializer!.map((t) => [t.name!, t]));
      for (const e of stateEntries(net.spec)) {
        if (e.role === 'num_batches_tracked') {
          expect(inits.has(e.key), e.key).toBe(false);
          continue;
        }
        const t = inits.get(e.key);
        expect(t, e.key).toBeDefined();
        expect(t!.dims!.map(Number)).toEqual(e.shape);
        const expected = sd.get(e.key)!.data as Float32Array;
        expect(Buffer.from(t!.rawData!).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)), e.key).toBe(true);
      }
    }
    net.dispose();
  });

  test('convolutions carry PyTorch padding; transposed ones output_padding; reflection pads are reflect Pads', () => {
    const spec = generatorSpec(G({ netG: 'resnet_2blocks' }));
    const net = new Network(spec, G({}));
    const model = decode(buildOnnxModel(net));
    const nodes = model.graph!.node!;
    const convT = nodes.filter((n) => n.opType === 'ConvTranspose');
    expect(convT).toHaveLength(2);
    for (const n of convT) {
      expect(attrOf(n, 'output_padding')!.ints!.map(Number)).toEqual([1, 1]);
      expect(attrOf(n, 'pads')!.ints!.map(Number)).toEqual([1, 1, 1, 1]);
      expect(attrOf(n, 'strides')!.ints!.map(Number)).toEqual([2, 2]);
    }
    // 7×7 stem and head, and one per 3×3 conv of each residual block.
    const pads = nodes.filter((n) => n.opType === 'Pad');
    expect(pads).toHaveLength(2 + 2 * 2);
    for (const n of pads) expect(new TextDecoder().decode(attrOf(n, 'mode')!.s!)).toBe('reflect');
    expect(nodes.filter((n) => n.opType === 'InstanceNormalization')).toHaveLength(3 + 2 * 2 + 2);
    expect(nodes.filter((n) => n.opType === 'Add')).toHaveLength(2);
    expect(Number(model.opsetImport![0]!.version)).toBe(17);
    net.dispose();
  });

  test('height, width and batch are dynamic unless fixed; metadata says how BatchNorm and dropout run', () => {
    const net = defineG(G({ netG: 'unet_64', norm: 'batch', useDropout: true }), { seed: 1 });
    const dynamic = decode(buildOnnxModel(net));
    expect(dims(dynamic.graph!.input![0]!)).toEqual(['batch', 3, 'height', 'width']);
    expect(dims(dynamic.graph!.output![0]!)).toEqual(['batch', 3, 'out_height', 'out_width']);
    const props = Object.fromEntries(dynamic.metadataProps!.map((p) => [p.key, p.value]));
    expect(props).toMatchObject({ class_name: 'UnetGenerator', batch_norm: 'running statistics (eval mode)', dropout: 'off', dropout_layers: '1' });

    const fixed = decode(buildOnnxModel(net, { training: true, dropout: 'inputs', inputShape: { batch: 1, height: 64, width: 96 } }));
    expect(dims(fixed.graph!.input![0]!)).toEqual([1, 3, 64, 96]);
    // unet_64 with dropout: one ngf·8 block (the only kind with dropout), ngf·8 = 32 channels.
    expect(fixed.graph!.input!.slice(1).map((i) => [i.name, dims(i)])).toEqual([['dropout_mask_0', [1, 32, 'dropout_0_height', 'dropout_0_width']]]);
    expect(Object.fromEntries(fixed.metadataProps!.map((p) => [p.key, p.value]))).toMatchObject({ batch_norm: 'batch statistics (train mode)', dropout: 'inputs', dropout_layers: '1' });
    net.dispose();
  });
});

describe('errors', () => {
  const spec = generatorSpec(G({ norm: 'batch' }));
  const full = (): StateDict => {
    const net = new Network(spec, G({ norm: 'batch' }));
    const sd = net.stateDict();
    net.dispose();
    return sd;
  };

  test('a state_dict that does not fit names the keys and shapes', () => {
    const missing = full();
    missing.delete('model.1.weight');
    expect(() => buildOnnxModel({ spec, stateDict: missing })).toThrow(StateDictError);
    expect(() => buildOnnxModel({ spec, stateDict: missing })).toThrow(/missing keys \(1\): model\.1\.weight/);
    const wrong = full();
    wrong.set('model.1.weight', { dtype: 'float32', shape: [4, 3, 3, 3], data: new Float32Array(108) });
    expect(() => buildOnnxModel({ spec, stateDict: wrong })).toThrow(/size mismatch for model\.1\.weight: checkpoint has \[4, 3, 3, 3\], network expects \[4, 3, 7, 7\]/);
  });

  test('InstanceNorm running statistics from old checkpoints are dropped, as the reference does', async () => {
    const inSpec = generatorSpec(G({}));
    const net = defineG(G({}), { seed: 2 });
    const sd = net.stateDict();
    const legacy: StateDict = new Map(sd);
    legacy.set('model.2.running_mean', { dtype: 'float32', shape: [4], data: new Float32Array(4) });
    legacy.set('model.2.running_var', { dtype: 'float32', shape: [4], data: new Float32Array(4).fill(1) });
    const x = randomInput(3 * 16 * 16);
    const a = await run(buildOnnxModel({ spec: inSpec, stateDict: legacy }), x, [1, 3, 16, 16]);
    const b = await run(buildOnnxModel({ spec: inSpec, stateDict: sd }), x, [1, 3, 16, 16]);
    expect(a.data).toEqual(b.data);
    net.dispose();
  });

  test('bad options are refused with the value', () => {
    const sd = full();
    expect(() => buildOnnxModel({ spec, stateDict: sd }, { inputShape: { height: 0 } })).toThrow(/inputShape\.height must be a positive integer, got 0/);
    expect(() => buildOnnxModel({ spec, stateDict: sd }, { dropout: 'always' as OnnxBuildOptions['dropout'] })).toThrow(/dropout must be off, random or inputs, got 'always'/);
    const net = new Network(spec, G({ norm: 'batch' }));
    net.dispose();
    expect(() => buildOnnxModel(net)).toThrow(/disposed/);
  });
});

describe('dropout', () => {
  const opts = G({ netG: 'resnet_1blocks', useDropout: true, norm: 'none', initType: 'kaiming' });

  test('mask inputs multiply the activations: all-ones masks give the dropout-free output', async () => {
    const net = defineG(opts, { seed: 4 });
    const x = randomInput(3 * 20 * 20);
    const off = await run(buildOnnxModel(net), x, [1, 3, 20, 20]);
    const ones = await run(buildOnnxModel(net, { dropout: 'inputs' }), x, [1, 3, 20, 20], {
      dropout_mask_0: { data: new Float32Array(16 * 5 * 5).fill(1), shape: [1, 16, 5, 5] },
    });
    expect(ones.data).toEqual(off.data);
    const zeros = await run(buildOnnxModel(net, { dropout: 'inputs' }), x, [1, 3, 20, 20], {
      dropout_mask_0: { data: new Float32Array(16 * 5 * 5), shape: [1, 16, 5, 5] },
    });
    expect(zeros.data).not.toEqual(off.data);
    net.dispose();
  });

  test('random dropout draws a new mask every run', async () => {
    const net = defineG(opts, { seed: 5 });
    const x = randomInput(3 * 20 * 20);
    const bytes = buildOnnxModel(net, { dropout: 'random' });
    const ort = await loadOnnxRuntime();
    const session = await createSession(bytes, { providers: ['cpu'] });
    const once = async () => (await session.run({ input: new ort.Tensor('float32', x, [1, 3, 20, 20]) })).output!.data as Float32Array;
    const [a, b] = [await once(), await once()];
    await session.release();
    const off = await run(buildOnnxModel(net), x, [1, 3, 20, 20]);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(off.data);
    net.dispose();
  });
});

describe('Winograd convolutions', () => {
  const opts = G({ netG: 'resnet_2blocks', norm: 'none', initType: 'kaiming' });

  test.each(['none', 'instance'] as const)('equal the direct convolutions at odd and even feature-map sizes, for both tile sizes (norm %s)', async (norm) => {
    // With InstanceNorm after each one, the convolutions' bias is left out: the norm cancels it.
    const net = defineG({ ...opts, norm }, { seed: 9 });
    // 1/4-resolution maps of 5×7 (odd: padded and cropped), 6×9 (one side a multiple of 2)
    // and 8×12 (multiples of both tiles: nothing cropped).
    for (const [h, w] of [[20, 28], [24, 36], [32, 48]] as const) {
      const x = randomInput(3 * h * w);
      const direct = await run(buildOnnxModel(net, { inputShape: { batch: 1 } }), x, [1, 3, h, w]);
      for (const winograd of [2, 4] as const) {
        const y = await run(buildOnnxModel(net, { inputShape: { batch: 1 }, winograd }), x, [1, 3, h, w]);
        expect(y.dims).toEqual(direct.dims);
        let maxDiff = 0;
        let maxY = 0;
        for (let i = 0; i < y.data.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(y.data[i]! - direct.data[i]!));
          maxY = Math.max(maxY, Math.abs(direct.data[i]!));
        }
        expect(maxDiff, `F(${winograd}) at ${h}×${w}: max |Δ| ${maxDiff}, max |y| ${maxY}`).toBeLessThanOrEqual(1e-5 * Math.max(1, maxY));
      }
    }
    net.dispose();
  });

  test('fed kernels: the graph transforms them itself and gives the same output; a model file refuses them', async () => {
    const net = defineG(opts, { seed: 11 });
    const [h, w] = [20, 28];
    const x = randomInput(3 * h * w);
    const ort = await loadOnnxRuntime();
    for (const winograd of [2, 4] as const) {
      const held = await run(buildOnnxModel(net, { inputShape: { batch: 1 }, winograd }), x, [1, 3, h, w]);
      const built = buildOnnxModelExternal(net, { inputShape: { batch: 1 }, winograd, weights: 'fed' });
      // resnet_2blocks: 2 blocks × 2 convolutions of 4·ngf channels, as [9, K, C] taps.
      const taps = built.fedWeights.filter((f) => f.name.endsWith('.taps'));
      expect(taps.map((f) => f.dims)).toEqual(Array.from({ length: 4 }, () => [9, 16, 16]));
      const initializers = decode(built.model).graph!.initializer!.map((i) => i.name!);
      expect(initializers.filter((n) => n.includes('.winograd_'))).toEqual([]);
      const session = await createSession(built, { providers: ['cpu'] });
      try {
        const feeds: Record<string, InstanceType<typeof ort.Tensor>> = { input: new ort.Tensor('float32', x, [1, 3, h, w]) };
        for (const f of built.fedWeights) feeds[f.name] = new ort.Tensor('float32', f.values(), f.dims);
        const y = (await session.run(feeds)).output!.data as Float32Array;
        let maxDiff = 0;
        let maxY = 0;
        for (let i = 0; i < y.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(y[i]! - held.data[i]!));
          maxY = Math.max(maxY, Math.abs(held.data[i]!));
        }
        // Both are Winograd; the graph transforms the kernels in float32, the build in float64.
        expect(maxDiff, `F(${winograd}): max |Δ| ${maxDiff}, max |y| ${maxY}`).toBeLessThanOrEqual(1e-5 * Math.max(1, maxY));
        await expect(session.run({ input: new ort.Tensor('float32', x, [1, 3, h, w]) })).rejects.toThrow();
      } finally {
        await session.release();
      }
    }
    expect(() => buildOnnxModel(net, { inputShape: { batch: 1 }, winograd: 4, weights: 'fed' })).toThrow(/weights must be initializers/);
    net.dispose();
  });

  test('fed weights: state entries of more than 2²⁰ values are graph inputs, smaller ones initializers', () => {
    // ngf 128: the second down-sampling convolution (256 → 512 channels, 3×3) and the first
    // up-sampling one (512 → 256) have more than 2²⁰ weights.
    const net = defineG({ ...opts, ngf: 128 }, { seed: 11 });
    const built = buildOnnxModelExternal(net, { inputShape: { batch: 1 }, winograd: 4, weights: 'fed' });
    const taps = built.fedWeights.filter((f) => f.name.endsWith('.taps'));
    expect(taps.map((f) => f.dims)).toEqual(Array.from({ length: 4 }, () => [9, 512, 512]));
    const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
    const entries = stateEntries(net.spec).filter((e) => !taps.some((t) => t.name === `${e.key}.taps`));
    const large = entries.filter((e) => size(e.shape) > 2 ** 20).map((e) => e.key);
    expect(large).toEqual(['model.7.weight', 'model.12.weight']);
    expect(built.fedWeights.filter((f) => !f.name.endsWith('.taps')).map((f) => f.name)).toEqual(large);
    const initializers = decode(built.model).graph!.initializer!.map((i) => i.name!);
    expect(initializers.filter((n) => large.includes(n))).toEqual([]);
    expect(initializers).toContain('model.1.weight');
    net.dispose();
  });

  test('apply to the 3×3 block convolutions only, with a batch of one', () => {
    const net = defineG(opts, { seed: 10 });
    const nodes = (o: OnnxBuildOptions) => decode(buildOnnxModel(net, o)).graph!.node!;
    const ops = (o: OnnxBuildOptions) => nodes(o).map((n) => n.opType);
    const grouped = (o: OnnxBuildOptions) => nodes(o).filter((n) => n.opType === 'Conv' && n.attribute?.some((a) => a.name === 'group'));
    const winograd = ops({ inputShape: { batch: 1 }, winograd: 2 });
    // 2 blocks × 2 convolutions, each an input-transform Conv (grouped) and 3 MatMuls (the
    // channel sums, the output transform's rows and columns); the 7×7 and stride-2
    // convolutions stay; the 2 up-sampling layers are 4 phase Convs each.
    expect(winograd.filter((op) => op === 'MatMul')).toHaveLength(12);
    expect(winograd.filter((op) => op === 'Conv')).toHaveLength(4 + 4 + 2 * 4);
    expect(grouped({ inputShape: { batch: 1 }, winograd: 4 })).toHaveLength(4);
    expect(ops({ winograd: 2 }).filter((op) => op === 'MatMul')).toHaveLength(0);
    expect(() => ops({ inputShape: { batch: 1 }, winograd: 3 as 2 })).toThrow(/winograd must be 2 or 4 \(the output tile side\), got 3/);
    net.dispose();
  });
});

describe('exportOnnx', () => {
  test('writes a model ONNX Runtime runs, atomically (no temporary file left)', async () => {
    const net = defineG(G({ netG: 'unet_32', norm: 'batch' }), { seed: 7 });
    const dir = mkdtempSync(join(tmp, 'export-'));
    const path = join(dir, 'G_AtoB.onnx');
    const size = await exportOnnx(net, path);
    const bytes = new Uint8Array(readFileSync(path));
    expect(bytes.byteLength).toBe(size);
    expect(readdirSync(dir)).toEqual(['G_AtoB.onnx']);
    const x = randomInput(3 * 32 * 64);
    const y = await run(bytes, x, [1, 3, 32, 64]);
    expect(y.dims).toEqual([1, 3, 32, 64]);
    const ref = tf.tidy(() =>
      tf.transpose(net.apply(tf.transpose(tf.tensor4d(x, [1, 3, 32, 64]), [0, 2, 3, 1]) as tf.Tensor4D, { training: false, dropout: false }), [0, 3, 1, 2]).dataSync(),
    );
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i]! - y.data[i]!));
    expect(maxDiff).toBeLessThan(1e-4);
    net.dispose();
  });

  test('refuses a name without .onnx and reports unwritable paths', async () => {
    const net = defineG(G({}), { seed: 8 });
    await expect(exportOnnx(net, join(tmp, 'model.pth'))).rejects.toThrow(/should end with \.onnx, got .*model\.pth/);
    // A file where the path needs a folder.
    writeFileSync(join(tmp, 'not-a-folder'), '');
    const blocked = join(tmp, 'not-a-folder', 'inner.onnx');
    await expect(exportOnnx(net, blocked)).rejects.toThrow(new RegExp(`cannot write ${blocked.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    net.dispose();
  });
});

describe('narrow output convolutions as one stride-2 convolution over their output phases', () => {
  test('equal the direct convolution at even and odd sizes, with and without padding and bias', async () => {
    // A single 7×7 (and 5×5) convolution to 3 channels, as the generators' last layer, run
    // through the graph builder's layer emitter against ONNX Runtime's Conv.
    const { emitOutputPhasesConv, outputPhasesApply } = await import('../../src/main/engine/onnx/output-phases');
    const { GraphBuilder, attr } = await import('../../src/main/engine/onnx/graph-builder');
    const { createSession, loadOnnxRuntime } = await import('../../src/main/engine/onnx/session');
    const ort = await loadOnnxRuntime();
    for (const [kernel, padding, bias, c, k] of [[7, 0, true, 8, 3], [5, 2, false, 5, 1], [3, 1, true, 4, 4]] as const) {
      const layer = { kind: 'conv2d', inChannels: c, outChannels: k, kernel, stride: 1, padding, module: 'm', weight: { key: 'w' }, ...(bias ? { bias: { key: 'b' } } : {}) } as never;
      expect(outputPhasesApply(layer)).toBe(true);
      const w = randomInput(k * c * kernel * kernel);
      const b = randomInput(k);
      for (const [h, wd] of [[16, 16], [15, 18], [13, 11]] as const) {
        const x = randomInput(2 * c * h * wd);
        const outputs: Float32Array[] = [];
        for (const phased of [false, true]) {
          const g = new GraphBuilder();
          const input = g.input('input', [2, c, 'height', 'width']);
          const y = phased
            ? emitOutputPhasesConv(g, layer, input, { kernel: () => w, ...(bias ? { bias: () => b } : {}) })
            : g.node('Conv', [input, g.floatInitializer('w', [k, c, kernel, kernel], w), ...(bias ? [g.floatInitializer('b', [k], b)] : [])], [
                attr.ints('kernel_shape', [kernel, kernel]),
                attr.ints('pads', [padding, padding, padding, padding]),
              ]);
          g.output(y, 'output', [2, k, 'oh', 'ow']);
          const session = await createSession(g.encode('t', { producerVersion: '0', docString: '', props: {} }));
          const r = await session.run({ input: new ort.Tensor('float32', x, [2, c, h, wd]) });
          expect(r.output!.dims).toEqual([2, k, h + 2 * padding - kernel + 1, wd + 2 * padding - kernel + 1]);
          outputs.push(r.output!.data as Float32Array);
          await session.release();
        }
        let maxDiff = 0;
        let maxY = 0;
        for (let i = 0; i < outputs[0]!.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(outputs[0]![i]! - outputs[1]![i]!));
          maxY = Math.max(maxY, Math.abs(outputs[0]![i]!));
        }
        // The same sums in another order: float32 rounding only.
        expect(maxDiff, `${kernel}×${kernel}, pad ${padding}, ${h}×${wd}: max |Δ| ${maxDiff}, max |y| ${maxY}`).toBeLessThanOrEqual(1e-5 * Math.max(1, maxY));
      }
    }
  });

  test('are used for running graphs only, and only for narrow stride-1 layers', () => {
    // ngf 8: only the last convolution (8 → 3 channels, 7×7) is narrow.
    const net = defineG(G({ netG: 'resnet_2blocks', norm: 'instance', ngf: 8 }), { seed: 11 });
    const ops = (o: OnnxBuildOptions) => decode(buildOnnxModel(net, o)).graph!.node!.map((n) => n.opType);
    expect(ops({ inputShape: { batch: 1 }, winograd: 4 }).filter((op) => op === 'DepthToSpace')).toHaveLength(1);
    expect(ops({}).filter((op) => op === 'DepthToSpace')).toHaveLength(0);
    net.dispose();
  });
});

describe('strided transposed convolutions as one Conv per output phase', () => {
  const maxRelDiff = (a: Float32Array, b: Float32Array) => {
    let maxDiff = 0;
    let maxY = 0;
    for (let i = 0; i < a.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
      maxY = Math.max(maxY, Math.abs(a[i]!));
    }
    return maxDiff / Math.max(1, maxY);
  };

  test('equal ConvTranspose for the generators\' layers and other geometries, odd sizes, batch 2', async () => {
    const { emitTransposePhases, transposePhasesApply } = await import('../../src/main/engine/onnx/transpose-phases');
    const { GraphBuilder, attr } = await import('../../src/main/engine/onnx/graph-builder');
    const { createSession, loadOnnxRuntime } = await import('../../src/main/engine/onnx/session');
    const ort = await loadOnnxRuntime();
    // [kernel, stride, padding, outputPadding, bias, C, K]: resnet's 3×3 (op 1), the U-Net's
    // 4×4, and others whose output size is a multiple of the stride.
    const cases = [[3, 2, 1, 1, true, 6, 5], [4, 2, 1, 0, false, 5, 3], [2, 2, 0, 0, true, 3, 4], [5, 2, 2, 1, true, 4, 2], [6, 3, 0, 0, false, 3, 2], [3, 3, 0, 0, true, 2, 3]] as const;
    for (const [kernel, stride, padding, outputPadding, bias, c, k] of cases) {
      const layer = { kind: 'convTranspose2d', module: 'm', inChannels: c, outChannels: k, kernel, stride, padding, outputPadding, weight: { key: 'w' }, ...(bias ? { bias: { key: 'b' } } : {}) } as never;
      expect(transposePhasesApply(layer), `k${kernel} s${stride} p${padding} op${outputPadding}`).toBe(true);
      const w = randomInput(c * k * kernel * kernel);
      const b = randomInput(k + 1).subarray(1);
      for (const [h, wd] of [[5, 7], [8, 8], [1, 3]] as const) {
        const x = randomInput(2 * c * h * wd);
        const outputs: Float32Array[] = [];
        for (const phases of [false, true]) {
          const g = new GraphBuilder();
          const input = g.input('input', [2, c, 'height', 'width']);
          const biasName = bias ? g.floatInitializer('b', [k], b) : undefined;
          const y = phases
            ? emitTransposePhases(g, layer, input, () => w, biasName)
            : g.node('ConvTranspose', [input, g.floatInitializer('w', [c, k, kernel, kernel], w), ...(biasName ? [biasName] : [])], [
                attr.ints('kernel_shape', [kernel, kernel]),
                attr.ints('strides', [stride, stride]),
                attr.ints('pads', [padding, padding, padding, padding]),
                attr.ints('output_padding', [outputPadding, outputPadding]),
              ]);
          g.output(y, 'output', [2, k, 'oh', 'ow']);
          const session = await createSession(g.encode('t', { producerVersion: '0', docString: '', props: {} }));
          const r = await session.run({ input: new ort.Tensor('float32', x, [2, c, h, wd]) });
          const size = (n: number) => (n - 1) * stride - 2 * padding + kernel + outputPadding;
          expect(r.output!.dims).toEqual([2, k, size(h), size(wd)]);
          outputs.push(r.output!.data as Float32Array);
          await session.release();
        }
        // The same sums in another order: float32 rounding only.
        expect(maxRelDiff(outputs[0]!, outputs[1]!), `k${kernel} s${stride} at ${h}×${wd}`).toBeLessThanOrEqual(1e-5);
      }
    }
  });

  test('are left to ConvTranspose where a phase cannot be one Conv', async () => {
    const { transposePhasesApply } = await import('../../src/main/engine/onnx/transpose-phases');
    const layer = (kernel: number, stride: number, padding: number, outputPadding: number) =>
      ({ kind: 'convTranspose2d', module: 'm', inChannels: 2, outChannels: 2, kernel, stride, padding, outputPadding, weight: { key: 'w' } }) as never;
    expect(transposePhasesApply(layer(3, 1, 1, 0))).toBe(false); // stride 1: already a Conv
    expect(transposePhasesApply(layer(3, 2, 1, 0))).toBe(false); // 2H − 1 rows: phases of unequal size
    expect(transposePhasesApply(layer(1, 2, 0, 1))).toBe(false); // odd rows get no tap
    expect(transposePhasesApply(layer(3, 2, 3, 1))).toBe(false); // a phase would start past its first input row
  });

  test('are used in running graphs of both generators (small kernels only); files keep ConvTranspose', () => {
    for (const netG of ['resnet_2blocks', 'unet_32'] as const) {
      const net = defineG(G({ netG, norm: netG === 'unet_32' ? 'batch' : 'instance' }), { seed: 12 });
      const ops = (o: OnnxBuildOptions) => decode(buildOnnxModel(net, o)).graph!.node!.map((n) => n.opType);
      expect(ops({ inputShape: { batch: 1 }, winograd: 4 }).filter((op) => op === 'ConvTranspose'), netG).toHaveLength(0);
      expect(ops({}).filter((op) => op === 'ConvTranspose').length, netG).toBeGreaterThan(0);
      net.dispose();
    }
  });

  test('a running resnet equals the file graph; the bias before an InstanceNorm is left out only where the norm computes its statistics', async () => {
    const net = defineG(G({ netG: 'resnet_2blocks', norm: 'instance', initType: 'kaiming' }), { seed: 13 });
    const [h, w] = [20, 28];
    const x = randomInput(3 * h * w);
    const file = await run(buildOnnxModel(net, { inputShape: { batch: 1 } }), x, [1, 3, h, w]);
    const running = await run(buildOnnxModel(net, { inputShape: { batch: 1 }, winograd: 4 }), x, [1, 3, h, w]);
    // Winograd F(4×4) rounds differently from the direct sums: 4e-6 to 1.4e-5 of the largest
    // output over 24 random resnet_2blocks / resnet_6blocks nets at this size.
    expect(maxRelDiff(file.data, running.data)).toBeLessThanOrEqual(3e-5);
    // Bias Adds: 4 block convolutions, each followed by an InstanceNorm.
    const biasAdds = (o: OnnxBuildOptions) => decode(buildOnnxModel(net, o)).graph!.node!.filter((n) => n.opType === 'Add' && n.input!.some((i) => i.endsWith('.bias.nchw'))).length;
    expect(biasAdds({ inputShape: { batch: 1 }, winograd: 4 })).toBe(0);
    expect(biasAdds({ inputShape: { batch: 1 }, winograd: 4, normStats: 'inputs' })).toBe(4);
    net.dispose();
  });
});
