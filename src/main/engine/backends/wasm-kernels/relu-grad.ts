/**
 * ReLU's gradient on the wasm backend as one SIMD pass (./simd-module.ts). tfjs-core computes
 * it as dy · cast(step(x)): Step, Cast (a copy) and Multiply, three passes; in a CycleGAN
 * iteration they took about 550 ms (tests/bench/train-profile.ts). The pass multiplies dy by
 * the same step values (1 where x > 0, else 0, and x itself where x is NaN, as the package's
 * Step gives NaN there), so it gives the same results.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '../../tf';
import {
  F32X4_GT,
  F32X4_MUL,
  F32X4_NE,
  I32,
  I32_ADD,
  LOCAL_GET,
  LOCAL_TEE,
  V128,
  V128_BITSELECT,
  V128_LOAD,
  V128_ONES_F32,
  V128_STORE,
  V128_ZERO,
  elementwisePass,
  simdKernelRuns,
  instanceFor,
  loop16,
  simdModule,
} from './simd-module';

export const RELU_GRAD = 'AtelierReluGrad';

interface ReluGradExports {
  /** gradient(x, dy, out, bytes) */
  gradient: (x: number, dy: number, out: number, bytes: number) => void;
}

function reluGradModule(): Uint8Array<ArrayBuffer> {
  // Parameters 0 x, 1 dy, 2 out, 3 bytes; locals 4 i, 5 v.
  const at = (base: number) => [...LOCAL_GET(base), ...LOCAL_GET(4), ...I32_ADD];
  const body = loop16(4, 3, [
    ...at(2),
    ...at(1), ...V128_LOAD(),
    // step = bitselect(x, bitselect(1, 0, x > 0), x ≠ x): x itself where it is NaN
    ...at(0), ...V128_LOAD(), ...LOCAL_TEE(5),
    ...V128_ONES_F32, ...V128_ZERO, ...LOCAL_GET(5), ...V128_ZERO, ...F32X4_GT, ...V128_BITSELECT,
    ...LOCAL_GET(5), ...LOCAL_GET(5), ...F32X4_NE, ...V128_BITSELECT,
    ...F32X4_MUL, ...V128_STORE(),
  ]);
  return simdModule([{ name: 'gradient', params: [I32, I32, I32, I32], locals: [[1, I32], [1, V128]], body }]);
}

const instances = new WeakMap<WebAssembly.Memory, ReluGradExports>();

function reluGrad(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const { x, dy } = args.inputs as Record<'x' | 'dy', tf.TensorInfo>;
  return elementwisePass(
    args.backend as BackendWasm,
    RELU_GRAD,
    [x, dy],
    (memory, [xOff, dyOff, outOff], bytes) => instanceFor(reluGradModule, memory, instances).gradient(xOff!, dyOff!, outOff!, bytes),
    (v, d) => Math.fround(d! * (Number.isNaN(v) ? v : v > 0 ? 1 : 0)),
  );
}

export const reluGradKernelConfig: tf.KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: reluGrad as unknown as tf.KernelFunc,
};

/** ReLU's gradient for every backend: tfjs-core's ops, or the pass above where wasm runs it. */
export const reluGradConfig: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    const d = dy as tf.Tensor;
    if (d.dtype === 'float32' && x.dtype === 'float32' && simdKernelRuns(RELU_GRAD, tf.backend())) {
      return { x: () => tf.engine().runKernel(RELU_GRAD, { x, dy: d }) as tf.Tensor };
    }
    return { x: () => tf.mul(d, tf.cast(tf.step(x), 'float32')) };
  },
};
