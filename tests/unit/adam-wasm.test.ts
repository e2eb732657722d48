/**
 * Adam on the wasm backend, where every step after the first is one fused SIMD kernel
 * (backends/wasm-kernels/adam-step.ts): the same values, bit for bit, as the TF.js ops it
 * replaces, and as PyTorch's update within float32 rounding.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startKernelTrace } from '../../src/main/engine/backends/kernel-trace';
import { initBackend } from '../../src/main/engine/backends/select';
import { ADAM_STEP, adamStepAvailable } from '../../src/main/engine/backends/wasm-kernels/adam-step';
import { registerWasmTrainingKernels } from '../../src/main/engine/backends/wasm-kernels';
import * as tf from '../../src/main/engine/tf';
import { Adam } from '../../src/main/engine/train/adam';

beforeAll(async () => {
  const info = await initBackend({ prefer: 'wasm', threads: 1 });
  expect(info.name).toBe('wasm');
});

afterEach(() => registerWasmTrainingKernels());

/** Reproducible values in [-scale, scale). */
function values(n: number, seed: number, scale: number): Float32Array {
  let a = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return (a / 2 ** 32 - 0.5) * 2 * scale;
  });
}

/** Runs `steps` Adam steps over parameters of these shapes; returns their values and whether the fused kernel ran. */
function train(shapes: number[][], steps: number, opts: { lr: number; beta1: number; beta2?: number }) {
  const params = new Map(shapes.map((s, i) => [`p${i}`, tf.variable(tf.tensor(values(tf.util.sizeFromShape(s), 1 + i, 1), s))]));
  const adam = new Adam(params, opts);
  const trace = startKernelTrace();
  try {
    for (let k = 0; k < steps; k++) {
      const grads = new Map([...params].map(([key, p], i) => [key, tf.tensor(values(p.size, 100 * k + i, 10 ** -(i % 4)), p.shape)]));
      adam.step(grads);
      tf.dispose([...grads.values()]);
    }
  } finally {
    trace.stop();
  }
  const out = [...params.values()].map((p) => p.dataSync().slice() as Float32Array);
  const moments = adam.getState().params;
  const fusedCalls = trace.records().filter((r) => r.kernel === ADAM_STEP).reduce((n, r) => n + r.calls, 0);
  tf.dispose([...params.values()]);
  adam.dispose();
  return { out, moments, fusedCalls };
}

describe('Adam on wasm', () => {
  // Sizes that are and are not multiples of the 4 SIMD lanes (the rest runs in JavaScript).
  const shapes = [[3, 3, 4, 8], [7], [1], [2, 3, 5], [64]];

  it('runs fused after the first step, and gives the same bits as the TF.js ops', () => {
    expect(adamStepAvailable(tf.backend())).toBe(true);
    const fused = train(shapes, 4, { lr: 2e-4, beta1: 0.5 });
    expect(fused.fusedCalls).toBe(3 * shapes.length);

    tf.unregisterKernel(ADAM_STEP, 'wasm');
    expect(adamStepAvailable(tf.backend())).toBe(false);
    const ops = train(shapes, 4, { lr: 2e-4, beta1: 0.5 });
    expect(ops.fusedCalls).toBe(0);

    fused.out.forEach((p, i) => expect(Array.from(p), `parameter ${i}`).toEqual(Array.from(ops.out[i]!)));
    for (const [key, s] of fused.moments) {
      const o = ops.moments.get(key)!;
      expect(s.step).toBe(o.step);
      expect(Array.from(s.expAvg), `${key} m`).toEqual(Array.from(o.expAvg));
      expect(Array.from(s.expAvgSq), `${key} v`).toEqual(Array.from(o.expAvgSq));
    }
  });

  it('follows PyTorch’s update (eps after bias correction) within float32 rounding', () => {
    const p0 = values(7, 1, 1);
    const { out } = train([[7]], 3, { lr: 1e-2, beta1: 0.9, beta2: 0.99 });
    // torch.optim.Adam in float64, for the same gradients.
    const p = Array.from(p0, Number);
    const m = p.map(() => 0);
    const v = p.map(() => 0);
    for (let k = 0; k < 3; k++) {
      const g = values(7, 100 * k, 1);
      const t = k + 1;
      for (let i = 0; i < 7; i++) {
        m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
        v[i] = 0.99 * v[i]! + 0.01 * g[i]! * g[i]!;
        p[i] = p[i]! - (1e-2 / (1 - 0.9 ** t)) * (m[i]! / (Math.sqrt(v[i]!) / Math.sqrt(1 - 0.99 ** t) + 1e-8));
      }
    }
    out[0]!.forEach((x, i) => expect(Math.abs(x - p[i]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(p[i]!))));
  });
});
