/**
 * Recognise which reference network a state_dict belongs to, from its keys and shapes alone:
 * family and depth, channel counts, width (ngf / ndf) and norm. Candidates are read off a few
 * characteristic keys and then confirmed by building each candidate's spec and comparing
 * every key and shape, so an answer is always a network the weights load into exactly.
 */
import type { StateDict } from '../io/tensor-data';
import {
  generatorName,
  type DiscriminatorOptions,
  type GeneratorOptions,
  type NormType,
} from './options';
import { discriminatorSpec, generatorSpec } from './define';
import { Network } from './network';
import { compareStateDict, formatComparison, patchInstanceNormStateDict, type StateDictComparison } from './state-dict';

export interface InferredGenerator {
  role: 'generator';
  options: GeneratorOptions;
  /**
   * Whether `useDropout` was read from the weights. A ResNet block's Dropout shifts the
   * index of its second conv, so it shows in the keys; a U-Net's Dropout sits at the end of
   * its block and holds no weights, so it cannot be told. For a U-Net `useDropout` is then
   * true (the reference's default), which only adds dropout layers that `apply`'s
   * `dropout` flag switches on or off.
   */
  dropoutInferred: boolean;
  /** Keys dropped as the reference's InstanceNorm patch does (old checkpoints). */
  droppedKeys: string[];
  notes: string[];
}

export interface InferredDiscriminator {
  role: 'discriminator';
  options: DiscriminatorOptions;
  droppedKeys: string[];
  notes: string[];
}

export type InferredArchitecture = InferredGenerator | InferredDiscriminator;

type Candidate = { role: 'generator'; options: GeneratorOptions } | { role: 'discriminator'; options: DiscriminatorOptions };

const NORMS: readonly NormType[] = ['batch', 'instance', 'none'];
const INIT = { initType: 'normal', initGain: 0.02 } as const;

function kernelShape(sd: StateDict, key: string, k: number): number[] | undefined {
  const t = sd.get(key);
  return t && t.shape.length === 4 && t.shape[2] === k && t.shape[3] === k ? t.shape : undefined;
}

function unetCandidates(sd: StateDict): Candidate[] {
  const first = kernelShape(sd, 'model.model.0.weight', 4);
  if (!first) return [];
  // Block i's Sequential is model.model(.1.model)(.3.model)*; its down-conv is child 1.
  let numDowns = 1;
  for (let path = 'model.model.1.model'; sd.has(`${path}.1.weight`); path += '.3.model') numDowns++;
  const outputNc = sd.get('model.model.3.weight')?.shape[1] ?? 3;
  if (numDowns < 5) return [];
  return NORMS.map((norm) => ({
    role: 'generator',
    options: {
      netG: generatorName({ family: 'unet', numDowns }),
      inputNc: first[1],
      outputNc,
      ngf: first[0],
      norm,
      useDropout: true,
      ...INIT,
    },
  }));
}

function resnetCandidates(sd: StateDict): Candidate[] {
  const stem = kernelShape(sd, 'model.1.weight', 7);
  if (!stem) return [];
  const keys = [...sd.keys()];
  let nBlocks = 0;
  while (keys.some((k) => k.startsWith(`model.${10 + nBlocks}.conv_block.`))) nBlocks++;
  // With Dropout(0.5) in the block, the second conv is conv_block.6 instead of conv_block.5
  // (without dropout, a BatchNorm weight may sit at conv_block.6: only a kernel counts).
  const useDropout = nBlocks > 0 && sd.get('model.10.conv_block.6.weight')?.shape.length === 4;
  const head = sd.get(`model.${10 + nBlocks + 7}.weight`);
  return NORMS.map((norm) => ({
    role: 'generator',
    options: {
      netG: generatorName({ family: 'resnet', nBlocks }),
      inputNc: stem[1],
      outputNc: head?.shape[0] ?? 3,
      ngf: stem[0],
      norm,
      useDropout,
      ...INIT,
    },
  }));
}

