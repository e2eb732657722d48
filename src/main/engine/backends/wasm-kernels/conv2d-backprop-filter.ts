/**
 * Conv2DBackpropFilter for the wasm backend, which does not have it (tfjs issue 8474):
 * the filter gradient of every convolution in training.
 *
 *   dW[ky, kx, ci, co] = Σ_{n, i, j} x[n, i·sh + ky − padTop, j·sw + kx − padLeft, ci] · dy[n, i, j, co]
 *
 * is itself a convolution: over x with channels and batch swapped ([Cin, H, W, N]: the
 * input channels become the batch, the batch becomes the contraction depth), with dy as the
 * filter ([Ho, Wo, N, Cout]) dilated by the forward stride. Its output [Cin, kh, kw, Cout]
 * transposes to the filter layout. XNNPACK runs that convolution; the rest are transposes.
 */
import * as tf from '../../tf';
import { noteKernelRoute } from '../kernel-trace';
import { onnxConv2DBackpropFilter } from './onnx-conv';
import { conv2d, convMargins, cropForConv, gradientConvInfo, release, transpose, type Wasm } from './wasm-ops';

export function conv2DBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as Wasm;
  const { x, dy } = args.inputs as tf.Conv2DBackpropFilterInputs;
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const viaOnnx = onnxConv2DBackpropFilter(backend, { x, dy }, attrs);
  if (viaOnnx) return viaOnnx;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  noteKernelRoute('xnnpack-dilated-conv');

  // NCHW is brought to NHWC first; the result is a filter either way.
  const channelsFirst = tf.backend_util.convertConv2DDataFormat(dataFormat) === 'channelsFirst';
  const xs = channelsFirst ? transpose(backend, x!, [0, 2, 3, 1]) : x!;
  const dys = channelsFirst ? transpose(backend, dy!, [0, 2, 3, 1]) : dy!;

  const info = gradientConvInfo(tf.Conv2DBackpropFilter, xs.shape, filterShape, dys.shape, { strides, pad, dimRoundingMode });
  const { strideHeight: sh, strideWidth: sw } = info;
  // The taps read x rows from −top to −top + (Ho − 1)·sh + kh − 1: zero-pad what lies outside
  // x, crop what no tap reads.
  const { top, bottom, left, right } = convMargins(info);

  const xT = transpose(backend, xs, [3, 1, 2, 0]); // [Cin, H, W, N]
  const cropped = cropForConv(backend, xT, top, bottom, left, right);
  const dyT = transpose(backend, dys, [1, 2, 0, 3]); // [Ho, Wo, N, Cout]
  const dW = conv2d(backend, cropped.x, dyT, { dilations: [sh, sw], pad: cropped.pad }); // [Cin, kh, kw, Cout]
  const out = transpose(backend, dW, [1, 2, 0, 3]);

  release(backend, xT, dyT, dW);
  if (cropped.x !== xT) release(backend, cropped.x);
  if (xs !== x) release(backend, xs);
  if (dys !== dy) release(backend, dys);
  return out;
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as tf.KernelFunc,
};
