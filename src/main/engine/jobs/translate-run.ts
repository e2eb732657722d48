/**
 * Translating with a training run: engine/train's `loadRunGenerators` rebuilds the run's
 * generators from its newest complete checkpoint; this module keeps the one a translation
 * needs and says when the run has saved a newer checkpoint (so cached weights are reloaded).
 */
import { join } from 'node:path';
import type { ModelDirection } from '../io/model-file';
import type { GeneratorOptions, Network } from '../networks';
import { findCheckpoint } from '../train/checkpoint';
import { loadRunGenerators, newestTag } from '../train/run-generators';
import { CHECKPOINTS_DIR } from '../train/run-layout';

/** Identifies the checkpoint a run would be translated with now (changes with every save). */
export async function runStamp(dir: string, direction: ModelDirection): Promise<string> {
  const root = join(dir, CHECKPOINTS_DIR);
  const tag = await newestTag(root);
  const found = await findCheckpoint(root, tag);
  if (!found) throw new Error(`${root}: no complete checkpoint '${tag}'`);
  return `${dir}:${direction}:${tag}:${found.manifest.meta.sequence}:${found.manifest.savedAt}`;
}

/** The run's generator for `direction`; the run's other generator, if any, is released. */
export async function loadRunGenerator(dir: string, direction: ModelDirection): Promise<{ net: Network; options: GeneratorOptions; stamp: string }> {
  const stamp = await runStamp(dir, direction);
  const run = await loadRunGenerators(dir);
  const net = run.generators[direction];
  for (const other of run.networks.values()) if (other !== net) other.dispose();
  if (!net) {
    throw new Error(`run ${dir} (${run.options.model}, --direction ${run.options.direction}) has no ${direction} generator`);
  }
  return { net, options: net.options as GeneratorOptions, stamp };
}
