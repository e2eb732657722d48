/**
 * InstanceNorm (affine=False) and train-mode BatchNorm (affine) as single differentiable
 * ops with closed-form gradients, the way PyTorch's fused kernels are.
 *
 * Written as compositions of TF.js ops (moments, sub, mul, rsqrt), a norm layer leaves the
 * gradient tape holding several input-sized tensors (the input, the centred input, its
 * square, the normalised output, …) and the backward pass one gradient per intermediate,
 * all alive until the whole backward pass ends. Here the tape keeps one input-sized tensor
 * (the normalised output for InstanceNorm, the centred input for BatchNorm) and per-channel
 * vectors, and the backward pass keeps nothing but the gradients it returns.
 *
 * The forward values are computed with the same ops in the same order as the composite
 * formulation (mean, centred input, mean of its square, × 1/√(var + ε) …), so outputs are
 * bit-identical to it. With x̂ = (x − μ)/σ, σ = √(var + ε), var biased, means over the
 * normalised axes (H, W per sample and channel for InstanceNorm; N, H, W per channel for
 * BatchNorm):
 *
 *   InstanceNorm  y = x̂                 dx = (dy − mean(dy) − x̂·mean(dy·x̂)) / σ
 *   BatchNorm     y = γ·x̂ + β           dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂))
 *                                       dγ = Σ dy·x̂,  dβ = Σ dy
 *
 * With statistics given from outside (tiled inference shares one image's statistics across
 * its tiles) the statistics are constants and the gradient is the affine map's: dx = dy/σ
 * (× γ for BatchNorm).
 */
import { INSTANCE_NORM_GRAD, instanceNormGradAvailable } from '../backends/wasm-kernels/instance-norm-grad';
import * as tf from '../tf';
import type { NormStats } from './executor';

export interface NormResult {
  y: tf.Tensor4D;
  /**
   * The input's statistics when asked for (`withStats`): kept tensors (outside any tidy
   * scope) that the caller disposes. InstanceNorm's are [N, 1, 1, C], BatchNorm's [C].
   */
  stats?: NormStats;
}

const IN_AXES = [1, 2];
const BN_AXES = [0, 1, 2];

/** Mean and biased variance over `axes` (as tf.moments), with the centred input. */
function centredMoments(x: tf.Tensor4D, axes: number[], keepDims: boolean): { mean: tf.Tensor; variance: tf.Tensor; centred: tf.Tensor4D } {
  const mean = tf.mean(x, axes, keepDims);
  const centred = tf.sub(x, mean) as tf.Tensor4D;
  const variance = tf.mean(tf.square(centred), axes, keepDims);
  return { mean, variance, centred };
}

/** BatchNorm's affine gradients, per channel: dγ = Σ dy·x̂ = Σ dy·(x − μ) / σ, dβ = Σ dy. */
function affineGradients(dy: tf.Tensor4D, centred: tf.Tensor4D, invStd: tf.Tensor): { dGamma: tf.Tensor1D; dBeta: tf.Tensor1D } {
  const dGamma = tf.reshape(tf.mul(tf.sum(tf.mul(dy, centred), BN_AXES), invStd), [dy.shape[3]]) as tf.Tensor1D;
  return { dGamma, dBeta: tf.sum(dy, BN_AXES) as tf.Tensor1D };
}

/**
 * InstanceNorm2d (affine=False) of an NHWC tensor with its own statistics over H and W.
 * `withStats` also returns them (kept; the caller disposes).
 */
export function instanceNorm(x: tf.Tensor4D, eps: number, withStats = false): NormResult {
  let stats: NormStats | undefined;
  const op = tf.customGrad((input, save) => {
    const { mean, variance, centred } = centredMoments(input as tf.Tensor4D, IN_AXES, true);
    const invStd = tf.rsqrt(tf.add(variance, eps));
    const y = tf.mul(centred, invStd) as tf.Tensor4D;
    if (withStats) stats = { mean: tf.keep(mean), variance: tf.keep(variance) };
    (save as tf.GradSaveFunc)([y, invStd]);
    return {
      value: y,
      gradFunc: (dy, saved) => {
        const [xHat, s] = saved as [tf.Tensor4D, tf.Tensor];
        return tf.tidy(() => {
          const g = dy as tf.Tensor4D;
          const meanDy = tf.mean(g, IN_AXES, true);
          const meanDyXHat = tf.mean(tf.mul(g, xHat), IN_AXES, true);
          // On wasm, the element-wise rest as one pass (backends/wasm-kernels/instance-norm-grad.ts).
          if (instanceNormGradAvailable(g.shape[3])) {
            return tf.engine().runKernel(INSTANCE_NORM_GRAD, { dy: g, xHat, meanDy, meanDyXHat, invStd: s }) as tf.Tensor4D;
          }
          return tf.mul(tf.sub(tf.sub(g, meanDy), tf.mul(xHat, meanDyXHat)), s);
        });
      },
    };
  });
  const y = op(x) as tf.Tensor4D;
  return { y, ...(stats ? { stats } : {}) };
}

