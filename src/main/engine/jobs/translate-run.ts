/**
 * Translating with a training run: its options say which generator maps which way
 * (runDirections), its latest complete checkpoint holds the weights
 * (`<run>/checkpoints/latest/net_<G|G_A|G_B>.pth`, engine/train/checkpoint.ts). Only the
 * generator needed is read — not the discriminators or optimizer state.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runDirections } from '../../../shared/api/translate';
import { trainOptionsSchema, type TrainOptions } from '../../../shared/train-options';
import type { ModelDirection } from '../io/model-file';
import { readPth } from '../io/pth';
import type { StateDict } from '../io/tensor-data';
import { findCheckpoint } from '../train/checkpoint';

async function readRunOptions(dir: string): Promise<TrainOptions> {
  const path = join(dir, 'options.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: cannot read the run's options (${(err as Error).message})`);
  }
  const parsed = trainOptionsSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

async function latest(dir: string) {
  const found = await findCheckpoint(join(dir, 'checkpoints'), 'latest');
  if (!found) throw new Error(`run ${dir} has no complete 'latest' checkpoint yet`);
  return found;
}

/** Identifies the run's current latest checkpoint (changes with every save). */
export async function runStamp(dir: string, direction: ModelDirection): Promise<string> {
  const found = await latest(dir);
  return `${dir}:${direction}:${found.manifest.meta.sequence}:${found.manifest.savedAt}`;
}

export interface RunGenerator {
  /** Options as runDirections gives them (netG as a string, checked by the caller). */
  options: Omit<NonNullable<ReturnType<typeof runDirections>[ModelDirection]>, 'network'>;
  stateDict: StateDict;
  /** Where the weights came from, for messages. */
  path: string;
  /** Same as runStamp for this checkpoint. */
  stamp: string;
}

/** The options and weights of the run's generator for `direction`, from its latest checkpoint. */
export async function readRunGenerator(dir: string, direction: ModelDirection): Promise<RunGenerator> {
  const trainOptions = await readRunOptions(dir);
  const entry = runDirections(trainOptions)[direction];
  if (!entry) {
    throw new Error(`run ${dir} (${trainOptions.model}, --direction ${trainOptions.direction}) has no ${direction} generator`);
  }
  const found = await latest(dir);
  const file = `net_${entry.network}.pth`;
  if (!found.manifest.files.some((f) => f.name === file)) {
    throw new Error(`${found.dir}: the checkpoint holds no ${file} (it has ${found.manifest.files.map((f) => f.name).join(', ')})`);
  }
  const { network, ...options } = entry;
  const path = join(found.dir, file);
  return {
    options,
    stateDict: await readPth(path),
    path: `${path} (${network})`,
    stamp: `${dir}:${direction}:${found.manifest.meta.sequence}:${found.manifest.savedAt}`,
  };
}
