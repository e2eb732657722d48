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

// Lavin & Gray, F(2×2, 3×3): Bᵀ (4×4), G (4×3), Aᵀ (2×4).
const BT = [
  [1, 0, -1, 0],
  [0, 1, 1, 0],
  [0, -1, 1, 0],
  [0, 1, 0, -1],
];
const G = [
  [1, 0, 0],
  [0.5, 0.5, 0.5],
  [0.5, -0.5, 0.5],
  [0, 0, 1],
];
const AT = [
  [1, 1, 1, 0],
  [0, 1, -1, -1],
];

/** Whether a convolution can be written this way (the ResNet generator's block convolutions). */
export function winogradApplies(layer: Conv2dLayer): boolean {
  return layer.kernel === 3 && layer.stride === 1 && layer.padding === 0;
}

/**
 * The gathered tile rows come as (sy, sx, a, b): SpaceToDepth block (a, b) of the 2×2 block
 * shifted by (sy, sx), i.e. tile position (2·sy + a, 2·sx + b). Bᵀ d B over that order.
 */
function inputTransform(): Float32Array {
  const order: [number, number][] = [];
  for (let sy = 0; sy < 2; sy++) for (let sx = 0; sx < 2; sx++) for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) order.push([2 * sy + a, 2 * sx + b]);
  const m = new Float32Array(16 * 16);
  for (let xi = 0; xi < 4; xi++) {
    for (let nu = 0; nu < 4; nu++) {
      order.forEach(([u, v], d) => (m[(xi * 4 + nu) * 16 + d] = BT[xi]![u]! * BT[nu]![v]!));
    }
  }
  return m;
}

/** Aᵀ M A: output position (a, b) of the 2×2 block from the 16 products. */
function outputTransform(): Float32Array {
  const m = new Float32Array(4 * 16);
  for (let a = 0; a < 2; a++) {
    for (let b = 0; b < 2; b++) {
      for (let xi = 0; xi < 4; xi++) for (let nu = 0; nu < 4; nu++) m[(a * 2 + b) * 16 + xi * 4 + nu] = AT[a]![xi]! * AT[b]![nu]!;
    }
  }
  return m;
}

/** G g Gᵀ for every (output, input) channel pair, as [16, K, C]; PyTorch weight [K, C, 3, 3]. */
export function transformedWeights(weight: Float32Array, k: number, c: number): Float32Array {
  const u = new Float32Array(16 * k * c);
  for (let o = 0; o < k; o++) {
    for (let i = 0; i < c; i++) {
      const base = (o * c + i) * 9;
      for (let a = 0; a < 4; a++) {
        for (let b = 0; b < 4; b++) {
          let s = 0;
          for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) s += G[a]![y]! * weight[base + y * 3 + x]! * G[b]![x]!;
          u[((a * 4 + b) * k + o) * c + i] = s;
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
): string {
  const { inChannels: c, outChannels: k, module } = layer;
  const end = 2 ** 62;
  const tb = g.hasInitializer('winograd_input_transform') ? 'winograd_input_transform' : g.floatInitializer('winograd_input_transform', [16, 16], inputTransform());
  const ta = g.hasInitializer('winograd_output_transform') ? 'winograd_output_transform' : g.floatInitializer('winograd_output_transform', [4, 16], outputTransform());
  const u = g.floatInitializer(`${layer.weight.key}.winograd`, [16, k, c], () => transformedWeights(weights.kernel(), k, c));
  const node = (op: string, inputs: string[], attributes: Parameters<GraphBuilder['node']>[2] = []) => g.node(op, inputs, attributes, module);

  // Pad odd sizes by one zero row / column (bottom, right): tiles need an even size.
  const hw = node('Slice', [node('Shape', [x]), int64(g, 'axis_2', [2]), int64(g, 'axis_4', [4])]);
  const odd = node('Mod', [hw, int64(g, 'two_2', [2, 2])]);
  const even = node('Pad', [x, node('Concat', [int64(g, 'zeros_6', [0, 0, 0, 0, 0, 0]), odd], [attr.int('axis', 0)])]);

  // Tiles: 2×2 blocks, and the blocks one to the right / below.
  const blocks = node('SpaceToDepth', [even], [attr.int('blocksize', 2)]);
  const shifted = (sy: number, sx: number) =>
    node('Slice', [blocks, int64(g, `winograd_start_${sy}${sx}`, [sy, sx]), int64(g, `winograd_end_${sy}${sx}`, [sy ? end : -1, sx ? end : -1]), int64(g, 'axes_23', [2, 3])]);
  const tiles = node('Concat', [shifted(0, 0), shifted(0, 1), shifted(1, 0), shifted(1, 1)], [attr.int('axis', 1)]); // [1, 16·C, h, w]
  const tilesHw = node('Slice', [node('Shape', [tiles]), int64(g, 'axis_2', [2]), int64(g, 'axis_4', [4])]);

  const v = node('MatMul', [tb, node('Reshape', [tiles, int64(g, 'shape_16_rest', [16, -1])])]); // [16, C·h·w]
  const m = node('MatMul', [u, node('Reshape', [v, int64(g, `shape_16_${c}_rest`, [16, c, -1])])]); // [16, K, h·w]
  const y = node('MatMul', [ta, node('Reshape', [m, int64(g, 'shape_16_rest', [16, -1])])]); // [4, K·h·w]
  const blocked = node('Reshape', [y, node('Concat', [int64(g, `shape_1_${4 * k}`, [1, 4 * k]), tilesHw], [attr.int('axis', 0)])]);
  let out = node('DepthToSpace', [blocked], [attr.int('blocksize', 2), attr.string('mode', 'DCR')]);

  // Back to H − 2 × W − 2 (drops the row / column computed from the padding).
  out = node('Slice', [out, int64(g, 'zeros_2', [0, 0]), node('Sub', [hw, int64(g, 'two_2', [2, 2])]), int64(g, 'axes_23', [2, 3])]);
  if (layer.bias && weights.bias) {
    const bias = g.floatInitializer(`${layer.bias.key}.nchw`, [1, k, 1, 1], weights.bias);
    out = node('Add', [out, bias]);
  }
  return out;
}
