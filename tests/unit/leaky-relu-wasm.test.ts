/**
 * LeakyRelu and its gradient on the wasm backend as one SIMD pass each
 * (backends/wasm-kernels/leaky-relu.ts): the same bits as the package's kernel and as
 * tfjs-core's three-op gradient, which they replace, at sizes that are and are not
 * multiples of the 4 SIMD lanes, with negative zeros, zeros and non-finite values.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startKernelTrace } from '../../src/main/engine/backends/kernel-trace';
import { initBackend } from '../../src/main/engine/backends/select';
import { LEAKY_RELU_GRAD, leakyReluGradAvailable } from '../../src/main/engine/backends/wasm-kernels/leaky-relu';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../../src/main/engine/backends/wasm-kernels';
import * as tf from '../../src/main/engine/tf';

beforeAll(async () => {
  const info = await initBackend({ prefer: 'wasm', threads: 1 });
  expect(info.name).toBe('wasm');
});

afterEach(() => registerWasmTrainingKernels());

/** Reproducible values in [-1, 1) with some exact zeros, negative zeros and non-finite values. */
function values(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const special = [0, -0, Infinity, -Infinity, NaN, 1e-40, -1e-40];
  return Float32Array.from({ length: n }, (_, i) => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return i % 11 === 5 ? special[(i / 11) % special.length | 0]! : (a / 2 ** 32 - 0.5) * 2;
  });
}

/** y = leakyRelu(x) and dL/dx for L = Σ y·w, as bit patterns; and which routes ran. */
function forwardAndGradient(shape: number[], alpha: number) {
  const n = tf.util.sizeFromShape(shape);
  const x = tf.tensor(values(n, 7), shape);
  const w = tf.tensor(values(n, 8), shape);
  const trace = startKernelTrace();
  try {
    const y = tf.leakyRelu(x, alpha);
    const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(v, alpha), w)))(x);
    const bits = (t: tf.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));
    const out = { y: bits(y), dx: bits(dx) };
    tf.dispose([y, dx]);
    return { ...out, records: trace.records() };
  } finally {
    trace.stop();
    tf.dispose([x, w]);
  }
}

describe('LeakyRelu on wasm', () => {
  const shapes = [[2, 5, 7, 3], [1, 8, 8, 4], [3], [1]];

  it('runs as one SIMD pass each way, with the same bits as the package kernel and tfjs-core’s gradient', () => {
    expect(leakyReluGradAvailable(tf.backend())).toBe(true);
    for (const shape of shapes) {
      for (const alpha of [0.2, 0.01]) {
        const fused = forwardAndGradient(shape, alpha);
        const routes = (kernel: string) => fused.records.filter((r) => r.kernel === kernel).map((r) => r.impl);
        expect(routes('LeakyRelu')).toEqual(['wasm-simd']);
        expect(routes(LEAKY_RELU_GRAD)).toEqual(['wasm-simd']);
        expect(fused.records.some((r) => r.kernel === 'Greater' || r.kernel === 'Select')).toBe(false);

        unregisterWasmTrainingKernels();
        expect(leakyReluGradAvailable(tf.backend())).toBe(false);
        const ops = forwardAndGradient(shape, alpha);
        expect(ops.records.some((r) => r.kernel === 'Greater')).toBe(true);
        registerWasmTrainingKernels();

        expect(fused.y, `forward ${shape} α ${alpha}`).toEqual(ops.y);
        expect(fused.dx, `gradient ${shape} α ${alpha}`).toEqual(ops.dx);
      }
    }
  });

  it('matches the definition on known values', () => {
    const x = tf.tensor([-2, -0.5, 0, 0.5, 3, -1]);
    const y = tf.leakyRelu(x, 0.2);
    expect(Array.from(y.dataSync())).toEqual([-2, -0.5, 0, 0.5, 3, -1].map((v) => (v < 0 ? Math.fround(Math.fround(0.2) * v) : v)));
    const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.leakyRelu(v, 0.2)))(x);
    expect(Array.from(dx.dataSync())).toEqual([0.2, 0.2, 0.2, 1, 1, 0.2].map(Math.fround));
    tf.dispose([x, y, dx]);
  });
});
