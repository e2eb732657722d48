/**
 * The trained generators of a run folder, for translation: `atelier translate --model
 * <checkpoints_dir>/<name>` loads what the run saved last ('latest', else its newest epoch
 * or iteration checkpoint).
 */
import { basename, join } from 'node:path';
import type { TrainOptions } from '../../../shared/train-options';
import { generatorDirections, networkPlans } from '../models';
import { defineG, type GeneratorOptions, type Network } from '../networks';
import { findCheckpoint, listCheckpoints, readCheckpoint } from './checkpoint';
import type { RunMeta } from './run-state';
import { CHECKPOINTS_DIR } from './run-layout';

export interface RunGenerators {
  options: TrainOptions;
  /** Names of the dataset's domains A and B (from a `<a>2<b>` dataset folder name, else 'A', 'B'). */
  domains: { A: string; B: string };
  /** The generator translating each direction between the domains, loaded and ready. */
  generators: Partial<Record<'AtoB' | 'BtoA', Network>>;
  /** The same networks by the model's names (`G`; `G_A`, `G_B`). */
  networks: Map<string, Network>;
  checkpoint: { tag: string; dir: string; step: number; epoch: number };
}

/** `horse2zebra` → { A: 'horse', B: 'zebra' }; anything else → { A: 'A', B: 'B' }. */
export function domainNames(dataroot: string): { A: string; B: string } {
  const m = /^([^2]+)2([^2]+)$/.exec(basename(dataroot.replace(/[/\\]+$/, '')));
  return m ? { A: m[1]!, B: m[2]! } : { A: 'A', B: 'B' };
}

/** The tag to load: 'latest' if complete, else the checkpoint of the most advanced step. */
export async function newestTag(root: string): Promise<string> {
  const tags = await listCheckpoints(root);
  if (tags.includes('latest')) return 'latest';
  let best: { tag: string; sequence: number } | null = null;
  for (const tag of tags) {
    const found = await findCheckpoint(root, tag);
    if (found && (!best || found.manifest.meta.sequence > best.sequence)) best = { tag, sequence: found.manifest.meta.sequence };
  }
  if (!best) throw new Error(`${root}: no checkpoint saved yet`);
  return best.tag;
}

export async function loadRunGenerators(runDir: string, tag?: string): Promise<RunGenerators> {
  const root = join(runDir, CHECKPOINTS_DIR);
  const chosen = tag ?? (await newestTag(root));
  const found = await findCheckpoint(root, chosen);
  if (!found) throw new Error(`${root}: no complete checkpoint '${chosen}'`);
  const meta = found.manifest.meta as RunMeta;
  if (meta.kind !== 'training-run') throw new Error(`${found.dir}: not a training checkpoint`);
  const options = meta.options;
  const plans = networkPlans(options);
  const directions = generatorDirections(options);
  // Only the generators: optimizer moments and pools are not needed to translate.
  const wanted = new Set(Object.values(directions).map((n) => `net_${n}`));
  const ckpt = await readCheckpoint(root, chosen, (stem) => wanted.has(stem));
  const networks = new Map<string, Network>();
  try {
    for (const name of new Set(Object.values(directions))) {
      const plan = plans.get(name!);
      const sd = ckpt.tensors.get(`net_${name}`);
      if (!plan || plan.role !== 'generator' || !sd) throw new Error(`${ckpt.dir}: generator ${name} is missing`);
      const net = defineG(plan.options as GeneratorOptions, { seed: 0 });
      networks.set(name!, net);
      net.loadStateDict(sd);
    }
  } catch (err) {
    for (const n of networks.values()) n.dispose();
    throw err;
  }
  const generators: RunGenerators['generators'] = {};
  for (const [dir, name] of Object.entries(directions) as ['AtoB' | 'BtoA', string][]) generators[dir] = networks.get(name)!;
  return {
    options,
    domains: domainNames(options.dataroot),
    generators,
    networks,
    checkpoint: { tag: chosen, dir: ckpt.dir, step: meta.position.step, epoch: meta.position.epoch },
  };
}
