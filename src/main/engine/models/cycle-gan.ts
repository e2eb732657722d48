/**
 * CycleGAN (Zhu et al., ICCV 2017) as the reference's CycleGANModel
 * (models/cycle_gan_model.py): G_A: A → B, G_B: B → A, D_A judges domain B, D_B domain A.
 *
 * One step (`optimize_parameters`):
 *   1. forward: fake_B = G_A(real_A), rec_A = G_B(fake_B), fake_A = G_B(real_B), rec_B = G_A(fake_A);
 *   2. G update with D_A, D_B frozen:
 *        idt_A = G_A(real_B), idt_B = G_B(real_A) when λ_identity > 0,
 *        loss_G = GAN(D_A(fake_B), true) + GAN(D_B(fake_A), true)
 *               + λ_A·|rec_A − real_A|₁ + λ_B·|rec_B − real_B|₁
 *               + λ_B·λ_identity·|idt_A − real_B|₁ + λ_A·λ_identity·|idt_B − real_A|₁;
 *   3. D update on the fakes of step 1 (made before the G update), through the image pools:
 *        loss_D_A = ½·(GAN(D_A(real_B), true) + GAN(D_A(pool_B(fake_B)), false)),
 *        loss_D_B = ½·(GAN(D_B(real_A), true) + GAN(D_B(pool_A(fake_A)), false)).
 * Products and sums are evaluated in the reference's order, so float32 rounding matches.
 */
