/**
 * The wasm backend's convolutions (forward, input gradient, filter gradient) on ONNX Runtime
 * (onnx-session.ts). They are nearly all of a training step's time on wasm: with XNNPACK, a
 * CycleGAN iteration spent 48 % in filter gradients, 21 % in input gradients and 19 % in
 * forward convolutions. The tensors stay NHWC, as the wasm backend holds them:
 *   Conv2D                 Transpose → Conv → Transpose (the filter: [kh, kw, ci, co] → OIHW);
 *                          3×3 at stride 1 with many channels: Winograd F(4×4, 3×3) in NHWC
 *                          (./onnx-winograd.ts), as are both gradients of such a layer
 *   Conv2DBackpropInput    stride 1: a Conv of dy with the filter flipped in space, its in and
 *                          out channels swapped; otherwise ConvTranspose, with zero rows added
 *                          where the forward convolution read no input
 *   Conv2DBackpropFilter   one GEMM per group of taps over copies of the narrower side:
 *                          x's windows, dW[(ky, kx, ci), co] = Σ_p x[p·s + (ky, kx), ci] · dy[p, co],
 *                          whose rows are the [kh, kw, ci, co] filter layout; or, at stride 1
 *                          with fewer output than input channels, dy's windows,
 *                          dW[(ky, kx, co), ci] = Σ_q dy[q − (ky, kx), co] · x[q, ci].
 *                          Taps are grouped (tapsPerGemm) for GEMMs of useful width.
 * Data in NCHW goes to the XNNPACK kernels.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '../../tf';
import { GraphBuilder, attr } from '../../onnx/graph-builder';
import { noteKernelRoute } from '../kernel-trace';
import { onnxGraph as graph, runOnnx as run, syncOrt, type Int64Const } from './onnx-session';
import { F4x4_3x3, type WinogradTiles } from '../../onnx/winograd';
import { emitWinogradConvNhwc, emitWinogradFilterGradNhwc } from './onnx-winograd';
import { conv2DInfoNhwc, convMargins, gradientConvInfo } from './wasm-ops';

/** The largest slice copy a filter-gradient GEMM reads at once. */
const COLS_BYTES = 64 << 20;
/** Rows of dW a filter-gradient GEMM should compute at least (narrower ones run below speed). */
const MIN_GEMM_ROWS = 256;

/**
 * Taps per filter-gradient GEMM: as few as give MIN_GEMM_ROWS rows of `channels` each
 * (concatenating the taps' copies costs another pass over them: a 3×3 layer with 256
 * channels ran 1.5× faster with one GEMM per tap than with one for all nine), within
 * COLS_BYTES. Where the copies are smaller than the gradient (fewer `rows` than
 * `outChannels`: the inner U-Net levels, 1–16 pixels against 512 channels), all taps go in
 * one GEMM, which writes the gradient once instead of per tap and again to concatenate
 * (the 2×2 → 1×1 level: 28 ms a call per tap).
 */
function tapsPerGemm(taps: number, rows: number, channels: number, outChannels: number): number {
  const wanted = rows <= outChannels ? taps : Math.ceil(MIN_GEMM_ROWS / channels);
  return Math.max(1, Math.min(taps, wanted, Math.floor(COLS_BYTES / (rows * channels * 4))));
}

type Shape4 = [number, number, number, number];

function isChannelsLast(dataFormat: string | undefined): boolean {
  return tf.backend_util.convertConv2DDataFormat((dataFormat ?? 'NHWC') as 'NHWC' | 'NCHW') === 'channelsLast';
}

let gemmForm: 'auto' | 'always' | 'never' = 'auto';

/** Forces the GEMM forms of Conv2D and Conv2DBackpropInput on or off ('auto': by size), for tests. */
export function setConvGemmForm(form: 'auto' | 'always' | 'never'): void {
  gemmForm = form;
}

/**
 * Whether a convolution runs as a GEMM over the windows of its input (for the input
 * gradient: of dy's columns) rather than as ONNX Runtime's Conv / ConvTranspose. Those need
 * the filter as OIHW, and ONNX Runtime transposes at about 10 ns a value (47 ms for a
 * 4×4×512×512 filter, several times the arithmetic of an inner U-Net level); the GEMM reads
 * the filter as it is but copies every window, at a nanosecond or two a value. The GEMM is
 * taken where the filter is the larger cost: the inner U-Net levels, not the PatchGAN's
 * 512 → 1 output layer or any layer over a large map.
 */
