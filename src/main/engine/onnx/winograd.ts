/**
 * A 3×3, stride-1, unpadded convolution as Winograd's minimal filtering F(2×2, 3×3) (Lavin &
 * Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016), in plain ONNX ops:
 * each 2×2 block of the output comes from a 4×4 tile of the input as
 *   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
 * so the channel sums become 16 matrix products of K × C by C × tiles: 4 multiply-adds per
 * output value and input channel instead of 9. The tile transforms are linear maps over the
 * 16 tile positions, written as two small MatMuls; tiles are gathered with SpaceToDepth and
 * four shifted slices (a 4×4 tile at stride 2 is 2×2 blocks of 2×2).
 *
 * Float32 error: about 1e-5 of the output's magnitude per convolution (the direct sum's is
 * about 1e-7), well inside the parity tolerances (tests/parity/onnx.test.ts runs both).
 * Odd feature-map sizes are padded by one zero row/column and cropped afterwards.
 */
import type { Conv2dLayer } from '../networks';
import { GraphBuilder, attr } from './graph-builder';

/** The transforms of F(m×m, 3×3): Bᵀ (t×t), G (t×3), Aᵀ (m×t), with tile side t = m + 2. */
export interface WinogradTiles {
  m: number;
  BT: number[][];
  G: number[][];
  AT: number[][];
}

/** Lavin & Gray's F(2×2, 3×3). */
export const F2x2_3x3: WinogradTiles = {
  m: 2,
  BT: [
    [1, 0, -1, 0],
    [0, 1, 1, 0],
    [0, -1, 1, 0],
    [0, 1, 0, -1],
  ],
  G: [
    [1, 0, 0],
    [0.5, 0.5, 0.5],
    [0.5, -0.5, 0.5],
    [0, 0, 1],
  ],
  AT: [
    [1, 1, 1, 0],
    [0, 1, -1, -1],
  ],
};

/** Lavin & Gray's F(4×4, 3×3) (points 0, ±1, ±2). */
export const F4x4_3x3: WinogradTiles = {
  m: 4,
  BT: [
    [4, 0, -5, 0, 1, 0],
    [0, -4, -4, 1, 1, 0],
    [0, 4, -4, -1, 1, 0],
    [0, -2, -1, 2, 1, 0],
    [0, 2, -1, -2, 1, 0],
    [0, 4, 0, -5, 0, 1],
  ],
  G: [
    [1 / 4, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6],
    [1 / 24, -1 / 12, 1 / 6],
    [0, 0, 1],
  ],
  AT: [
    [1, 1, 1, 1, 1, 0],
    [0, 1, -1, 2, -2, 0],
    [0, 1, 1, 4, 4, 0],
    [0, 1, -1, 8, -8, 1],
  ],
};

/** Whether a convolution can be written this way (the ResNet generator's block convolutions). */
export function winogradApplies(layer: Conv2dLayer): boolean {
  return layer.kernel === 3 && layer.stride === 1 && layer.padding === 0;
}

/**
 * The gathered tile rows come as (sy, sx, a, b): SpaceToDepth(m) block element (a, b) of the
 * block shifted by (sy, sx), i.e. tile position (m·sy + a, m·sx + b) (positions past the
 * tile's side t are gathered but unused). Bᵀ d B over that order: [t², 4m²].
 */
function inputTransform({ m, BT }: WinogradTiles): Float32Array {
  const t = m + 2;
  const order: [number, number][] = [];
  for (let sy = 0; sy < 2; sy++) for (let sx = 0; sx < 2; sx++) for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) order.push([m * sy + a, m * sx + b]);
  const out = new Float32Array(t * t * order.length);
  for (let xi = 0; xi < t; xi++) {
    for (let nu = 0; nu < t; nu++) {
      order.forEach(([u, v], d) => {
        if (u < t && v < t) out[(xi * t + nu) * order.length + d] = BT[xi]![u]! * BT[nu]![v]!;
      });
    }
  }
  return out;
}

/** Aᵀ M A: output position (a, b) of the m×m block from the t² products: [m², t²]. */
function outputTransform({ m, AT }: WinogradTiles): Float32Array {
  const t = m + 2;
  const out = new Float32Array(m * m * t * t);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      for (let xi = 0; xi < t; xi++) for (let nu = 0; nu < t; nu++) out[(a * m + b) * t * t + xi * t + nu] = AT[a]![xi]! * AT[b]![nu]!;
    }
  }
  return out;
}

/** G g Gᵀ for every (output, input) channel pair, as [t², K, C]; PyTorch weight [K, C, 3, 3]. */
export function transformedWeights({ m, G }: WinogradTiles, weight: Float32Array, k: number, c: number): Float32Array {
  const t = m + 2;
  const u = new Float32Array(t * t * k * c);
  for (let o = 0; o < k; o++) {
    for (let i = 0; i < c; i++) {
      const base = (o * c + i) * 9;
      for (let a = 0; a < t; a++) {
        for (let b = 0; b < t; b++) {
          let s = 0;
          for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) s += G[a]![y]! * weight[base + y * 3 + x]! * G[b]![x]!;
          u[((a * t + b) * k + o) * c + i] = s;
        }
      }
    }
  }
  return u;
}

