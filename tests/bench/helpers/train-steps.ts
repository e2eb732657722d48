/**
 * One training iteration of pix2pix and of CycleGAN, as the reference's
 * `optimize_parameters` runs it (forward; D update; G update), on our networks, losses and
 * Adam. Benchmarks and the kernel probe use these; they are not the models.
 */
import { defineD, defineG, type Network } from '../../../src/main/engine/networks';
import * as tf from '../../../src/main/engine/tf';
import { Adam } from '../../../src/main/engine/train/adam';
import { ganLoss, l1Loss } from '../../../src/main/engine/train/losses';

export interface Step {
  /** Runs one iteration; returns the losses. */
  run(): Record<string, number>;
  dispose(): void;
}

function adamFor(net: Network): Adam {
  return new Adam(net.params, { lr: 2e-4, beta1: 0.5 });
}

/** Gradients from tf.variableGrads (keyed by variable name) by parameter key, one map per network. */
function byKey(nets: Network[], grads: tf.NamedTensorMap): Map<string, tf.Tensor>[] {
  return nets.map((net) => {
    const m = new Map<string, tf.Tensor>();
    for (const [key, v] of net.params) if (grads[v.name]) m.set(key, grads[v.name]!);
    return m;
  });
}

/** Minimises `loss` over the parameters of `nets`, one Adam per network. */
function update(nets: Network[], adams: Adam[], loss: () => tf.Scalar): number {
  const vars = nets.flatMap((n) => n.trainableVariables());
  const { value, grads } = tf.variableGrads(loss, vars);
  byKey(nets, grads).forEach((g, i) => adams[i]!.step(g));
  const v = value.dataSync()[0]!;
  value.dispose();
  Object.values(grads).forEach((g) => g.dispose());
  return v;
}

