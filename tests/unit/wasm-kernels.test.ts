/**
 * The kernels registered for the wasm backend against the cpu backend's (the reference
 * implementation of TF.js), on shapes drawn at random and on the layer shapes of the
 * reference networks; then a whole training step of a small conv net on both backends.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/main/engine/backends/select';
import { startKernelTrace, type KernelRecord } from '../../src/main/engine/backends/kernel-trace';
import { WASM_TRAINING_KERNELS, registerWasmTrainingKernels } from '../../src/main/engine/backends/wasm-kernels';
import {
  PHASE_CONV_MIN_DY_PIXELS,
  setPackageConv2DBackpropInput,
} from '../../src/main/engine/backends/wasm-kernels/conv2d-backprop-input';
import { setConvGemmForm, setConvWinograd } from '../../src/main/engine/backends/wasm-kernels/onnx-conv';
import { onnxKernelsAvailable, setOnnxKernelsEnabled } from '../../src/main/engine/backends/wasm-kernels/onnx-session';
import { ONNX_REDUCE_MIN_SIZE } from '../../src/main/engine/backends/wasm-kernels/onnx-reduce';
import { REFLECTION_PAD_GRAD } from '../../src/main/engine/backends/wasm-kernels/reflection-pad-grad';
import { reflectionPad2d } from '../../src/main/engine/networks/reflection-pad';
import * as tf from '../../src/main/engine/tf';

const REL_TOL = 1e-4;

/** mulberry32: reproducible random numbers for shapes and values. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValues(random: () => number, size: number): Float32Array {
  return Float32Array.from({ length: size }, () => random() * 2 - 1);
}

function expectClose(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]!));
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  }
  expect(Number.isFinite(worst), `${what}: finite`).toBe(true);
  expect(worst / Math.max(scale, 1e-12), `${what}: max |wasm − cpu| / max |cpu|`).toBeLessThanOrEqual(REL_TOL);
}

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
type Shape4 = [number, number, number, number];

interface ConvCase {
  name: string;
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernel: [number, number];
  strides: [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The shapes the generators and discriminators use, and corners of the geometry. */
