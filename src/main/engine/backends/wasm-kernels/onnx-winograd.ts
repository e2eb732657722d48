/**
 * 3×3, stride-1 convolutions of NHWC data as Winograd's minimal filtering F(m×m, 3×3) (see
 * ../../onnx/winograd.ts for the algorithm and its error), in plain ONNX ops that keep the
 * channels innermost throughout, so that every copy moves whole channel vectors:
 *
 *   tiles     the zero-padded input cut into t×t tiles (t = m + 2) m apart: rows first, as
 *             [N, th, t, W·C] (each tile's m own rows and the first 2 of the next block),
 *             then columns, as [N·th·t, tw, t, C]
 *   Bᵀ d B    two MatMuls with Bᵀ [t, t], one per axis
 *   products  one batched MatMul over the t² tile positions, [t², P, C] × [t², C, K]
 *   Aᵀ M A    two MatMuls with Aᵀ [m, t], then the m×m blocks back in place (a Transpose
 *             that moves K-vectors) and the rows and columns past the output cropped
 *
 * The filter arrives as TF.js holds it, [3, 3, C, K], and is transformed in the graph
 * (G g Gᵀ as two MatMuls over its spatial axes; the weights change at every training step).
 * For the input gradient the filter's spatial flip is folded into G (G·J) and its channel
 * swap is one Transpose of the 3×3 filter.
 */
import type { WinogradTiles } from '../../onnx/winograd';
import { GraphBuilder, attr } from '../../onnx/graph-builder';
import type { Int64Const } from './onnx-session';

type Shape4 = [number, number, number, number];

function floats(rows: number[][]): Float32Array {
  return Float32Array.from(rows.flat());
}

/** G with its columns reversed: G·J, the transform of the filter flipped in space. */
function flippedG(G: number[][]): number[][] {
  return G.map((row) => [...row].reverse());
}

export interface WinogradConvOptions {
  /** The tiles: F2x2_3x3 or F4x4_3x3. */
  tiles: WinogradTiles;
  /** Zero rows and columns around x (top, bottom, left, right); negative amounts crop. */
  pads: [number, number, number, number];
  /**
   * The input gradient's form: the filter [3, 3, K, C] of the forward convolution, applied
   * flipped in space with its channels swapped (a correlation of dy with the flipped filter).
   */
  transposedFilter?: boolean;
}

/**
 * Emits y = conv(pad(x), w), NHWC, 3×3 'valid' at stride 1 after the padding; returns the
 * output's name and shape. `w` is the filter input, [3, 3, C, K] ([3, 3, K, C] with
 * `transposedFilter`).
 */
export function emitWinogradConvNhwc(
  g: GraphBuilder,
  ints: Int64Const,
  x: string,
  xShape: Shape4,
  w: string,
  k: number,
  { tiles, pads: [top, bottom, left, right], transposedFilter = false }: WinogradConvOptions,
): { y: string; shape: Shape4 } {
  const { m } = tiles;
  const t = m + 2;
  const [n, h, wIn, c] = xShape;
  const ho = h + top + bottom - 2;
  const wo = wIn + left + right - 2;
  if (ho < 1 || wo < 1) throw new Error(`Winograd convolution: no output for input ${xShape} with pads ${[top, bottom, left, right]}`);
  const th = Math.ceil(ho / m);
  const tw = Math.ceil(wo / m);

  const at = g.floatInitializer(`winograd_${m}_AT`, [m, t], floats(tiles.AT));
  const gm = g.floatInitializer(`winograd_${m}_G`, [t, 3], floats(transposedFilter ? flippedG(tiles.G) : tiles.G));

  // U[ξ, ν] = G g Gᵀ over the two spatial axes: [t², C, K].
  let filter = w;
  if (transposedFilter) filter = g.node('Transpose', [w], [attr.ints('perm', [0, 1, 3, 2])]);
  const rowsT = g.node('MatMul', [gm, g.node('Reshape', [filter, ints([3, 3 * c * k])])]); // [t, 3·C·K]
  const u = g.node('Reshape', [g.node('MatMul', [gm, g.node('Reshape', [rowsT, ints([t, 3, c * k])])]), ints([t * t, c, k])]);

  const byPosition = inputTiles(g, ints, x, xShape, tiles, [top, left], th, tw); // [t², P, C]
  const p = n * th * tw;
  const products = g.node('MatMul', [byPosition, u]); // [t², P, K]

  const outRows = g.node('MatMul', [at, g.node('Reshape', [products, ints([t, t * p * k])])]); // [m(a), t(ν)·P·K]
  const blocks = g.node('MatMul', [at, g.node('Reshape', [outRows, ints([m, t, p * k])])]); // [m(a), m(b), P·K]
  const placed = g.node('Transpose', [g.node('Reshape', [blocks, ints([m, m, n, th, tw, k])])], [attr.ints('perm', [2, 3, 0, 4, 1, 5])]);
  let y = g.node('Reshape', [placed, ints([n, m * th, m * tw, k])]);
  if (m * th !== ho || m * tw !== wo) y = g.node('Slice', [y, ints([0, 0]), ints([ho, wo]), ints([1, 2])]);
  return { y, shape: [n, ho, wo, k] };
}

/**
 * Bᵀ d B for the t×t tiles, m apart, that cover th × tw output blocks of a convolution of x
 * with `top` and `left` zero rows and columns before it (negative amounts crop; zeros follow
 * as far as the tiles reach): [t², P, C] with P = N·th·tw tiles, in (n, ty, tx) order.
 */
