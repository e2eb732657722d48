import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/main/cli/index';
import { parseTrainArgs, trainCommand } from '../../src/main/cli/train';
import { trainOptionFields } from '../../src/shared/train-options';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'atelier-cli-'));
  for (let i = 0; i < 2; i++) {
    const data = Buffer.alloc(72 * 36 * 3, 40 + 80 * i);
    await mkdir(join(root, 'data', 'train'), { recursive: true });
    await sharp(data, { raw: { width: 72, height: 36, channels: 3 } }).png().toFile(join(root, 'data', 'train', `${i}.png`));
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('atelier train', () => {
  it('parses the reference option names into typed values, keeping only those given', () => {
    const { input, backend } = parseTrainArgs([
      '--dataroot', '/d', '--model', 'pix2pix', '--ngf', '32', '--lr', '1e-4', '--no_dropout',
      '--max_dataset_size', 'inf', '--direction', 'BtoA', '--backend', 'cpu',
    ]);
    expect(input).toEqual({ dataroot: '/d', model: 'pix2pix', ngf: 32, lr: 1e-4, no_dropout: true, max_dataset_size: null, direction: 'BtoA' });
    expect(backend).toBe('cpu');
  });

  it('rejects unknown options and malformed numbers by name', () => {
    expect(() => parseTrainArgs(['--dataroot', '/d', '--ngff', '3'])).toThrow(/ngff/);
    expect(() => parseTrainArgs(['--dataroot', '/d', '--ngf', '3.5'])).toThrow(/--ngf must be an integer, got "3.5"/);
    expect(() => parseTrainArgs(['--ngf', '8'])).toThrow(/--dataroot is required/);
    expect(() => parseTrainArgs(['--dataroot', '/d', '--backend', 'gpu'])).toThrow(/--backend must be one of/);
  });

  it('--help documents every option with the models’ defaults', () => {
    const usage = trainCommand.usage;
    for (const name of Object.keys(trainOptionFields)) expect(usage).toContain(`--${name}`);
    expect(usage).toMatch(/--netG S +generator: .*\(default: resnet_9blocks; pix2pix: unet_256\)/);
    expect(usage).toMatch(/--gan_mode X .*\(default: lsgan; pix2pix: vanilla\)/);
    expect(usage).toMatch(/--pool_size N .*\(default: 50; pix2pix: 0\)/);
  });

  it('trains a tiny run, prints progress and the reference’s loss lines, and reports where it saved', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      ['train', '--dataroot', join(root, 'data'), '--name', 'cli', '--checkpoints_dir', join(root, 'runs'), '--model', 'pix2pix',
        '--netG', 'unet_32', '--ngf', '4', '--ndf', '4', '--load_size', '34', '--crop_size', '32', '--n_epochs', '1',
        '--n_epochs_decay', '0', '--print_freq', '1', '--backend', 'cpu', '--seed', '5'],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    expect(code, err.join('\n')).toBe(0);
    expect(out.join('\n')).toMatch(/finished at epoch 1, step 2: .*cli[/\\]checkpoints[/\\]latest/);
    expect(err.join('\n')).toMatch(/\(epoch: 1, iters: 1, time: [\d.]+, data: [\d.]+, lr: [\d.e+-]+\) G_GAN: [\d.]+ G_L1: [\d.]+ D_real: [\d.]+ D_fake: [\d.]+/);
    expect(err.join('\n')).toMatch(/training pix2pix into .*cli: 2 images, 2 steps per epoch, epochs 1–1, seed 5/);
  });
});