function int64(g: GraphBuilder, name: string, values: number[]): string {
  return g.hasInitializer(name) ? name : g.int64Initializer(name, values);
}

/**
 * Emits the convolution of `x` ([1, C, H, W], batch of one) with `layer`'s weights; returns
 * the output [1, K, H − 2, W − 2]. `weights` gives the PyTorch-layout kernel and bias.
 */
export function emitWinogradConv(
  g: GraphBuilder,
  layer: Conv2dLayer,
  x: string,
  weights: { kernel: () => Float32Array; bias?: () => Float32Array },
  tiles: WinogradTiles = F2x2_3x3,
): string {
  const { inChannels: c, outChannels: k, module } = layer;
  const { m } = tiles;
  const t2 = (m + 2) ** 2;
  const rows = 4 * m * m;
  const end = 2 ** 62;
  const constant = (name: string, dims: number[], values: () => Float32Array) => (g.hasInitializer(name) ? name : g.floatInitializer(name, dims, values));
  const tb = constant(`winograd_${m}_input_transform`, [t2, rows], () => inputTransform(tiles));
  const ta = constant(`winograd_${m}_output_transform`, [m * m, t2], () => outputTransform(tiles));
  const u = g.floatInitializer(`${layer.weight.key}.winograd_${m}`, [t2, k, c], () => transformedWeights(tiles, weights.kernel(), k, c));
  const node = (op: string, inputs: string[], attributes: Parameters<GraphBuilder['node']>[2] = []) => g.node(op, inputs, attributes, module);

  // Pad (bottom, right, zeros) to H'' ≥ H + m − 2 with H'' a multiple of m: the shifted
  // blocks then cover every output row, H'' − m ≥ H − 2 of them.
  const hw = node('Slice', [node('Shape', [x]), int64(g, 'axis_2', [2]), int64(g, 'axis_4', [4])]);
  const extra = node('Add', [node('Mod', [node('Neg', [node('Add', [hw, int64(g, `pair_${m - 2}`, [m - 2, m - 2])])]), int64(g, `pair_${m}`, [m, m])]), int64(g, `pair_${m - 2}`, [m - 2, m - 2])]);
  const padded = node('Pad', [x, node('Concat', [int64(g, 'zeros_6', [0, 0, 0, 0, 0, 0]), extra], [attr.int('axis', 0)])]);

  // Tiles: m×m blocks, with the blocks one to the right / below.
  const blocks = node('SpaceToDepth', [padded], [attr.int('blocksize', m)]);
  const shifted = (sy: number, sx: number) =>
    node('Slice', [blocks, int64(g, `start_${sy}${sx}`, [sy, sx]), int64(g, `end_${sy}${sx}`, [sy ? end : -1, sx ? end : -1]), int64(g, 'axes_23', [2, 3])]);
  const gathered = node('Concat', [shifted(0, 0), shifted(0, 1), shifted(1, 0), shifted(1, 1)], [attr.int('axis', 1)]); // [1, 4m²·C, h, w]
  const tilesHw = node('Slice', [node('Shape', [gathered]), int64(g, 'axis_2', [2]), int64(g, 'axis_4', [4])]);

  const v = node('MatMul', [tb, node('Reshape', [gathered, int64(g, `shape_${rows}_rest`, [rows, -1])])]); // [t², C·h·w]
  const products = node('MatMul', [u, node('Reshape', [v, int64(g, `shape_${t2}_${c}_rest`, [t2, c, -1])])]); // [t², K, h·w]
  const y = node('MatMul', [ta, node('Reshape', [products, int64(g, `shape_${t2}_rest`, [t2, -1])])]); // [m², K·h·w]
  const blocked = node('Reshape', [y, node('Concat', [int64(g, `shape_1_${m * m * k}`, [1, m * m * k]), tilesHw], [attr.int('axis', 0)])]);
  let out = node('DepthToSpace', [blocked], [attr.int('blocksize', m), attr.string('mode', 'DCR')]);

  // Back to H − 2 × W − 2 (drops what the padding produced).
  out = node('Slice', [out, int64(g, 'zeros_2', [0, 0]), node('Sub', [hw, int64(g, 'pair_2', [2, 2])]), int64(g, 'axes_23', [2, 3])]);
  if (layer.bias && weights.bias) {
    const bias = g.floatInitializer(`${layer.bias.key}.nchw`, [1, k, 1, 1], weights.bias);
    out = node('Add', [out, bias]);
  }
  return out;
}
