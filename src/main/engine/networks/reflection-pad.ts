/**
 * `nn.ReflectionPad2d(p)` on NHWC tensors: one MirrorPad ('reflect') with a gradient of its
 * own.
 *
 * Not tfjs-core's MirrorPad gradient (4.22, MirrorPad_grad), which only slices the centre out
 * of the incoming gradient and drops what flowed into the mirrored border. Nor slices,
 * reverses and concats with their own gradients, which are exact but costly: the tape keeps
 * every piece (Concat saves all its inputs), and each Slice's gradient is a zero-padded copy
 * of the whole map, so one padding held several maps of its size until the backward pass
 * ended. This op saves nothing, and its gradient folds each mirrored strip back onto the
 * pixels it copies, as PyTorch's reflection_pad2d_backward does.
 */
import * as tf from '../tf';
import {
  REFLECTION_PAD_GRAD,
  reflectionPadGradAvailable,
  type ReflectionPadGradAttrs,
} from '../backends/wasm-kernels/reflection-pad-grad';

type Axis = 1 | 2;

function sliceAxis(x: tf.Tensor4D, axis: Axis, begin: number, size: number): tf.Tensor4D {
  return tf.slice(x, axis === 1 ? [0, begin, 0, 0] : [0, 0, begin, 0], axis === 1 ? [-1, size, -1, -1] : [-1, -1, size, -1]);
}

/**
 * The gradient of reflection padding by `p` along one axis: `dy` is n + 2p long there, the
 * result n. Padded index i < p holds x[p − i], padded index p + n + j holds x[n − 2 − j]; for
 * n ≥ 2p + 2 the two strips land on disjoint rows, so the result is the centre of `dy` with
 * the reversed strips added to rows [1, p] and [n − 1 − p, n − 2], assembled in one concat.
 */
function foldAxis(dy: tf.Tensor4D, axis: Axis, p: number): tf.Tensor4D {
  const n = dy.shape[axis] - 2 * p;
  const left = tf.reverse(sliceAxis(dy, axis, 0, p), axis);
  const right = tf.reverse(sliceAxis(dy, axis, p + n, p), axis);
  if (n >= 2 * p + 2) {
    const pieces = [
      sliceAxis(dy, axis, p, 1),
      tf.add(sliceAxis(dy, axis, p + 1, p), left),
      ...(n > 2 * p + 2 ? [sliceAxis(dy, axis, 2 * p + 1, n - 2 * p - 2)] : []),
      tf.add(sliceAxis(dy, axis, n - 1, p), right),
      sliceAxis(dy, axis, n - 1 + p, 1),
    ];
    return tf.concat(pieces, axis) as tf.Tensor4D;
  }
  // Small maps: the strips overlap; add each one zero-padded to the centre.
  const pad = (before: number, after: number): Array<[number, number]> =>
    [0, 1, 2, 3].map((a) => (a === axis ? [before, after] : [0, 0]));
  const centre = sliceAxis(dy, axis, p, n);
  return tf.addN([centre, tf.pad(left, pad(1, n - 1 - p)), tf.pad(right, pad(n - 1 - p, 1))]) as tf.Tensor4D;
}

const reflectionPadOp = (p: number) =>
  tf.customGrad((x) => ({
    value: tf.mirrorPad(x as tf.Tensor4D, [[0, 0], [p, p], [p, p], [0, 0]], 'reflect'),
    gradFunc: (dy) =>
      // On wasm, one kernel on ONNX Runtime where it loads (backends/wasm-kernels/reflection-pad-grad.ts).
      tf.getBackend() === 'wasm' && tf.getKernel(REFLECTION_PAD_GRAD, 'wasm') && reflectionPadGradAvailable()
        ? (tf.engine().runKernel(REFLECTION_PAD_GRAD, { dy }, { p } satisfies ReflectionPadGradAttrs as unknown as tf.NamedAttrMap) as tf.Tensor4D)
        : tf.tidy(() => foldAxis(foldAxis(dy as tf.Tensor4D, 1, p), 2, p)),
  }));

export function reflectionPad2d(x: tf.Tensor4D, p: number): tf.Tensor4D {
  if (p === 0) return x;
  if (p >= x.shape[1] || p >= x.shape[2]) {
    throw new Error(`reflection padding by ${p} needs a feature map larger than ${x.shape[1]}×${x.shape[2]}`);
  }
  return reflectionPadOp(p)(x) as tf.Tensor4D;
}
