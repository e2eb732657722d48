/**
 * One Adam update of a parameter (train/adam.ts) as a single pass over the wasm backend's
 * heap: read p, g, m, v once, write p′, m′, v′ once. As TF.js ops the update is thirteen
 * element-wise passes, each reading and writing the whole parameter; on unet_256's 54 M
 * parameters that took 348 ms a step (tests/bench/adam-probe.ts), most of it memory traffic.
 *
 * The pass is a small WebAssembly module with 128-bit SIMD (./simd-module.ts) that imports
 * the backend's own memory: it works on the tensors where they are. Each lane computes
 * exactly the ops and order of the TF.js version, in float32 (WebAssembly never fuses a
 * multiply and an add), so both give the same bits:
 *   m′ = m·β1 + g·(1 − β1)
 *   v′ = v·β2 + (g·g)·(1 − β2)
 *   p′ = p − (m′ / (√v′ / √(1 − β2ᵗ) + ε))·lr/(1 − β1ᵗ)
 *
 * Only for the single-threaded build: the threaded one's memory is shared, and a module
 * importing it must declare that; train/adam.ts then keeps the TF.js ops.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '../../tf';
import { noteKernelRoute } from '../kernel-trace';
import {
  F32,
  F32X4_ADD,
  F32X4_DIV,
  F32X4_MUL,
  F32X4_SPLAT,
  F32X4_SQRT,
  F32X4_SUB,
  I32,
  I32_ADD,
  LOCAL_GET,
  LOCAL_SET,
  LOCAL_TEE,
  V128,
  V128_LOAD,
  V128_STORE,
  backendMemory,
  heapOffset,
  instanceFor,
  loop16,
  simdKernelRuns,
  simdModule,
} from './simd-module';

export const ADAM_STEP = 'AtelierAdamStep';

/** The update's constants, as float32 scalars of the TF.js version would hold them. */
export interface AdamStepAttrs {
  beta1: number;
  beta2: number;
  eps: number;
  /** √(1 − β2ᵗ). */
  biasCorrection2Sqrt: number;
  /** lr / (1 − β1ᵗ). */
  stepSize: number;
}

// --- The module: (import "env" "memory") and one function ---------------------------------
//   adam(p, g, m, v, pOut, mOut, vOut, bytes: i32, β1, 1−β1, β2, 1−β2, bc2, ε, step: f32)
// over `bytes` (a multiple of 16) from each byte offset.

function adamModule(): Uint8Array<ArrayBuffer> {
  // Parameters 0–7: p, g, m, v, pOut, mOut, vOut, bytes; 8–14: the f32 constants.
  const params = [I32, I32, I32, I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32, F32];
  // Locals: 15 i (i32); 16–22 the splatted constants; 23 g, 24 m′, 25 v′ (v128).
  const [I, B1, C1, B2, C2, BC2, EPS, STEP, G, M, V] = [15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25];
  const at = (base: number) => [...LOCAL_GET(base), ...LOCAL_GET(I), ...I32_ADD];
  const body = [
    // The constants as 4 lanes each.
    ...[B1, C1, B2, C2, BC2, EPS, STEP].flatMap((local, k) => [...LOCAL_GET(8 + k), ...F32X4_SPLAT, ...LOCAL_SET(local)]),
    ...loop16(I, 7, [
      ...at(1), ...V128_LOAD(), ...LOCAL_SET(G),
      // m′ = m·β1 + g·(1 − β1)
      ...at(5),
      ...at(2), ...V128_LOAD(), ...LOCAL_GET(B1), ...F32X4_MUL,
      ...LOCAL_GET(G), ...LOCAL_GET(C1), ...F32X4_MUL,
      ...F32X4_ADD, ...LOCAL_TEE(M), ...V128_STORE(),
      // v′ = v·β2 + (g·g)·(1 − β2)
      ...at(6),
      ...at(3), ...V128_LOAD(), ...LOCAL_GET(B2), ...F32X4_MUL,
      ...LOCAL_GET(G), ...LOCAL_GET(G), ...F32X4_MUL, ...LOCAL_GET(C2), ...F32X4_MUL,
      ...F32X4_ADD, ...LOCAL_TEE(V), ...V128_STORE(),
      // p′ = p − (m′ / (√v′ / bc2 + ε))·step
      ...at(4),
      ...at(0), ...V128_LOAD(),
      ...LOCAL_GET(M),
      ...LOCAL_GET(V), ...F32X4_SQRT, ...LOCAL_GET(BC2), ...F32X4_DIV, ...LOCAL_GET(EPS), ...F32X4_ADD,
      ...F32X4_DIV, ...LOCAL_GET(STEP), ...F32X4_MUL,
      ...F32X4_SUB, ...V128_STORE(),
    ]),
  ];
  return simdModule([{ name: 'adam', params, locals: [[1, I32], [10, V128]], body }]);
}

