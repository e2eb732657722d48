/**
 * Mean and Sum for the wasm backend: large float reductions on ONNX Runtime
 * (onnx-reduce.ts), the rest by the package's own kernels.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '../../tf';
import { noteKernelRoute } from '../kernel-trace';
import { onnxReduce } from './onnx-reduce';

const packageKernels = new Map<string, tf.KernelFunc>();

/** The package's own kernel of that name, which these call for what stays in WebAssembly. */
export function setPackageReduce(kernelName: 'Mean' | 'Sum', kernel: tf.KernelFunc | undefined): void {
  if (kernel) packageKernels.set(kernelName, kernel);
  else packageKernels.delete(kernelName);
}

function reduceKernel(op: 'Mean' | 'Sum'): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as tf.MeanInputs;
    const out = onnxReduce(op, args.backend as BackendWasm, x!, args.attrs as unknown as tf.MeanAttrs);
    if (out) {
      noteKernelRoute('onnxruntime-reduce');
      return out;
    }
    const own = packageKernels.get(op);
    if (!own) throw new Error(`${op}: the wasm backend’s own kernel is not registered`);
    return own(args);
  };
}

export const meanConfig: tf.KernelConfig = { kernelName: tf.Mean, backendName: 'wasm', kernelFunc: reduceKernel('Mean') };
export const sumConfig: tf.KernelConfig = { kernelName: tf.Sum, backendName: 'wasm', kernelFunc: reduceKernel('Sum') };