const namedCases: ConvCase[] = [
  { name: 'U-Net down, k4 s2 p1', batch: 1, height: 16, width: 16, inChannels: 3, outChannels: 8, kernel: [4, 4], strides: [2, 2], pad: 1 },
  { name: 'U-Net down, batch 2, odd size', batch: 2, height: 9, width: 11, inChannels: 5, outChannels: 4, kernel: [4, 4], strides: [2, 2], pad: 1 },
  { name: 'ResNet stem, k7 valid', batch: 1, height: 13, width: 12, inChannels: 3, outChannels: 6, kernel: [7, 7], strides: [1, 1], pad: 'valid' },
  { name: 'ResNet down, k3 s2 p1', batch: 2, height: 10, width: 9, inChannels: 4, outChannels: 8, kernel: [3, 3], strides: [2, 2], pad: 1 },
  { name: 'ResNet block, k3 valid', batch: 1, height: 8, width: 8, inChannels: 8, outChannels: 8, kernel: [3, 3], strides: [1, 1], pad: 'valid' },
  { name: 'PatchGAN last, k4 s1 p1', batch: 3, height: 6, width: 7, inChannels: 7, outChannels: 1, kernel: [4, 4], strides: [1, 1], pad: 1 },
  { name: 'same, stride 2, odd size', batch: 2, height: 7, width: 9, inChannels: 3, outChannels: 5, kernel: [3, 3], strides: [2, 2], pad: 'same' },
  { name: 'same, even kernel', batch: 1, height: 8, width: 6, inChannels: 2, outChannels: 3, kernel: [4, 2], strides: [1, 1], pad: 'same' },
  { name: 'valid, stride leaves rows unread', batch: 1, height: 9, width: 10, inChannels: 2, outChannels: 3, kernel: [4, 3], strides: [2, 2], pad: 'valid' },
  { name: 'explicit, asymmetric', batch: 2, height: 7, width: 6, inChannels: 3, outChannels: 2, kernel: [3, 2], strides: [2, 1], pad: [[0, 0], [2, 0], [1, 3], [0, 0]] },
  { name: 'padding beyond the kernel', batch: 1, height: 5, width: 5, inChannels: 2, outChannels: 2, kernel: [2, 2], strides: [1, 1], pad: 3 },
  { name: '1×1, stride 2', batch: 2, height: 7, width: 8, inChannels: 4, outChannels: 6, kernel: [1, 1], strides: [2, 2], pad: 'valid' },
  { name: 'stride 3, k5', batch: 1, height: 11, width: 13, inChannels: 1, outChannels: 1, kernel: [5, 5], strides: [3, 3], pad: 2 },
  { name: 'strides 1×2', batch: 1, height: 6, width: 9, inChannels: 3, outChannels: 4, kernel: [3, 4], strides: [1, 2], pad: 'same' },
  { name: 'ceil rounding', batch: 1, height: 8, width: 8, inChannels: 2, outChannels: 3, kernel: [3, 3], strides: [2, 2], pad: 0, dimRoundingMode: 'ceil' },
  { name: 'NCHW', batch: 2, height: 7, width: 6, inChannels: 3, outChannels: 4, kernel: [3, 3], strides: [2, 2], pad: 1, dataFormat: 'NCHW' },
  // 3×3 at stride 1, which the Winograd route takes: sizes that are not multiples of its 4×4
  // tiles, paddings that add and remove rows, a single output pixel.
  { name: '3×3 valid, odd size, batch 2', batch: 2, height: 11, width: 9, inChannels: 5, outChannels: 6, kernel: [3, 3], strides: [1, 1], pad: 'valid' },
  { name: '3×3 same', batch: 1, height: 10, width: 13, inChannels: 4, outChannels: 3, kernel: [3, 3], strides: [1, 1], pad: 'same' },
  { name: '3×3 explicit, asymmetric', batch: 1, height: 9, width: 7, inChannels: 3, outChannels: 5, kernel: [3, 3], strides: [1, 1], pad: [[0, 0], [2, 0], [0, 1], [0, 0]] },
  { name: '3×3 padding beyond the kernel', batch: 2, height: 5, width: 6, inChannels: 2, outChannels: 3, kernel: [3, 3], strides: [1, 1], pad: 3 },
  { name: '3×3 to one pixel', batch: 1, height: 3, width: 3, inChannels: 6, outChannels: 4, kernel: [3, 3], strides: [1, 1], pad: 'valid' },
];

function randomCases(count: number, seed: number): ConvCase[] {
  const random = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const cases: ConvCase[] = [];
  for (let i = 0; i < count; i++) {
    const kernel: [number, number] = [int(1, 5), int(1, 5)];
    const strides: [number, number] = [int(1, 2), int(1, 2)];
    const padKinds: Pad[] = [
      'same',
      'valid',
      int(0, 2),
      [[0, 0], [int(0, 2), int(0, 2)], [int(0, 2), int(0, 2)], [0, 0]],
    ];
    cases.push({
      name: `random #${i}`,
      batch: int(1, 3),
      height: kernel[0] + int(0, 7),
      width: kernel[1] + int(0, 7),
      inChannels: int(1, 8),
      outChannels: int(1, 8),
      kernel,
      strides,
      pad: padKinds[int(0, 3)]!,
    });
  }
  return cases;
}

const allCases = [...namedCases, ...randomCases(24, 7)];

/** x shape (in the case's data format) and the forward output shape dy has. */
function shapes(c: ConvCase): { xShape: [number, number, number, number]; dyShape: [number, number, number, number]; filterShape: [number, number, number, number] } {
  const filterShape: [number, number, number, number] = [c.kernel[0], c.kernel[1], c.inChannels, c.outChannels];
  const nhwc: [number, number, number, number] = [c.batch, c.height, c.width, c.inChannels];
  const info = tf.backend_util.computeConv2DInfo(nhwc, filterShape, c.strides, 1, c.pad, c.dimRoundingMode, false, 'channelsLast');
  const [n, ho, wo, co] = info.outShape;
  const nchw = c.dataFormat === 'NCHW';
  return {
    xShape: nchw ? [n, c.inChannels, c.height, c.width] : nhwc,
    dyShape: nchw ? [n, co, ho, wo] : [n, ho, wo, co],
    filterShape,
  };
}

