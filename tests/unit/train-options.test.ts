import { describe, expect, it } from 'vitest';
import { defaultsFor, optionKind, resolveTrainOptions } from '../../src/shared/train-options';

describe('training options', () => {
  it("apply each model's defaults as its modify_commandline_options does", () => {
    const p2p = resolveTrainOptions({ dataroot: '/d', model: 'pix2pix' }, () => 1);
    expect(p2p).toMatchObject({ norm: 'batch', netG: 'unet_256', dataset_mode: 'aligned', pool_size: 0, gan_mode: 'vanilla', lambda_L1: 100, no_dropout: false, seed: 1 });
    const cg = resolveTrainOptions({ dataroot: '/d' }, () => 2);
    expect(cg).toMatchObject({ model: 'cycle_gan', norm: 'instance', netG: 'resnet_9blocks', dataset_mode: 'unaligned', pool_size: 50, gan_mode: 'lsgan', no_dropout: true, lambda_A: 10, lambda_B: 10, lambda_identity: 0.5 });
    expect(cg).toMatchObject({ lr: 0.0002, beta1: 0.5, n_epochs: 100, n_epochs_decay: 100, load_size: 286, crop_size: 256, batch_size: 1, lr_policy: 'linear' });
    // What the user gives wins over the model's defaults.
    expect(resolveTrainOptions({ dataroot: '/d', model: 'pix2pix', norm: 'instance', seed: 9 }).norm).toBe('instance');
    expect(defaultsFor('pix2pix').netG).toBe('unet_256');
  });

  it('names the offending option in errors', () => {
    expect(() => resolveTrainOptions({})).toThrow(/dataroot: required/);
    expect(() => resolveTrainOptions({ dataroot: '/d', ngf: 0 })).toThrow(/ngf:/);
    expect(() => resolveTrainOptions({ dataroot: '/d', netG: 'vgg' })).toThrow(/netG: expected resnet_9blocks/);
    expect(() => resolveTrainOptions({ dataroot: '/d', load_size: 200, crop_size: 256 })).toThrow(/crop_size: crop_size \(256\) must not exceed load_size \(200\)/);
    expect(() => resolveTrainOptions({ dataroot: '/d', model: 'pix2pix', dataset_mode: 'unaligned' })).toThrow(/dataset_mode: pix2pix learns from pairs/);
    expect(() => resolveTrainOptions({ dataroot: '/d', output_nc: 1 })).toThrow(/lambda_identity: the identity loss needs input_nc = output_nc/);
    expect(() => resolveTrainOptions({ dataroot: '/d', bogus: 1 } as never)).toThrow(/bogus/);
  });

  it('describe each option’s type for command lines and forms', () => {
    expect(optionKind('no_flip')).toEqual({ type: 'boolean' });
    expect(optionKind('ngf')).toEqual({ type: 'integer', nullable: false, min: 1 });
    expect(optionKind('max_dataset_size')).toEqual({ type: 'integer', nullable: true, min: 1 });
    expect(optionKind('lr')).toMatchObject({ type: 'number' });
    expect(optionKind('lr_policy')).toEqual({ type: 'enum', choices: ['linear', 'step', 'plateau', 'cosine'] });
    expect(optionKind('netG')).toEqual({ type: 'string' });
  });
});
