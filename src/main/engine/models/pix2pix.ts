/**
 * pix2pix (Isola et al., CVPR 2017) as the reference's Pix2PixModel
 * (models/pix2pix_model.py): a conditional GAN whose discriminator judges (A, B) pairs.
 *
 * One step (`optimize_parameters`):
 *   1. fake_B = G(real_A);
 *   2. D update: loss_D = ½·(GAN(D(cat(real_A, fake_B)), false) + GAN(D(cat(real_A, real_B)), true)),
 *      the fake pair first (two separate D calls, so BatchNorm sees two batches), fake_B
 *      detached;
 *   3. G update with D frozen: loss_G = GAN(D(cat(real_A, fake_B)), true) + λ_L1·|fake_B − real_B|₁,
 *      using the D just updated.
 *
 * G runs forward once per step, as in the reference. TF.js cannot keep a graph alive between
 * calls, so the D update (its own gradient tape and Adam step) runs inside G's gradient tape,
 * between G's forward and the G loss; D's update writes new values into its variables, which
 * cuts every path from the D loss to the G loss, so G's gradient is exactly the reference's.
 */
import { defineD, defineG, type DiscriminatorOptions, type GeneratorOptions, type Network } from '../networks';
import * as tf from '../tf';
import { Adam } from '../train/adam';
import { ganLoss, l1Loss, type GanMode } from '../train/losses';
import type { ImagePool } from '../train/pool';
import { deriveSeed } from '../train/rng';
import {
  checkFinite,
  disposeAll,
  groupGradients,
  parameterGroup,
  readScalars,
  type ModelInput,
  type StepOptions,
  type TranslationModel,
} from './model';
import { generatorDirections, networkPlans } from './architecture';
import type { ModelOptions } from './options';

export class Pix2PixModel implements TranslationModel {
  readonly name = 'pix2pix';
  readonly lossNames = ['G_GAN', 'G_L1', 'D_real', 'D_fake'] as const;
  readonly visualNames = ['real_A', 'fake_B', 'real_B'] as const;
  readonly modelNames = ['G', 'D'] as const;
  readonly generators: TranslationModel['generators'];
  readonly networks: ReadonlyMap<string, Network>;
  readonly optimizers: ReadonlyMap<string, Adam>;
  readonly pools: ReadonlyMap<string, ImagePool> = new Map();
  readonly metric = 0;

  private readonly netG: Network;
  private readonly netD: Network;
  private readonly ganMode: GanMode;
  private realA: tf.Tensor4D | null = null;
  private realB: tf.Tensor4D | null = null;
  private fakeB: tf.Tensor4D | null = null;
  private losses: Record<string, number> = {};

  constructor(private readonly opt: ModelOptions) {
    this.ganMode = opt.gan_mode;
    const plans = networkPlans(opt);
    this.netG = defineG(plans.get('G')!.options as GeneratorOptions, { seed: deriveSeed(opt.seed, 'init', 'G') });
    this.netD = defineD(plans.get('D')!.options as DiscriminatorOptions, { seed: deriveSeed(opt.seed, 'init', 'D') });
    this.networks = new Map([
      ['G', this.netG],
      ['D', this.netD],
    ]);
    const adam = { lr: opt.lr, beta1: opt.beta1 };
    this.optimizers = new Map([
      ['G', new Adam(parameterGroup(this.networks, ['G']), adam)],
      ['D', new Adam(parameterGroup(this.networks, ['D']), adam)],
    ]);
    this.generators = generatorDirections(opt);
  }

  setInput(input: ModelInput): void {
    const atob = this.opt.direction === 'AtoB';
    disposeAll([this.realA, this.realB]);
    this.realA = tf.clone(atob ? input.A : input.B);
    this.realB = tf.clone(atob ? input.B : input.A);
  }

  private inputs(): { realA: tf.Tensor4D; realB: tf.Tensor4D } {
    if (!this.realA || !this.realB) throw new Error('pix2pix: setInput must be called before a step');
    return { realA: this.realA, realB: this.realB };
  }

