/**
 * InstanceNorm's gradient on the wasm backend, whose element-wise part is one SIMD pass
 * (backends/wasm-kernels/instance-norm-grad.ts): the same bits as the four TF.js ops it
 * replaces, for one and several samples; channel counts that are not multiples of 4 keep
 * the ops.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startKernelTrace } from '../../src/main/engine/backends/kernel-trace';
import { initBackend } from '../../src/main/engine/backends/select';
import { INSTANCE_NORM_GRAD } from '../../src/main/engine/backends/wasm-kernels/instance-norm-grad';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../../src/main/engine/backends/wasm-kernels';
import { instanceNorm } from '../../src/main/engine/networks/norm';
import * as tf from '../../src/main/engine/tf';

beforeAll(async () => {
  const info = await initBackend({ prefer: 'wasm', threads: 1 });
  expect(info.name).toBe('wasm');
});

afterEach(() => registerWasmTrainingKernels());

/** dL/dx for L = Σ instanceNorm(x)·w, as bit patterns, and how often the fused pass ran. */
function gradient(shape: [number, number, number, number]) {
  const n = tf.util.sizeFromShape(shape);
  // Channels of different scales and offsets, as activations are.
  const x = tf.tensor4d(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * (1 + (i % shape[3])) + (i % 5) * 0.1), shape);
  const w = tf.tensor4d(Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.11) - 0.2), shape);
  const trace = startKernelTrace();
  try {
    const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(instanceNorm(v as tf.Tensor4D, 1e-5).y, w)))(x);
    const bits = Array.from(new Uint32Array((dx.dataSync() as Float32Array).slice().buffer));
    tf.dispose(dx);
    return { bits, fused: trace.records().filter((r) => r.kernel === INSTANCE_NORM_GRAD).reduce((k, r) => k + r.calls, 0) };
  } finally {
    trace.stop();
    tf.dispose([x, w]);
  }
}

describe('InstanceNorm gradient on wasm', () => {
  it('runs as one pass with the same bits as the ops', () => {
    for (const shape of [[1, 4, 4, 12], [2, 5, 7, 8], [3, 1, 9, 4]] as [number, number, number, number][]) {
      const fused = gradient(shape);
      expect(fused.fused, `[${shape}]`).toBe(1);
      unregisterWasmTrainingKernels();
      const ops = gradient(shape);
      registerWasmTrainingKernels();
      expect(ops.fused).toBe(0);
      expect(fused.bits, `[${shape}]`).toEqual(ops.bits);
    }
  });

  it('keeps the ops where the channels are not a multiple of 4', () => {
    expect(gradient([1, 3, 3, 6]).fused).toBe(0);
  });
});