function useGemmForm(filter: tf.TensorInfo, windows: number): boolean {
  if (gemmForm !== 'auto') return gemmForm === 'always';
  return tf.util.sizeFromShape(filter.shape) * TRANSPOSE_COST > windows;
}

type Form = 'auto' | 'always' | 'never';

/** ATELIER_WINOGRAD=always|never|auto (default): the Winograd form's use (see winogradTiles). */
function winogradFromEnv(): Form {
  const v = process.env.ATELIER_WINOGRAD;
  if (v === undefined || v === '') return 'auto';
  if (v === 'auto' || v === 'always' || v === 'never') return v;
  throw new Error(`ATELIER_WINOGRAD: expected 'auto', 'always' or 'never', got '${v}'`);
}

let winograd: Form = winogradFromEnv();

/** Forces the Winograd form of 3×3 stride-1 convolutions on or off ('auto': by size), for tests. */
export function setConvWinograd(form: Form): void {
  winograd = form;
}

/** Channels on both sides from which Winograd pays (see winogradTiles). */
const WINOGRAD_MIN_CHANNELS = 128;
/** Output tiles (4×4 pixels each) from which Winograd pays. */
const WINOGRAD_MIN_TILES = 64;

/**
 * F(4×4, 3×3) for a 3×3 convolution at stride 1 without dilation (./onnx-winograd.ts), where
 * it pays: a quarter of the multiply-adds, against transforms that move about 2.25× the
 * input and output. The resnet_9blocks body layer (256 channels, 64², 256 tiles) took 19 ms
 * forward and 19–23 ms for the input gradient, against 30–35 ms each through ONNX Runtime's
 * Conv (tests/bench/train-conv-probe.ts, with the engine's malloc settings). With few
 * channels or few tiles the transforms cost more than they save: 128 channels at 128² ran
 * at less than half the Conv's speed with an 8 MiB mmap threshold. `outShape` is the
 * convolution's output (for the input gradient, x's shape).
 */
function winogradTiles(info: tf.backend_util.Conv2DInfo, outShape: readonly number[]): WinogradTiles | null {
  const applies =
    info.filterHeight === 3 &&
    info.filterWidth === 3 &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1;
  if (!applies || winograd === 'never') return null;
  if (winograd === 'always') return F4x4_3x3;
  const [, h, w] = outShape as Shape4;
  const tilesPerImage = Math.ceil(h / 4) * Math.ceil(w / 4);
  const big = info.inChannels >= WINOGRAD_MIN_CHANNELS && info.outChannels >= WINOGRAD_MIN_CHANNELS && tilesPerImage >= WINOGRAD_MIN_TILES;
  return big ? F4x4_3x3 : null;
}

/** ONNX Runtime's Transpose against a window copy, per value (see useGemmForm). */
const TRANSPOSE_COST = 5;

/** Values the windows of a convolution with this filter over these output pixels hold. */
function windowValues(outShape: readonly number[], filterShape: readonly number[]): number {
  const [n, ho, wo] = outShape as Shape4;
  const [kh, kw, ci] = filterShape as Shape4;
  return n * ho * wo * kh * kw * ci;
}

const NHWC_TO_NCHW = [0, 3, 1, 2];
const NCHW_TO_NHWC = [0, 2, 3, 1];
/** [kh, kw, ci, co] → [co, ci, kh, kw]: Conv's OIHW, and ConvTranspose's [C_in, C_out, kh, kw] for the gradient. */
const HWIO_TO_OIHW = [3, 2, 0, 1];

