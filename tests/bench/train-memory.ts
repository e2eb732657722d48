/**
 * Where a training iteration's memory goes: `optimizeParameters()` of the real pix2pix and
 * CycleGAN models (reference defaults, ngf = ndf = 64, 256×256, batch 1) on the fastest
 * TF.js backend, twice, with every kernel call wrapped to sample the bytes held by live
 * tensors (tf.memory) and, on wasm, the size of the WebAssembly heap, which grows and never
 * shrinks: its final size is what the process keeps. On wasm every heap buffer is labelled
 * with the kernel that allocated it, and the buffers alive at the peak are summed by label.
 *
 *   npx vitest run -c tests/bench/vitest.config.ts tests/bench/train-memory.ts
 *   PROFILE_MODELS=pix2pix npx vitest run -c tests/bench/vitest.config.ts tests/bench/train-memory.ts
 *
 * MEMORY_GROWTH=1 also prints each kernel during which the heap grew; MEMORY_ITERATIONS=N runs
 * N iterations (default 2).
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { expect, test } from 'vitest';
import { defaultsFor } from '../../src/shared/train-options';
import { initBackend } from '../../src/main/engine/backends/select';
import { createModel, type ModelOptions } from '../../src/main/engine/models';
import * as tf from '../../src/main/engine/tf';

const models = (process.env.PROFILE_MODELS ?? 'pix2pix,cycle_gan').split(',') as ModelOptions['model'][];
const iterations = Number(process.env.MEMORY_ITERATIONS ?? 2);
const MIB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(0)} MiB`;

function heapBytes(): number {
  const backend = tf.backend() as Partial<BackendWasm>;
  // The Emscripten module's heap view; its type declarations leave it out.
  const module = backend.wasm as { HEAPU8?: Uint8Array } | undefined;
  return module?.HEAPU8 ? module.HEAPU8.buffer.byteLength : 0;
}

const shapesOf = (inputs: tf.NamedTensorInfoMap) =>
  Object.values(inputs)
    .map((t) => `[${t?.shape.join(',')}]`)
    .join(' ');

interface Sampler {
  /** The most bytes in live tensor buffers at the end of a top-level kernel. */
  peakLive(): number;
  liveNow(): number;
  resetPeak(): void;
  /** The buffers alive at the peak of live bytes, summed by allocating kernel. */
  atPeak(): string[];
  stop(): void;
}

/**
 * What the model is doing, for the labels: the networks' forward passes and the optimizers'
 * steps are wrapped to name themselves; other work inside a gradient tape is its backward
 * pass or a loss.
 */
const phases: string[] = [];
function labelPhases(m: ReturnType<typeof createModel>): () => void {
  const undo: (() => void)[] = [];
  const wrap = <T extends object, K extends keyof T>(obj: T, key: K, name: string) => {
    const original = obj[key] as unknown as (...a: unknown[]) => unknown;
    (obj as Record<K, unknown>)[key] = (...args: unknown[]) => {
      phases.push(name);
      try {
        return original.apply(obj, args);
      } finally {
        phases.pop();
      }
    };
    undo.push(() => {
      (obj as Record<K, unknown>)[key] = original;
    });
  };
  for (const [name, net] of m.networks) wrap(net, 'apply', `${name} forward`);
  for (const [name, opt] of m.optimizers) wrap(opt, 'step', `Adam ${name}`);
  const engine = tf.engine() as unknown as { gradients: (...a: unknown[]) => unknown };
  wrap(engine, 'gradients', 'tape');
  return () => undo.forEach((u) => u());
}

