/**
 * The training loop end to end on tiny runs (cpu backend): the run folder, the learning
 * rate schedule in the log, previews, checkpoints, pause, stop on divergence, bad files,
 * continuing, and loading the trained generators for translation.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainOptionsInput } from '../../src/shared/train-options';
import { initBackend } from '../../src/main/engine/backends/select';
import { listCheckpoints, readCheckpoint } from '../../src/main/engine/train/checkpoint';
import { readMetrics, type StepRecord } from '../../src/main/engine/train/metrics-log';
import { PauseGate } from '../../src/main/engine/jobs/pause-gate';
import { readPreviewIndex } from '../../src/main/engine/train/previews';
import { domainNames, loadRunGenerators } from '../../src/main/engine/train/run-generators';
import { Rng } from '../../src/main/engine/train/rng';
import { runTraining, TrainingDivergedError, type TrainEvent } from '../../src/main/engine/train/trainer';
import * as tf from '../../src/main/engine/tf';
import { sharedData } from '../helpers/paths';

let root: string;
let dataroot: string;

async function noise(path: string, width: number, height: number, seed: number): Promise<void> {
  const rng = Rng.derive(seed);
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.randint(0, 255);
  await mkdir(join(path, '..'), { recursive: true });
  await sharp(data, { raw: { width, height, channels: 3 } }).png().toFile(path);
}

const tiny = (name: string, over: TrainOptionsInput = {}): TrainOptionsInput => ({
  dataroot,
  name,
  checkpoints_dir: join(root, 'runs'),
  model: 'pix2pix',
  netG: 'unet_32',
  ngf: 4,
  ndf: 4,
  load_size: 36,
  crop_size: 32,
  seed: 7,
  n_epochs: 1,
  n_epochs_decay: 1,
  save_epoch_freq: 1,
  save_latest_freq: 1000,
  preview_freq: 2,
  print_freq: 2,
  ...over,
});

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
  root = await mkdtemp(join(tmpdir(), 'atelier-train-'));
  dataroot = join(root, 'photo2label');
  for (let i = 0; i < 3; i++) await noise(join(dataroot, 'train', `${i}.png`), 72, 36, i);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('a training run', () => {
  it('writes options, metrics, previews and checkpoints in the run folder', async () => {
    const events: TrainEvent[] = [];
    const steps: number[] = [];
    const result = await runTraining(tiny('layout'), { onEvent: (e) => events.push(e), onStep: (s) => steps.push(s.step) });
    const runDir = join(root, 'runs', 'layout');
    expect(result).toMatchObject({ status: 'completed', step: 6, epoch: 2, totalIters: 6, runDir });
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);

    const options = JSON.parse(await readFile(join(runDir, 'options.json'), 'utf8'));
    expect(options).toMatchObject({ model: 'pix2pix', seed: 7, norm: 'batch', gan_mode: 'vanilla', netG: 'unet_32' });

    const records = await readMetrics(join(runDir, 'metrics.jsonl'));
    const stepRecords = records.filter((r): r is StepRecord => r.type === 'step');
    expect(stepRecords.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const r of stepRecords) expect(Object.keys(r.losses)).toEqual(['G_GAN', 'G_L1', 'D_real', 'D_fake']);
    // Linear policy, stepped at the start of each epoch: λ(e) = 1 − max(0, e + 1 − 1)/2.
    expect(stepRecords.map((r) => r.lr)).toEqual([1e-4, 1e-4, 1e-4, 0, 0, 0]);
    expect(records.some((r) => r.type === 'event' && r.event === 'completed')).toBe(true);

    expect(await listCheckpoints(join(runDir, 'checkpoints'))).toEqual(['epoch_1', 'epoch_2', 'latest']);
    const latest = await readCheckpoint(join(runDir, 'checkpoints'), 'latest');
    expect([...latest.tensors.keys()]).toEqual(['net_G', 'net_D', 'optimizer_G', 'optimizer_D']);
    expect(latest.manifest.meta).toMatchObject({ sequence: 6, lossNames: ['G_GAN', 'G_L1', 'D_real', 'D_fake'], modelNames: ['G', 'D'] });

    const index = await readPreviewIndex(runDir);
    expect(index!.visualNames).toEqual(['real_A', 'fake_B', 'real_B']);
    expect(index!.entries.map((e) => e.step)).toEqual([2, 4, 6]);
    const png = await sharp(join(runDir, index!.entries[0]!.files.fake_B!)).metadata();
    // The three fixed samples side by side.
    expect([png.width, png.height]).toEqual([96, 32]);
    expect(events.filter((e) => e.type === 'checkpoint').map((e) => (e as { tag: string }).tag)).toEqual(['latest', 'epoch_1', 'latest', 'epoch_2']);
  });

  it('loads the trained generator for translation, with domain names', async () => {
    const run = await loadRunGenerators(join(root, 'runs', 'layout'));
    expect(run.domains).toEqual({ A: 'photo', B: 'label' });
    expect(Object.keys(run.generators)).toEqual(['AtoB']);
    const ckpt = await readCheckpoint(join(root, 'runs', 'layout', 'checkpoints'), 'latest');
    const saved = ckpt.tensors.get('net_G')!;
    const loaded = run.generators.AtoB!.stateDict();
    for (const [k, t] of saved) expect(Array.from(loaded.get(k)!.data as ArrayLike<number | bigint>), k).toEqual(Array.from(t.data as ArrayLike<number | bigint>));
    const y = run.generators.AtoB!.apply(tf.zeros([1, 32, 32, 3]), { training: false, dropout: false });
    expect(y.shape).toEqual([1, 32, 32, 3]);
    expect(domainNames('/data/horse2zebra/')).toEqual({ A: 'horse', B: 'zebra' });
    expect(domainNames('/data/facades')).toEqual({ A: 'A', B: 'B' });
  });

  it('refuses to overwrite a run, and to continue one with different options', async () => {
    await expect(runTraining(tiny('layout'))).rejects.toThrow(/layout already holds a run .*--continue_train/);
    await expect(runTraining({ ...tiny('layout'), continue_train: true, ngf: 8 })).rejects.toThrow(/ngf \(run: 4, given: 8\)/);
    await expect(runTraining({ ...tiny('missing'), continue_train: true })).rejects.toThrow(/no complete checkpoint 'latest'.*none saved yet/);
  });

  it('continues a finished run for more epochs', async () => {
    const more = await runTraining({ name: 'layout', checkpoints_dir: join(root, 'runs'), continue_train: true, n_epochs_decay: 2 });
    expect(more).toMatchObject({ status: 'completed', step: 9, epoch: 3 });
  });

  it('pauses between steps until resumed', async () => {
    const pause = new PauseGate(new AbortController().signal, () => {});
    const steps: number[] = [];
    const done = runTraining(tiny('paused', { n_epochs_decay: 0 }), {
      pausePoint: () => pause.pausePoint(),
      onStep: (s) => {
        steps.push(s.step);
        if (s.step === 1) pause.pause();
      },
    });
    while (steps.length === 0) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 1000));
    expect(steps).toEqual([1]);
    pause.resume();
    expect((await done).step).toBe(3);
  });

  /** Runs `name`, turning G's first weight to NaN after step `poisonAt` (as a diverging run's weights go). */
  async function poisoned(name: string, poisonAt: number, over: TrainOptionsInput): Promise<TrainingDivergedError> {
    let netG: { params: Map<string, tf.Variable> } | null = null;
    const err = await runTraining(tiny(name, over), {
      onModel: (m) => {
        netG = m.networks.get('G')!;
      },
      onStep: (s) => {
        if (s.step === poisonAt) {
          const w = netG!.params.values().next().value!;
          w.assign(tf.fill(w.shape, Number.NaN));
        }
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    return err as TrainingDivergedError;
  }

  it('stops on a non-finite loss with a clear message naming the step and the loss', async () => {
    const err = await poisoned('diverged-loss', 2, {});
    expect(err.step).toBe(3);
    expect(err.message).toMatch(/^training stopped at step 3: non-finite loss \(D_fake = NaN.*\).*No checkpoint had been saved yet/);
    const records = await readMetrics(join(root, 'runs', 'diverged-loss', 'metrics.jsonl'));
    expect(records.some((r) => r.type === 'event' && r.event === 'diverged' && r.step === 3)).toBe(true);
    expect(await listCheckpoints(join(root, 'runs', 'diverged-loss', 'checkpoints'))).toEqual([]);
  });

  it('never saves non-finite weights: the last good checkpoint stays', async () => {
    const err = await poisoned('diverged-weights', 2, { save_latest_freq: 1 });
    expect(err.step).toBe(2);
    expect(err.message).toMatch(/weights of G are no longer finite.*last good checkpoint is .*diverged-weights[/\\]checkpoints[/\\]latest/);
    const kept = await readCheckpoint(join(root, 'runs', 'diverged-weights', 'checkpoints'), 'latest');
    expect(kept.manifest.meta.sequence).toBe(1);
    for (const t of kept.tensors.get('net_G')!.values()) {
      if (t.dtype === 'float32') expect((t.data as Float32Array).every(Number.isFinite)).toBe(true);
    }
  });

  it('reports undecodable and truncated files with their paths and trains on the rest', async () => {
    const bad = join(root, 'with-bad-files');
    for (let i = 0; i < 2; i++) await noise(join(bad, 'train', `${i}.png`), 72, 36, 100 + i);
    await writeFile(join(bad, 'train', 'notes.jpg'), 'a text file with an image name');
    const jpeg = await readFile(sharedData('facades', 'train', '5.jpg'));
    await writeFile(join(bad, 'train', 'cut.jpg'), jpeg.subarray(0, 5000));
    const events: TrainEvent[] = [];
    const result = await runTraining(tiny('bad-files', { dataroot: bad, n_epochs_decay: 0 }), { onEvent: (e) => events.push(e) });
    expect(result).toMatchObject({ status: 'completed', step: 2 });
    const reported = events.filter((e) => e.type === 'bad-sample').map((e) => (e as { path: string }).path);
    expect([...new Set(reported)].sort()).toEqual([join(bad, 'train', 'cut.jpg'), join(bad, 'train', 'notes.jpg')]);
  });

  it('trains on paired folders (A/ and B/ matched by name)', async () => {
    const paired = join(root, 'paired');
    for (let i = 0; i < 2; i++) {
      await noise(join(paired, 'A', `img${i}.png`), 36, 36, 200 + i);
      await noise(join(paired, 'B', `img${i}.png`), 36, 36, 300 + i);
    }
    await copyFile(join(paired, 'A', 'img0.png'), join(paired, 'A', 'orphan.png'));
    const events: TrainEvent[] = [];
    const result = await runTraining(tiny('paired', { dataroot: paired, dataset_mode: 'paired', n_epochs_decay: 0 }), { onEvent: (e) => events.push(e) });
    expect(result.step).toBe(2);
    expect(events.some((e) => e.type === 'warning' && /orphan\.png/.test(e.message))).toBe(true);
    expect((await stat(join(root, 'runs', 'paired', 'checkpoints', 'latest'))).isDirectory()).toBe(true);
  });
});