/** Conv2D on ONNX Runtime, or null where it does not apply (NCHW data). */
export function onnxConv2D(backend: BackendWasm, inputs: tf.Conv2DInputs, attrs: tf.Conv2DAttrs): tf.TensorInfo | null {
  if (!syncOrt() || !isChannelsLast(attrs.dataFormat)) return null;
  const x = inputs.x!;
  const filter = inputs.filter!;
  const xShape = x.shape as Shape4;
  const fShape = filter.shape as Shape4;
  const info = conv2DInfoNhwc(xShape, fShape, attrs);
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, bottom, left, right } = convMargins(info);
  const outShape = info.outShape as Shape4;
  const tiles = winogradTiles(info, outShape);
  const gemm = !tiles && useGemmForm(filter, windowValues(outShape, fShape));
  noteKernelRoute(tiles ? 'onnxruntime-winograd' : gemm ? 'onnxruntime-gemm' : 'onnxruntime-conv');
  const key = `conv|${tiles?.m ?? 0}|${gemm}|${xShape}|${fShape}|${sh},${sw}|${dh},${dw}|${top},${bottom},${left},${right}`;
  return run(
    backend,
    key,
    () =>
      graph((g, ints) => {
        if (tiles) {
          const { y } = emitWinogradConvNhwc(g, ints, g.input('x', xShape), xShape, g.input('w', fShape), outShape[3], { tiles, pads: [top, bottom, left, right] });
          g.output(y, 'y0', outShape);
          return;
        }
        if (gemm) {
          // y[p, co] = Σ_(ky, kx, ci) x[p·s + (ky, kx)·d, ci] · W[(ky, kx, ci), co]: the filter
          // as it is, the input's windows side by side.
          const [n, ho, wo, co] = outShape;
          const xp = padOrCrop(g, ints, g.input('x', xShape), [1, 2], xShape, [top, bottom, left, right]);
          const slices: string[] = [];
          for (let ky = 0; ky < info.filterHeight; ky++) {
            for (let kx = 0; kx < info.filterWidth; kx++) {
              const start = [ky * dh, kx * dw];
              slices.push(g.node('Slice', [xp, ints(start), ints([start[0]! + (ho - 1) * sh + 1, start[1]! + (wo - 1) * sw + 1]), ints([1, 2]), ints([sh, sw])]));
            }
          }
          const cols = slices.length === 1 ? slices[0]! : g.node('Concat', slices, [attr.int('axis', 3)]);
          const taps = slices.length * info.inChannels;
          const y = g.node('MatMul', [g.node('Reshape', [cols, ints([n * ho * wo, taps])]), g.node('Reshape', [g.input('w', fShape), ints([taps, co])])]);
          g.output(g.node('Reshape', [y, ints(outShape)]), 'y0', outShape);
          return;
        }
        const nchw = [xShape[0], xShape[3], xShape[1], xShape[2]];
        const c = convPads(g, ints, g.node('Transpose', [g.input('x', xShape)], [attr.ints('perm', NHWC_TO_NCHW)]), nchw, [top, bottom, left, right]);
        const w = g.node('Transpose', [g.input('w', fShape)], [attr.ints('perm', HWIO_TO_OIHW)]);
        const y = g.node('Conv', [c.h, w], [
          attr.ints('kernel_shape', [info.filterHeight, info.filterWidth]),
          attr.ints('strides', [sh, sw]),
          attr.ints('dilations', [dh, dw]),
          attr.ints('pads', c.pads),
        ]);
        g.output(g.node('Transpose', [y], [attr.ints('perm', NCHW_TO_NHWC)]), 'y0', outShape);
      }),
    { x, w: filter },
    outShape,
  );
}

