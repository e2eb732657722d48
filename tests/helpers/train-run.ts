/**
 * Training run folders as the trainer leaves them, for tests that list, resolve or translate
 * with a run: `options.json` once the run starts, a `latest` checkpoint each time it saves.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StateDict } from '../../src/main/engine/io/tensor-data';
import { writeCheckpoint } from '../../src/main/engine/train/checkpoint';
import { resolveTrainOptions, type TrainOptions } from '../../src/shared/train-options';

/**
 * A started pix2pix run `<checkpointsDir>/<name>` with a small generator (resnet_2blocks,
 * ngf 4, InstanceNorm, no dropout), trained --direction BtoA: labels (B) → facade (A).
 * Nothing is saved yet.
 */
export async function startPix2pixRun(checkpointsDir: string, name: string): Promise<{ dir: string; options: TrainOptions }> {
  const dir = join(checkpointsDir, name);
  const options = resolveTrainOptions({
    dataroot: '/data/facades',
    name,
    checkpoints_dir: checkpointsDir,
    model: 'pix2pix',
    direction: 'BtoA',
    netG: 'resnet_2blocks',
    ngf: 4,
    norm: 'instance',
    no_dropout: true,
    seed: 1,
  });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'options.json'), JSON.stringify(options));
  return { dir, options };
}

/**
 * Saves `generator` as the run's `latest` checkpoint (`net_G`), with what the trainer records
 * alongside (engine/train/run-state.ts) as far as loading needs it.
 */
export async function saveRunGenerator(dir: string, options: TrainOptions, generator: StateDict, sequence: number): Promise<void> {
  const meta = { sequence, kind: 'training-run', model: options.model, options, position: { step: sequence, epoch: 1 } };
  await writeCheckpoint(join(dir, 'checkpoints'), 'latest', { meta, tensors: new Map([['net_G', generator]]) });
}
