/**
 * The element-wise part of InstanceNorm's gradient (networks/norm.ts) on the wasm backend as
 * one SIMD pass (./simd-module.ts):
 *
 *   dx = ((dy − mean(dy)) − x̂·mean(dy·x̂)) · (1/σ)
 *
 * with the three per-sample, per-channel vectors broadcast over H and W. As TF.js ops that is
 * four passes over input-sized tensors (Sub, Multiply, Sub, Multiply), run for every
 * InstanceNorm layer of both ResNet generators, twice per CycleGAN iteration. The pass does
 * the same float32 operations in the same order, so it gives the same bits.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '../../tf';
import { noteKernelRoute } from '../kernel-trace';
import { F32X4_MUL, F32X4_SUB, I32, I32_ADD, I32_CONST, LOCAL_GET, LOCAL_SET, V128_LOAD, V128_STORE, backendMemory, heapOffset, instanceFor, loop16, simdKernelRuns, simdModule } from './simd-module';

export const INSTANCE_NORM_GRAD = 'AtelierInstanceNormGrad';

interface NormGradExports {
  /** backward(dy, xHat, meanDy, meanDyXHat, invStd, out, pixels, channelBytes) for one sample. */
  backward: (dy: number, xHat: number, a: number, b: number, s: number, out: number, pixels: number, channelBytes: number) => void;
}

function normGradModule(): Uint8Array<ArrayBuffer> {
  // Parameters 0 dy, 1 x̂, 2 a, 3 b, 4 s, 5 out, 6 pixels, 7 channelBytes; locals 8 i, 9 p.
  const [DY, XH, A, B, S, OUT, PIXELS, CB, I, P] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const at = (base: number) => [...LOCAL_GET(base), ...LOCAL_GET(I), ...I32_ADD];
  const advance = (local: number) => [...LOCAL_GET(local), ...LOCAL_GET(CB), ...I32_ADD, ...LOCAL_SET(local)];
  const body = [
    ...I32_CONST(0), ...LOCAL_SET(P),
    0x02, 0x40, 0x03, 0x40, // block, loop (pixels)
    ...LOCAL_GET(P), ...LOCAL_GET(PIXELS), 0x4f /* i32.ge_u */, 0x0d, 1,
    ...loop16(I, CB, [
      ...at(OUT),
      // ((dy − a) − x̂·b) · s
      ...at(DY), ...V128_LOAD(), ...at(A), ...V128_LOAD(), ...F32X4_SUB,
      ...at(XH), ...V128_LOAD(), ...at(B), ...V128_LOAD(), ...F32X4_MUL,
      ...F32X4_SUB,
      ...at(S), ...V128_LOAD(), ...F32X4_MUL,
      ...V128_STORE(),
    ]),
    ...advance(DY), ...advance(XH), ...advance(OUT),
    ...LOCAL_GET(P), ...I32_CONST(1), ...I32_ADD, ...LOCAL_SET(P),
    0x0c, 0, 0x0b, 0x0b, // br 0, end loop, end block
  ];
  return simdModule([{ name: 'backward', params: [I32, I32, I32, I32, I32, I32, I32, I32], locals: [[2, I32]], body }]);
}

const instances = new WeakMap<WebAssembly.Memory, NormGradExports>();

function instanceNormGrad(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, xHat, meanDy, meanDyXHat, invStd } = args.inputs as Record<'dy' | 'xHat' | 'meanDy' | 'meanDyXHat' | 'invStd', tf.TensorInfo>;
  const [n, h, w, c] = dy.shape as [number, number, number, number];
  const vector = [n, 1, 1, c];
  const ok =
    dy.shape.length === 4 &&
    c % 4 === 0 &&
    tf.util.arraysEqual(xHat.shape, dy.shape) &&
    [meanDy, meanDyXHat, invStd].every((t) => tf.util.arraysEqual(t.shape, vector)) &&
    [dy, xHat, meanDy, meanDyXHat, invStd].every((t) => t.dtype === 'float32');
  if (!ok) {
    throw new Error(`${INSTANCE_NORM_GRAD}: expects float32 dy and x̂ [N, H, W, C] with C a multiple of 4 and vectors [N, 1, 1, C]; got dy [${dy.shape}], x̂ [${xHat.shape}]`);
  }
  const memory = backendMemory(backend);
  if (!memory) throw new Error(`${INSTANCE_NORM_GRAD}: the wasm backend's memory is shared (threaded build); use the TF.js ops`);
  noteKernelRoute('wasm-simd');
  const out = backend.makeOutput([...dy.shape], 'float32');
  const { backward } = instanceFor(normGradModule, memory, instances);
  const [dyOff, xhOff, aOff, bOff, sOff, outOff] = [dy, xHat, meanDy, meanDyXHat, invStd, out].map((t) => heapOffset(backend, t)) as [number, number, number, number, number, number];
  const sample = h * w * c * 4;
  for (let i = 0; i < n; i++) backward(dyOff + i * sample, xhOff + i * sample, aOff + i * c * 4, bOff + i * c * 4, sOff + i * c * 4, outOff + i * sample, h * w, c * 4);
  return out;
}

/** Whether the fused pass runs here: the wasm backend (single-threaded build), C a multiple of 4. */
export function instanceNormGradAvailable(channels: number): boolean {
  return channels % 4 === 0 && simdKernelRuns(INSTANCE_NORM_GRAD, tf.backend());
}

export const instanceNormGradConfig: tf.KernelConfig = {
  kernelName: INSTANCE_NORM_GRAD,
  backendName: 'wasm',
  kernelFunc: instanceNormGrad as unknown as tf.KernelFunc,
};