function inputTiles(
  g: GraphBuilder,
  ints: Int64Const,
  x: string,
  [n, h, w, c]: Shape4,
  { m, BT }: WinogradTiles,
  [top, left]: [number, number],
  th: number,
  tw: number,
): string {
  const t = m + 2;
  // One block of m rows (columns) more than the tiles start in, for the last tile's 2 extra rows.
  const hp = m * (th + 1);
  const wp = m * (tw + 1);
  const bt = g.hasInitializer(`winograd_${m}_BT`) ? `winograd_${m}_BT` : g.floatInitializer(`winograd_${m}_BT`, [t, t], floats(BT));

  // The padded input, hp × wp.
  let xp = x;
  const pad = [0, top, left, 0, 0, hp - h - top, wp - w - left, 0];
  const crop = pad.map((p) => Math.min(0, p));
  if (crop.some((p) => p < 0)) {
    xp = g.node('Slice', [xp, ints([-crop[1]!, -crop[2]!]), ints([h + crop[5]!, w + crop[6]!]), ints([1, 2])]);
  }
  if (pad.some((p) => p > 0)) xp = g.node('Pad', [xp, ints(pad.map((p) => Math.max(0, p)))]);

  /** [B, blocks + 1, m, R] → the t-row tiles [B, blocks, t, R]. */
  const cut = (v: string, b: number, blocks: number, r: number): string => {
    const grid = g.node('Reshape', [v, ints([b, blocks + 1, m, r])]);
    const own = g.node('Slice', [grid, ints([0]), ints([blocks]), ints([1])]);
    const next = g.node('Slice', [grid, ints([1, 0]), ints([blocks + 1, 2]), ints([1, 2])]);
    return g.node('Concat', [own, next], [attr.int('axis', 2)]);
  };
  const rows = g.node('MatMul', [bt, cut(xp, n, th, wp * c)]); // [N, th, t(ξ), wp·C]
  const v = g.node('MatMul', [bt, cut(rows, n * th * t, tw, c)]); // [N·th·t, tw, t(ν), C]
  const byPosition = g.node('Transpose', [g.node('Reshape', [v, ints([n * th, t, tw, t, c])])], [attr.ints('perm', [1, 3, 0, 2, 4])]);
  return g.node('Reshape', [byPosition, ints([t * t, n * th * tw, c])]);
}

/**
 * The filter gradient of a 3×3, stride-1 convolution (x [N, H, W, C] with `pads` → dy
 * [N, Ho, Wo, K]) in the same tiles: differentiating Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A gives
 *   dW = Gᵀ [ Σ_tiles (A e Aᵀ) ⊙ (Bᵀ d B) ] G
 * for each m×m block e of dy, so the channel sums are t² products [C, P] × [P, K] (x's
 * tiles as in the forward convolution, dy's blocks transformed by A [t, m]), then Gᵀ · G
 * brings [t², C, K] back to the [3, 3, C, K] filter. A quarter of the multiply-adds of the
 * window GEMMs for F(4×4).
 */
export function emitWinogradFilterGradNhwc(
  g: GraphBuilder,
  ints: Int64Const,
  x: string,
  xShape: Shape4,
  dy: string,
  dyShape: Shape4,
  { tiles, pads: [top, , left] }: Pick<WinogradConvOptions, 'tiles' | 'pads'>,
): string {
  const { m } = tiles;
  const t = m + 2;
  const [n, ho, wo, k] = dyShape;
  const c = xShape[3];
  const th = Math.ceil(ho / m);
  const tw = Math.ceil(wo / m);
  const p = n * th * tw;
  const v = inputTiles(g, ints, x, xShape, tiles, [top, left], th, tw); // [t², P, C]

  // dy's m×m blocks (zero-padded to whole blocks), then A e Aᵀ: [t², P, K].
  const a = g.floatInitializer(`winograd_${m}_A`, [t, m], floats(transpose(tiles.AT)));
  let e = dy;
  if (m * th !== ho || m * tw !== wo) e = g.node('Pad', [e, ints([0, 0, 0, 0, 0, m * th - ho, m * tw - wo, 0])]);
  const eRows = g.node('MatMul', [a, g.node('Reshape', [e, ints([n * th, m, tw * m * k])])]); // [N·th, t(ξ), tw·m·K]
  const eBlocks = g.node('MatMul', [a, g.node('Reshape', [eRows, ints([n * th * t * tw, m, k])])]); // [N·th·t·tw, t(ν), K]
  const eByPosition = g.node('Transpose', [g.node('Reshape', [eBlocks, ints([n * th, t, tw, t, k])])], [attr.ints('perm', [1, 3, 0, 2, 4])]);

  // Σ over tiles: Vᵀ E per position, [t², C, K] (the transpose of V is the GEMM's).
  const du = g.domainNode('com.microsoft', 'FusedMatMul', [v, g.node('Reshape', [eByPosition, ints([t * t, p, k])])], [attr.int('transA', 1)]);

  // Gᵀ dU G: [3, 3, C, K].
  const gt = g.floatInitializer(`winograd_${m}_GT`, [3, t], floats(transpose(tiles.G)));
  const rows = g.node('MatMul', [gt, g.node('Reshape', [du, ints([t, t * c * k])])]); // [3, t(ν)·C·K]
  return g.node('Reshape', [g.node('MatMul', [gt, g.node('Reshape', [rows, ints([3, t, c * k])])]), ints([3, 3, c, k])]);
}

function transpose(rows: number[][]): number[][] {
  return rows[0]!.map((_, j) => rows.map((row) => row[j]!));
}