function nLayerCandidates(sd: StateDict): Candidate[] {
  const first = kernelShape(sd, 'model.0.weight', 4);
  if (!first) return [];
  const convs = [...sd.keys()].filter((k) => /^model\.\d+\.weight$/.test(k) && sd.get(k)!.shape.length === 4).length;
  const out: Candidate[] = [];
  // n_layers ≥ 1 has n_layers + 2 convs; n_layers 0 has 3.
  for (const nLayers of new Set([Math.max(convs - 2, 0), 0])) {
    for (const norm of NORMS) {
      out.push({
        role: 'discriminator',
        options: { netD: nLayers === 3 ? 'basic' : 'n_layers', inputNc: first[1], ndf: first[0], nLayersD: nLayers, norm, ...INIT },
      });
    }
  }
  return out;
}

function pixelCandidates(sd: StateDict): Candidate[] {
  const first = kernelShape(sd, 'net.0.weight', 1);
  if (!first) return [];
  return NORMS.map((norm) => ({
    role: 'discriminator',
    options: { netD: 'pixel', inputNc: first[1], ndf: first[0], nLayersD: 3, norm, ...INIT },
  }));
}

function score(c: StateDictComparison): number {
  return c.missing.length + c.unexpected.length + c.mismatched.length;
}

function describeCandidate(c: Candidate): string {
  const o = c.options;
  return 'netG' in o
    ? `${o.netG} (input_nc ${o.inputNc}, output_nc ${o.outputNc}, ngf ${o.ngf}, norm ${o.norm})`
    : `${o.netD}${o.netD === 'n_layers' ? ` ${o.nLayersD}` : ''} (input_nc ${o.inputNc}, ndf ${o.ndf}, norm ${o.norm})`;
}

/**
 * What network `sd` was saved from.
 * @throws Error when no reference network fits, listing the differences to the closest one.
 */
export function inferArchitecture(sd: StateDict): InferredArchitecture {
  const candidates = [...unetCandidates(sd), ...resnetCandidates(sd), ...nLayerCandidates(sd), ...pixelCandidates(sd)];
  if (candidates.length === 0) {
    const first = [...sd.keys()].slice(0, 8).join(', ');
    throw new Error(
      'state_dict matches no network the reference builds: expected model.model.0.weight with a 4×4 kernel (UnetGenerator, ≥ 5 levels), ' +
        'model.1.weight 7×7 (ResnetGenerator), model.0.weight 4×4 (NLayerDiscriminator) or net.0.weight 1×1 (PixelDiscriminator); ' +
        `its first keys are: ${first || '(none)'}`,
    );
  }
  let best: { cand: Candidate; cmp: StateDictComparison } | undefined;
  for (const cand of candidates) {
    let cmp: StateDictComparison;
    try {
      const spec = cand.role === 'generator' ? generatorSpec(cand.options) : discriminatorSpec(cand.options);
      const patched = patchInstanceNormStateDict(spec, sd);
      cmp = compareStateDict(spec, patched.sd, patched.dropped);
    } catch {
      continue; // channel counts read from a damaged dict may not build at all
    }
    if (score(cmp) === 0) return result(cand, cmp);
    if (!best || score(cmp) < score(best.cmp)) best = { cand, cmp };
  }
  if (!best) throw new Error('state_dict: no candidate network could be built from its shapes');
  throw new Error(formatComparison(`state_dict fits no reference network; closest is ${describeCandidate(best.cand)}`, best.cmp));
}

function result(cand: Candidate, cmp: StateDictComparison): InferredArchitecture {
  const notes: string[] = [];
  if (cmp.dropped.length) {
    notes.push(`dropped ${cmp.dropped.length} running-statistics entries of InstanceNorm layers (saved by PyTorch < 0.4)`);
  }
  if (cand.role === 'discriminator') return { role: 'discriminator', options: cand.options, droppedKeys: cmp.dropped, notes };
  const unet = cand.options.netG.startsWith('unet');
  if (unet) {
    notes.push('U-Net dropout holds no weights and cannot be read from a state_dict; dropout layers are included and apply() turns them on or off');
  }
  return { role: 'generator', options: cand.options, dropoutInferred: !unet, droppedKeys: cmp.dropped, notes };
}

/**
 * Build the network a state_dict was saved from and load it (what importing a checkpoint
 * without its options needs).
 */
export function networkFromStateDict(sd: StateDict): { net: Network; architecture: InferredArchitecture } {
  const architecture = inferArchitecture(sd);
  const o = architecture.options;
  const net = new Network('netG' in o ? generatorSpec(o) : discriminatorSpec(o), o);
  try {
    net.loadStateDict(sd);
  } catch (err) {
    net.dispose();
    throw err;
  }
  return { net, architecture };
}