/**
 * BatchNorm2d in train mode: normalised with the batch's statistics over N, H and W (biased
 * variance), then γ·x̂ + β. `withStats` also returns the statistics (kept; the caller
 * disposes), for the running-statistics update.
 */
export function batchNormTrain(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, eps: number, withStats = false): NormResult {
  let stats: NormStats | undefined;
  const op = tf.customGrad((input, weight, bias, save) => {
    const { mean, variance, centred } = centredMoments(input as tf.Tensor4D, BN_AXES, false);
    const invStd = tf.rsqrt(tf.add(variance, eps));
    const scale = tf.mul(weight as tf.Tensor, invStd);
    const y = tf.add(tf.mul(centred, scale), bias as tf.Tensor) as tf.Tensor4D;
    if (withStats) stats = { mean: tf.keep(mean), variance: tf.keep(variance) };
    // The centred input rather than x̂: the forward never forms x̂ (γ/σ is applied in one
    // product, as in the composite), and the backward needs it only inside reductions.
    (save as tf.GradSaveFunc)([centred, invStd, scale]);
    return {
      value: y,
      gradFunc: (dy, saved) => {
        const [c, s, k] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
        return tf.tidy(() => {
          const g = dy as tf.Tensor4D;
          const count = g.size / g.shape[3];
          const { dGamma, dBeta } = affineGradients(g, c, s);
          // dx = k·dy − k·mean(dy) − (x − μ)·k·mean(dy·x̂)/σ, with k = γ/σ.
          const shift = tf.mul(k, tf.div(dBeta, count));
          const slope = tf.mul(tf.mul(k, s), tf.div(dGamma, count));
          const dx = tf.sub(tf.sub(tf.mul(g, k), shift), tf.mul(c, slope));
          return [dx, dGamma, dBeta];
        });
      },
    };
  });
  const y = op(x, gamma, beta) as tf.Tensor4D;
  return { y, ...(stats ? { stats } : {}) };
}

/**
 * Normalisation with given statistics (InstanceNorm's [N or 1, 1, 1, C], BatchNorm's [C]),
 * treated as constants: (x − mean)/σ, then γ·x̂ + β when `affine` is given (as BatchNorm
 * in train mode computes it: (x − mean)·(γ/σ) + β).
 */
export function normalizeWithStats(
  x: tf.Tensor4D,
  stats: NormStats,
  eps: number,
  affine?: { gamma: tf.Tensor; beta: tf.Tensor },
): tf.Tensor4D {
  const invStd = tf.rsqrt(tf.add(stats.variance, eps));
  if (!affine) {
    const op = tf.customGrad((input, save) => {
      const y = tf.mul(tf.sub(input as tf.Tensor4D, stats.mean), invStd) as tf.Tensor4D;
      (save as tf.GradSaveFunc)([invStd]);
      return { value: y, gradFunc: (dy, saved) => tf.mul(dy as tf.Tensor, saved[0]!) };
    });
    return op(x) as tf.Tensor4D;
  }
  const op = tf.customGrad((input, weight, bias, save) => {
    const scale = tf.mul(weight as tf.Tensor, invStd);
    const centred = tf.sub(input as tf.Tensor4D, stats.mean);
    const y = tf.add(tf.mul(centred, scale), bias as tf.Tensor) as tf.Tensor4D;
    (save as tf.GradSaveFunc)([centred, invStd, scale]);
    return {
      value: y,
      gradFunc: (dy, saved) => {
        const [c, s, k] = saved as [tf.Tensor4D, tf.Tensor, tf.Tensor];
        return tf.tidy(() => {
          const g = dy as tf.Tensor4D;
          const { dGamma, dBeta } = affineGradients(g, c, s);
          return [tf.mul(g, k), dGamma, dBeta];
        });
      },
    };
  });
  return op(x, affine.gamma, affine.beta) as tf.Tensor4D;
}
