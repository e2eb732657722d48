/**
 * The wasm backend's own kernels, called directly on TensorInfos from inside another
 * kernel (the way TF.js backends compose kernels: no tape, no engine bookkeeping). Each
 * call returns a new TensorInfo owned by the caller, who releases it with `release`.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '../../tf';

export type Wasm = BackendWasm;

function run(name: string, backend: Wasm, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap): tf.TensorInfo {
  // Looked up per call, so that a kernel trace sees these inner calls too.
  const config = tf.getKernel(name, 'wasm');
  if (!config) throw new Error(`kernel '${name}' is not registered for backend 'wasm'`);
  return config.kernelFunc({ inputs, attrs, backend }) as tf.TensorInfo;
}

export function release(backend: Wasm, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

export function transpose(backend: Wasm, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return run(tf.Transpose, backend, { x }, { perm });
}

export function stridedSlice(backend: Wasm, x: tf.TensorInfo, begin: number[], end: number[], strides: number[]): tf.TensorInfo {
  return run(tf.StridedSlice, backend, { x }, { begin, end, strides, beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0 });
}

export function slice(backend: Wasm, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  return run(tf.Slice, backend, { x }, { begin, size });
}

/** XNNPACK's NHWC convolution (no bias, no activation). */
export function conv2d(
  backend: Wasm,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  opts: { strides?: [number, number]; dilations?: [number, number]; pad: 'valid' | tf.backend_util.ExplicitPadding },
): tf.TensorInfo {
  const attrs: tf.Conv2DAttrs = {
    strides: opts.strides ?? [1, 1],
    dilations: opts.dilations ?? [1, 1],
    pad: opts.pad,
    dataFormat: 'NHWC',
  };
  return run(tf.Conv2D, backend, { x, filter }, attrs as unknown as tf.NamedAttrMap);
}

/**
 * Spatial margins for a convolution over an NHWC tensor: positive amounts become the
 * convolution's explicit zero padding (XNNPACK pads without a copy), negative ones crop rows
 * or columns first. `x` is returned as is when nothing is cropped, so callers compare
 * before releasing.
 */
export function cropForConv(
  backend: Wasm,
  x: tf.TensorInfo,
  top: number,
  bottom: number,
  left: number,
  right: number,
): { x: tf.TensorInfo; pad: 'valid' | tf.backend_util.ExplicitPadding } {
  let t = x;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [n, h, w, c] = t.shape as [number, number, number, number];
    const cropTop = Math.max(0, -top);
    const cropLeft = Math.max(0, -left);
    const height = h - cropTop - Math.max(0, -bottom);
    const width = w - cropLeft - Math.max(0, -right);
    if (height <= 0 || width <= 0) throw new Error(`cannot crop [${t.shape}] by (${top}, ${bottom}, ${left}, ${right})`);
    t = slice(backend, t, [0, cropTop, cropLeft, 0], [n, height, width, c]);
  }
  const pt = Math.max(0, top);
  const pb = Math.max(0, bottom);
  const pl = Math.max(0, left);
  const pr = Math.max(0, right);
  const pad: 'valid' | tf.backend_util.ExplicitPadding =
    pt || pb || pl || pr ? [[0, 0], [pt, pb], [pl, pr], [0, 0]] : 'valid';
  return { x: t, pad };
}

/** What a convolution's geometry is given by (Conv2D's attributes; the gradients have no dilations). */
export interface ConvGeometry {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: tf.Conv2DAttrs['pad'];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** TF.js's convolution info for NHWC x and a [kh, kw, ci, co] filter. */
export function conv2DInfoNhwc(xShape: readonly number[], filterShape: readonly number[], attrs: ConvGeometry): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/**
 * The NHWC convolution of x [xShape] with a [filterShape] filter whose output gradient is
 * `dyShape`, for the gradient kernels; throws, naming the shapes, when dy does not fit.
 */
export function gradientConvInfo(
  kernelName: string,
  xShape: readonly number[],
  filterShape: readonly number[],
  dyShape: readonly number[],
  attrs: ConvGeometry,
): tf.backend_util.Conv2DInfo {
  const info = conv2DInfoNhwc(xShape, filterShape, attrs);
  const [n, ho, wo, co] = dyShape;
  if (n !== info.batchSize || ho !== info.outHeight || wo !== info.outWidth || co !== info.outChannels) {
    throw new Error(
      `${kernelName}: dy has shape [${dyShape}], the convolution of x [${xShape}] with a ` +
        `[${filterShape}] filter gives [${info.outShape}]`,
    );
  }
  return info;
}

/**
 * The margins a convolution reads around its input: padInfo's top and left, and the rows and
 * columns its last output reaches past the input's end (zero padding; negative where rows at
 * the end are never read).
 */
export function convMargins(info: tf.backend_util.Conv2DInfo): { top: number; bottom: number; left: number; right: number } {
  const { top, left } = info.padInfo;
  return {
    top,
    left,
    bottom: (info.outHeight - 1) * info.strideHeight + info.effectiveFilterHeight - info.inHeight - top,
    right: (info.outWidth - 1) * info.strideWidth + info.effectiveFilterWidth - info.inWidth - left,
  };
}
