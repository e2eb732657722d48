/**
 * Kernels of the wasm backend run on ONNX Runtime's CPU provider, where it loads: native
 * AVX2/AVX-512 code on every core, against WebAssembly's 128-bit SIMD on one thread.
 *
 * TF.js kernels are synchronous, and so is onnxruntime-node's native session (its public
 * `run` only defers the call to a later tick): a kernel builds a small graph for its shapes
 * and attributes once, keeps the session, and runs it on views of the wasm heap; the result
 * is copied into a tensor of the wasm heap. Sessions run without ONNX Runtime's memory arena,
 * so nothing outlives a call but the result.
 *
 * ATELIER_WASM_KERNELS=wasm keeps every kernel in WebAssembly (benchmarks compare both).
 */
import { createRequire } from 'node:module';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '../../tf';
import { GraphBuilder, attr } from '../../onnx/graph-builder';
import { onnxThreads, sessionOptions } from '../../onnx/session';

interface NativeTensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, unknown>, fetches: Record<string, unknown>, options: object): Record<string, NativeTensor>;
  dispose(): void;
}

interface SyncOrt {
  Session: new () => NativeSession;
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
  options: object;
}

/** Sessions kept; training steps use a few dozen shapes, tests with random shapes many. */
const MAX_SESSIONS = 256;

let ort: SyncOrt | null | undefined;
let unavailable: string | undefined;
let disabled = false;

/** Switches the ONNX Runtime kernels off (false) or back on, for comparisons and tests. */
export function setOnnxKernelsEnabled(enabled: boolean): void {
  disabled = !enabled;
}

/**
 * ONNX Runtime's synchronous session class, or null (with `onnxKernelsUnavailable()` saying
 * why) when it does not load, ATELIER_WASM_KERNELS=wasm, or the kernels were switched off.
 */
export function syncOrt(): SyncOrt | null {
  if (disabled) return null;
  if (ort !== undefined) return ort;
  const choice = process.env.ATELIER_WASM_KERNELS;
  if (choice === 'wasm') {
    unavailable = 'ATELIER_WASM_KERNELS=wasm';
    return (ort = null);
  }
  if (choice !== undefined && choice !== '' && choice !== 'onnxruntime') {
    throw new Error(`ATELIER_WASM_KERNELS: expected 'onnxruntime' or 'wasm', got '${choice}'`);
  }
  try {
    const require = createRequire(import.meta.url);
    const pkg = require('onnxruntime-node') as { Tensor: SyncOrt['Tensor']; env: { logLevel?: string } };
    pkg.env.logLevel = 'fatal';
    const native = require('onnxruntime-node/dist/binding') as {
      binding: { InferenceSession: SyncOrt['Session'] };
      initOrt: () => void;
    };
    native.initOrt();
    const options = sessionOptions(['cpu'], onnxThreads(), undefined);
    ort = { Session: native.binding.InferenceSession, Tensor: pkg.Tensor, options: { ...options, enableCpuMemArena: false } };
  } catch (err) {
    unavailable = `onnxruntime-node failed to load: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`;
    ort = null;
  }
  return ort;
}

/** True when the kernels run on ONNX Runtime. */
export function onnxKernelsAvailable(): boolean {
  return syncOrt() != null;
}

/** Why they do not, when they do not. */
export function onnxKernelsUnavailable(): string | undefined {
  if (disabled) return 'switched off';
  syncOrt();
  return unavailable;
}

const sessions = new Map<string, NativeSession>();

function sessionFor(o: SyncOrt, key: string, build: () => Uint8Array): NativeSession {
  let session = sessions.get(key);
  if (session) {
    // Most recently used last.
    sessions.delete(key);
    sessions.set(key, session);
    return session;
  }
  const bytes = build();
  session = new o.Session();
  session.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, o.options);
  sessions.set(key, session);
  if (sessions.size > MAX_SESSIONS) {
    const [oldest, old] = sessions.entries().next().value as [string, NativeSession];
    sessions.delete(oldest);
    old.dispose();
  }
  return session;
}

/**
 * Runs the graph `build` makes (once per `key`) on `feeds`, into a new wasm tensor of
 * `outShape` (the graph's output y0).
 */
export function runOnnx(
  backend: BackendWasm,
  key: string,
  build: () => Uint8Array,
  feeds: Record<string, tf.TensorInfo>,
  outShape: readonly number[],
): tf.TensorInfo {
  const o = syncOrt();
  if (!o) throw new Error(`ONNX Runtime kernels are not available: ${onnxKernelsUnavailable()}`);
  const session = sessionFor(o, key, build);
  const out = backend.makeOutput([...outShape], 'float32');
  // Views are taken after the output's allocation, which may grow (and move) the heap.
  const heap = (info: tf.TensorInfo) => backend.typedArrayFromHeap(info) as Float32Array;
  // The threaded build's heap is a SharedArrayBuffer, which ONNX Runtime does not take:
  // there, inputs and the result are copied.
  const shared = typeof SharedArrayBuffer !== 'undefined' && heap(out).buffer instanceof SharedArrayBuffer;
  const ortFeeds: Record<string, unknown> = {};
  for (const [name, info] of Object.entries(feeds)) {
    ortFeeds[name] = new o.Tensor('float32', shared ? heap(info).slice() : heap(info), info.shape);
  }
  try {
    if (shared) {
      heap(out).set(session.run(ortFeeds, { y0: null }, {}).y0!.data);
    } else {
      // ONNX Runtime writes the result straight into the wasm tensor.
      session.run(ortFeeds, { y0: new o.Tensor('float32', heap(out), outShape) }, {});
    }
  } catch (err) {
    backend.disposeData(out.dataId);
    throw err;
  }
  return out;
}

/** Makes an int64 vector constant of the graph being built (axes, pads, shapes) and names it. */
export type Int64Const = (values: readonly number[]) => string;

/** An ONNX model from `build`, which gets the builder and a maker of int64 constants. */
export function onnxGraph(build: (g: GraphBuilder, ints: Int64Const) => void): Uint8Array {
  const g = new GraphBuilder();
  let n = 0;
  build(g, (values) => g.int64Initializer(`c${n++}`, values));
  return g.encode('kernel', { producerVersion: '0', docString: '', props: {} });
}

