/**
 * The wasm kernels registered to keep training's memory down (backends/wasm-kernels): Identity
 * shares its input's buffer instead of copying it, and Conv2D drops XNNPACK's packed copy
 * of the filter after each call while a gradient is computed (on the XNNPACK route, taken
 * where ONNX Runtime does not load), with results and weights as the cpu backend's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/main/engine/backends/select';
import { startKernelTrace } from '../../src/main/engine/backends/kernel-trace';
import { setOnnxKernelsEnabled } from '../../src/main/engine/backends/wasm-kernels/onnx-session';
import * as tf from '../../src/main/engine/tf';

beforeAll(async () => {
  const info = await initBackend({ prefer: 'wasm', threads: 1 });
  expect(info.name).toBe('wasm');
});

/** Runs `f` on the wasm and the cpu backend; returns both results as arrays. */
async function onBoth(f: () => tf.Tensor[]): Promise<{ wasm: Float32Array[]; cpu: Float32Array[] }> {
  const out: Record<'wasm' | 'cpu', Float32Array[]> = { wasm: [], cpu: [] };
  for (const backend of ['wasm', 'cpu'] as const) {
    await tf.setBackend(backend);
    const ts = f();
    out[backend] = ts.map((t) => t.dataSync() as Float32Array);
    tf.dispose(ts);
  }
  await tf.setBackend('wasm');
  return out;
}

function expectClose(a: Float32Array, b: Float32Array, what: string): void {
  expect(a.length, what).toBe(b.length);
  const scale = Math.max(...Array.from(b, Math.abs), 1e-30);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(worst / scale, what).toBeLessThan(1e-4);
}

describe('Identity', () => {
  it('a clone shares the buffer, and outlives its source', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const buffers = tf.memory().numDataBuffers;
    const y = tf.clone(x);
    expect(tf.memory().numDataBuffers).toBe(buffers);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    y.dispose();
  });
});

describe('Conv2D on XNNPACK (where ONNX Runtime does not load)', () => {
  const values = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
  beforeAll(() => setOnnxKernelsEnabled(false));
  afterAll(() => setOnnxKernelsEnabled(true));

  it('inside a gradient computation: drops the packed filter after each call, with results as on cpu', async () => {
    await tf.setBackend('wasm');
    const trace = startKernelTrace();
    let result: { wasm: Float32Array[]; cpu: Float32Array[] };
    try {
      result = await onBoth(() => {
        const x = values([2, 9, 7, 3], 1);
        const w = tf.variable(values([3, 3, 3, 4], 2));
        const before = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
        // The same filter three times in one gradient computation (as a discriminator is
        // applied to several batches), then once more after it.
        const { value, grads } = tf.variableGrads(
          () => tf.sum(tf.add(tf.square(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')), tf.conv2d(tf.mul(x, 2) as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid').sum())) as tf.Scalar,
          [w],
        );
        const after = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
        const out = [before, value, grads[w.name]!, after, tf.clone(w)];
        tf.dispose([x, w]);
        return out;
      });
    } finally {
      trace.stop();
    }
    const names = ['conv before', 'loss', 'filter gradient', 'conv after', 'filter'];
    result.wasm.forEach((w, i) => expectClose(w, result.cpu[i]!, names[i]!));
    const routes = trace.records().filter((r) => r.backend === 'wasm' && r.kernel === tf.Conv2D && !r.parent);
    const calls = Object.fromEntries(routes.map((r) => [r.impl, r.calls]));
    // Two forward calls under the tape and the backward pass's (none for these filters);
    // the two outside it keep the package's cache.
    expect(calls['xnnpack-unpacked-after']).toBe(2);
    expect(calls.tfjs).toBe(2);
  });
});
