/**
 * A 3×3, stride-1, unpadded convolution as Winograd's minimal filtering F(m×m, 3×3) (Lavin &
 * Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016), in plain ONNX ops:
 * each m×m block of the output comes from a t×t tile of the input (t = m + 2) as
 *   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
 * so the channel sums become t² matrix products of K × C by C × tiles: t²/m² multiply-adds
 * per output value and input channel instead of 9 (4 for F(2×2), 2.25 for F(4×4)).
 *
 * Float32 error grows with the tile: on random 256-channel convolutions max |Δ| against the
 * direct sum was about 6e-7 (F(2×2)) and 1e-5 (F(4×4)) of the output's largest magnitude
 * (tests/bench/winograd-probe.ts); both stay inside the parity tolerances
 * (tests/parity/onnx.test.ts runs both against the reference's outputs). Feature maps whose
 * size is not a multiple of m are padded with zeros and cropped afterwards.
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
 * Bᵀ d B as a grouped convolution: for every input channel (group) one output channel per
 * transformed tile position ξν, whose t×t kernel is Bᵀ[ξ]ᵀ Bᵀ[ν]; stride m steps from tile
 * to tile. [C·t², 1, t, t], ONNX Conv's weight layout.
 */
function inputTransformKernel({ m, BT }: WinogradTiles, c: number): Float32Array {
  const t = m + 2;
  const one = new Float32Array(t ** 4);
  for (let xi = 0; xi < t; xi++) {
    for (let nu = 0; nu < t; nu++) {
      for (let u = 0; u < t; u++) for (let v = 0; v < t; v++) one[((xi * t + nu) * t + u) * t + v] = BT[xi]![u]! * BT[nu]![v]!;
    }
  }
  const out = new Float32Array(c * one.length);
  for (let i = 0; i < c; i++) out.set(one, i * one.length);
  return out;
}

/** Aᵀ [m, t] (the output transform over a block's rows) and A [t, m] (over its columns). */
function outputTransformFactors({ AT }: WinogradTiles): { at: Float32Array; a: Float32Array } {
  const m = AT.length;
  const t = AT[0]!.length;
  const a = new Float32Array(t * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < t; j++) a[j * m + i] = AT[i]![j]!;
  return { at: Float32Array.from(AT.flat()), a };
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

/**
 * Declares a graph input for a layer's kernel as taps, [9, K, C] (build.ts
 * `winogradWeights: 'fed'`), which the runner feeds at every run; returns its name. The graph
 * then transforms them itself (G g Gᵀ), so that no [t², K, C] copy of the weights (4× the
 * kernel's size for F(4×4)) is kept anywhere.
 */
export type FedTaps = (name: string, dims: number[], values: () => Float32Array) => string;

/** Gₖ [t², 9]: row (ξ, ν), column (y, x) is G[ξ][y] · G[ν][x]. */
function filterTransform({ m, G }: WinogradTiles): Float32Array {
  const t = m + 2;
  const out = new Float32Array(t * t * 9);
  for (let xi = 0; xi < t; xi++) {
    for (let nu = 0; nu < t; nu++) {
      for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) out[(xi * t + nu) * 9 + y * 3 + x] = G[xi]![y]! * G[nu]![x]!;
    }
  }
  return out;
}

/** A PyTorch kernel [K, C, 3, 3] as taps [9, K, C]. */
export function tapMajor(weight: Float32Array, k: number, c: number): Float32Array {
  const out = new Float32Array(9 * k * c);
  for (let o = 0; o < k * c; o++) for (let tap = 0; tap < 9; tap++) out[tap * k * c + o] = weight[o * 9 + tap]!;
  return out;
}

/**
 * Emits the convolution of `x` ([1, C, H, W], batch of one) with `layer`'s weights; returns
 * the output [1, K, H − 2, W − 2]. `weights` gives the PyTorch-layout kernel and bias.
 *
 * Data movement, not arithmetic, decides the speed of the transforms: the input transform is
 * one grouped Conv (tiles read straight from the feature map, no gathered copies), the
 * channel sums one batched MatMul (ONNX Runtime fuses the transpose before it), the output
 * transform two MatMuls (the Transposes before them fuse too). For resnet_9blocks' 256-channel
 * block convolutions on a 130×130 map that runs F(4×4) in about half the time of the direct
 * Conv (tests/bench/winograd-probe.ts).
 */
