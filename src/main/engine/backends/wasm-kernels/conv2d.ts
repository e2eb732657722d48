/**
 * Conv2D for the wasm backend: the package's, without keeping XNNPACK's packed copy of the
 * filter while a gradient is computed.
 *
 * The package's Conv2D builds an XNNPACK operator per filter tensor, holding a packed copy
 * of the filter, and caches it until that tensor is disposed. That pays off when the same
 * weights convolve call after call, as in inference. In training the weights are replaced
 * at every optimizer step, so each network's weights were held twice from their first
 * convolution in a step until the optimizer replaced them, and those copies, placed among
 * the step's activations, kept the freed activations from coalescing: pix2pix at 256×256
 * (unet_256) settled at a 1.84 GB wasm heap with the copies and 1.37 GB without. While a
 * gradient is computed (forward under a tape, or the backward pass), the operator is dropped
 * after each call; a filter used again in the step is packed again, one pass over the
 * weights against a convolution's many.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '../../tf';
import { noteKernelRoute } from '../kernel-trace';

let packageKernel: tf.KernelFunc | undefined;

/** The package's own Conv2D, which this one runs (set when the kernels are registered). */
export function setPackageConv2D(kernel: tf.KernelFunc | undefined): void {
  packageKernel = kernel;
}

/** True while tf.grads / tf.variableGrads run their forward or backward pass. */
function computingGradient(): boolean {
  // The engine holds a tape from the start of a gradient computation to the end of its
  // backward pass, and none otherwise.
  return tf.engine().state.activeTape != null;
}

/**
 * Deletes the XNNPACK operators cached for `filter`, leaving the tensor as it is: the C++
 * side's dispose_data runs the tensor's disposal callbacks (which delete its operators) and
 * forgets the id, while the memory stays the JavaScript side's to free; registering the id
 * again restores the tensor for every later call.
 */
function dropPackedFilter(backend: BackendWasm, filter: tf.TensorInfo): void {
  const data = backend.dataIdMap.get(filter.dataId);
  if (!data || data.memoryOffset == null) return;
  backend.wasm.tfjs.disposeData(data.id);
  backend.wasm.tfjs.registerTensor(data.id, tf.util.sizeFromShape(filter.shape), data.memoryOffset);
}

export function conv2d(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  if (!packageKernel) throw new Error('Conv2D: the wasm backend’s own kernel is not registered');
  const out = packageKernel(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  if (computingGradient()) {
    noteKernelRoute('xnnpack-unpacked-after');
    dropPackedFilter(args.backend as BackendWasm, (args.inputs as tf.Conv2DInputs).filter!);
  }
  return out;
}

export const conv2dConfig: tf.KernelConfig = {
  kernelName: tf.Conv2D,
  backendName: 'wasm',
  kernelFunc: conv2d as tf.KernelFunc,
};