/** Conv2DBackpropInput on ONNX Runtime, or null where it does not apply (NCHW data). */
export function onnxConv2DBackpropInput(
  backend: BackendWasm,
  inputs: tf.Conv2DBackpropInputInputs,
  attrs: tf.Conv2DBackpropInputAttrs,
): tf.TensorInfo | null {
  if (!syncOrt() || !isChannelsLast(attrs.dataFormat)) return null;
  const dy = inputs.dy!;
  const filter = inputs.filter!;
  const dyShape = dy.shape as Shape4;
  const fShape = filter.shape as Shape4;
  const xShape = [...attrs.inputShape] as Shape4;
  const info = gradientConvInfo(tf.Conv2DBackpropInput, xShape, fShape, dyShape, attrs);
  const { strideHeight: sh, strideWidth: sw } = info;
  const { top, bottom, left, right } = convMargins(info);
  // Stride 1: dx is dy correlated with the filter flipped in space, its in and out channels
  // swapped, over dy with these margins (negative ones crop).
  const [H, W] = [info.inHeight, info.inWidth];
  const b0 = info.filterHeight - 1 - top;
  const b1 = info.filterWidth - 1 - left;
  const flippedMargins: [number, number, number, number] = [b0, H - dyShape[1] - b0 + info.filterHeight - 1, b1, W - dyShape[2] - b1 + info.filterWidth - 1];
  const tiles = winogradTiles(info, xShape);
  const gemm = !tiles && useGemmForm(filter, windowValues(dyShape, fShape));
  noteKernelRoute(tiles ? 'onnxruntime-winograd' : gemm ? 'onnxruntime-gemm' : sh === 1 && sw === 1 ? 'onnxruntime-conv' : 'onnxruntime-conv-transpose');
  const key = `dx|${tiles?.m ?? 0}|${gemm}|${dyShape}|${fShape}|${xShape}|${sh},${sw}|${top},${bottom},${left},${right}`;
  return run(
    backend,
    key,
    () =>
      graph((g, ints) => {
        if (tiles) {
          const opts = { tiles, pads: flippedMargins, transposedFilter: true };
          const { y } = emitWinogradConvNhwc(g, ints, g.input('dy', dyShape), dyShape, g.input('w', fShape), xShape[3], opts);
          g.output(y, 'y0', xShape);
          return;
        }
        if (gemm) {
          // cols[p, (ky, kx, ci)] = Σ_co dy[p, co] · W[(ky, kx, ci), co], then each tap's
          // columns spread by the stride, shifted by the tap and summed (col2im).
          const [n, ho, wo, co] = dyShape;
          const { filterHeight: kh, filterWidth: kw, inChannels: ci } = info;
          const taps = kh * kw * ci;
          const dy2 = g.node('Reshape', [g.input('dy', dyShape), ints([n * ho * wo, co])]);
          const cols = g.node('Gemm', [dy2, g.node('Reshape', [g.input('w', fShape), ints([taps, co])])], [attr.int('transB', 1)]);
          const cols4 = g.node('Reshape', [cols, ints([n, ho, wo, taps])]);
          // The frame the taps write: rows −top … −top + (ho − 1)·sh + kh − 1 of x.
          const hp = (ho - 1) * sh + kh;
          const wp = (wo - 1) * sw + kw;
          const spread = [n, ho * sh, wo * sw, ci];
          const pieces: string[] = [];
          for (let ky = 0; ky < kh; ky++) {
            for (let kx = 0; kx < kw; kx++) {
              const first = (ky * kw + kx) * ci;
              let piece = g.node('Slice', [cols4, ints([first]), ints([first + ci]), ints([3])]);
              if (sh > 1 || sw > 1) {
                // Row i to row i·sh: a unit axis after each spatial one, padded to the stride.
                piece = g.node('Reshape', [piece, ints([n, ho, 1, wo, 1, ci])]);
                piece = g.node('Pad', [piece, ints([0, 0, 0, 0, 0, 0, 0, 0, sh - 1, 0, sw - 1, 0])]);
                piece = g.node('Reshape', [piece, ints(spread)]);
              }
              pieces.push(padOrCrop(g, ints, piece, [1, 2], spread, [ky, hp - ky - ho * sh, kx, wp - kx - wo * sw]));
            }
          }
          const frame = pieces.length === 1 ? pieces[0]! : g.node('Sum', pieces);
          const dx = padOrCrop(g, ints, frame, [1, 2], [n, hp, wp, ci], [-top, info.inHeight - (hp - top), -left, info.inWidth - (wp - left)]);
          g.output(dx, 'y0', xShape);
          return;
        }
        const h = g.node('Transpose', [g.input('dy', dyShape)], [attr.ints('perm', NHWC_TO_NCHW)]);
        const w = g.input('w', fShape);
        let dx: string;
        if (sh === 1 && sw === 1) {
          // The flipped filter's convolution, which ONNX Runtime runs faster than
          // ConvTranspose (no column buffer of kh·kw·ci rows per pixel).
          const nchw = [dyShape[0], dyShape[3], dyShape[1], dyShape[2]];
          const c = convPads(g, ints, h, nchw, flippedMargins);
          const flipped = g.node('Slice', [w, ints([-1, -1]), ints([-(info.filterHeight + 1), -(info.filterWidth + 1)]), ints([0, 1]), ints([-1, -1])]);
          const oihw = g.node('Transpose', [flipped], [attr.ints('perm', [2, 3, 0, 1])]);
          dx = g.node('Conv', [c.h, oihw], [attr.ints('kernel_shape', [info.filterHeight, info.filterWidth]), attr.ints('pads', c.pads)]);
        } else {
          const wT = g.node('Transpose', [w], [attr.ints('perm', HWIO_TO_OIHW)]);
          dx = g.node('ConvTranspose', [h, wT], [
            attr.ints('kernel_shape', [info.filterHeight, info.filterWidth]),
            attr.ints('strides', [sh, sw]),
            attr.ints('pads', [top, left, Math.max(0, bottom), Math.max(0, right)]),
          ]);
          // Input rows the forward convolution never read have a zero gradient.
          if (bottom < 0 || right < 0) {
            dx = g.node('Pad', [dx, ints([0, 0, 0, 0, 0, 0, Math.max(0, -bottom), Math.max(0, -right)])]);
          }
        }
        g.output(g.node('Transpose', [dx], [attr.ints('perm', NCHW_TO_NHWC)]), 'y0', xShape);
      }),
    { dy, w: filter },
    xShape,
  );
}

