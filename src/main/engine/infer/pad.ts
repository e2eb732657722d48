/**
 * Padding an image to the size a generator needs, and cropping back. Reflection as
 * `ReflectionPad2d` does it (the edge pixel is not repeated), extended to pads larger than
 * the image by reflecting again (period 2·(n − 1)), so any size can be padded.
 */
import * as tf from '../tf';

/** Source index along an axis of length n for padded position i (may be < 0 or ≥ n). */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const j = ((i % period) + period) % period;
  return j < n ? j : period - j;
}

function gatherAxis(x: tf.Tensor4D, axis: 1 | 2, before: number, after: number): tf.Tensor4D {
  if (before === 0 && after === 0) return x;
  const n = x.shape[axis];
  const idx = new Int32Array(n + before + after);
  for (let i = 0; i < idx.length; i++) idx[i] = reflectIndex(i - before, n);
  return tf.tidy(() => tf.gather(x, tf.tensor1d(idx, 'int32'), axis));
}

export interface Padding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** Reflect-pad an NHWC tensor by any amounts. */
export function reflectPad(x: tf.Tensor4D, p: Padding): tf.Tensor4D {
  return tf.tidy(() => gatherAxis(gatherAxis(x, 1, p.top, p.bottom), 2, p.left, p.right));
}

/** Smallest size ≥ max(n, min) that is a multiple of `multiple`. */
export function paddedSize(n: number, multiple: number, min = 1): number {
  return Math.ceil(Math.max(n, min) / multiple) * multiple;
}

/**
 * Padding that brings height × width to multiples of `multiple` (and at least `min`), all of
 * it at the bottom and right. Keeping the top-left corner fixed keeps the network's
 * down-sampling grid anchored to the image: a crop whose origin is a multiple of `multiple`
 * is translated like the same region of the full image (away from borders), which is what
 * makes tiles line up with whole-image translation.
 */
export function paddingToMultiple(height: number, width: number, multiple: number, min = 1): Padding {
  return { top: 0, bottom: paddedSize(height, multiple, min) - height, left: 0, right: paddedSize(width, multiple, min) - width };
}

/** Inverse of a padding: the [N, height, width, C] window at (top, left). */
export function crop(x: tf.Tensor4D, top: number, left: number, height: number, width: number): tf.Tensor4D {
  if (top === 0 && left === 0 && height === x.shape[1] && width === x.shape[2]) return x;
  return tf.slice(x, [0, top, left, 0], [x.shape[0], height, width, x.shape[3]]);
}