function image(seed: number, size: number, batch: number): tf.Tensor4D {
  return tf.tidy(() => tf.tanh(tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', seed)) as tf.Tensor4D);
}

/** pix2pix: U-Net G with batch norm and dropout, 70×70 PatchGAN on cat(A, B), vanilla GAN, λ_L1 = 100. */
export function pix2pixStep(opts: { size: number; ngf: number; ndf: number; batch?: number; dropout?: boolean }): Step {
  const { size, ngf, ndf, batch = 1, dropout = true } = opts;
  const netG = defineG({ netG: `unet_${size}` as 'unet_256', inputNc: 3, outputNc: 3, ngf, norm: 'batch', useDropout: dropout, initType: 'normal', initGain: 0.02 }, { seed: 1 });
  const netD = defineD({ netD: 'basic', inputNc: 6, ndf, nLayersD: 3, norm: 'batch', initType: 'normal', initGain: 0.02 }, { seed: 2 });
  const [optG, optD] = [adamFor(netG), adamFor(netD)];
  const realA = image(3, size, batch);
  const realB = image(4, size, batch);
  const train = { training: true, dropout };
  let iteration = 0;
  return {
    run() {
      const seed = 100 + iteration++;
      const fakeB = netG.apply(realA, { ...train, seed });
      const lossD = update([netD], [optD], () => {
        const predFake = netD.apply(tf.concat([realA, fakeB], 3), train);
        const predReal = netD.apply(tf.concat([realA, realB], 3), train);
        return tf.mul(tf.add(ganLoss('vanilla', predFake, false), ganLoss('vanilla', predReal, true)), 0.5);
      });
      fakeB.dispose();
      const lossG = update([netG], [optG], () => {
        const fake = netG.apply(realA, { ...train, seed });
        const predFake = netD.apply(tf.concat([realA, fake], 3), train);
        return tf.add(ganLoss('vanilla', predFake, true), tf.mul(l1Loss(fake, realB), 100));
      });
      return { lossD, lossG };
    },
    dispose() {
      netG.dispose();
      netD.dispose();
      realA.dispose();
      realB.dispose();
    },
  };
}

/** CycleGAN: two ResNet generators (reflection padding, instance norm), two PatchGANs, LSGAN, λ = 10, identity 0.5. */
export function cycleganStep(opts: { size: number; ngf: number; ndf: number; blocks: number }): Step {
  const { size, ngf, ndf, blocks } = opts;
  const g = (seed: number) =>
    defineG({ netG: `resnet_${blocks}blocks` as 'resnet_9blocks', inputNc: 3, outputNc: 3, ngf, norm: 'instance', useDropout: false, initType: 'normal', initGain: 0.02 }, { seed });
  const d = (seed: number) => defineD({ netD: 'basic', inputNc: 3, ndf, nLayersD: 3, norm: 'instance', initType: 'normal', initGain: 0.02 }, { seed });
  const [netGA, netGB, netDA, netDB] = [g(1), g(2), d(3), d(4)];
  const optG = [adamFor(netGA), adamFor(netGB)];
  const optD = [adamFor(netDA), adamFor(netDB)];
  const realA = image(5, size, 1);
  const realB = image(6, size, 1);
  const mode = { training: true, dropout: false };
  const lambda = 10;
  return {
    run() {
      let fakeA: tf.Tensor4D | undefined;
      let fakeB: tf.Tensor4D | undefined;
      const lossG = update([netGA, netGB], optG, () => {
        const fB = netGA.apply(realA, mode);
        const recA = netGB.apply(fB, mode);
        const fA = netGB.apply(realB, mode);
        const recB = netGA.apply(fA, mode);
        fakeB = tf.keep(tf.clone(fB));
        fakeA = tf.keep(tf.clone(fA));
        const idtA = netGA.apply(realB, mode);
        const idtB = netGB.apply(realA, mode);
        return tf.addN([
          ganLoss('lsgan', netDA.apply(fB, mode), true),
          ganLoss('lsgan', netDB.apply(fA, mode), true),
          tf.mul(l1Loss(recA, realA), lambda),
          tf.mul(l1Loss(recB, realB), lambda),
          tf.mul(l1Loss(idtA, realB), lambda * 0.5),
          tf.mul(l1Loss(idtB, realA), lambda * 0.5),
        ]) as tf.Scalar;
      });
      const lossDA = update([netDA], [optD[0]!], () =>
        tf.mul(tf.add(ganLoss('lsgan', netDA.apply(realB, mode), true), ganLoss('lsgan', netDA.apply(fakeB!, mode), false)), 0.5),
      );
      const lossDB = update([netDB], [optD[1]!], () =>
        tf.mul(tf.add(ganLoss('lsgan', netDB.apply(realA, mode), true), ganLoss('lsgan', netDB.apply(fakeA!, mode), false)), 0.5),
      );
      fakeA?.dispose();
      fakeB?.dispose();
      return { lossG, lossDA, lossDB };
    },
    dispose() {
      [netGA, netGB, netDA, netDB].forEach((n) => n.dispose());
      realA.dispose();
      realB.dispose();
    },
  };
}

/** Only the generator's part: U-Net forward, L1 to a target, backward, Adam. */
export function unetGeneratorStep(opts: { size: number; ngf: number }): Step {
  const netG = defineG({ netG: `unet_${opts.size}` as 'unet_256', inputNc: 3, outputNc: 3, ngf: opts.ngf, norm: 'batch', useDropout: true, initType: 'normal', initGain: 0.02 }, { seed: 1 });
  const opt = adamFor(netG);
  const realA = image(3, opts.size, 1);
  const realB = image(4, opts.size, 1);
  let iteration = 0;
  return {
    run() {
      const seed = iteration++;
      const loss = update([netG], [opt], () => l1Loss(netG.apply(realA, { training: true, dropout: true, seed }), realB));
      return { loss };
    },
    dispose() {
      netG.dispose();
      realA.dispose();
      realB.dispose();
    },
  };
}