export function emitWinogradConv(
  g: GraphBuilder,
  layer: Conv2dLayer,
  x: string,
  weights: { kernel: () => Float32Array; bias?: () => Float32Array },
  tiles: WinogradTiles = F4x4_3x3,
  fed?: FedTaps,
): string {
  const { inChannels: c, outChannels: k, module } = layer;
  const { m } = tiles;
  const t = m + 2;
  const t2 = t * t;
  const constant = (name: string, dims: number[], values: () => Float32Array) => (g.hasInitializer(name) ? name : g.floatInitializer(name, dims, values));
  const tb = constant(`winograd_${m}_input_transform_${c}`, [c * t2, 1, t, t], () => inputTransformKernel(tiles, c));
  // Aᵀ with a batch axis of 1: ONNX Runtime fused the Transpose of the other operand's batch
  // axes into the MatMul with this [1, m, t], not with [m, t].
  const at = constant(`winograd_${m}_output_rows`, [1, m, t], () => outputTransformFactors(tiles).at);
  const a = constant(`winograd_${m}_output_columns`, [t, m], () => outputTransformFactors(tiles).a);
  const node = (op: string, inputs: string[], attributes: Parameters<GraphBuilder['node']>[2] = []) => g.node(op, inputs, attributes, module);
  let u: string;
  if (fed) {
    // U = Gₖ · taps, Gₖ[(ξ, ν), (y, x)] = G[ξ][y] G[ν][x]: one [t², 9] × [9, K·C] product.
    const gk = constant(`winograd_${m}_filter_transform`, [t2, 9], () => filterTransform(tiles));
    const taps = fed(`${layer.weight.key}.taps`, [9, k, c], () => tapMajor(weights.kernel(), k, c));
    u = node('Reshape', [node('MatMul', [gk, node('Reshape', [taps, g.sharedInt64(`shape_9_${k * c}`, [9, k * c])])]), g.sharedInt64(`shape_${t2}_${k}_${c}`, [t2, k, c])]);
  } else {
    u = g.floatInitializer(`${layer.weight.key}.winograd_${m}`, [t2, k, c], () => transformedWeights(tiles, weights.kernel(), k, c));
  }

  // m − 1 zero rows and columns below and right (the Conv's own padding) give the tiles, m
  // apart, that cover every output row and column: floor((H − 3) / m) + 1 = ⌈(H − 2) / m⌉.
  const hw = node('Slice', [node('Shape', [x]), g.sharedInt64('axis_2', [2]), g.sharedInt64('axis_4', [4])]);

  const v = node('Conv', [x, tb], [attr.ints('kernel_shape', [t, t]), attr.ints('strides', [m, m]), attr.ints('pads', [0, 0, m - 1, m - 1]), attr.int('group', c)]); // [1, C·t², h, w]
  const tilesHw = node('Slice', [node('Shape', [v]), g.sharedInt64('axis_2', [2]), g.sharedInt64('axis_4', [4])]);
  const byPosition = node('Transpose', [node('Reshape', [v, g.sharedInt64(`shape_${c}_${t2}_rest`, [c, t2, -1])])], [attr.ints('perm', [1, 0, 2])]); // [t², C, h·w]
  const products = node('MatMul', [u, byPosition]); // [t², K, h·w] = [ξ, ν, K·h·w]
  // Aᵀ M A as two products, the block's columns first: [ξ, K·h·w, ν] · A = [ξ, K·h·w, b] =
  // [ξ, K·h, w·m]; then its rows, Aᵀ · [K·h, ξ, w·m] = [K·h, a, w·m]: the blocks in place, as
  // [1, K, h·m, w·m]. ONNX Runtime fuses both Transposes into the MatMuls, so no Transpose
  // moves data here.
  const wm = node('Mul', [node('Slice', [tilesHw, g.sharedInt64('axis_1', [1]), g.sharedInt64('axis_2', [2])]), g.sharedInt64(`scalar_${m}`, [m])]);
  const byColumn = node('Transpose', [node('Reshape', [products, g.sharedInt64(`shape_${t}_${t}_rest`, [t, t, -1])])], [attr.ints('perm', [0, 2, 1])]);
  const columns = node('MatMul', [byColumn, a]); // [ξ, K·h·w, b]
  const byRow = node('Transpose', [node('Reshape', [columns, node('Concat', [g.sharedInt64(`shape_${t}_rest`, [t, -1]), wm], [attr.int('axis', 0)])])], [attr.ints('perm', [1, 0, 2])]);
  const rows = node('MatMul', [at, byRow]); // [K·h, a, w·m]
  let out = node('Reshape', [rows, node('Concat', [g.sharedInt64(`shape_1_${k}_rest`, [1, k, -1]), wm], [attr.int('axis', 0)])]);

  // Back to H − 2 × W − 2 (drops what the padding produced).
  out = node('Slice', [out, g.sharedInt64('zeros_2', [0, 0]), node('Sub', [hw, g.sharedInt64('pair_2', [2, 2])]), g.sharedInt64('axes_23', [2, 3])]);
  if (layer.bias && weights.bias) {
    const bias = g.floatInitializer(`${layer.bias.key}.nchw`, [1, k, 1, 1], weights.bias);
    out = node('Add', [out, bias]);
  }
  return out;
}
