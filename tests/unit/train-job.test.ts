import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { initBackend } from '../../src/main/engine/backends/select';
import type { JobContext } from '../../src/main/engine/jobs/index';
import { jobRegistry } from '../../src/main/engine/jobs/registry';
import { trainJob } from '../../src/main/engine/jobs/train';

let root: string;
beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
  root = await mkdtemp(join(tmpdir(), 'atelier-job-'));
  await mkdir(join(root, 'data', 'train'), { recursive: true });
  for (let i = 0; i < 2; i++) {
    await sharp(Buffer.alloc(72 * 36 * 3, 60 * i + 30), { raw: { width: 72, height: 36, channels: 3 } })
      .png()
      .toFile(join(root, 'data', 'train', `${i}.png`));
  }
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

it("is registered as the engine's 'train' job and reports progress, previews and a stop", async () => {
  expect(jobRegistry.get('train')).toBe(trainJob);
  const params = trainJob.params.parse({
    options: {
      dataroot: join(root, 'data'), name: 'job', checkpoints_dir: join(root, 'runs'), model: 'pix2pix', netG: 'unet_32',
      ngf: 4, ndf: 4, load_size: 34, crop_size: 32, n_epochs: 3, n_epochs_decay: 0, preview_freq: 1, seed: 2,
    },
  });
  const controller = new AbortController();
  const updates: { done: number; total: number; data: Record<string, unknown> }[] = [];
  let pausePoints = 0;
  const context: JobContext = {
    signal: controller.signal,
    backend: { name: 'cpu', device: 'CPU', attempts: [] },
    progress: (done, total, _message, data) => {
      updates.push({ done, total, data: data as Record<string, unknown> });
      if (done === 3) controller.abort();
    },
    log: () => {},
    pausePoint: async () => {
      pausePoints++;
    },
  };
  const result = await trainJob.run(params, context);
  expect(result).toMatchObject({ status: 'stopped', step: 3 });
  expect(pausePoints).toBeGreaterThanOrEqual(3);
  expect(updates[0]).toMatchObject({ done: 1, total: 6, data: { step: 1, stepsLeft: 5, totalSteps: 6, epoch: 1, lastEpoch: 3 } });
  expect(Object.keys(updates[0]!.data.losses as object)).toEqual(['G_GAN', 'G_L1', 'D_real', 'D_fake']);
  expect(updates.filter((u) => u.data.previewStep !== undefined).map((u) => u.data.previewStep)).toEqual([1, 2, 3]);
});
