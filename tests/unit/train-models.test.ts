/**
 * The models behind one interface (cpu backend, tiny networks): declared names, visuals,
 * direction handling, which networks a step updates, pools, and the non-finite-loss guard.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { resolveTrainOptions, type TrainOptionsInput } from '../../src/shared/train-options';
import { initBackend } from '../../src/main/engine/backends/select';
import { createModel, NonFiniteLossError, type TranslationModel } from '../../src/main/engine/models';
import * as tf from '../../src/main/engine/tf';

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

const build = (over: TrainOptionsInput) =>
  createModel(resolveTrainOptions({ dataroot: '/unused', seed: 3, ngf: 4, ndf: 4, netG: 'unet_32', ...over }));

const images = (n: number, size: number, seed: number) => ({
  A: tf.randomUniform([n, size, size, 3], -1, 1, 'float32', seed) as tf.Tensor4D,
  B: tf.randomUniform([n, size, size, 3], -1, 1, 'float32', seed + 1) as tf.Tensor4D,
});

function snapshot(model: TranslationModel): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, net] of model.networks) for (const [k, v] of net.params) out.set(`${name}/${k}`, (v.dataSync() as Float32Array).slice());
  return out;
}

function changed(before: Map<string, Float32Array>, after: Map<string, Float32Array>, net: string): boolean {
  return [...before].some(([k, v]) => k.startsWith(`${net}/`) && v.some((x, i) => x !== after.get(k)![i]));
}

describe('pix2pix', () => {
  it('declares its losses, visuals and networks as the reference does', () => {
    const m = build({ model: 'pix2pix' });
    expect([...m.lossNames]).toEqual(['G_GAN', 'G_L1', 'D_real', 'D_fake']);
    expect([...m.visualNames]).toEqual(['real_A', 'fake_B', 'real_B']);
    expect([...m.modelNames]).toEqual(['G', 'D']);
    expect(m.generators).toEqual({ AtoB: 'G' });
    // The conditional discriminator sees 3 + 3 channels.
    expect(m.networks.get('D')!.spec.inChannels).toBe(6);
    expect(build({ model: 'pix2pix', direction: 'BtoA' }).generators).toEqual({ BtoA: 'G' });
  });

  it('updates G and D in a step and reports finite losses and visuals of the batch', () => {
    const m = build({ model: 'pix2pix' });
    const input = images(2, 32, 1);
    m.setInput(input);
    const before = snapshot(m);
    m.optimizeParameters({ dropoutSeed: 1 });
    const after = snapshot(m);
    expect(changed(before, after, 'G')).toBe(true);
    expect(changed(before, after, 'D')).toBe(true);
    expect(Object.values(m.getCurrentLosses()).every(Number.isFinite)).toBe(true);
    const visuals = m.getCurrentVisuals();
    expect([...visuals.keys()]).toEqual(['real_A', 'fake_B', 'real_B']);
    expect(Array.from(visuals.get('real_A')!.dataSync())).toEqual(Array.from(input.A.dataSync()));
  });

  it('BtoA: the dataset’s B is the input', () => {
    const m = build({ model: 'pix2pix', direction: 'BtoA' });
    const input = images(1, 32, 5);
    m.setInput(input);
    m.optimizeParameters({ dropoutSeed: 1 });
    expect(Array.from(m.getCurrentVisuals().get('real_A')!.dataSync())).toEqual(Array.from(input.B.dataSync()));
  });

  it('trains with a one-channel input (grayscale A): D sees 1 + 3 channels', () => {
    const m = build({ model: 'pix2pix', input_nc: 1 });
    expect(m.networks.get('D')!.spec.inChannels).toBe(4);
    m.setInput({ A: tf.randomUniform([1, 32, 32, 1], -1, 1, 'float32', 7) as tf.Tensor4D, B: images(1, 32, 8).B });
    m.optimizeParameters({ dropoutSeed: 1 });
    expect(m.getCurrentVisuals().get('fake_B')!.shape).toEqual([1, 32, 32, 3]);
  });

  it('computes preview visuals without changing any state', () => {
    const m = build({ model: 'pix2pix' });
    const G = m.networks.get('G')!;
    const stats = () => [...G.buffers.values()].map((b) => Array.from(b.dataSync()));
    const before = stats();
    const a = m.computeVisuals(images(1, 32, 9), 4);
    const b = m.computeVisuals(images(1, 32, 9), 4);
    expect(stats()).toEqual(before);
    expect(Array.from(a.get('fake_B')!.dataSync())).toEqual(Array.from(b.get('fake_B')!.dataSync()));
  });

  it('stops with NonFiniteLossError, naming the loss, before the optimizer step', () => {
    const m = build({ model: 'pix2pix' });
    const input = images(1, 32, 2);
    m.setInput({ A: tf.fill([1, 32, 32, 3], Number.NaN) as tf.Tensor4D, B: input.B });
    const before = snapshot(m);
    expect(() => m.optimizeParameters({ dropoutSeed: 1 })).toThrow(NonFiniteLossError);
    expect(() => m.optimizeParameters({ dropoutSeed: 1 })).toThrow(/non-finite loss \(D_fake = NaN/);
    const after = snapshot(m);
    expect(changed(before, after, 'G') || changed(before, after, 'D')).toBe(false);
  });
});

describe('CycleGAN', () => {
  const cycle = (over: TrainOptionsInput = {}) => build({ model: 'cycle_gan', netG: 'resnet_1blocks', ...over });

  it('declares its losses, visuals and networks as the reference does', () => {
    const m = cycle();
    expect([...m.lossNames]).toEqual(['D_A', 'G_A', 'cycle_A', 'idt_A', 'D_B', 'G_B', 'cycle_B', 'idt_B']);
    expect([...m.visualNames]).toEqual(['real_A', 'fake_B', 'rec_A', 'idt_B', 'real_B', 'fake_A', 'rec_B', 'idt_A']);
    expect([...m.modelNames]).toEqual(['G_A', 'G_B', 'D_A', 'D_B']);
    expect(m.generators).toEqual({ AtoB: 'G_A', BtoA: 'G_B' });
    expect([...cycle({ lambda_identity: 0 }).visualNames]).toEqual(['real_A', 'fake_B', 'rec_A', 'real_B', 'fake_A', 'rec_B']);
    expect(cycle({ direction: 'BtoA' }).generators).toEqual({ AtoB: 'G_B', BtoA: 'G_A' });
  });

  it('updates all four networks, fills its pools, and reports identity losses as 0 when off', () => {
    const m = cycle({ pool_size: 3, lambda_identity: 0 });
    m.setInput(images(2, 24, 3));
    const before = snapshot(m);
    m.optimizeParameters({ dropoutSeed: 1 });
    const after = snapshot(m);
    for (const n of ['G_A', 'G_B', 'D_A', 'D_B']) expect(changed(before, after, n), n).toBe(true);
    expect(m.pools.get('fake_A')!.count).toBe(2);
    expect(m.pools.get('fake_B')!.count).toBe(2);
    const losses = m.getCurrentLosses();
    expect([losses.idt_A, losses.idt_B]).toEqual([0, 0]);
    expect(Object.values(losses).every(Number.isFinite)).toBe(true);
    expect(m.getCurrentVisuals().get('rec_A')!.shape).toEqual([2, 24, 24, 3]);
  });

  it('refuses the identity loss when the domains differ in channels', () => {
    expect(() => cycle({ output_nc: 1 })).toThrow(/identity loss needs input_nc = output_nc/);
  });
});