const instances = new WeakMap<WebAssembly.Memory, { adam: (...args: number[]) => void }>();

/** Whether the fused step runs on `backend` (the wasm backend, single-threaded build). */
export function adamStepAvailable(backend: tf.KernelBackend): boolean {
  return simdKernelRuns(ADAM_STEP, backend);
}

function adamStep(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const backend = args.backend as BackendWasm;
  const { p, g, m, v } = args.inputs as Record<'p' | 'g' | 'm' | 'v', tf.TensorInfo>;
  const attrs = args.attrs as unknown as AdamStepAttrs;
  for (const [k, t] of Object.entries({ g, m, v })) {
    if (!tf.util.arraysEqual(t.shape, p.shape) || t.dtype !== 'float32' || p.dtype !== 'float32') {
      throw new Error(`${ADAM_STEP}: ${k} is ${t.dtype} [${t.shape}], the parameter float32 [${p.shape}]`);
    }
  }
  const memory = backendMemory(backend);
  if (!memory) throw new Error(`${ADAM_STEP}: the wasm backend's memory is shared (threaded build); use the TF.js ops`);
  noteKernelRoute('wasm-simd');
  const outs = [backend.makeOutput([...p.shape], 'float32'), backend.makeOutput([...p.shape], 'float32'), backend.makeOutput([...p.shape], 'float32')];
  const [pOut, mOut, vOut] = outs.map((t) => heapOffset(backend, t)) as [number, number, number];
  const [pIn, gIn, mIn, vIn] = [p, g, m, v].map((t) => heapOffset(backend, t)) as [number, number, number, number];
  const size = tf.util.sizeFromShape(p.shape);
  const whole = size - (size % 4);
  const f = Math.fround;
  const c = {
    b1: f(attrs.beta1),
    c1: f(1 - attrs.beta1),
    b2: f(attrs.beta2),
    c2: f(1 - attrs.beta2),
    bc2: f(attrs.biasCorrection2Sqrt),
    eps: f(attrs.eps),
    step: f(attrs.stepSize),
  };
  instanceFor(adamModule, memory, instances).adam(pIn, gIn, mIn, vIn, pOut, mOut, vOut, whole * 4, c.b1, c.c1, c.b2, c.c2, c.bc2, c.eps, c.step);
  // The last size mod 4 values, with every operation rounded to float32 as the lanes do.
  if (whole < size) {
    const heap = new Float32Array(memory.buffer);
    const at = (o: number, i: number) => o / 4 + i;
    for (let i = whole; i < size; i++) {
      const gi = heap[at(gIn, i)]!;
      const mi = f(f(heap[at(mIn, i)]! * c.b1) + f(gi * c.c1));
      const vi = f(f(heap[at(vIn, i)]! * c.b2) + f(f(gi * gi) * c.c2));
      const den = f(f(f(Math.sqrt(vi)) / c.bc2) + c.eps);
      heap[at(mOut, i)] = mi;
      heap[at(vOut, i)] = vi;
      heap[at(pOut, i)] = f(heap[at(pIn, i)]! - f(f(mi / den) * c.step));
    }
  }
  return outs;
}

export const adamStepConfig: tf.KernelConfig = {
  kernelName: ADAM_STEP,
  backendName: 'wasm',
  kernelFunc: adamStep as unknown as tf.KernelFunc,
};
