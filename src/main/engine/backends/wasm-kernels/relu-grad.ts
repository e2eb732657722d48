/**
 * ReLU's gradient on the wasm backend as one SIMD pass (./simd-module.ts). tfjs-core computes
 * it as dy · cast(step(x)): Step, Cast (a copy) and Multiply, three passes; in a CycleGAN
 * iteration they took about 550 ms (tests/bench/train-profile.ts). The pass multiplies dy by
 * the same step values (1 where x > 0, else 0, and x itself where x is NaN, as the package's
 * Step gives NaN there), so it gives the same results.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '../../tf';
import { noteKernelRoute } from '../kernel-trace';
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
  backendMemory,
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

const offsetOf = (backend: BackendWasm, t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;

function reluGrad(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as Record<'x' | 'dy', tf.TensorInfo>;
  if (!tf.util.arraysEqual(x.shape, dy.shape) || x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(`${RELU_GRAD}: x is ${x.dtype} [${x.shape}], dy ${dy.dtype} [${dy.shape}]; both must be float32 of one shape`);
  }
  const memory = backendMemory(backend);
  if (!memory) throw new Error(`${RELU_GRAD}: the wasm backend's memory is shared (threaded build); use the TF.js ops`);
  noteKernelRoute('wasm-simd');
  const out = backend.makeOutput([...x.shape], 'float32');
  const [xOff, dyOff, outOff] = [offsetOf(backend, x), offsetOf(backend, dy), offsetOf(backend, out)];
  const size = tf.util.sizeFromShape(x.shape);
  const whole = size - (size % 4);
  instanceFor(reluGradModule, memory, instances).gradient(xOff, dyOff, outOff, whole * 4);
  if (whole < size) {
    const heap = new Float32Array(memory.buffer);
    for (let i = whole; i < size; i++) {
      const v = heap[xOff / 4 + i]!;
      heap[outOff / 4 + i] = Math.fround(heap[dyOff / 4 + i]! * (Number.isNaN(v) ? v : v > 0 ? 1 : 0));
    }
  }
  return out;
}

function reluGradAvailable(): boolean {
  if (tf.getBackend() !== 'wasm' || tf.getKernel(RELU_GRAD, 'wasm') == null) return false;
  const backend = tf.backend() as BackendWasm;
  return backend.wasm != null && backendMemory(backend) != null;
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
    if (d.dtype === 'float32' && x.dtype === 'float32' && reluGradAvailable()) {
      return { x: () => tf.engine().runKernel(RELU_GRAD, { x, dy: d }) as tf.Tensor };
    }
    return { x: () => tf.mul(d, tf.cast(tf.step(x), 'float32')) };
  },
};
