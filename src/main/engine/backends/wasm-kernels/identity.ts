/**
 * Identity for the wasm backend without a copy. TF.js runs Identity for every `tf.clone`,
 * and the engine clones each tensor it saves for a gradient (an op's inputs, outputs,
 * customGrad's saved values) while a gradient tape records. The package's Identity copies
 * the data into a new heap buffer, so on wasm a training step held every saved activation
 * and every convolution filter twice: a network's weights once more per forward pass.
 * The cpu backend shares the buffer and counts references, as the wasm backend's own Reshape
 * does; tensors are immutable (a variable's `assign` takes a new buffer), so sharing is safe.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '../../tf';
import { noteKernelRoute } from '../kernel-trace';

export function identity(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x } = args.inputs as tf.IdentityInputs;
  noteKernelRoute('shared-buffer');
  backend.incRef(x!.dataId);
  return { dataId: x!.dataId, shape: x!.shape, dtype: x!.dtype };
}

export const identityConfig: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: identity as tf.KernelFunc,
};