/**
 * Spatial margins for a Conv over NCHW `h` (begin, end, begin, end of H and W): negative
 * amounts crop `h`, positive ones become the Conv's `pads` ([top, left, bottom, right]).
 */
function convPads(
  g: GraphBuilder,
  ints: Int64Const,
  h: string,
  shape: readonly number[],
  [b0, e0, b1, e1]: [number, number, number, number],
): { h: string; pads: number[] } {
  return { h: cropNegative(g, ints, h, [2, 3], shape, [b0, e0, b1, e1]), pads: [Math.max(0, b0), Math.max(0, b1), Math.max(0, e0), Math.max(0, e1)] };
}

/** `h` without the rows and columns of `axes` that negative margins (begin, end, begin, end) remove. */
function cropNegative(
  g: GraphBuilder,
  ints: Int64Const,
  h: string,
  axes: [number, number],
  shape: readonly number[],
  [b0, e0, b1, e1]: [number, number, number, number],
): string {
  if (b0 >= 0 && e0 >= 0 && b1 >= 0 && e1 >= 0) return h;
  const ends = [shape[axes[0]]! + Math.min(0, e0), shape[axes[1]]! + Math.min(0, e1)];
  return g.node('Slice', [h, ints([Math.max(0, -b0), Math.max(0, -b1)]), ints(ends), ints(axes)]);
}

