/**
 * LeakyRelu and its gradient on the wasm backend as one SIMD pass each (./simd-module.ts),
 * for the U-Net and PatchGAN layers (slope 0.2) of pix2pix.
 *
 * The package's LeakyRelu is a scalar loop (about 6 ns a value here), and tfjs-core's
 * gradient is three ops: Greater, Multiply and Select, each a pass over the tensor. A
 * pix2pix iteration runs 19 of each, about 8.8 M values each way; together they took about
 * 150 ms of a 1.9 s iteration (tests/bench/train-profile.ts).
 *
 * Both compute what they replace, bit for bit, in float32:
 *   forward   y = x < 0 ? α·x : x                 (the package's kernel)
 *   gradient  dx = x > 0 ? dy : dy·α              (tfjs-core's LeakyRelu gradient)
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '../../tf';
import {
  F32,
  F32X4_GT,
  F32X4_LT,
  F32X4_MUL,
  F32X4_SPLAT,
  I32,
  I32_ADD,
  LOCAL_GET,
  LOCAL_SET,
  LOCAL_TEE,
  V128,
  V128_BITSELECT,
  V128_LOAD,
  V128_STORE,
  V128_ZERO,
  backendMemory,
  elementwisePass,
  simdKernelRuns,
  instanceFor,
  loop16,
  simdModule,
} from './simd-module';

export const LEAKY_RELU_GRAD = 'AtelierLeakyReluGrad';

interface LeakyReluExports {
  /** forward(x, out, bytes: i32, α: f32) */
  forward: (x: number, out: number, bytes: number, alpha: number) => void;
  /** gradient(x, dy, out, bytes: i32, α: f32) */
  gradient: (x: number, dy: number, out: number, bytes: number, alpha: number) => void;
}

function leakyReluModule(): Uint8Array<ArrayBuffer> {
  const at = (base: number, i: number) => [...LOCAL_GET(base), ...LOCAL_GET(i), ...I32_ADD];
  // forward: parameters 0 x, 1 out, 2 bytes, 3 α; locals 4 i, 5 α×4, 6 v.
  const forward = [
    ...LOCAL_GET(3), ...F32X4_SPLAT, ...LOCAL_SET(5),
    ...loop16(4, 2, [
      ...at(1, 4),
      // bitselect(α·v, v, v < 0)
      ...at(0, 4), ...V128_LOAD(), ...LOCAL_TEE(6), ...LOCAL_GET(5), ...F32X4_MUL,
      ...LOCAL_GET(6),
      ...LOCAL_GET(6), ...V128_ZERO, ...F32X4_LT,
      ...V128_BITSELECT, ...V128_STORE(),
    ]),
  ];
  // gradient: parameters 0 x, 1 dy, 2 out, 3 bytes, 4 α; locals 5 i, 6 α×4, 7 d.
  const gradient = [
    ...LOCAL_GET(4), ...F32X4_SPLAT, ...LOCAL_SET(6),
    ...loop16(5, 3, [
      ...at(2, 5),
      // bitselect(d, d·α, x > 0)
      ...at(1, 5), ...V128_LOAD(), ...LOCAL_TEE(7),
      ...LOCAL_GET(7), ...LOCAL_GET(6), ...F32X4_MUL,
      ...at(0, 5), ...V128_LOAD(), ...V128_ZERO, ...F32X4_GT,
      ...V128_BITSELECT, ...V128_STORE(),
    ]),
  ];
  return simdModule([
    { name: 'forward', params: [I32, I32, I32, F32], locals: [[1, I32], [2, V128]], body: forward },
    { name: 'gradient', params: [I32, I32, I32, I32, F32], locals: [[1, I32], [2, V128]], body: gradient },
  ]);
}

const instances = new WeakMap<WebAssembly.Memory, LeakyReluExports>();

/** The package's own LeakyRelu, for what the pass does not take (other dtypes, shared memory). */
let packageLeakyRelu: tf.KernelFunc | undefined;

export function setPackageLeakyRelu(kernel: tf.KernelFunc | undefined): void {
  packageLeakyRelu = kernel;
}

function leakyRelu(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (!backendMemory(backend) || x.dtype !== 'float32') {
    if (!packageLeakyRelu) throw new Error(`LeakyRelu: no kernel for ${x.dtype} on this build of the wasm backend`);
    return packageLeakyRelu(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  const alpha = Math.fround((args.attrs as unknown as { alpha: number }).alpha);
  return elementwisePass(
    backend,
    'LeakyRelu',
    [x],
    (memory, [xOff, outOff], bytes) => instanceFor(leakyReluModule, memory, instances).forward(xOff!, outOff!, bytes, alpha),
    (v) => (v < 0 ? Math.fround(alpha * v) : v),
  );
}

function leakyReluGrad(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { x, dy } = args.inputs as Record<'x' | 'dy', tf.TensorInfo>;
  const alpha = Math.fround((args.attrs as unknown as { alpha: number }).alpha);
  return elementwisePass(
    args.backend as BackendWasm,
    LEAKY_RELU_GRAD,
    [x, dy],
    (memory, [xOff, dyOff, outOff], bytes) => instanceFor(leakyReluModule, memory, instances).gradient(xOff!, dyOff!, outOff!, bytes, alpha),
    (v, d) => (v > 0 ? d! : Math.fround(d! * alpha)),
  );
}

/** Whether the fused gradient runs on `backend` (the wasm backend, single-threaded build). */
export function leakyReluGradAvailable(backend: tf.KernelBackend): boolean {
  return simdKernelRuns(LEAKY_RELU_GRAD, backend);
}

export const leakyReluConfig: tf.KernelConfig = {
  kernelName: tf.LeakyRelu,
  backendName: 'wasm',
  kernelFunc: leakyRelu as unknown as tf.KernelFunc,
};

export const leakyReluGradKernelConfig: tf.KernelConfig = {
  kernelName: LEAKY_RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: leakyReluGrad as unknown as tf.KernelFunc,
};

/**
 * LeakyRelu's gradient for every backend: tfjs-core's (x > 0 ? dy : dy·α, as three ops), or
 * the one pass above where the wasm backend runs it.
 */
export const leakyReluGradConfig: tf.GradConfig = {
  kernelName: tf.LeakyRelu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const { alpha } = attrs as unknown as { alpha: number };
    const d = dy as tf.Tensor;
    if (d.dtype === 'float32' && x.dtype === 'float32' && leakyReluGradAvailable(tf.backend())) {
      return { x: () => tf.engine().runKernel(LEAKY_RELU_GRAD, { x, dy: d }, { alpha }) as tf.Tensor };
    }
    return { x: () => tf.where(tf.greater(x, 0), d, tf.mul(d, alpha)) };
  },
};
