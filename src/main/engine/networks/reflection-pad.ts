/**
 * `nn.ReflectionPad2d(p)` on NHWC tensors, built from slice, reverse and concat.
 *
 * Not `tf.mirrorPad`: its registered gradient (tfjs-core 4.22, MirrorPad_grad) only slices
 * the centre out of the incoming gradient and drops what flowed into the mirrored border,
 * which makes every weight gradient upstream of a ResNet generator's padding wrong. The ops
 * used here have exact gradients on every backend.
 */
import * as tf from '../tf';

function reflectAxis(x: tf.Tensor4D, axis: 1 | 2, p: number): tf.Tensor4D {
  const n = x.shape[axis];
  const begin = (start: number): [number, number, number, number] => (axis === 1 ? [0, start, 0, 0] : [0, 0, start, 0]);
  const size: [number, number, number, number] = axis === 1 ? [-1, p, -1, -1] : [-1, -1, p, -1];
  // [a b c d] padded by 2 → [c b | a b c d | c b]: the edge pixel is not repeated.
  const before = tf.reverse(tf.slice(x, begin(1), size), axis);
  const after = tf.reverse(tf.slice(x, begin(n - 1 - p), size), axis);
  return tf.concat([before, x, after], axis);
}

export function reflectionPad2d(x: tf.Tensor4D, p: number): tf.Tensor4D {
  if (p === 0) return x;
  if (p >= x.shape[1] || p >= x.shape[2]) {
    throw new Error(`reflection padding by ${p} needs a feature map larger than ${x.shape[1]}×${x.shape[2]}`);
  }
  return tf.tidy(() => reflectAxis(reflectAxis(x, 1, p), 2, p));
}
