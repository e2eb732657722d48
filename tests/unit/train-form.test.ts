/**
 * The new-run form (form-model.ts) and the option checks it shares with main
 * (train-checks.ts): presets as the reference sets them, problems explained at their
 * field before anything is sent.
 */
import { describe, expect, it } from 'vitest';
import { architectureIssues, discriminatorRule, generatorRule } from '../../src/shared/api/train-checks';
import { defaultsFor, resolveTrainOptions } from '../../src/shared/train-options';
import { discriminatorSpec, generatorSpec } from '../../src/main/engine/networks';
import {
  applyPreset,
  checkForm,
  formFromOptions,
  formToOptions,
  hasErrors,
  issuesByField,
  presetForm,
  setField,
  suggestName,
} from '../../src/renderer/src/workspaces/train/form-model';

const named = (form: ReturnType<typeof presetForm>) => setField(setField(form, 'name', 'run-1'), 'dataroot', '/data/facades');
const errorsAt = (form: ReturnType<typeof presetForm>, path: string) => checkForm(form).filter((i) => i.path === path && i.severity === 'error');

describe('presets', () => {
  it("pix2pix: the reference's modify_commandline_options (unet_256, batch norm, vanilla GAN, λ_L1 100, no pool)", () => {
    const o = formToOptions(presetForm('pix2pix'));
    expect(o).toMatchObject({ model: 'pix2pix', netG: 'unet_256', norm: 'batch', gan_mode: 'vanilla', lambda_L1: 100, dataset_mode: 'aligned', netD: 'basic' });
    expect('pool_size' in o).toBe(false); // CycleGAN-only field, not shown for pix2pix
    expect(resolveTrainOptions({ ...o, dataroot: '/d', name: 'n' }).pool_size).toBe(0);
  });

  it('CycleGAN: resnet_9blocks, instance norm, LSGAN, λ 10, identity 0.5, pool 50, no dropout', () => {
    const o = formToOptions(presetForm('cycle_gan'));
    expect(o).toMatchObject({
      model: 'cycle_gan',
      netG: 'resnet_9blocks',
      norm: 'instance',
      gan_mode: 'lsgan',
      lambda_A: 10,
      lambda_B: 10,
      lambda_identity: 0.5,
      pool_size: 50,
      no_dropout: true,
      dataset_mode: 'unaligned',
    });
    expect('lambda_L1' in o).toBe(false);
  });

  it('both share the reference’s schedule and optimiser defaults', () => {
    for (const model of ['pix2pix', 'cycle_gan'] as const) {
      expect(formToOptions(presetForm(model))).toMatchObject({ lr: 0.0002, beta1: 0.5, n_epochs: 100, n_epochs_decay: 100, load_size: 286, crop_size: 256, batch_size: 1 });
    }
  });

  it('switching the preset keeps the run, data and schedule, and resets the model’s own options', () => {
    let form = named(presetForm('pix2pix'));
    form = setField(form, 'crop_size', '64');
    form = setField(form, 'n_epochs', '3');
    form = setField(form, 'netG', 'unet_64');
    form = applyPreset(form, 'cycle_gan');
    const o = formToOptions(form);
    expect(o).toMatchObject({ name: 'run-1', dataroot: '/data/facades', crop_size: 64, n_epochs: 3, netG: 'resnet_9blocks', norm: 'instance' });
  });

  it('prefilled options start from their model’s preset', () => {
    const form = formFromOptions({ model: 'pix2pix', dataroot: 'demo/facades', crop_size: 32, netG: 'unet_32', ngf: 8 });
    expect(formToOptions(form)).toMatchObject({ dataroot: 'demo/facades', crop_size: 32, netG: 'unet_32', ngf: 8, norm: 'batch', lambda_L1: 100 });
  });
});

