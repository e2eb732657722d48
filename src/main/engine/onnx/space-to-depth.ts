/**
 * A stride-1 convolution with few output channels as a convolution over 2×2 blocks: the
 * input goes through SpaceToDepth(2) (4·C channels at half the size), a ⌈(k+1)/2⌉-square
 * kernel computes the four output phases at once (4·K channels), and DepthToSpace(2)
 * interleaves them:
 *
 *   out[k, 2i+a, 2j+b] = Σ_{c,dy,dx} w[k, c, dy, dx] · x[c, 2i+a+dy, 2j+b+dx]
 *
 * with a + dy = 2q + r: block row i + q, phase r of the SpaceToDepth channel. ONNX Runtime's
 * fast convolutions work on blocks of 8 or 16 output channels; the generators' last layer
 * (7×7, 64 → 3 channels, at full resolution) fills 3 of 16 there, 12 of 16 here: about 2.3×
 * faster at 512² for 1.8× the multiply-adds (tests/bench/output-conv-probe.ts), with the
 * same sums in another order (max |Δ| 1.6e-7 there).
 */
import type { Conv2dLayer } from '../networks';
import { GraphBuilder, attr } from './graph-builder';

/** Whether `layer` is written this way: stride 1, an odd kernel of at least 3, at most 4 outputs. */
export function spaceToDepthApplies(layer: Conv2dLayer): boolean {
  return layer.stride === 1 && layer.kernel >= 3 && layer.kernel % 2 === 1 && layer.outChannels <= 4;
}

/** The block kernel [4·K, 4·C, kb, kb] (kb = (k + 1) / 2) from PyTorch's [K, C, k, k]. */
export function blockKernel(weight: Float32Array, k: number, c: number, kernel: number): Float32Array {
  const kb = (kernel + 1) / 2;
  const out = new Float32Array(4 * k * 4 * c * kb * kb);
  for (let a = 0; a < 2; a++) {
    for (let b = 0; b < 2; b++) {
      for (let o = 0; o < k; o++) {
        // DepthToSpace (DCR) reads output channel (a·2 + b)·K + o; SpaceToDepth wrote input
        // channel (r·2 + s)·C + i.
        const oc = (a * 2 + b) * k + o;
        for (let i = 0; i < c; i++) {
          for (let dy = 0; dy < kernel; dy++) {
            const y = a + dy;
            for (let dx = 0; dx < kernel; dx++) {
              const x = b + dx;
              const ic = ((y % 2) * 2 + (x % 2)) * c + i;
              out[((oc * 4 * c + ic) * kb + (y >> 1)) * kb + (x >> 1)] = weight[((o * c + i) * kernel + dy) * kernel + dx]!;
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * Emits `layer` (see `spaceToDepthApplies`) on `x` [N, C, H, W]; returns [N, K, H', W'] with
 * H' = H + 2p − k + 1, as the Conv would.
 */
export function emitSpaceToDepthConv(
  g: GraphBuilder,
  layer: Conv2dLayer,
  x: string,
  weights: { kernel: () => Float32Array; bias?: () => Float32Array },
): string {
  const { inChannels: c, outChannels: k, kernel, padding: p, module } = layer;
  const kb = (kernel + 1) / 2;
  const node = (op: string, inputs: string[], attributes: Parameters<GraphBuilder['node']>[2] = []) => g.node(op, inputs, attributes, module);
  const w = g.floatInitializer(`${layer.weight.key}.space_to_depth`, [4 * k, 4 * c, kb, kb], () => blockKernel(weights.kernel(), k, c, kernel));
  const inputs = [w];
  if (layer.bias && weights.bias) {
    const bias = weights.bias;
    inputs.push(g.floatInitializer(`${layer.bias.key}.space_to_depth`, [4 * k], () => {
      const b = bias();
      const out = new Float32Array(4 * k);
      for (let phase = 0; phase < 4; phase++) out.set(b, phase * k);
      return out;
    }));
  }
  // The convolution's own zero padding, plus one zero row/column where the padded size is
  // odd (SpaceToDepth needs even sizes; the extra output row is cropped below).
  const hw = node('Slice', [node('Shape', [x]), g.sharedInt64('axis_2', [2]), g.sharedInt64('axis_4', [4])]);
  const paddedHw = node('Add', [hw, g.sharedInt64(`pair_${2 * p}`, [2 * p, 2 * p])]);
  const odd = node('Mod', [paddedHw, g.sharedInt64('pair_2', [2, 2])]);
  const pads = node('Concat', [g.sharedInt64(`pads_begin_${p}`, [0, 0, p, p, 0, 0]), node('Add', [odd, g.sharedInt64(`pair_${p}`, [p, p])])], [attr.int('axis', 0)]);
  const padded = node('Pad', [x, pads]);
  const blocks = node('SpaceToDepth', [padded], [attr.int('blocksize', 2)]);
  const phases = node('Conv', [blocks, ...inputs], [attr.ints('kernel_shape', [kb, kb])]);
  const out = node('DepthToSpace', [phases], [attr.int('blocksize', 2), attr.string('mode', 'DCR')]);
  const outHw = node('Sub', [paddedHw, g.sharedInt64(`pair_${kernel - 1}`, [kernel - 1, kernel - 1])]);
  return node('Slice', [out, g.sharedInt64('zeros_2', [0, 0]), outHw, g.sharedInt64('axes_23', [2, 3])]);
}
