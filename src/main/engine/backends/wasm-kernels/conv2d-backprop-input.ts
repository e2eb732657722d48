/**
 * Conv2DBackpropInput for the wasm backend on XNNPACK. The backend has this kernel, but as
 * a scalar loop nest on one thread (src/cc/kernels/Conv2DBackpropInput.cc), and training
 * runs it twice per layer: for the input gradient of every convolution, and as the forward
 * pass of every transposed convolution (the U-Net decoder, the ResNet generator's
 * up-sampling).
 *
 *   dx[n, h, w, ci] = Σ dy[n, i, j, co] · W[ky, kx, ci, co]   over  i·sh + ky = h + padTop,
 *                                                                 j·sw + kx = w + padLeft
 *
 * Sub-pixel decomposition: output rows with (h + padTop) mod sh = r only meet filter rows
 * ky = r + sh·q, so for each phase (r, c) dx is a stride-1 correlation of dy with the
 * sub-filter of those taps, flipped. All sh·sw phases read the same ⌈kh/sh⌉ × ⌈kw/sw⌉ window
 * of dy, so their sub-filters stack along the output channels into one filter
 * [Qh, Qw, Cout, sh·sw·Cin]: one XNNPACK convolution computes every phase, without the
 * zeros a dilated-input formulation would multiply. One copy pass interleaves the phases
 * and drops the padding rows.
 *
 * XNNPACK creates an operator for every new filter, and the phase filter is new at every
 * call: that costs tens of nanoseconds per filter weight, where the package's loop costs a
 * few nanoseconds per multiply-add, i.e. per weight and dy pixel. With few dy pixels (the
 * innermost U-Net levels: 1×1 to 4×4 maps with 512 channels) the loop is faster, and
 * such calls go to it (measured on U-Net layer shapes: loop ahead up to 16 dy pixels,
 * XNNPACK ahead from 64, by up to 4× at 128×128).
 */
import * as tf from '../../tf';
import { noteKernelRoute } from '../kernel-trace';
import { onnxConv2DBackpropInput } from './onnx-conv';
import { conv2d, cropForConv, gradientConvInfo, release, transpose, type Wasm } from './wasm-ops';

/** Calls with fewer dy pixels (N·Ho·Wo) than this run the package's own loop. */
export const PHASE_CONV_MIN_DY_PIXELS = 32;

let packageKernel: tf.KernelFunc | undefined;

/** The package's Conv2DBackpropInput, for the small calls (see above); undefined: none. */
export function setPackageConv2DBackpropInput(kernelFunc: tf.KernelFunc | undefined): void {
  packageKernel = kernelFunc;
}

/**
 * The phase filter [Qh, Qw, Cout, sh·sw·Cin] from W [kh, kw, Cin, Cout]: channel
 * (r·sw + c)·Cin + ci at window position (a, b) holds W[r + sh·(Qh−1−a), c + sw·(Qw−1−b), ci, co]
 * (zero where that tap lies beyond the filter).
 *
 * Written by one loop over the wasm heap, as the package writes Concat and Slice: the same
 * rearrangement through the package's kernels (pad, rank-6 reshape, Reverse, Transpose)
 * took ten times as long as the convolution it feeds.
 */
function phaseFilter(backend: Wasm, filter: tf.TensorInfo, sh: number, sw: number): tf.TensorInfo {
  const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
  const qh = Math.ceil(kh / sh);
  const qw = Math.ceil(kw / sw);
  const depth = sh * sw * ci;
  const out = backend.makeOutput([qh, qw, co, depth], 'float32');
  // Views taken after the allocation: growing the heap detaches earlier ones.
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const src = backend.typedArrayFromHeap(filter) as Float32Array;
  if (qh * sh !== kh || qw * sw !== kw) dst.fill(0);
  for (let a = 0; a < qh; a++) {
    for (let r = 0; r < sh; r++) {
      const ky = r + sh * (qh - 1 - a);
      if (ky >= kh) continue;
      for (let b = 0; b < qw; b++) {
        for (let c = 0; c < sw; c++) {
          const kx = c + sw * (qw - 1 - b);
          if (kx >= kw) continue;
          const srcTap = (ky * kw + kx) * ci * co;
          const dstWindow = (a * qw + b) * co * depth + (r * sw + c) * ci;
          for (let o = 0; o < co; o++) {
            const d = dstWindow + o * depth;
            for (let i = 0; i < ci; i++) dst[d + i] = src[srcTap + i * co + o]!;
          }
        }
      }
    }
  }
  return out;
}

