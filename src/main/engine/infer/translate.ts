/**
 * Whole-image translation at any size: reflect-pad to the size the generator needs, run it,
 * crop back. Inference never changes the network: in train mode BatchNorm normalises with the
 * image's own statistics but the running statistics stay as they are.
 */
import type { ForwardMode } from '../networks/executor';
import type { Network } from '../networks/network';
import * as tf from '../tf';
import { crop, paddingToMultiple, reflectPad } from './pad';

/**
 * How to run the generator. `training: false` is the reference's `--eval` (BatchNorm uses
 * running statistics); `training: true` is its default test mode (batch statistics of the
 * image being translated). `dropout` is independent: the reference's test mode keeps it on.
 */
export type InferenceMode = Omit<ForwardMode, 'updateRunningStats'>;

/** Check that `net` is a generator and `x` an NHWC image batch it accepts. */
export function checkTranslatable(net: Pick<Network, 'spec'>, x: tf.Tensor): void {
  if (net.spec.role !== 'generator') throw new Error(`translation needs a generator, got ${net.spec.className}`);
  if (x.rank !== 4) throw new Error(`expected an NHWC image batch of rank 4, got shape [${x.shape.join(', ')}]`);
  if (x.shape[3] !== net.spec.inChannels) {
    throw new Error(`${net.spec.className} takes ${net.spec.inChannels}-channel images, got ${x.shape[3]} channels (shape [${x.shape.join(', ')}])`);
  }
  if (x.shape.some((d) => d < 1)) throw new Error(`empty image: shape [${x.shape.join(', ')}]`);
}

/** Translate a whole image batch ([N, H, W, C], any H and W) in one pass. */
export function translateWhole(net: Network, x: tf.Tensor4D, mode: InferenceMode): tf.Tensor4D {
  checkTranslatable(net, x);
  const [, height, width] = x.shape;
  const { sizeMultiple, minSize } = net.spec;
  const pad = paddingToMultiple(height, width, sizeMultiple, minSize);
  return tf.tidy(() => {
    const y = net.apply(reflectPad(x, pad), { ...mode, updateRunningStats: false });
    return crop(y, pad.top, pad.left, height, width);
  });
}
