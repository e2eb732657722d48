/**
 * Backend selection: the order, the reasons recorded for each backend passed over, forcing
 * one (option or ATELIER_BACKEND), and the wasm backend with its threads.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { activeKernelTrace, startKernelTrace } from '../../src/main/engine/backends/kernel-trace';
import { BACKEND_ORDER, initBackend } from '../../src/main/engine/backends/select';
import { wasmBinaryDir } from '../../src/main/engine/backends/wasm';
import { setOnnxKernelsEnabled } from '../../src/main/engine/backends/wasm-kernels/onnx-session';
import { onnxThreads } from '../../src/main/engine/onnx/session';
import * as tf from '../../src/main/engine/tf';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

const savedEnv = {
  backend: process.env.ATELIER_BACKEND,
  threads: process.env.ATELIER_THREADS,
  trace: process.env.ATELIER_KERNEL_TRACE,
};
afterEach(() => {
  activeKernelTrace()?.stop();
  for (const [key, value] of [
    ['ATELIER_BACKEND', savedEnv.backend],
    ['ATELIER_THREADS', savedEnv.threads],
    ['ATELIER_KERNEL_TRACE', savedEnv.trace],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('initBackend', () => {
  it('forces the cpu backend with prefer', async () => {
    const lines: string[] = [];
    const info = await initBackend({ prefer: 'cpu', log: (l) => lines.push(l) });
    expect(info).toMatchObject({ name: 'cpu', threads: 1, attempts: [{ backend: 'cpu', ok: true }] });
    expect(tf.getBackend()).toBe('cpu');
    expect(lines).toEqual(['backend cpu: CPU, 1 thread, JavaScript']);
  });

  it('forces a backend with ATELIER_BACKEND, and prefer overrides it', async () => {
    process.env.ATELIER_BACKEND = 'cpu';
    expect((await initBackend()).name).toBe('cpu');
    process.env.ATELIER_BACKEND = 'no-such-backend';
    await expect(initBackend()).rejects.toThrow(
      `ATELIER_BACKEND: unknown backend 'no-such-backend' (expected one of ${BACKEND_ORDER.join(', ')})`,
    );
    expect((await initBackend({ prefer: 'cpu' })).name).toBe('cpu');
  });

  it('traces kernels on the chosen backend when ATELIER_KERNEL_TRACE is set', async () => {
    process.env.ATELIER_KERNEL_TRACE = '1';
    const lines: string[] = [];
    await initBackend({ prefer: 'cpu', log: (l) => lines.push(l) });
    expect(lines).toContain('kernel trace on for backend cpu; the table is written to stderr at exit');
    tf.tidy(() => tf.add(tf.ones([2]), tf.ones([2])));
    expect(activeKernelTrace()?.records().find((r) => r.kernel === 'Add')).toMatchObject({ backend: 'cpu', calls: 1 });
  });

  it('rejects bad thread counts with the value', async () => {
    await expect(initBackend({ prefer: 'cpu', threads: 0 })).rejects.toThrow("threads must be a positive integer, got '0'");
    process.env.ATELIER_THREADS = 'many';
    await expect(initBackend({ prefer: 'cpu' })).rejects.toThrow("ATELIER_THREADS: threads must be a positive integer, got 'many'");
  });

  it('fails a forced tfjs-node with the reason when the package is absent', async () => {
    if (installed('@tensorflow/tfjs-node')) {
      expect((await initBackend({ prefer: 'tensorflow' })).name).toBe('tensorflow');
    } else {
      await expect(initBackend({ prefer: 'tensorflow' })).rejects.toThrow(
        "backend 'tensorflow' was requested (prefer) but cannot be used: @tensorflow/tfjs-node is not installed",
      );
    }
  });

  it('tries the backends in order, logging why each one before the chosen was passed over', async () => {
    const lines: string[] = [];
    const info = await initBackend({ threads: 2, log: (l) => lines.push(l) });
    expect(info.attempts.map((a) => a.backend)).toEqual(BACKEND_ORDER.slice(0, info.attempts.length));
    const failed = info.attempts.filter((a) => !a.ok);
    expect(info.attempts.at(-1)).toEqual({ backend: info.name, ok: true });
    for (const a of failed) {
      expect(a.reason, a.backend).toBeTruthy();
      expect(lines).toContain(`backend ${a.backend} not used: ${a.reason}`);
    }
    if (!installed('@tensorflow/tfjs-node') && !installed('@tensorflow/tfjs-node-gpu')) {
      expect(info.name).toBe('wasm');
      expect(failed.find((a) => a.backend === 'tensorflow')?.reason).toBe('@tensorflow/tfjs-node is not installed');
      // With or without a GPU, tfjs-node-gpu is not there to use it.
      expect(failed.find((a) => a.backend === 'tensorflow-gpu')?.reason).toMatch(/not installed|no NVIDIA|CUDA/);
    }
  });
});

describe('the wasm backend', () => {
  it('loads its binaries from the installed package', () => {
    for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
      expect(existsSync(join(wasmBinaryDir(), f)), f).toBe(true);
    }
  });

  it('runs the threaded SIMD build with the threads asked for, and computes what cpu computes', async () => {
    const info = await initBackend({ prefer: 'wasm', threads: 2 });
    expect(info).toMatchObject({ name: 'wasm', threads: 2 });
    expect(info.device).toBe(`CPU, 2 threads, WebAssembly SIMD (XNNPACK); convolutions on ONNX Runtime, ${onnxThreads()} ${onnxThreads() === 1 ? 'thread' : 'threads'}`);
    const x = tf.tensor4d(Float32Array.from({ length: 2 * 17 * 17 * 8 }, (_, i) => Math.sin(i)), [2, 17, 17, 8]);
    const w = tf.tensor4d(Float32Array.from({ length: 3 * 3 * 8 * 16 }, (_, i) => Math.cos(i)), [3, 3, 8, 16]);
    const onWasm = tf.conv2d(x, w, 2, 'same').dataSync();
    await tf.setBackend('cpu');
    const onCpu = tf.conv2d(x, w, 2, 'same').dataSync();
    await tf.setBackend('wasm');
    // The pool's workers (a MessagePort each, while referenced) do not keep the process alive.
    expect(process.getActiveResourcesInfo().filter((r) => r === 'MessagePort')).toEqual([]);
    let worst = 0;
    for (let i = 0; i < onCpu.length; i++) worst = Math.max(worst, Math.abs(onWasm[i]! - onCpu[i]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it('records which kernel ran where, and through which route, when traced', async () => {
    await initBackend({ prefer: 'wasm', threads: 2 });
    // The XNNPACK routes, taken where ONNX Runtime does not load (wasm-kernels.test.ts
    // covers the ONNX Runtime ones).
    setOnnxKernelsEnabled(false);
    const trace = startKernelTrace();
    try {
      const x = tf.variable(tf.ones([1, 16, 16, 2]));
      const w = tf.variable(tf.ones([4, 4, 2, 3]));
      const { grads } = tf.variableGrads(() => tf.sum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 1)) as tf.Scalar);
      Object.values(grads).forEach((g) => g.dispose());
      x.dispose();
      w.dispose();
    } finally {
      trace.stop();
      setOnnxKernelsEnabled(true);
    }
    const records = trace.records();
    const find = (kernel: string, parent?: string) => records.find((r) => r.kernel === kernel && r.parent === parent);
    // Under a gradient tape the forward Conv2D drops XNNPACK's packed filter after the call
    // (wasm-kernels/conv2d.ts).
    expect(find('Conv2D')).toMatchObject({ backend: 'wasm', impl: 'xnnpack-unpacked-after', calls: 1 });
    expect(find('Conv2DBackpropFilter')).toMatchObject({ backend: 'wasm', impl: 'xnnpack-dilated-conv', calls: 1 });
    expect(find('Conv2DBackpropInput')).toMatchObject({ backend: 'wasm', impl: 'xnnpack-phase-conv', calls: 1 });
    // The XNNPACK convolutions the rewritten kernels run, seen from inside them.
    expect(find('Conv2D', 'Conv2DBackpropFilter')?.calls).toBe(1);
    expect(find('Conv2D', 'Conv2DBackpropInput')?.calls).toBe(1);
    expect(trace.format()).toMatch(/Conv2DBackpropFilter\s+xnnpack-dilated-conv\s+1 calls/);
    // Stopping restores the kernels: no more records.
    tf.tidy(() => tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, tf.ones([2, 2, 1, 1]) as tf.Tensor4D, 1, 'valid'));
    expect(trace.records()).toEqual(records);
  });

  it('by shape, keeps one record per set of input shapes, named in the record and the format', async () => {
    await initBackend({ prefer: 'cpu' });
    const trace = startKernelTrace(undefined, { byShape: true });
    try {
      tf.tidy(() => {
        tf.add(tf.ones([2, 3]), tf.ones([2, 3]));
        tf.add(tf.ones([2, 3]), tf.ones([2, 3]));
        tf.add(tf.ones([4]), tf.scalar(1));
      });
    } finally {
      trace.stop();
    }
    const adds = trace.records().filter((r) => r.kernel === 'Add');
    expect(adds.map((r) => [r.shapes, r.calls]).sort()).toEqual([
      ['a:[2,3] b:[2,3]', 2],
      ['a:[4] b:[]', 1],
    ]);
    expect(trace.format()).toMatch(/Add\s+tfjs\s+2 calls\s+[\d.]+ ms a:\[2,3\] b:\[2,3\]/);
  });
});
