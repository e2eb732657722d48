/**
 * A run stopped and continued equals the run done in one go: same losses at every step,
 * bit-identical weights, optimizer moments, BatchNorm statistics and image pools at the end
 * (cpu backend). Covers a stop in the middle of an epoch and one at an epoch boundary, and
 * both models (pix2pix with BatchNorm and dropout; CycleGAN with image pools).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainOptionsInput } from '../../src/shared/train-options';
import { initBackend } from '../../src/main/engine/backends/select';
import type { TensorData } from '../../src/main/engine/io/tensor-data';
import { readCheckpoint } from '../../src/main/engine/train/checkpoint';
import { readMetrics, type StepRecord } from '../../src/main/engine/train/metrics-log';
import { runTraining } from '../../src/main/engine/train/trainer';
import { Rng } from '../../src/main/engine/train/rng';

let root: string;

/** A W×H RGB image of smooth random blobs (seeded). */
async function blobs(path: string, width: number, height: number, seed: number): Promise<void> {
  const rng = Rng.derive(seed);
  const centers = Array.from({ length: 4 }, () => [rng.uniform(0, width), rng.uniform(0, height), rng.uniform(40, 255)]);
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) {
        const [cx, cy, v] = centers[(c + seed) % 4]!;
        data[(y * width + x) * 3 + c] = Math.round(v! * Math.exp(-((x - cx!) ** 2 + (y - cy!) ** 2) / 60));
      }
  await mkdir(join(path, '..'), { recursive: true });
  await sharp(data, { raw: { width, height, channels: 3 } }).png().toFile(path);
}

const common = (name: string): TrainOptionsInput => ({
  name,
  checkpoints_dir: join(root, 'runs'),
  seed: 1234,
  ngf: 4,
  ndf: 4,
  load_size: 36,
  crop_size: 32,
  save_epoch_freq: 100,
  save_latest_freq: 100000,
  preview_freq: 3,
  print_freq: 100000,
  num_threads: 2,
});

async function runWithStop(input: TrainOptionsInput, stopAfter: number | null): Promise<void> {
  const controller = new AbortController();
  const first = await runTraining(input, {
    signal: controller.signal,
    onStep: (s) => {
      if (s.step === stopAfter) controller.abort();
    },
  });
  if (stopAfter === null) {
    expect(first.status).toBe('completed');
    return;
  }
  expect(first.status).toBe('stopped');
  expect(first.step).toBe(stopAfter);
  const second = await runTraining({ name: input.name, checkpoints_dir: input.checkpoints_dir, continue_train: true });
  expect(second.status).toBe('completed');
}

function sameTensor(a: TensorData, b: TensorData): boolean {
  return a.dtype === b.dtype && a.shape.join() === b.shape.join() && Buffer.compare(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength), Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)) === 0;
}

async function expectSameRuns(straight: string, resumed: string): Promise<void> {
  const a = await readCheckpoint(join(root, 'runs', straight, 'checkpoints'), 'latest');
  const b = await readCheckpoint(join(root, 'runs', resumed, 'checkpoints'), 'latest');
  expect([...b.tensors.keys()]).toEqual([...a.tensors.keys()]);
  for (const [file, sd] of a.tensors) {
    for (const [key, t] of sd) expect(sameTensor(t, b.tensors.get(file)!.get(key)!), `${file}: ${key}`).toBe(true);
  }
  const meta = (m: Record<string, unknown>) => {
    const { options, ...rest } = m as { options: Record<string, unknown>; position: object };
    const { name, continue_train, ...kept } = options;
    void name;
    void continue_train;
    return { ...rest, position: { ...rest.position, elapsedS: 0 }, options: kept };
  };
  expect(meta(b.manifest.meta)).toEqual(meta(a.manifest.meta));
  const steps = async (run: string) =>
    (await readMetrics(join(root, 'runs', run, 'metrics.jsonl')))
      .filter((r): r is StepRecord => r.type === 'step')
      .map((r) => ({ step: r.step, epoch: r.epoch, lr: r.lr, losses: r.losses, total_iters: r.total_iters }));
  expect(await steps(resumed)).toEqual(await steps(straight));
}

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
  root = await mkdtemp(join(tmpdir(), 'atelier-resume-'));
  for (let i = 0; i < 6; i++) await blobs(join(root, 'aligned', 'train', `${i}.png`), 72, 36, i);
  for (let i = 0; i < 4; i++) {
    await blobs(join(root, 'unaligned', 'trainA', `a${i}.png`), 36, 36, 10 + i);
    await blobs(join(root, 'unaligned', 'trainB', `b${i}.png`), 36, 36, 20 + i);
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('stop and continue', () => {
  // pix2pix: 6 images in batches of 4 (3 epochs of 2 steps); dropout on; BatchNorm.
  const pix2pix = (name: string): TrainOptionsInput => ({
    ...common(name),
    dataroot: join(root, 'aligned'),
    model: 'pix2pix',
    netG: 'unet_32',
    batch_size: 4,
    n_epochs: 2,
    n_epochs_decay: 1,
  });

  it('pix2pix: stopped mid-epoch and continued equals one straight run', async () => {
    await runWithStop(pix2pix('p2p-straight'), null);
    await runWithStop(pix2pix('p2p-resumed'), 3);
    await expectSameRuns('p2p-straight', 'p2p-resumed');
  });

  // CycleGAN: 4 steps per epoch, pool of 2 (filled, then swapping), linear decay; 24×24.
  const cyclegan = (name: string): TrainOptionsInput => ({
    ...common(name),
    dataroot: join(root, 'unaligned'),
    model: 'cycle_gan',
    netG: 'resnet_1blocks',
    load_size: 26,
    crop_size: 24,
    pool_size: 2,
    n_epochs: 1,
    n_epochs_decay: 1,
  });

  it('CycleGAN: stopped at an epoch boundary and continued equals one straight run', async () => {
    await runWithStop(cyclegan('cg-straight'), null);
    await runWithStop(cyclegan('cg-resumed'), 4);
    await expectSameRuns('cg-straight', 'cg-resumed');
  });
});