/** Conv2DBackpropFilter on ONNX Runtime, or null where it does not apply (NCHW data). */
export function onnxConv2DBackpropFilter(
  backend: BackendWasm,
  inputs: tf.Conv2DBackpropFilterInputs,
  attrs: tf.Conv2DBackpropFilterAttrs,
): tf.TensorInfo | null {
  if (!syncOrt() || !isChannelsLast(attrs.dataFormat)) return null;
  const x = inputs.x!;
  const dy = inputs.dy!;
  const xShape = x.shape as Shape4;
  const dyShape = dy.shape as Shape4;
  const fShape = [...attrs.filterShape] as Shape4;
  const info = gradientConvInfo(tf.Conv2DBackpropFilter, xShape, fShape, dyShape, attrs);
  const [n, ho, wo, co] = dyShape;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, inChannels: ci } = info;
  const { top, bottom, left, right } = convMargins(info);
  // The rows and columns of (padded, cropped) x the taps read.
  const hp = (ho - 1) * sh + kh;
  const wp = (wo - 1) * sw + kw;
  // Copies of the narrower side: x's windows (N·Ho·Wo rows of ci per tap), or, at stride 1,
  // dy's (N·Hp·Wp rows of co per tap; a generator's 64 → 3 output layer has 21× fewer).
  const dySide = sh === 1 && sw === 1 && hp * wp * co < ho * wo * ci;
  const tiles = winogradTiles(info, dyShape);
  noteKernelRoute(tiles ? 'onnxruntime-winograd' : 'onnxruntime-gemm');
  const key = `dw|${tiles?.m ?? 0}|${xShape}|${dyShape}|${fShape}|${sh},${sw}|${top},${bottom},${left},${right}`;
  return run(
    backend,
    key,
    () =>
      graph((g, ints) => {
        if (tiles) {
          const dw = emitWinogradFilterGradNhwc(g, ints, g.input('x', xShape), xShape, g.input('dy', dyShape), dyShape, { tiles, pads: [top, bottom, left, right] });
          g.output(dw, 'y0', fShape);
          return;
        }
        const xp = padOrCrop(g, ints, g.input('x', xShape), [1, 2], xShape, [top, bottom, left, right]);
        const dyIn = g.input('dy', dyShape);
        const taps = kh * kw;
        if (!dySide) {
          // dW[(ky, kx, ci), co] = Σ_p x[p·s + (ky, kx), ci] · dy[p, co]
          const rows = n * ho * wo;
          const perGroup = tapsPerGemm(taps, rows, ci, co);
          const dy2 = g.node('Reshape', [dyIn, ints([rows, co])]);
          const groups: string[] = [];
          for (let first = 0; first < taps; first += perGroup) {
            const slices: string[] = [];
            for (let t = first; t < Math.min(first + perGroup, taps); t++) {
              const ky = Math.floor(t / kw);
              const kx = t % kw;
              slices.push(g.node('Slice', [xp, ints([ky, kx]), ints([ky + (ho - 1) * sh + 1, kx + (wo - 1) * sw + 1]), ints([1, 2]), ints([sh, sw])]));
            }
            const cols = slices.length === 1 ? slices[0]! : g.node('Concat', slices, [attr.int('axis', 3)]);
            const a = g.node('Reshape', [cols, ints([rows, slices.length * ci])]);
            groups.push(g.node('Gemm', [a, dy2], [attr.int('transA', 1)]));
          }
          const dw = groups.length === 1 ? groups[0]! : g.node('Concat', groups, [attr.int('axis', 0)]);
          g.output(g.node('Reshape', [dw, ints(fShape)]), 'y0', fShape);
          return;
        }
        // Stride 1: dW[(ky, kx, co), ci] = Σ_q dy[q − (ky, kx), co] · x[q, ci] over the
        // padded x's pixels q, dy read through a border of kh − 1 (kw − 1) zeros.
        const rows = n * hp * wp;
        const perGroup = tapsPerGemm(taps, rows, co, ci);
        const dyp = g.node('Pad', [dyIn, ints([0, kh - 1, kw - 1, 0, 0, kh - 1, kw - 1, 0])]);
        const x2 = g.node('Reshape', [xp, ints([rows, ci])]);
        const groups: string[] = [];
        for (let first = 0; first < taps; first += perGroup) {
          const slices: string[] = [];
          for (let t = first; t < Math.min(first + perGroup, taps); t++) {
            const ky = Math.floor(t / kw);
            const kx = t % kw;
            const start = [kh - 1 - ky, kw - 1 - kx];
            slices.push(g.node('Slice', [dyp, ints(start), ints([start[0]! + hp, start[1]! + wp]), ints([1, 2])]));
          }
          const cols = slices.length === 1 ? slices[0]! : g.node('Concat', slices, [attr.int('axis', 3)]);
          const a = g.node('Reshape', [cols, ints([rows, slices.length * co])]);
          groups.push(g.node('Gemm', [a, x2], [attr.int('transA', 1)]));
        }
        const dw = groups.length === 1 ? groups[0]! : g.node('Concat', groups, [attr.int('axis', 0)]);
        const hwoi = g.node('Reshape', [dw, ints([kh, kw, co, ci])]);
        g.output(g.node('Transpose', [hwoi], [attr.ints('perm', [0, 1, 3, 2])]), 'y0', fShape);
      }),
    { x, dy },
    fShape,
  );
}

/**
 * `h` with zeros added before and after the spatial `axes` (begin, end, begin, end), or rows
 * and columns removed where an amount is negative.
 */
function padOrCrop(
  g: GraphBuilder,
  ints: Int64Const,
  h: string,
  axes: [number, number],
  shape: readonly number[],
  [b0, e0, b1, e1]: [number, number, number, number],
): string {
  h = cropNegative(g, ints, h, axes, shape, [b0, e0, b1, e1]);
  if (b0 > 0 || e0 > 0 || b1 > 0 || e1 > 0) {
    const begin = new Array<number>(shape.length).fill(0);
    const end = new Array<number>(shape.length).fill(0);
    begin[axes[0]] = Math.max(0, b0);
    end[axes[0]] = Math.max(0, e0);
    begin[axes[1]] = Math.max(0, b1);
    end[axes[1]] = Math.max(0, e1);
    h = g.node('Pad', [h, ints([...begin, ...end])]);
  }
  return h;
}