async function onBackend(name: string, f: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(name);
  const t = f();
  const values = (await t.data()) as Float32Array;
  t.dispose();
  return values;
}

/** `f` on wasm with every kernel traced: its values and shape, and the trace's records. */
async function tracedOnWasm(f: () => tf.Tensor): Promise<{ values: Float32Array; shape: number[]; records: KernelRecord[] }> {
  await tf.setBackend('wasm');
  const trace = startKernelTrace();
  let t: tf.Tensor;
  try {
    t = tf.tidy(f);
  } finally {
    trace.stop();
  }
  const values = (await t.data()) as Float32Array;
  const shape = t.shape;
  t.dispose();
  return { values, shape, records: trace.records() };
}

beforeAll(async () => {
  // One thread: the test compares numbers, and the machines running it share their cores.
  const info = await initBackend({ prefer: 'wasm', threads: 1 });
  expect(info.name).toBe('wasm');
});

describe('the training kernels are registered for wasm', () => {
  it('every kernel in WASM_TRAINING_KERNELS is the one the registry returns', () => {
    for (const { config } of WASM_TRAINING_KERNELS) {
      expect(tf.getKernel(config.kernelName, 'wasm')?.kernelFunc, config.kernelName).toBe(config.kernelFunc);
    }
  });
});

/**
 * The routes a convolution kernel can take on wasm: ONNX Runtime's Conv / ConvTranspose,
 * ONNX Runtime's GEMM forms, and WebAssembly (XNNPACK, or the package's loop).
 */
const routes = {
  'onnxruntime conv': () => {
    setOnnxKernelsEnabled(true);
    setConvGemmForm('never');
    setConvWinograd('never');
  },
  'onnxruntime gemm': () => {
    setOnnxKernelsEnabled(true);
    setConvGemmForm('always');
    setConvWinograd('never');
  },
  // 3×3 stride-1 convolutions and input gradients as Winograd F(4×4, 3×3); the rest as above.
  'onnxruntime winograd': () => {
    setOnnxKernelsEnabled(true);
    setConvGemmForm('never');
    setConvWinograd('always');
  },
  webassembly: () => {
    setOnnxKernelsEnabled(false);
    setConvGemmForm('auto');
    setConvWinograd('auto');
  },
} as const;

function defaultRoutes(): void {
  setOnnxKernelsEnabled(true);
  setConvGemmForm('auto');
  setConvWinograd('auto');
}

afterEach(defaultRoutes);

