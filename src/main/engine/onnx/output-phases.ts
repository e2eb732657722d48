/**
 * A stride-1 convolution with few output channels as one stride-2 convolution that computes
 * its four output phases at once (4·K channels, a (k+1)² kernel), interleaved by
 * DepthToSpace(2):
 *
 *   out[o, 2i+a, 2j+b] = Σ_{c,dy,dx} w[o, c, dy, dx] · x[c, 2i+a+dy, 2j+b+dx]
 *                      = Σ_{c,y,x} w'[(a·2+b)·K + o, c, y, x] · x[c, 2i+y, 2j+x],
 *   w'[(a·2+b)·K + o, c, y, x] = w[o, c, y − a, x − b] (zero outside the kernel).
 *
 * ONNX Runtime's fast convolutions work on blocks of 8 or 16 output channels; the
 * generators' last layer (7×7, 64 → 3 channels, at full resolution) fills 3 of 16 there,
 * 12 of 16 here: 0.4× the time at 256² and 512² for 1.3× the multiply-adds
 * (tests/bench/output-conv-probe.ts: 12.6 against 31 ms, 49 against 128 ms), with the same
 * sums in another order. The stride-2 Conv reads the feature map as it is (its own zero
 * padding included): no rearranged copy of the input is made, as SpaceToDepth made before.
 */
import type { Conv2dLayer } from '../networks';
import { GraphBuilder, attr } from './graph-builder';

/** Whether `layer` is written this way: stride 1, an odd kernel of at least 3, at most 4 outputs. */
export function outputPhasesApply(layer: Conv2dLayer): boolean {
  return layer.stride === 1 && layer.kernel >= 3 && layer.kernel % 2 === 1 && layer.outChannels <= 4;
}

/** The phase kernel [4·K, C, k + 1, k + 1] from PyTorch's [K, C, k, k]. */
export function phaseKernel(weight: Float32Array, k: number, c: number, kernel: number): Float32Array {
  const kp = kernel + 1;
  const out = new Float32Array(4 * k * c * kp * kp);
  for (let a = 0; a < 2; a++) {
    for (let b = 0; b < 2; b++) {
      for (let o = 0; o < k; o++) {
        // DepthToSpace (DCR) puts channel (a·2 + b)·K + o at row phase a, column phase b.
        const oc = (a * 2 + b) * k + o;
        for (let i = 0; i < c; i++) {
          for (let dy = 0; dy < kernel; dy++) {
            const from = ((o * c + i) * kernel + dy) * kernel;
            out.set(weight.subarray(from, from + kernel), ((oc * c + i) * kp + a + dy) * kp + b);
          }
        }
      }
    }
  }
  return out;
}

/**
 * Emits `layer` (see `outputPhasesApply`) on `x` [N, C, H, W]; returns [N, K, H', W'] with
 * H' = H + 2p − k + 1, as the Conv would.
 */
export function emitOutputPhasesConv(
  g: GraphBuilder,
  layer: Conv2dLayer,
  x: string,
  weights: { kernel: () => Float32Array; bias?: () => Float32Array },
): string {
  const { inChannels: c, outChannels: k, kernel, padding: p, module } = layer;
  const kp = kernel + 1;
  const node = (op: string, inputs: string[], attributes: Parameters<GraphBuilder['node']>[2] = []) => g.node(op, inputs, attributes, module);
  const inputs = [g.floatInitializer(`${layer.weight.key}.output_phases`, [4 * k, c, kp, kp], () => phaseKernel(weights.kernel(), k, c, kernel))];
  if (layer.bias && weights.bias) {
    const bias = weights.bias;
    inputs.push(g.floatInitializer(`${layer.bias.key}.output_phases`, [4 * k], () => {
      const b = bias();
      const out = new Float32Array(4 * k);
      for (let phase = 0; phase < 4; phase++) out.set(b, phase * k);
      return out;
    }));
  }
  // With P = H + 2p, the windows 2 apart over P + 1 (one more zero row and column at the end,
  // read only by the kernel's zero row and column) give ⌊(P − k) / 2⌋ + 1 rows of phases:
  // the P − k + 1 output rows, and one more where P − k is even, cropped below.
  const phases = node('Conv', [x, ...inputs], [
    attr.ints('kernel_shape', [kp, kp]),
    attr.ints('strides', [2, 2]),
    attr.ints('pads', [p, p, p + 1, p + 1]),
  ]);
  const out = node('DepthToSpace', [phases], [attr.int('blocksize', 2), attr.string('mode', 'DCR')]);
  const hw = node('Slice', [node('Shape', [x]), g.sharedInt64('axis_2', [2]), g.sharedInt64('axis_4', [4])]);
  const outHw = node('Add', [hw, g.sharedInt64(`pair_${2 * p - kernel + 1}`, [2 * p - kernel + 1, 2 * p - kernel + 1])]);
  return node('Slice', [out, g.sharedInt64('zeros_2', [0, 0]), outHw, g.sharedInt64('axes_23', [2, 3])]);
}
