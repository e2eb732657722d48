/**
 * Concat and SplitV on the wasm backend as SIMD block copies
 * (backends/wasm-kernels/concat-split.ts): the same values as the package's kernels, along
 * every axis, with runs that are and are not multiples of 16 bytes, for float32 and int32;
 * other dtypes still go to the package.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startKernelTrace } from '../../src/main/engine/backends/kernel-trace';
import { initBackend } from '../../src/main/engine/backends/select';
import { registerWasmTrainingKernels, unregisterWasmTrainingKernels } from '../../src/main/engine/backends/wasm-kernels';
import * as tf from '../../src/main/engine/tf';

beforeAll(async () => {
  const info = await initBackend({ prefer: 'wasm', threads: 1 });
  expect(info.name).toBe('wasm');
});

afterEach(() => registerWasmTrainingKernels());

const tensor = (shape: number[], seed: number, dtype: 'float32' | 'int32' = 'float32') =>
  tf.tensor(Array.from({ length: tf.util.sizeFromShape(shape) }, (_, i) => (dtype === 'int32' ? (i * 7 + seed) % 1000 - 500 : Math.sin(i * 1.7 + seed))), shape, dtype);

/** Runs `f` with our kernels and with the package's; returns both results' values and the routes ours took. */
function both(f: () => tf.Tensor | tf.Tensor[]) {
  const values = () => {
    const r = f();
    const list = Array.isArray(r) ? r : [r];
    const out = list.map((t) => ({ shape: t.shape, dtype: t.dtype, data: Array.from(t.dataSync()) }));
    tf.dispose(list);
    return out;
  };
  const trace = startKernelTrace();
  let ours;
  try {
    ours = values();
  } finally {
    trace.stop();
  }
  unregisterWasmTrainingKernels();
  const pkg = values();
  registerWasmTrainingKernels();
  const routes = trace.records().filter((r) => r.kernel === 'Concat' || r.kernel === 'SplitV').map((r) => `${r.kernel}:${r.impl}`);
  return { ours, pkg, routes };
}

describe('Concat and SplitV on wasm', () => {
  it('concatenate along every axis as the package does, float32 and int32, any run length', () => {
    // [shapes to concatenate, axis]: the U-Net's channel concat, runs of 3 and 5 values (not
    // multiples of 4), three inputs, the first axis, a negative axis.
    const cases: [number[][], number][] = [
      [[[1, 4, 4, 64], [1, 4, 4, 64]], 3],
      [[[2, 3, 5, 3], [2, 3, 5, 5]], -1],
      [[[2, 3, 4], [2, 1, 4], [2, 2, 4]], 1],
      [[[1, 3], [2, 3]], 0],
      [[[3, 2, 2, 7], [3, 2, 2, 1], [3, 2, 2, 8]], 3],
    ];
    for (const dtype of ['float32', 'int32'] as const) {
      for (const [shapes, axis] of cases) {
        const inputs = shapes.map((s, i) => tensor(s, i + 1, dtype));
        const { ours, pkg, routes } = both(() => tf.concat(inputs, axis));
        expect(routes, `${dtype} ${JSON.stringify(shapes)} axis ${axis}`).toEqual(['Concat:wasm-simd']);
        expect(ours).toEqual(pkg);
        tf.dispose(inputs);
      }
    }
  });

  it('split along every axis as the package does, by count and by sizes', () => {
    const cases: [number[], number | number[], number][] = [
      [[1, 4, 4, 128], [64, 64], 3],
      [[2, 3, 5, 8], [3, 5], -1],
      [[2, 6, 4], 3, 1],
      [[4, 3], [1, -1, 2], 0],
      [[2, 2, 9], [2, 0, 7], 2],
    ];
    for (const dtype of ['float32', 'int32'] as const) {
      for (const [shape, splits, axis] of cases) {
        const x = tensor(shape, 3, dtype);
        const { ours, pkg, routes } = both(() => tf.split(x, splits, axis));
        expect(routes, `${dtype} [${shape}] ${JSON.stringify(splits)} axis ${axis}`).toEqual(['SplitV:wasm-simd']);
        expect(ours).toEqual(pkg);
        tf.dispose(x);
      }
    }
  });

  it('give a skip connection’s gradient (a split of dy) as before', () => {
    const x = tensor([1, 4, 4, 6], 1);
    const w = tensor([1, 4, 4, 12], 2);
    const { ours, pkg } = both(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.concat([v, tf.mul(v, 2)], 3), w)))(x));
    expect(ours).toEqual(pkg);
    tf.dispose([x, w]);
  });

  it('leave other dtypes and empty tensors to the package', () => {
    const a = tf.tensor([true, false], [1, 2], 'bool');
    const b = tf.tensor([false], [1, 1], 'bool');
    const { ours, pkg, routes } = both(() => tf.concat([a, b], 1));
    expect(routes).toEqual(['Concat:tfjs']);
    expect(ours).toEqual(pkg);
    const e = tf.zeros([0, 3]);
    const f = tensor([2, 3], 4);
    const empty = both(() => tf.concat([e, f], 0));
    expect(empty.ours).toEqual(empty.pkg);
    tf.dispose([a, b, e, f]);
  });
});