describe('inline validation', () => {
  it('a complete default form has no errors', () => {
    expect(hasErrors(checkForm(named(presetForm('pix2pix'))))).toBe(false);
    expect(hasErrors(checkForm(named(presetForm('cycle_gan'))))).toBe(false);
  });

  it('asks for a name and an images folder', () => {
    const issues = checkForm(presetForm('pix2pix'));
    expect(issues.find((i) => i.path === 'name')?.message).toMatch(/name/);
    expect(issues.find((i) => i.path === 'dataroot')?.message).toMatch(/folder/);
  });

  it('explains a crop that unet_256 cannot take, at crop_size, with a way out', () => {
    const form = setField(setField(named(presetForm('pix2pix')), 'crop_size', '32'), 'load_size', '36');
    const [issue] = errorsAt(form, 'crop_size');
    expect(issue?.message).toMatch(/unet_256 halves the image 8 times/);
    expect(issue?.message).toMatch(/multiple of 256/);
    expect(issue?.message).toMatch(/32×32/);
    expect(issue?.message).toMatch(/unet_32/);
    expect(hasErrors(checkForm(setField(form, 'netG', 'unet_32')))).toBe(false);
  });

  it('a ResNet generator needs a multiple of 4; a PatchGAN needs enough pixels', () => {
    let form = setField(setField(named(presetForm('cycle_gan')), 'crop_size', '30'), 'load_size', '30');
    expect(errorsAt(form, 'crop_size')[0]?.message).toMatch(/multiple of 4/);
    form = setField(setField(form, 'crop_size', '16'), 'load_size', '16');
    expect(errorsAt(form, 'crop_size').map((i) => i.message).join(' ')).toMatch(/discriminator halves the image 3 times: its input must be at least 24/);
    expect(hasErrors(checkForm(setField(form, 'netD', 'pixel')))).toBe(false);
  });

  it('a crop larger than the load size is named at crop_size', () => {
    const form = setField(named(presetForm('pix2pix')), 'load_size', '200');
    expect(errorsAt(form, 'crop_size')[0]?.message).toMatch(/must not exceed load_size/);
  });

  it('names the field when a number is not one, or missing', () => {
    let form = setField(named(presetForm('pix2pix')), 'lr', 'fast');
    expect(errorsAt(form, 'lr')[0]?.message).toMatch(/“fast” is not a number/);
    form = setField(named(presetForm('pix2pix')), 'batch_size', '');
    expect(errorsAt(form, 'batch_size')[0]?.message).toBe('required');
    form = setField(named(presetForm('pix2pix')), 'batch_size', '0');
    expect(errorsAt(form, 'batch_size')).toHaveLength(1);
  });

  it('CycleGAN’s identity loss with different channel counts is explained', () => {
    const form = setField(named(presetForm('cycle_gan')), 'output_nc', '1');
    expect(errorsAt(form, 'lambda_identity')[0]?.message).toMatch(/input_nc = output_nc/);
    expect(hasErrors(checkForm(setField(form, 'lambda_identity', '0')))).toBe(false);
  });

  it('a run name with a slash is refused', () => {
    expect(errorsAt(setField(named(presetForm('pix2pix')), 'name', 'a/b'), 'name')).toHaveLength(1);
  });

  it('the seed and the dataset size may be left empty (random, all images)', () => {
    const o = formToOptions(named(presetForm('pix2pix')));
    expect('seed' in o).toBe(false);
    expect(o.max_dataset_size).toBeNull();
    expect(formToOptions(setField(named(presetForm('pix2pix')), 'seed', '42')).seed).toBe(42);
  });

  it('warnings do not block, and a server issue replaces the local one for its field', () => {
    const form = setField(named(presetForm('cycle_gan')), 'gan_mode', 'wgangp');
    const local = checkForm(form);
    expect(local.some((i) => i.path === 'gan_mode' && i.severity === 'warning')).toBe(true);
    expect(hasErrors(local)).toBe(false);
    const merged = issuesByField(local, [{ path: 'dataroot', severity: 'error', message: 'folder /data/facades does not exist' }]);
    expect(merged.get('dataroot')).toEqual([{ path: 'dataroot', severity: 'error', message: 'folder /data/facades does not exist' }]);
  });

  it('suggests a run name no run has', () => {
    expect(suggestName('pix2pix', ['pix2pix-1', 'pix2pix-2'])).toBe('pix2pix-3');
    expect(suggestName('cycle_gan', [])).toBe('cyclegan-1');
  });
});

describe('size rules agree with the networks themselves', () => {
  it('generators', () => {
    for (const netG of ['unet_32', 'unet_64', 'unet_128', 'unet_256', 'resnet_6blocks', 'resnet_9blocks', 'resnet_0blocks'] as const) {
      const rule = generatorRule(netG);
      if (typeof rule === 'string') throw new Error(rule);
      const spec = generatorSpec({ netG, inputNc: 3, outputNc: 3, ngf: 8, norm: 'batch', useDropout: false, initType: 'normal', initGain: 0.02 });
      expect({ netG, multiple: rule.multiple, min: rule.min }).toEqual({ netG, multiple: spec.sizeMultiple, min: spec.minSize });
    }
    expect(generatorRule('unet_48')).toMatch(/power of two/);
  });

  it('discriminators', () => {
    for (const [netD, nLayersD] of [
      ['basic', 3],
      ['n_layers', 1],
      ['n_layers', 5],
      ['pixel', 3],
    ] as const) {
      const rule = discriminatorRule(netD, nLayersD);
      const spec = discriminatorSpec({ netD, nLayersD, inputNc: 6, ndf: 8, norm: 'batch', initType: 'normal', initGain: 0.02 });
      expect({ netD, nLayersD, multiple: rule.multiple, min: rule.min }).toEqual({ netD, nLayersD, multiple: spec.sizeMultiple, min: spec.minSize });
    }
  });

  it('non-square inputs are checked on both sides', () => {
    const o = { ...defaultsFor('pix2pix'), dataroot: '/d', seed: 1, netG: 'unet_32', preprocess: 'scale_width' as const };
    expect(architectureIssues(o, 64, 48)).toHaveLength(1);
    expect(architectureIssues(o, 64, 96)).toHaveLength(0);
  });
});