/**
 * dx [N, H, W, C] from the phase grid [N, Mh, Mw, sh·sw·C]: dx[n, h, w] is phase
 * (R mod sh, Q mod sw) of grid cell (⌊R/sh⌋, ⌊Q/sw⌋), R = h + rowStart, Q = w + colStart.
 * Runs of up to sw pixels are contiguous on both sides, so this is one copy per run
 * (the package's DepthToSpace, a per-element loop, took as long as the convolution).
 */
function interleavePhases(
  backend: Wasm,
  phases: tf.TensorInfo,
  sh: number,
  sw: number,
  rowStart: number,
  colStart: number,
  height: number,
  width: number,
): tf.TensorInfo {
  const [n, mh, mw, depth] = phases.shape as [number, number, number, number];
  const c = depth / (sh * sw);
  const out = backend.makeOutput([n, height, width, c], 'float32');
  // Views taken after the allocation: growing the heap detaches earlier ones.
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const src = backend.typedArrayFromHeap(phases) as Float32Array;
  for (let b = 0; b < n; b++) {
    for (let h = 0; h < height; h++) {
      const row = h + rowStart;
      const m = Math.floor(row / sh);
      const srcRow = (b * mh + m) * mw * depth + (row - m * sh) * sw * c;
      const dstRow = (b * height + h) * width * c;
      for (let w = 0; w < width; ) {
        const col = w + colStart;
        const cell = Math.floor(col / sw);
        const phase = col - cell * sw;
        const run = Math.min(sw - phase, width - w);
        const from = srcRow + cell * depth + phase * c;
        const to = dstRow + w * c;
        const len = run * c;
        if (len >= 16) dst.set(src.subarray(from, from + len), to);
        else for (let k = 0; k < len; k++) dst[to + k] = src[from + k]!;
        w += run;
      }
    }
  }
  return out;
}

function conv2DBackpropInputNHWC(
  backend: Wasm,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  inputShape: [number, number, number, number],
  attrs: tf.Conv2DBackpropInputAttrs,
): tf.TensorInfo {
  const info = gradientConvInfo(tf.Conv2DBackpropInput, inputShape, filter.shape, dy.shape, attrs);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, inHeight, inWidth, inChannels } = info;
  const { top, left } = info.padInfo;
  const qh = Math.ceil(kh / sh);
  const qw = Math.ceil(kw / sw);
  // Phase-grid rows m cover dx rows h with h + top = m·sh + r; the rows needed are
  // m0 ≤ m < m1. Window row a of output row m reads dy[m − (Qh − 1) + a].
  const m0 = Math.floor(top / sh);
  const m1 = Math.ceil((top + inHeight) / sh);
  const n0 = Math.floor(left / sw);
  const n1 = Math.ceil((left + inWidth) / sw);
  const cropped = cropForConv(backend, dy, qh - 1 - m0, m1 - info.outHeight, qw - 1 - n0, n1 - info.outWidth);

  const w = phaseFilter(backend, filter, sh, sw);
  const phases = conv2d(backend, cropped.x, w, { pad: cropped.pad }); // [N, m1 − m0, n1 − n0, sh·sw·Cin]
  release(backend, w);
  if (cropped.x !== dy) release(backend, cropped.x);

  if (sh === 1 && sw === 1) return phases; // one phase, and m0 = top: already dx
  const dx = interleavePhases(backend, phases, sh, sw, top - m0 * sh, left - n0 * sw, inHeight, inWidth);
  release(backend, phases);
  return dx;
}

export function conv2DBackpropInput(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as Wasm;
  const { dy, filter } = args.inputs as tf.Conv2DBackpropInputInputs;
  const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const viaOnnx = onnxConv2DBackpropInput(backend, { dy, filter }, attrs);
  if (viaOnnx) return viaOnnx;
  const dyPixels = tf.util.sizeFromShape(dy!.shape) / filter!.shape[3]!;
  if (packageKernel && dyPixels < PHASE_CONV_MIN_DY_PIXELS) {
    noteKernelRoute('package-loop');
    return packageKernel(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  noteKernelRoute('xnnpack-phase-conv');
  if (tf.backend_util.convertConv2DDataFormat(attrs.dataFormat) === 'channelsLast') {
    return conv2DBackpropInputNHWC(backend, dy!, filter!, attrs.inputShape, attrs);
  }
  // NCHW: compute in NHWC between two transposes.
  const [n, c, h, w] = attrs.inputShape;
  const dyNHWC = transpose(backend, dy!, [0, 2, 3, 1]);
  const dxNHWC = conv2DBackpropInputNHWC(backend, dyNHWC, filter!, [n, h, w, c], attrs);
  const dx = transpose(backend, dxNHWC, [0, 3, 1, 2]);
  release(backend, dyNHWC, dxNHWC);
  return dx;
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as tf.KernelFunc,
};
