/**
 * Translating with a training run: the generator a translation needs, read from the run's
 * newest complete checkpoint as a state_dict (only that generator's file is read: no other
 * network, optimizer moments or pools), and a stamp that changes when the run saves a newer
 * checkpoint (so cached weights are reloaded).
 */
import { join } from 'node:path';
import type { ModelDirection } from '../io/model-file';
import type { StateDict } from '../io/tensor-data';
import { generatorDirections, networkPlans } from '../models';
import type { GeneratorOptions } from '../networks';
import { findCheckpoint, readCheckpoint } from '../train/checkpoint';
import { newestTag } from '../train/run-generators';
import { CHECKPOINTS_DIR } from '../train/run-layout';
import type { RunMeta } from '../train/run-state';

async function newestCheckpoint(dir: string) {
  const root = join(dir, CHECKPOINTS_DIR);
  const tag = await newestTag(root);
  const found = await findCheckpoint(root, tag);
  if (!found) throw new Error(`${root}: no complete checkpoint '${tag}'`);
  return { root, tag, found };
}

function stampOf(dir: string, direction: ModelDirection, tag: string, manifest: { meta: { sequence: number }; savedAt: string }): string {
  return `${dir}:${direction}:${tag}:${manifest.meta.sequence}:${manifest.savedAt}`;
}

/** Identifies the checkpoint a run would be translated with now (changes with every save). */
export async function runStamp(dir: string, direction: ModelDirection): Promise<string> {
  const { tag, found } = await newestCheckpoint(dir);
  return stampOf(dir, direction, tag, found.manifest);
}

/**
 * The run's generator for `direction` as its options and state_dict, from the newest
 * checkpoint; `what` names the file for messages.
 */
export async function loadRunGenerator(
  dir: string,
  direction: ModelDirection,
): Promise<{ options: GeneratorOptions; stateDict: StateDict; stamp: string; what: string }> {
  const { root, tag, found } = await newestCheckpoint(dir);
  const meta = found.manifest.meta as RunMeta;
  if (meta.kind !== 'training-run') throw new Error(`${found.dir}: not a training checkpoint`);
  const { options } = meta;
  const name = generatorDirections(options)[direction];
  if (!name) throw new Error(`run ${dir} (${options.model}, --direction ${options.direction}) has no ${direction} generator`);
  const plan = networkPlans(options).get(name);
  const stem = `net_${name}`;
  const ckpt = await readCheckpoint(root, tag, (s) => s === stem);
  const stateDict = ckpt.tensors.get(stem);
  if (!plan || plan.role !== 'generator' || !stateDict) throw new Error(`${ckpt.dir}: generator ${name} is missing`);
  return { options: plan.options as GeneratorOptions, stateDict, stamp: stampOf(dir, direction, tag, found.manifest), what: join(ckpt.dir, `${stem}.pth`) };
}
