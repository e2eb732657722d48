/**
 * A strided transposed convolution as s² ordinary convolutions, one per output phase, whose
 * results are then interleaved. With stride s, output row y = s·q + a (phase a) takes input
 * rows q + d for the kernel rows ky with a + p − ky = s·d:
 *
 *   out[o, s·q + a, s·r + b] = Σ_{i, ky, kx} x[i, q + d(a, ky), r + d(b, kx)] · w[i, o, ky, kx]
 *
 * Each phase is a small dense Conv (1×1 to 2×2 for the generators' 3×3 and 4×4 stride-2
 * up-sampling layers) with only the taps that reach it: the same multiply-adds as
 * ConvTranspose, but in ONNX Runtime's fast convolution kernels instead of a GEMM followed by
 * a scatter-add (col2im) over the whole output. The interleave is two Transposes (columns,
 * then rows), which ONNX Runtime runs faster than DepthToSpace with 2×2 blocks.
 */
import type { ConvTranspose2dLayer } from '../networks';
import { GraphBuilder, attr } from './graph-builder';

/** One phase along one axis: kernel index `k` reads input offset `d`; the kernel spans dMin … dMax. */
interface AxisPhase {
  taps: { k: number; d: number }[];
  dMin: number;
  dMax: number;
}

function axisPhases(kernel: number, stride: number, padding: number): AxisPhase[] {
  const phases: AxisPhase[] = [];
  for (let a = 0; a < stride; a++) {
    const taps: { k: number; d: number }[] = [];
    for (let k = 0; k < kernel; k++) if ((((a + padding - k) % stride) + stride) % stride === 0) taps.push({ k, d: (a + padding - k) / stride });
    const ds = taps.map((t) => t.d);
    phases.push({ taps, dMin: Math.min(...ds), dMax: Math.max(...ds) });
  }
  return phases;
}

/**
 * e with (H − 1)·s − 2p + k + op = s·(H + e): every phase has H + e rows. Undefined where the
 * output size is not a multiple of the stride.
 */
function extraRows({ kernel: k, stride: s, padding: p, outputPadding: op }: ConvTranspose2dLayer): number | undefined {
  const span = k + op - 2 * p;
  return span % s === 0 ? span / s - 1 : undefined;
}

/**
 * Whether `layer` can be written this way: stride > 1, an output size that is a multiple of
 * the stride, every phase reached by some tap, and pads a Conv can express (no phase starting
 * past its first input row, none ending before its last).
 */
export function transposePhasesApply(layer: ConvTranspose2dLayer): boolean {
  if (layer.stride < 2) return false;
  const e = extraRows(layer);
  if (e === undefined) return false;
  return axisPhases(layer.kernel, layer.stride, layer.padding).every((ph) => ph.taps.length > 0 && ph.dMin <= 0 && e + ph.dMax >= 0);
}

/** Phase (rows, cols)'s Conv weight [K, C, kh, kw] from PyTorch's ConvTranspose weight [C, K, k, k]. */
function phaseKernel(weight: Float32Array, layer: ConvTranspose2dLayer, rows: AxisPhase, cols: AxisPhase): Float32Array {
  const { inChannels: c, outChannels: n, kernel: k } = layer;
  const kh = rows.dMax - rows.dMin + 1;
  const kw = cols.dMax - cols.dMin + 1;
  const out = new Float32Array(n * c * kh * kw);
  for (let o = 0; o < n; o++) {
    for (let i = 0; i < c; i++) {
      for (const r of rows.taps) {
        for (const q of cols.taps) out[((o * c + i) * kh + (r.d - rows.dMin)) * kw + (q.d - cols.dMin)] = weight[((i * n + o) * k + r.k) * k + q.k]!;
      }
    }
  }
  return out;
}

/**
 * Emits `layer` (see `transposePhasesApply`) on `x` [N, C, H, W]; returns [N, K, H', W'] with
 * H' = (H − 1)·s − 2p + k + op, as the ConvTranspose would. `bias` names the bias input, if any.
 *
 * The phase kernels are initializers even in graphs whose other weights are fed: they are a
 * rearranged copy either way, and constant kernels let ONNX Runtime run the phase Convs in
 * its blocked-channel (NCHWc) kernels.
 */
export function emitTransposePhases(
  g: GraphBuilder,
  layer: ConvTranspose2dLayer,
  x: string,
  kernel: () => Float32Array,
  bias?: string,
): string {
  const { stride: s, outChannels: k, module } = layer;
  const e = extraRows(layer)!;
  const phases = axisPhases(layer.kernel, s, layer.padding);
  const node = (op: string, inputs: string[], attributes: Parameters<GraphBuilder['node']>[2] = []) => g.node(op, inputs, attributes, module);
  const outputs: string[] = [];
  for (let a = 0; a < s; a++) {
    for (let b = 0; b < s; b++) {
      const rows = phases[a]!;
      const cols = phases[b]!;
      const dims = [k, layer.inChannels, rows.dMax - rows.dMin + 1, cols.dMax - cols.dMin + 1];
      const w = g.floatInitializer(`${layer.weight.key}.phase_${a}_${b}`, dims, () => phaseKernel(kernel(), layer, rows, cols));
      outputs.push(node('Conv', bias ? [x, w, bias] : [x, w], [
        attr.ints('kernel_shape', dims.slice(2)),
        attr.ints('pads', [-rows.dMin, -cols.dMin, e + rows.dMax, e + cols.dMax]),
      ]));
    }
  }
  // [N, (a, b, o), h, w] → [N, a, (o, h, w), b] = [N, a, o·h, s·w] → [N, o·h, a, s·w] = [N, o, s·h, s·w].
  const stacked = node('Reshape', [node('Concat', outputs, [attr.int('axis', 1)]), g.sharedInt64(`shape_0_${s}_${s}_rest`, [0, s, s, -1])]);
  const sw = node('Mul', [node('Slice', [node('Shape', [outputs[0]!]), g.sharedInt64('axis_3', [3]), g.sharedInt64('axis_4', [4])]), g.sharedInt64(`scalar_${s}`, [s])]);
  const columns = node('Transpose', [stacked], [attr.ints('perm', [0, 1, 3, 2])]);
  const byRow = node('Reshape', [columns, node('Concat', [g.sharedInt64(`shape_0_${s}_rest`, [0, s, -1]), sw], [attr.int('axis', 0)])]);
  const rows = node('Transpose', [byRow], [attr.ints('perm', [0, 2, 1, 3])]);
  return node('Reshape', [rows, node('Concat', [g.sharedInt64(`shape_0_${k}_rest`, [0, k, -1]), sw], [attr.int('axis', 0)])]);
}
