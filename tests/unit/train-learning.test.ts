/**
 * Training learns on real data (shared/data, see its SOURCES.md), on small networks and
 * 64×64 (pix2pix) / 48×48 (CycleGAN) crops, a few hundred steps each — not timed. On the
 * wasm backend when it can be initialised (its convolutions are ~50× faster than the cpu
 * backend's), else on cpu.
 *
 * - pix2pix on facades (photos → label maps, the fixtures' direction): the L1 error of G on
 *   the 30 held-out val images drops clearly below its value at initialisation.
 * - CycleGAN on horse2zebra: the cycle-consistency error on the test images drops.
 * Both are measured as the reference's test.py runs the generators: BatchNorm with the
 * batch's statistics, no update of any state.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TrainOptionsInput } from '../../src/shared/train-options';
import { initBackend } from '../../src/main/engine/backends/select';
import { createDataset } from '../../src/main/engine/data/datasets';
import { collate } from '../../src/main/engine/data/loader';
import type { Network } from '../../src/main/engine/networks';
import { loadRunGenerators } from '../../src/main/engine/train/run-generators';
import { Rng } from '../../src/main/engine/train/rng';
import { runTraining } from '../../src/main/engine/train/trainer';
import * as tf from '../../src/main/engine/tf';
import { sharedData } from '../helpers/paths';

let root: string;
/** Not timing tests: on two busy cores a few hundred steps can take minutes. */
const LONG = 30 * 60 * 1000;

beforeAll(async () => {
  try {
    await initBackend({ prefer: 'wasm' });
  } catch {
    await initBackend({ prefer: 'cpu' });
  }
  root = await mkdtemp(join(tmpdir(), 'atelier-learn-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every image of a split at size×size (resized, not cropped or flipped), stacked NHWC. */
async function evalBatch(dataroot: string, phase: string, mode: 'aligned' | 'unaligned', size: number) {
  const ds = await createDataset({
    dataroot,
    phase,
    dataset_mode: mode,
    direction: 'AtoB',
    input_nc: 3,
    output_nc: 3,
    serial_batches: true,
    max_dataset_size: null,
    preprocess: 'resize_and_crop',
    load_size: size,
    crop_size: size,
    no_flip: true,
  });
  const samples = [];
  for (let i = 0; i < ds.size; i++) samples.push(await ds.load(i, Rng.derive(0)));
  const batch = collate(samples, samples.map((_, i) => i));
  return { A: tf.tensor4d(batch.A.data, batch.A.shape), B: tf.tensor4d(batch.B!.data, batch.B!.shape) };
}

const mode = { training: true, dropout: false, updateRunningStats: false };
const meanAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.mean(tf.abs(tf.sub(a, b))).dataSync()[0]!);

/** Train until `steps`, then stop (the run is saved as latest); `measure` sees the fresh model first. */
async function trainSteps(input: TrainOptionsInput, steps: number, measure: (nets: ReadonlyMap<string, Network>) => void) {
  const controller = new AbortController();
  const result = await runTraining(input, {
    signal: controller.signal,
    onModel: (m) => measure(m.networks),
    onStep: (s) => {
      if (s.step >= steps) controller.abort();
    },
  });
  expect(result.step).toBe(steps);
  return loadRunGenerators(result.runDir);
}

it('pix2pix on facades lowers the L1 error on held-out images', async () => {
  const facades = join(sharedData('facades'));
  const val = await evalBatch(facades, 'val', 'aligned', 64);
  const l1 = (G: Network) => meanAbs(G.apply(val.A, mode), val.B);
  let before = Number.NaN;
  const run = await trainSteps(
    {
      dataroot: facades,
      name: 'facades',
      checkpoints_dir: root,
      model: 'pix2pix',
      netG: 'unet_64',
      ngf: 8,
      ndf: 8,
      load_size: 72,
      crop_size: 64,
      n_epochs: 100,
      save_latest_freq: 100000,
      preview_freq: 100000,
      seed: 11,
    },
    300,
    (nets) => {
      before = l1(nets.get('G')!);
    },
  );
  const after = l1(run.generators.AtoB!);
  expect(before).toBeGreaterThan(0.3);
  expect(after, `val L1 ${before.toFixed(4)} → ${after.toFixed(4)}`).toBeLessThan(0.8 * before);
}, LONG);

it('CycleGAN on horse2zebra lowers the cycle-consistency error on test images', async () => {
  const h2z = sharedData('horse2zebra');
  const test = await evalBatch(h2z, 'test', 'unaligned', 48);
  const cycle = (GA: Network, GB: Network) =>
    (meanAbs(GB.apply(GA.apply(test.A, mode), mode), test.A) + meanAbs(GA.apply(GB.apply(test.B, mode), mode), test.B)) / 2;
  let before = Number.NaN;
  const run = await trainSteps(
    {
      dataroot: h2z,
      name: 'horse2zebra',
      checkpoints_dir: root,
      model: 'cycle_gan',
      netG: 'resnet_3blocks',
      ngf: 8,
      ndf: 8,
      load_size: 54,
      crop_size: 48,
      n_epochs: 100,
      save_latest_freq: 100000,
      preview_freq: 100000,
      seed: 12,
    },
    120,
    (nets) => {
      before = cycle(nets.get('G_A')!, nets.get('G_B')!);
    },
  );
  const after = cycle(run.generators.AtoB!, run.generators.BtoA!);
  expect(before).toBeGreaterThan(0.2);
  expect(after, `cycle L1 ${before.toFixed(4)} → ${after.toFixed(4)}`).toBeLessThan(0.85 * before);
}, LONG);