  optimizeParameters({ dropoutSeed, onGradients }: StepOptions): void {
    const { realA, realB } = this.inputs();
    const optG = this.optimizers.get('G')!;
    const optD = this.optimizers.get('D')!;
    const modeG = { training: true, dropout: !this.opt.no_dropout, seed: dropoutSeed };
    const modeD = { training: true, dropout: false };
    const L: Record<string, tf.Scalar> = {};
    const made: { fakeB?: tf.Tensor4D } = {};
    const owned: tf.Tensor[] = [];
    try {
      const g = groupGradients(optG.params, () => {
        const fakeB = this.netG.apply(realA, modeG);
        made.fakeB = tf.keep(fakeB);
        // D update. The G parameters are not in its list, so fake_B acts as detached.
        const d = groupGradients(optD.params, () => {
          L.D_fake = tf.keep(ganLoss(this.ganMode, this.netD.apply(tf.concat([realA, fakeB], 3), modeD), false));
          L.D_real = tf.keep(ganLoss(this.ganMode, this.netD.apply(tf.concat([realA, realB], 3), modeD), true));
          return tf.mul(tf.add(L.D_fake, L.D_real), 0.5) as tf.Scalar;
        });
        owned.push(tf.keep(d.value), ...[...d.grads.values()].map((t) => tf.keep(t)));
        checkFinite(readScalars(L), ['D_fake', 'D_real']);
        onGradients?.('D', d.grads);
        optD.step(d.grads);
        // G update with the D just updated, frozen (not in this tape's list).
        const predFake = this.netD.apply(tf.concat([realA, fakeB], 3), modeD);
        L.G_GAN = tf.keep(ganLoss(this.ganMode, predFake, true));
        L.G_L1 = tf.keep(tf.mul(l1Loss(fakeB, realB), this.opt.lambda_L1));
        return tf.add(L.G_GAN, L.G_L1) as tf.Scalar;
      });
      owned.push(g.value, ...g.grads.values());
      const losses = readScalars(L);
      checkFinite(losses, ['G_GAN', 'G_L1']);
      onGradients?.('G', g.grads);
      optG.step(g.grads);
      this.losses = Object.fromEntries(this.lossNames.map((k) => [k, losses[k]!]));
      this.fakeB?.dispose();
      this.fakeB = made.fakeB!;
      delete made.fakeB;
    } finally {
      disposeAll([...owned, ...Object.values(L), made.fakeB]);
    }
  }

  getCurrentLosses(): Record<string, number> {
    return { ...this.losses };
  }

  getCurrentVisuals(): Map<string, tf.Tensor4D> {
    const { realA, realB } = this.inputs();
    if (!this.fakeB) throw new Error('pix2pix: no step has run yet');
    return new Map([
      ['real_A', realA],
      ['fake_B', this.fakeB],
      ['real_B', realB],
    ]);
  }

  computeVisuals(input: ModelInput, dropoutSeed: number): Map<string, tf.Tensor4D> {
    const atob = this.opt.direction === 'AtoB';
    const realA = atob ? input.A : input.B;
    const realB = atob ? input.B : input.A;
    const fakeB = this.netG.apply(realA, { training: true, dropout: !this.opt.no_dropout, seed: dropoutSeed, updateRunningStats: false });
    return new Map([
      ['real_A', tf.clone(realA)],
      ['fake_B', fakeB],
      ['real_B', tf.clone(realB)],
    ]);
  }

  setLearningRate(lr: number): void {
    for (const o of this.optimizers.values()) o.lr = lr;
  }

  dispose(): void {
    disposeAll([this.realA, this.realB, this.fakeB]);
    this.realA = this.realB = this.fakeB = null;
    for (const o of this.optimizers.values()) o.dispose();
    for (const n of this.networks.values()) n.dispose();
  }
}
