/**
 * ReLU's gradient on the wasm backend as one SIMD pass (backends/wasm-kernels/relu-grad.ts):
 * the same values as tfjs-core's dy · cast(step(x)) on the package's kernels, at sizes that
 * are and are not multiples of 4, with zeros, negative zeros, infinities and NaN in x and dy.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startKernelTrace } from '../../src/main/engine/backends/kernel-trace';
import { initBackend } from '../../src/main/engine/backends/select';
import { RELU_GRAD } from '../../src/main/engine/backends/wasm-kernels/relu-grad';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../../src/main/engine/backends/wasm-kernels';
import * as tf from '../../src/main/engine/tf';

beforeAll(async () => {
  const info = await initBackend({ prefer: 'wasm', threads: 1 });
  expect(info.name).toBe('wasm');
});

afterEach(() => registerWasmTrainingKernels());

const special = [0, -0, Infinity, -Infinity, NaN, 1e-40, -1e-40];
function values(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  return Float32Array.from({ length: n }, (_, i) => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return i % 7 === 3 ? special[(i / 7 + seed) % special.length | 0]! : (a / 2 ** 32 - 0.5) * 4;
  });
}

/** dL/dx for L = Σ relu(x)·w: its values (NaN compared as NaN) and the fused calls. */
function gradient(shape: number[]) {
  const n = tf.util.sizeFromShape(shape);
  const x = tf.tensor(values(n, 3), shape);
  const w = tf.tensor(values(n, 4), shape);
  const trace = startKernelTrace();
  try {
    const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), w)))(x);
    const out = Array.from(dx.dataSync(), (v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v));
    tf.dispose(dx);
    return { out, fused: trace.records().filter((r) => r.kernel === RELU_GRAD).reduce((k, r) => k + r.calls, 0) };
  } finally {
    trace.stop();
    tf.dispose([x, w]);
  }
}

describe('ReLU gradient on wasm', () => {
  it('runs as one pass and gives what the three ops give', () => {
    for (const shape of [[2, 5, 7, 3], [1, 8, 8, 4], [3], [41]]) {
      const fused = gradient(shape);
      expect(fused.fused, `[${shape}]`).toBe(1);
      unregisterWasmTrainingKernels();
      const ops = gradient(shape);
      registerWasmTrainingKernels();
      expect(ops.fused).toBe(0);
      expect(fused.out, `[${shape}]`).toEqual(ops.out);
      // The special values reach the larger cases: NaN from a NaN x, or from ±∞ · 0.
      if (tf.util.sizeFromShape(shape) > 40) expect(fused.out).toContain('NaN');
    }
  });
});