import { defineD, defineG, type Network } from '../networks';
import * as tf from '../tf';
import { Adam } from '../train/adam';
import { ganLoss, l1Loss, type GanMode } from '../train/losses';
import { ImagePool } from '../train/pool';
import { Rng, deriveSeed } from '../train/rng';
import {
  accumulateGradients,
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

type Visual = 'real_A' | 'fake_B' | 'rec_A' | 'idt_B' | 'real_B' | 'fake_A' | 'rec_B' | 'idt_A';

const TRAIN: { training: true; dropout: boolean } = { training: true, dropout: false };

export class CycleGANModel implements TranslationModel {
  readonly name = 'cycle_gan';
  readonly lossNames = ['D_A', 'G_A', 'cycle_A', 'idt_A', 'D_B', 'G_B', 'cycle_B', 'idt_B'] as const;
  readonly visualNames: readonly Visual[];
  readonly modelNames = ['G_A', 'G_B', 'D_A', 'D_B'] as const;
  readonly generators: TranslationModel['generators'];
  readonly networks: ReadonlyMap<string, Network>;
  readonly optimizers: ReadonlyMap<string, Adam>;
  readonly pools: ReadonlyMap<string, ImagePool>;
  readonly metric = 0;

  private readonly net: Record<'G_A' | 'G_B' | 'D_A' | 'D_B', Network>;
  private readonly ganMode: GanMode;
  private readonly useIdentity: boolean;
  private realA: tf.Tensor4D | null = null;
  private realB: tf.Tensor4D | null = null;
  private visuals = new Map<Visual, tf.Tensor4D>();
  private losses: Record<string, number> = {};

  constructor(private readonly opt: ModelOptions) {
    this.ganMode = opt.gan_mode;
    this.useIdentity = opt.lambda_identity > 0;
    if (this.useIdentity && opt.input_nc !== opt.output_nc) {
      throw new Error(`cycle_gan: the identity loss needs input_nc = output_nc (got ${opt.input_nc}, ${opt.output_nc}); set lambda_identity 0`);
    }
    const plans = networkPlans(opt);
    const build = (name: 'G_A' | 'G_B' | 'D_A' | 'D_B'): Network => {
      const plan = plans.get(name)!;
      const seed = { seed: deriveSeed(opt.seed, 'init', name) };
      return plan.role === 'generator' ? defineG(plan.options, seed) : defineD(plan.options, seed);
    };
    this.net = { G_A: build('G_A'), G_B: build('G_B'), D_A: build('D_A'), D_B: build('D_B') };
    this.networks = new Map(this.modelNames.map((n) => [n, this.net[n]]));
    const adam = { lr: opt.lr, beta1: opt.beta1 };
    this.optimizers = new Map([
      ['G', new Adam(parameterGroup(this.networks, ['G_A', 'G_B']), adam)],
      ['D', new Adam(parameterGroup(this.networks, ['D_A', 'D_B']), adam)],
    ]);
    this.pools = new Map([
      ['fake_A', new ImagePool(opt.pool_size, Rng.derive(opt.seed, 'pool', 'fake_A'))],
      ['fake_B', new ImagePool(opt.pool_size, Rng.derive(opt.seed, 'pool', 'fake_B'))],
    ]);
    const visualsA: Visual[] = ['real_A', 'fake_B', 'rec_A'];
    const visualsB: Visual[] = ['real_B', 'fake_A', 'rec_B'];
    if (this.useIdentity) {
      visualsA.push('idt_B');
      visualsB.push('idt_A');
    }
    this.visualNames = [...visualsA, ...visualsB];
    this.generators = generatorDirections(opt);
  }

  setInput(input: ModelInput): void {
    const atob = this.opt.direction === 'AtoB';
    disposeAll([this.realA, this.realB]);
    this.realA = tf.clone(atob ? input.A : input.B);
    this.realB = tf.clone(atob ? input.B : input.A);
  }

  private inputs(): { realA: tf.Tensor4D; realB: tf.Tensor4D } {
    if (!this.realA || !this.realB) throw new Error('cycle_gan: setInput must be called before a step');
    return { realA: this.realA, realB: this.realB };
  }

  optimizeParameters({ dropoutSeed, onGradients }: StepOptions): void {
    const { realA, realB } = this.inputs();
    const { G_A, G_B, D_A, D_B } = this.net;
    const { lambda_A: lambdaA, lambda_B: lambdaB, lambda_identity: lambdaIdt } = this.opt;
    const optG = this.optimizers.get('G')!;
    const optD = this.optimizers.get('D')!;
    // Each generator call draws its own dropout masks, as separate calls do in PyTorch; the
    // calls are numbered in the reference's order (fake_B, rec_A, fake_A, rec_B, idt_A, idt_B).
    const gMode = (call: number) => ({ training: true, dropout: !this.opt.no_dropout, seed: deriveSeed(dropoutSeed, call) });
    const L: Record<string, tf.Scalar> = {};
    const made = new Map<Visual, tf.Tensor4D>();
    const keep = (name: Visual, t: tf.Tensor4D) => {
      made.set(name, tf.keep(t));
      return t;
    };
    const owned: tf.Tensor[] = [];
    const gradsG = new Map<string, tf.Tensor>();
    try {
      // loss_G is a sum, so its gradient is the sum of its terms' gradients: each chain of
      // generator calls gets a tape of its own, and only one chain's activations (two
      // generators and a discriminator at most) are alive at a time instead of all six
      // generator calls'. The forwards run in the reference's order, so dropout masks and
      // BatchNorm running statistics are the same as with one tape.
      // `f` returns a tensor of its own (the tape's value is disposed here, the losses kept).
      const chain = (f: () => tf.Scalar) => {
        const g = groupGradients(optG.params, f);
        g.value.dispose();
        accumulateGradients(gradsG, g.grads);
      };
      // A → B → A: GAN(D_A(G_A(A)), true) + λ_A·|G_B(G_A(A)) − A|₁.
      chain(() => {
        const fakeB = keep('fake_B', G_A.apply(realA, gMode(0)));
        const recA = keep('rec_A', G_B.apply(fakeB, gMode(1)));
        L.G_A = tf.keep(ganLoss(this.ganMode, D_A.apply(fakeB, TRAIN), true));
        L.cycle_A = tf.keep(tf.mul(l1Loss(recA, realA), lambdaA));
        return tf.add(L.G_A, L.cycle_A) as tf.Scalar;
      });
      // B → A → B.
      chain(() => {
        const fakeA = keep('fake_A', G_B.apply(realB, gMode(2)));
        const recB = keep('rec_B', G_A.apply(fakeA, gMode(3)));
        L.G_B = tf.keep(ganLoss(this.ganMode, D_B.apply(fakeA, TRAIN), true));
        L.cycle_B = tf.keep(tf.mul(l1Loss(recB, realB), lambdaB));
        return tf.add(L.G_B, L.cycle_B) as tf.Scalar;
      });
      if (this.useIdentity) {
        chain(() => {
          const idtA = keep('idt_A', G_A.apply(realB, gMode(4)));
          L.idt_A = tf.keep(tf.mul(tf.mul(l1Loss(idtA, realB), lambdaB), lambdaIdt));
          return tf.clone(L.idt_A);
        });
        chain(() => {
          const idtB = keep('idt_B', G_B.apply(realA, gMode(5)));
          L.idt_B = tf.keep(tf.mul(tf.mul(l1Loss(idtB, realA), lambdaA), lambdaIdt));
          return tf.clone(L.idt_B);
        });
      } else {
        L.idt_A = tf.keep(tf.scalar(0));
        L.idt_B = tf.keep(tf.scalar(0));
      }
      checkFinite(readScalars(L), ['G_A', 'G_B', 'cycle_A', 'cycle_B', 'idt_A', 'idt_B']);
      onGradients?.('G', gradsG);
      optG.step(gradsG);

      // The pools are queried in the reference's order: D_A's (fake_B) first.
      const fakeBPooled = this.pools.get('fake_B')!.query(made.get('fake_B')!);
      const fakeAPooled = this.pools.get('fake_A')!.query(made.get('fake_A')!);
      owned.push(fakeBPooled, fakeAPooled);
      const d = groupGradients(optD.params, () => {
        L.D_A = tf.keep(this.backwardDBasic(D_A, realB, fakeBPooled));
        L.D_B = tf.keep(this.backwardDBasic(D_B, realA, fakeAPooled));
        return tf.add(L.D_A, L.D_B) as tf.Scalar;
      });
      owned.push(d.value, ...d.grads.values());
      const losses = readScalars(L);
      checkFinite(losses, ['D_A', 'D_B']);
      onGradients?.('D', d.grads);
      optD.step(d.grads);

      this.losses = Object.fromEntries(this.lossNames.map((k) => [k, losses[k]!]));
      disposeAll(this.visuals.values());
      this.visuals = made;
    } catch (err) {
      disposeAll(made.values());
      throw err;
    } finally {
      disposeAll([...owned, ...gradsG.values(), ...Object.values(L)]);
    }
  }

  /** `backward_D_basic`: ½·(GAN(D(real), true) + GAN(D(fake), false)), real first. */
  private backwardDBasic(netD: Network, real: tf.Tensor4D, fake: tf.Tensor4D): tf.Scalar {
    const lossReal = ganLoss(this.ganMode, netD.apply(real, TRAIN), true);
    const lossFake = ganLoss(this.ganMode, netD.apply(fake, TRAIN), false);
    return tf.mul(tf.add(lossReal, lossFake), 0.5) as tf.Scalar;
  }

  getCurrentLosses(): Record<string, number> {
    return { ...this.losses };
  }

  getCurrentVisuals(): Map<string, tf.Tensor4D> {
    const { realA, realB } = this.inputs();
    if (this.visuals.size === 0) throw new Error('cycle_gan: no step has run yet');
    const all = new Map<Visual, tf.Tensor4D>([...this.visuals, ['real_A', realA], ['real_B', realB]]);
    return new Map(this.visualNames.map((n) => [n, all.get(n)!]));
  }

  computeVisuals(input: ModelInput, dropoutSeed: number): Map<string, tf.Tensor4D> {
    const atob = this.opt.direction === 'AtoB';
    const realA = atob ? input.A : input.B;
    const realB = atob ? input.B : input.A;
    const { G_A, G_B } = this.net;
    let call = 0;
    const mode = () => ({
      training: true,
      dropout: !this.opt.no_dropout,
      seed: deriveSeed(dropoutSeed, call++),
      updateRunningStats: false,
    });
    // tf.tidy keeps tensors returned in plain objects (not in Maps).
    const all = tf.tidy(() => {
      const fakeB = G_A.apply(realA, mode());
      const recA = G_B.apply(fakeB, mode());
      const fakeA = G_B.apply(realB, mode());
      const recB = G_A.apply(fakeA, mode());
      const out: Partial<Record<Visual, tf.Tensor4D>> = {
        real_A: tf.clone(realA),
        fake_B: fakeB,
        rec_A: recA,
        real_B: tf.clone(realB),
        fake_A: fakeA,
        rec_B: recB,
      };
      if (this.useIdentity) {
        out.idt_A = G_A.apply(realB, mode());
        out.idt_B = G_B.apply(realA, mode());
      }
      return out;
    });
    return new Map(this.visualNames.map((n) => [n, all[n]!]));
  }

  setLearningRate(lr: number): void {
    for (const o of this.optimizers.values()) o.lr = lr;
  }

  dispose(): void {
    disposeAll([this.realA, this.realB, ...this.visuals.values()]);
    this.realA = this.realB = null;
    this.visuals.clear();
    for (const p of this.pools.values()) p.dispose();
    for (const o of this.optimizers.values()) o.dispose();
    for (const n of this.networks.values()) n.dispose();
  }
}
