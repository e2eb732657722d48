/**
 * The reference's training objectives (models/networks.py `GANLoss`, `cal_gradient_penalty`;
 * `torch.nn.L1Loss`). Targets are the constants 1.0 (real) and 0.0 (fake), broadcast to the
 * prediction's shape; no label smoothing. Discriminators output raw logits: the sigmoid of
 * the vanilla GAN lives inside the loss.
 */
import * as tf from '../tf';
import type { Rng } from './rng';

export type GanMode = 'vanilla' | 'lsgan' | 'wgangp';
export const GAN_MODES: readonly GanMode[] = ['vanilla', 'lsgan', 'wgangp'];

/** `GANLoss(gan_mode)(prediction, target_is_real)`: a scalar, the mean over all elements. */
export function ganLoss(mode: GanMode, prediction: tf.Tensor, targetIsReal: boolean): tf.Scalar {
  return tf.tidy((): tf.Scalar => {
    const target = targetIsReal ? 1 : 0;
    switch (mode) {
      case 'lsgan':
        // MSELoss: mean((x − t)²).
        return tf.mean(tf.square(tf.sub(prediction, target))) as tf.Scalar;
      case 'vanilla': {
        // BCEWithLogitsLoss in its overflow-safe form: max(x, 0) − x·t + log(1 + e^−|x|).
        const x = prediction;
        const softplusTail = tf.log1p(tf.exp(tf.neg(tf.abs(x))));
        const linear = targetIsReal ? tf.sub(tf.relu(x), x) : tf.relu(x);
        return tf.mean(tf.add(linear, softplusTail)) as tf.Scalar;
      }
      case 'wgangp':
        // The critic's score: −E[D(real)] for real targets, +E[D(fake)] for fake ones.
        return (targetIsReal ? tf.neg(tf.mean(prediction)) : tf.mean(prediction)) as tf.Scalar;
      default:
        throw new Error(`GAN mode '${String(mode)}' is not implemented (expected ${GAN_MODES.join(', ')})`);
    }
  });
}

/** `nn.L1Loss()`: mean absolute error over all elements. */
export function l1Loss(input: tf.Tensor, target: tf.Tensor): tf.Scalar {
  if (!tf.util.arraysEqual(input.shape, target.shape)) {
    throw new Error(`L1 loss: shapes differ, [${input.shape}] vs [${target.shape}]`);
  }
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(input, target))) as tf.Scalar);
}

export interface GradientPenaltyOptions {
  /** Which points the penalty is taken at: real images, fakes, or per-sample random mixes. */
  type?: 'real' | 'fake' | 'mixed';
  /** The target gradient norm (‖∇D‖ − constant)². */
  constant?: number;
  lambdaGp?: number;
  /** Draws the per-sample mixing weights α ~ U[0, 1) for 'mixed'. */
  rng?: Rng;
}

/**
 * WGAN-GP's gradient penalty (Gulrajani et al. 2017), as the reference's
 * `cal_gradient_penalty`: λ · mean over samples of (‖∇ₓD(x̂) + 1e-16‖₂ − constant)². Call it
 * inside the discriminator's gradient closure so that the penalty's own gradient reaches D
 * (double backpropagation). The reference's pix2pix and CycleGAN training loops never add
 * this term, even with `--gan_mode wgangp`; neither do our models.
 */
export function gradientPenalty(
  netD: (x: tf.Tensor4D) => tf.Tensor,
  real: tf.Tensor4D,
  fake: tf.Tensor4D,
  opts: GradientPenaltyOptions = {},
): { penalty: tf.Scalar; gradients: tf.Tensor2D } {
  const { type = 'mixed', constant = 1, lambdaGp = 10 } = opts;
  if (!tf.util.arraysEqual(real.shape, fake.shape)) {
    throw new Error(`gradient penalty: real [${real.shape}] and fake [${fake.shape}] differ in shape`);
  }
  if (lambdaGp <= 0) {
    return { penalty: tf.scalar(0), gradients: tf.zeros([real.shape[0], 0]) as tf.Tensor2D };
  }
  const batch = real.shape[0];
  let points: tf.Tensor4D;
  if (type === 'real') points = real;
  else if (type === 'fake') points = fake;
  else if (type === 'mixed') {
    if (!opts.rng) throw new Error("gradient penalty: type 'mixed' needs an rng for the mixing weights");
    const alpha = tf.tensor4d(
      Array.from({ length: batch }, () => opts.rng!.random()),
      [batch, 1, 1, 1],
      'float32',
    );
    points = tf.tidy(() => tf.add(tf.mul(alpha, real), tf.mul(tf.sub(1, alpha), fake)));
    alpha.dispose();
  } else {
    throw new Error(`gradient penalty: type '${String(type)}' is not implemented (expected real, fake, mixed)`);
  }
  const g = tf.grad((x: tf.Tensor) => tf.sum(netD(x as tf.Tensor4D)))(points);
  const gradients = tf.reshape(g, [batch, -1]) as tf.Tensor2D;
  const penalty = tf.tidy(
    () => {
      const norms = tf.sqrt(tf.sum(tf.square(tf.add(gradients, 1e-16)), 1));
      return tf.mul(tf.mean(tf.square(tf.sub(norms, constant))), lambdaGp) as tf.Scalar;
    },
  );
  g.dispose();
  if (points !== real && points !== fake) points.dispose();
  return { penalty, gradients };
}