describe.each(allCases)('$name', (c) => {
  const { xShape, dyShape, filterShape } = shapes(c);
  const random = rng(1000 + allCases.indexOf(c));
  const x = randomValues(random, xShape.reduce((a, b) => a * b));
  const dy = randomValues(random, dyShape.reduce((a, b) => a * b));
  const filter = randomValues(random, filterShape.reduce((a, b) => a * b));
  const attrs = {
    strides: c.strides,
    pad: c.pad,
    dataFormat: c.dataFormat ?? 'NHWC',
    ...(c.dimRoundingMode ? { dimRoundingMode: c.dimRoundingMode } : {}),
  };

  it(`Conv2D x [${xShape}] → [${dyShape}], every route`, async () => {
    const run = () =>
      tf.engine().runKernel(tf.Conv2D, { x: tf.tensor4d(x, xShape), filter: tf.tensor4d(filter, filterShape) }, {
        ...attrs,
        dilations: [1, 1],
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const expected = await onBackend('cpu', () => tf.tidy(run));
    for (const [route, use] of Object.entries(routes)) {
      use();
      expectClose(await onBackend('wasm', () => tf.tidy(run)), expected, `y, ${route}`);
    }
  });

  it(`Conv2DBackpropFilter x [${xShape}] dy [${dyShape}], every route`, async () => {
    const run = () =>
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: tf.tensor4d(x, xShape), dy: tf.tensor4d(dy, dyShape) }, {
        ...attrs,
        filterShape,
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const expected = await onBackend('cpu', () => tf.tidy(run));
    for (const [route, use] of Object.entries(routes)) {
      use();
      expectClose(await onBackend('wasm', () => tf.tidy(run)), expected, `dW, ${route}`);
    }
  });

  it(`Conv2DBackpropInput dy [${dyShape}] → [${xShape}], every route`, async () => {
    const run = () =>
      tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: tf.tensor4d(dy, dyShape), filter: tf.tensor4d(filter, filterShape) }, {
        ...attrs,
        inputShape: xShape,
      } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const expected = await onBackend('cpu', () => tf.tidy(run));
    for (const [route, use] of Object.entries(routes)) {
      use();
      expectClose(await onBackend('wasm', () => tf.tidy(run)), expected, `dx, ${route}`);
    }
    // WebAssembly: every call through the phase convolution, then with the small-call route.
    routes.webassembly();
    setPackageConv2DBackpropInput(undefined);
    expectClose(await onBackend('wasm', () => tf.tidy(run)), expected, 'dx, phase convolution');
    registerWasmTrainingKernels();
  });
});

describe('dilated Conv2D', () => {
  it.each([
    { x: [1, 9, 11, 3], filter: [3, 3, 3, 4], strides: [1, 1], dilations: [2, 2], pad: 'same' },
    { x: [2, 12, 10, 2], filter: [2, 3, 2, 3], strides: [1, 1], dilations: [3, 2], pad: 'valid' },
    { x: [1, 8, 8, 5], filter: [3, 2, 5, 2], strides: [1, 1], dilations: [2, 1], pad: [[0, 0], [1, 2], [0, 3], [0, 0]] },
  ])('x [$x] filter [$filter] dilations $dilations on every route', async (c) => {
    const random = rng(77);
    const x = randomValues(random, c.x.reduce((a, b) => a * b));
    const filter = randomValues(random, c.filter.reduce((a, b) => a * b));
    const run = () =>
      tf.conv2d(tf.tensor4d(x, c.x as Shape4), tf.tensor4d(filter, c.filter as Shape4), c.strides as [number, number], c.pad as Pad & 'same', 'NHWC', c.dilations as [number, number]);
    const expected = await onBackend('cpu', () => tf.tidy(run));
    for (const [route, use] of Object.entries(routes)) {
      use();
      expectClose(await onBackend('wasm', () => tf.tidy(run)), expected, `y, ${route}`);
    }
  });
});

describe('kernel routes', () => {
  it('with ONNX Runtime, the three convolutions of a step run there, by the form their sizes call for', async () => {
    routes['onnxruntime conv']();
    setConvGemmForm('auto');
    expect(onnxKernelsAvailable()).toBe(true);
    await tf.setBackend('wasm');
    const trace = startKernelTrace();
    try {
      tf.tidy(() => {
        const x = tf.randomUniform([1, 16, 16, 4]) as tf.Tensor4D;
        const deep = tf.randomUniform([1, 2, 2, 16]) as tf.Tensor4D;
        const f = (w: tf.Tensor, input: tf.Tensor4D) => tf.sum(tf.conv2d(input, w as tf.Tensor4D, 2, 1));
        tf.grads((w: tf.Tensor) => f(w, x))([tf.randomUniform([4, 4, 4, 8])]);
        tf.grads((w: tf.Tensor, input: tf.Tensor) => f(w, input as tf.Tensor4D))([tf.randomUniform([4, 4, 16, 16]), deep]);
      });
    } finally {
      trace.stop();
    }
    const impl = (kernel: string) => trace.records().filter((r) => r.kernel === kernel && !r.parent).map((r) => r.impl).sort();
    expect(impl(tf.Conv2D)).toEqual(['onnxruntime-conv', 'onnxruntime-gemm']);
    expect(impl(tf.Conv2DBackpropFilter)).toEqual(['onnxruntime-gemm']);
    expect(impl(tf.Conv2DBackpropInput)).toEqual(['onnxruntime-gemm']);
  });

  it('3×3 stride-1 convolutions and their gradients with many channels over many tiles take Winograd, small ones not', async () => {
    defaultRoutes();
    await tf.setBackend('wasm');
    const trace = startKernelTrace();
    try {
      tf.tidy(() => {
        const f = (w: tf.Tensor, input: tf.Tensor) => tf.sum(tf.conv2d(input as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid'));
        // A resnet block's layer at 1/8 of its map: 128 channels, 8 × 8 tiles.
        tf.grads(f)([tf.randomUniform([3, 3, 128, 128], -0.1, 0.1), tf.randomUniform([1, 34, 34, 128])]);
        tf.grads(f)([tf.randomUniform([3, 3, 64, 64], -0.1, 0.1), tf.randomUniform([1, 34, 34, 64])]);
        tf.grads(f)([tf.randomUniform([3, 3, 128, 128], -0.1, 0.1), tf.randomUniform([1, 18, 18, 128])]);
      });
    } finally {
      trace.stop();
    }
    for (const kernel of [tf.Conv2D, tf.Conv2DBackpropInput, tf.Conv2DBackpropFilter]) {
      const records = trace.records().filter((r) => r.kernel === kernel && !r.parent);
      const calls = (winograd: boolean) => records.filter((r) => (r.impl === 'onnxruntime-winograd') === winograd).reduce((n, r) => n + r.calls, 0);
      expect([calls(true), calls(false)], kernel).toEqual([1, 2]);
    }
  });

  it('without it, small input gradients go to the package loop and the rest to the phase convolution', async () => {
    routes.webassembly();
    await tf.setBackend('wasm');
    const trace = startKernelTrace();
    try {
      tf.tidy(() => {
        const filter = tf.ones([4, 4, 3, 5]);
        // dy 1×4×4 = 16 pixels, then 2×8×8 = 128.
        tf.conv2dTranspose(tf.ones([1, 4, 4, 5]) as tf.Tensor4D, filter as tf.Tensor4D, [1, 8, 8, 3], 2, 1);
        tf.conv2dTranspose(tf.ones([2, 8, 8, 5]) as tf.Tensor4D, filter as tf.Tensor4D, [2, 16, 16, 3], 2, 1);
      });
    } finally {
      trace.stop();
      routes['onnxruntime conv']();
      setConvGemmForm('auto');
    }
    expect(16).toBeLessThan(PHASE_CONV_MIN_DY_PIXELS);
    expect(128).toBeGreaterThanOrEqual(PHASE_CONV_MIN_DY_PIXELS);
    const routesTaken = trace.records().filter((r) => r.kernel === tf.Conv2DBackpropInput && !r.parent);
    expect(routesTaken.map((r) => [r.impl, r.calls]).sort()).toEqual([['package-loop', 1], ['xnnpack-phase-conv', 1]]);
  });
});

describe('Winograd on a layer of the size it is meant for', () => {
  it('forward, input and filter gradients of a 128-channel 3×3 layer agree with the direct forms', async () => {
    await tf.setBackend('wasm');
    const random = rng(4242);
    const xShape: Shape4 = [1, 34, 30, 128];
    const wShape: Shape4 = [3, 3, 128, 128];
    const x = tf.tensor4d(randomValues(random, xShape.reduce((a, b) => a * b)), xShape);
    const w = tf.tensor4d(randomValues(random, wShape.reduce((a, b) => a * b)).map((v) => v * 0.05), wShape);
    const dy = tf.tensor4d(randomValues(random, 32 * 28 * 128), [1, 32, 28, 128]);
    const kernels = () => [
      tf.conv2d(x, w, 1, 'valid'),
      tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', inputShape: xShape }) as tf.Tensor,
      tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', filterShape: wShape }) as tf.Tensor,
    ];
    const values = async (form: 'always' | 'never') => {
      setConvWinograd(form);
      const trace = startKernelTrace();
      let outs: tf.Tensor[];
      try {
        outs = kernels();
      } finally {
        trace.stop();
      }
      const routes = trace.records().filter((r) => r.kernel.startsWith('Conv2D') && !r.parent).map((r) => r.impl);
      expect(routes.every((r) => (r === 'onnxruntime-winograd') === (form === 'always')), routes.join()).toBe(true);
      const data = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array));
      tf.dispose(outs);
      return data;
    };
    const direct = await values('never');
    const winograd = await values('always');
    for (const [i, what] of ['y', 'dx', 'dW'].entries()) expectClose(winograd[i]!, direct[i]!, `${what}, Winograd against the direct form`);
    tf.dispose([x, w, dy]);
  });
});

describe('shape errors name the shapes', () => {
  it('Conv2DBackpropFilter with a dy that does not fit x', async () => {
    await tf.setBackend('wasm');
    expect(() =>
      tf.tidy(() =>
        tf.engine().runKernel(tf.Conv2DBackpropFilter, { x: tf.zeros([1, 8, 8, 2]), dy: tf.zeros([1, 5, 4, 3]) }, {
          strides: 2,
          pad: 1,
          dataFormat: 'NHWC',
          filterShape: [4, 4, 2, 3],
        } as unknown as tf.NamedAttrMap),
      ),
    ).toThrow(/dy has shape \[1,5,4,3\].*\[1,4,4,3\]/);
  });
});

/**
 * A small encoder–decoder with the reference's layer types: reflection pad + conv k7,
 * conv k4 s2 p1, instance norm, leaky ReLU, transposed conv k3 s2 p1 (output_padding 1),
 * batch statistics, concat skip, tanh; losses L1 + MSE; then one Adam update.
 */
function trainingStep(values: Record<string, Float32Array>, shapes: Record<string, number[]>): Record<string, Float32Array> {
  return tf.tidy(() => {
    const vars = Object.fromEntries(
      Object.keys(shapes).filter((k) => k.startsWith('w')).map((k) => [k, tf.variable(tf.tensor(values[k]!, shapes[k]!), true, `${k}_${tf.getBackend()}_${Math.random()}`)]),
    ) as Record<string, tf.Variable>;
    const input = tf.tensor4d(values.input!, shapes.input as [number, number, number, number]);
    const target = tf.tensor4d(values.target!, shapes.target as [number, number, number, number]);
    const net = (x: tf.Tensor4D): tf.Tensor4D => {
      const p = tf.mirrorPad(x, [[0, 0], [3, 3], [3, 3], [0, 0]], 'reflect');
      const h0 = tf.conv2d(p, vars.w0 as tf.Tensor4D, 1, 'valid');
      const m0 = tf.moments(h0, [1, 2], true);
      const n0 = tf.leakyRelu(tf.mul(tf.sub(h0, m0.mean), tf.rsqrt(tf.add(m0.variance, 1e-5))), 0.2);
      const h1 = tf.conv2d(n0 as tf.Tensor4D, vars.w1 as tf.Tensor4D, 2, 1);
      const m1 = tf.moments(h1, [0, 1, 2]);
      const n1 = tf.relu(tf.mul(tf.sub(h1, m1.mean), tf.rsqrt(tf.add(m1.variance, 1e-5)))) as tf.Tensor4D;
      const [n, hh, ww] = n1.shape;
      const up = tf.conv2dTranspose(n1, vars.w2 as tf.Tensor4D, [n, hh * 2, ww * 2, 4], 2, 1);
      const cat = tf.concat([up, n0], 3);
      return tf.tanh(tf.conv2d(cat as tf.Tensor4D, vars.w3 as tf.Tensor4D, 1, 'same'));
    };
    const { value, grads } = tf.variableGrads(() => {
      const out = net(input);
      return tf.add(tf.mean(tf.abs(tf.sub(out, target))), tf.mean(tf.square(tf.sub(out, target)))) as tf.Scalar;
    });
    const result: Record<string, Float32Array> = { loss: value.dataSync() as Float32Array };
    for (const [k, g] of Object.entries(grads)) result[`grad:${k.split('_')[0]}`] = g.dataSync() as Float32Array;
    // Adam (β1 0.5, as the reference trains), first step.
    const lr = 2e-4;
    for (const [k, v] of Object.entries(vars)) {
      const g = grads[v.name]!;
      const m = tf.mul(g, 0.5);
      const s = tf.mul(tf.square(g), 0.001);
      v.assign(tf.sub(v, tf.mul(tf.div(tf.div(m, 0.5), tf.add(tf.sqrt(tf.div(s, 0.001)), 1e-8)), lr)));
      result[`updated:${k}`] = v.dataSync() as Float32Array;
      v.dispose();
    }
    return result;
  });
}

describe('a conv net training step', () => {
  it('gives the same loss, gradients and updated weights on wasm as on cpu', async () => {
    const random = rng(42);
    const shapes: Record<string, number[]> = {
      input: [2, 10, 10, 3],
      target: [2, 10, 10, 3],
      w0: [7, 7, 3, 4],
      w1: [4, 4, 4, 6],
      w2: [3, 3, 4, 6],
      w3: [3, 3, 8, 3],
    };
    const values = Object.fromEntries(
      Object.entries(shapes).map(([k, s]) => [k, randomValues(random, s.reduce((a, b) => a * b)).map((v) => (k.startsWith('w') ? v * 0.3 : v))]),
    );
    await tf.setBackend('cpu');
    const expected = trainingStep(values, shapes);
    await tf.setBackend('wasm');
    const actual = trainingStep(values, shapes);
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    expect(Object.keys(actual).filter((k) => k.startsWith('grad:'))).toHaveLength(4);
    for (const key of Object.keys(expected)) expectClose(actual[key]!, expected[key]!, key);
  });
});

describe('Mean and Sum', () => {
  const cases: { shape: number[]; axis: number | number[]; keepDims: boolean }[] = [
    { shape: [1, 64, 64, 8], axis: [1, 2], keepDims: true }, // instance norm statistics
    { shape: [2, 33, 31, 9], axis: [0, 1, 2], keepDims: false }, // batch norm statistics
    { shape: [2, 40, 41, 5], axis: [1, 2, 3], keepDims: false },
    { shape: [3, 50, 30, 7], axis: [-1], keepDims: true },
    { shape: [2, 30, 40, 9], axis: [0, 2], keepDims: true }, // axes not adjacent
    { shape: [70_000], axis: 0, keepDims: false },
    { shape: [4, 9, 7, 3], axis: [1, 2], keepDims: true }, // below the size ONNX Runtime takes
  ];
  it.each(cases)('[$shape] over $axis (keepDims $keepDims) on wasm as on cpu', async (c) => {
    const values = randomValues(rng(c.shape.length * 31 + c.shape[1]!), c.shape.reduce((a, b) => a * b));
    for (const op of ['mean', 'sum'] as const) {
      const run = () => tf[op](tf.tensor(values, c.shape), c.axis, c.keepDims);
      await tf.setBackend('cpu');
      const expected = tf.tidy(run);
      const expectedShape = expected.shape;
      const expectedValues = (await expected.data()) as Float32Array;
      expected.dispose();
      const actual = await tracedOnWasm(run);
      expect(actual.shape, `${op} shape`).toEqual(expectedShape);
      expectClose(actual.values, expectedValues, op);
      const kernel = op === 'mean' ? tf.Mean : tf.Sum;
      const impl = actual.records.find((r) => r.kernel === kernel && !r.parent)?.impl;
      const size = c.shape.reduce((a, b) => a * b);
      expect(impl, `${op} route`).toBe(size >= ONNX_REDUCE_MIN_SIZE ? 'onnxruntime-reduce' : 'tfjs');
    }
  });
});

describe('reflection padding gradient', () => {
  it.each([
    { shape: [1, 12, 10, 3], p: 3 },
    { shape: [2, 9, 11, 4], p: 1 },
    { shape: [1, 5, 4, 2], p: 3 }, // the mirrored strips overlap
    { shape: [2, 6, 7, 2], p: 2 },
  ])('[$shape] padded by $p: one ONNX Runtime kernel on wasm, the same values as the TF.js ops on cpu', async (c) => {
    const random = rng(c.p * 100 + c.shape[1]!);
    const x = randomValues(random, c.shape.reduce((a, b) => a * b));
    const paddedShape = [c.shape[0]!, c.shape[1]! + 2 * c.p, c.shape[2]! + 2 * c.p, c.shape[3]!];
    const r = randomValues(random, paddedShape.reduce((a, b) => a * b));
    const run = () =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reflectionPad2d(t as tf.Tensor4D, c.p), tf.tensor(r, paddedShape))))(tf.tensor(x, c.shape));
    const expected = await onBackend('cpu', () => tf.tidy(run));
    const actual = await tracedOnWasm(run);
    expectClose(actual.values, expected, 'dx');
    expect(actual.records.some((rec) => rec.kernel === REFLECTION_PAD_GRAD && rec.impl === 'onnxruntime')).toBe(true);
    expect(actual.records.some((rec) => rec.kernel === tf.Slice)).toBe(false);
  });
});

