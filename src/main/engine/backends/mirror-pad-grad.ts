/**
 * The gradient of MirrorPad (PyTorch's ReflectionPad2d, used by the ResNet generator of
 * CycleGAN). tfjs-core 4.22's gradient only slices the centre out of dy
 * (gradients/MirrorPad_grad.ts), dropping the gradient of every border value that was
 * copied into the padding. As PyTorch's reflection_pad2d_backward and TensorFlow's
 * MirrorPadGrad do, each padded strip is folded back onto the values it mirrors.
 */
import * as tf from '../tf';

/** `x` sliced to [begin, begin + size) along `axis`. */
function sliceAxis(x: tf.Tensor, axis: number, begin: number, size: number): tf.Tensor {
  const b = x.shape.map(() => 0);
  const s = x.shape.slice();
  b[axis] = begin;
  s[axis] = size;
  return tf.slice(x, b, s);
}

/** `x` zero-padded by (before, after) along `axis`. */
function padAxis(x: tf.Tensor, axis: number, before: number, after: number): tf.Tensor {
  const p = x.shape.map((): [number, number] => [0, 0]);
  p[axis] = [before, after];
  return tf.pad(x, p);
}

/**
 * dL/dx for y = mirrorPad(x, paddings, mode), given dy. Padding is separable (one axis
 * after the other), so is its gradient: fold one axis at a time.
 */
export function mirrorPadBackward(
  dy: tf.Tensor,
  xShape: readonly number[],
  paddings: ReadonlyArray<readonly [number, number]>,
  mode: 'reflect' | 'symmetric',
): tf.Tensor {
  // 'reflect' mirrors around the edge value (excluded); 'symmetric' includes it.
  const offset = mode === 'reflect' ? 1 : 0;
  let g = dy;
  for (let axis = 0; axis < xShape.length; axis++) {
    const [before, after] = paddings[axis]!;
    if (before === 0 && after === 0) continue;
    const n = xShape[axis]!;
    let folded = sliceAxis(g, axis, before, n);
    if (before > 0) {
      // Padded index i < before holds x[before - i - 1 + offset]; reversed, index j holds x[j + offset].
      const left = tf.reverse(sliceAxis(g, axis, 0, before), axis);
      folded = tf.add(folded, padAxis(left, axis, offset, n - before - offset));
    }
    if (after > 0) {
      // Reversed, index j of the trailing strip holds x[n - offset - after + j].
      const right = tf.reverse(sliceAxis(g, axis, before + n, after), axis);
      folded = tf.add(folded, padAxis(right, axis, n - offset - after, offset));
    }
    g = folded;
  }
  return g;
}

export const mirrorPadGradConfig: tf.GradConfig = {
  kernelName: tf.MirrorPad,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const x = saved[0]!;
    const { paddings, mode } = attrs as unknown as tf.MirrorPadAttrs;
    return { x: () => mirrorPadBackward(dy as tf.Tensor, x.shape, paddings, mode) };
  },
};