function sampleMemory(onGrowth: (line: string) => void): Sampler {
  const name = tf.getBackend();
  const originals = tf.getKernelsForBackend(name);
  const stack: string[] = [];
  const live = new Map<object, { bytes: number; label: string }>();
  // Heap bytes in tensor buffers: those alive when sampling starts (tf.memory counts a
  // buffer shared by several tensors once per tensor, so it overstates them) and since.
  let allocated = tf.memory().numBytes;
  let peak = 0;
  let peakSnapshot: { bytes: number; label: string }[] = [];
  let peakKernel = '';
  const restore: (() => void)[] = [];

  const wasm = tf.backend() as Partial<BackendWasm>;
  if (wasm.wasm) {
    const b = wasm as BackendWasm;
    const move = b.move.bind(b);
    const disposeData = b.disposeData.bind(b);
    b.move = (dataId, values, shape, dtype, refCount) => {
      move(dataId, values, shape, dtype, refCount);
      const bytes = shape.reduce((a, d) => a * d, 1) * 4;
      allocated += bytes;
      const phase = phases.length ? `${phases[phases.length - 1]}: ` : '';
      live.set(dataId, { bytes, label: `${phase}${stack.join('>') || '(tensor)'} [${shape.join(',')}]` });
    };
    b.disposeData = (dataId, force) => {
      const data = b.dataIdMap.get(dataId);
      const bytes = data ? data.shape.reduce((a, d) => a * d, 1) * 4 : 0;
      const freed = disposeData(dataId, force);
      if (freed && data) {
        allocated -= bytes;
        live.delete(dataId);
      }
      return freed;
    };
    restore.push(() => {
      b.move = move;
      b.disposeData = disposeData;
    });
  }

  for (const config of originals) {
    const original = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, name);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const before = heapBytes();
        stack.push(config.kernelName);
        try {
          return original(args);
        } finally {
          stack.pop();
          if (stack.length === 0) {
            const after = heapBytes();
            const bytes = wasm.wasm ? allocated : tf.memory().numBytes;
            if (bytes > peak) {
              peak = bytes;
              peakSnapshot = [...live.values()];
              peakKernel = `${config.kernelName} ${shapesOf(args.inputs)}`;
            }
            if (after > before) onGrowth(`  heap ${mib(before)} → ${mib(after)} in ${config.kernelName} ${shapesOf(args.inputs)} (live ${mib(bytes)})`);
          }
        }
      },
    });
  }
  restore.push(() => {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, name);
      tf.registerKernel(config);
    }
  });

  return {
    peakLive: () => peak,
    liveNow: () => (wasm.wasm ? allocated : tf.memory().numBytes),
    resetPeak: () => {
      peak = 0;
    },
    atPeak: () => {
      const byLabel = new Map<string, { bytes: number; count: number }>();
      const byKernel = new Map<string, number>();
      for (const { bytes, label } of peakSnapshot) {
        const e = byLabel.get(label) ?? { bytes: 0, count: 0 };
        e.bytes += bytes;
        e.count++;
        byLabel.set(label, e);
        const kernel = label.includes(': ') ? label.split(': ')[0]! : '(outside)';
        byKernel.set(kernel, (byKernel.get(kernel) ?? 0) + bytes);
      }
      const total = peakSnapshot.reduce((n, e) => n + e.bytes, 0);
      const row = (bytes: number, what: string) => `  ${(bytes / MIB).toFixed(1).padStart(8)} MiB ${what}`;
      return [
        row(total, `in buffers allocated while sampling, alive at the peak (during ${peakKernel})`),
        ...[...byKernel.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 15)
          .map(([phase, bytes]) => row(bytes, `in ${phase}`)),
        ...[...byLabel.entries()]
          .sort((a, b) => b[1].bytes - a[1].bytes)
          .slice(0, 30)
          .map(([label, e]) => row(e.bytes, `${String(e.count).padStart(4)} × ${label}`)),
      ];
    },
    stop: () => {
      for (const r of restore) r();
    },
  };
}

for (const model of models) {
  test(`${model}: memory of one training iteration`, async () => {
    const backend = await initBackend();
    const options: ModelOptions = { ...defaultsFor(model), model, seed: 0 };
    const m = createModel(options);
    const A = tf.randomUniform([1, 256, 256, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
    const B = tf.randomUniform([1, 256, 256, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
    m.setInput({ A, B });
    tf.dispose([A, B]);
    const lines: string[] = [];
    const unlabel = labelPhases(m);
    const probe = sampleMemory((line) => {
      if (process.env.MEMORY_GROWTH) console.log(line);
    });
    try {
      for (let i = 1; i <= iterations; i++) {
        const before = probe.liveNow();
        probe.resetPeak();
        const t0 = performance.now();
        m.optimizeParameters({ dropoutSeed: i });
        const ms = performance.now() - t0;
        lines.push(
          `${model} on ${backend.name}: iteration ${i} ${ms.toFixed(0)} ms; tensor buffers before ${mib(before)}, ` +
            `peak ${mib(probe.peakLive())}, after ${mib(probe.liveNow())}; ` +
            `wasm heap ${mib(heapBytes())}; rss ${mib(process.memoryUsage().rss)}`,
        );
      }
    } catch (err) {
      lines.push(`${model}: ${String(err)} with ${mib(tf.memory().numBytes)} in live tensors, wasm heap ${mib(heapBytes())}`);
      throw err;
    } finally {
      probe.stop();
      unlabel();
      lines.push('live buffers at the peak, by phase and by allocating kernel:', ...probe.atPeak());
      console.log(lines.join('\n'));
    }
    m.dispose();
    expect(probe.peakLive()).toBeGreaterThan(0);
  });
}
