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
import { onnxConv2D } from './onnx-conv';
import { conv2DInfoNhwc, convMargins, release, stridedSlice, transpose } from './wasm-ops';

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

/**
 * The package's kernel, on the geometries it computes correctly: in tfjs-backend-wasm 4.22 a
 * numeric padding with unequal strides, or a rounding mode, gave wrong values or wrote out
 * of bounds. Every call gets its padding made explicit (rows a rounded-up output reads past
 * the input included); unequal strides run at stride 1 and keep every sh-th row and sw-th
 * column.
 */
function packageConv2D(backend: BackendWasm, x: tf.TensorInfo, filter: tf.TensorInfo, attrs: tf.Conv2DAttrs): tf.TensorInfo {
  if (!packageKernel) throw new Error('Conv2D: the wasm backend’s own kernel is not registered');
  const info = conv2DInfoNhwc(x.shape, filter.shape, attrs);
  const { top, bottom, left, right } = convMargins(info);
  const pad: tf.backend_util.ExplicitPadding = [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]];
  const square = info.strideHeight === info.strideWidth;
  const run = (strides: [number, number]) =>
    packageKernel!({
      inputs: { x, filter },
      backend: backend as unknown as tf.KernelBackend,
      attrs: { strides, pad, dataFormat: 'NHWC', dilations: attrs.dilations } as unknown as tf.NamedAttrMap,
    }) as tf.TensorInfo;
  if (square) return run([info.strideHeight, info.strideWidth]);
  const full = run([1, 1]);
  const out = stridedSlice(
    backend,
    full,
    [0, 0, 0, 0],
    [info.batchSize, (info.outHeight - 1) * info.strideHeight + 1, (info.outWidth - 1) * info.strideWidth + 1, info.outChannels],
    [1, info.strideHeight, info.strideWidth, 1],
  );
  release(backend, full);
  return out;
}

function conv2dNHWC(backend: BackendWasm, x: tf.TensorInfo, filter: tf.TensorInfo, attrs: tf.Conv2DAttrs): tf.TensorInfo {
  const viaOnnx = onnxConv2D(backend, { x, filter }, attrs);
  if (viaOnnx) return viaOnnx;
  const out = packageConv2D(backend, x, filter, attrs);
  if (computingGradient()) {
    noteKernelRoute('xnnpack-unpacked-after');
    dropPackedFilter(backend, filter);
  }
  return out;
}

export function conv2d(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, filter } = args.inputs as tf.Conv2DInputs;
  const attrs = args.attrs as unknown as tf.Conv2DAttrs;
  if (tf.backend_util.convertConv2DDataFormat(attrs.dataFormat) === 'channelsLast') return conv2dNHWC(backend, x!, filter!, attrs);
  // NCHW: computed in NHWC between two transposes.
  const xs = transpose(backend, x!, [0, 2, 3, 1]);
  const ys = conv2dNHWC(backend, xs, filter!, { ...attrs, dataFormat: 'NHWC' });
  const out = transpose(backend, ys, [0, 3, 1, 2]);
  release(backend, xs, ys);
  return out;
}

export const conv2dConfig: tf.KernelConfig = {
  kernelName: tf.Conv2D,
  backendName: 'wasm',
  kernelFunc: conv2d as tf.KernelFunc,
};
