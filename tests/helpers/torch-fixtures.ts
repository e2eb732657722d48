/**
 * The network cases of the PyTorch fixtures (`G_*`, `D_*`: a folder with `weights.pth` and
 * `input.npy`), and the mapping of their `meta.json` `built_with` (the reference's
 * `define_G` / `define_D` arguments) to our network options.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DiscriminatorOptions, GeneratorOptions, NetworkOptions } from '../../src/main/engine/networks';
import { torchFixturesDir } from './paths';

export interface NetworkCaseMeta {
  built_with: Record<string, unknown>;
  parameter_count: number;
  state_dict: { key: string; shape: number[]; dtype: string }[];
}

/** Folder names of the network cases, sorted. */
export function networkCaseNames(root = torchFixturesDir): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => statSync(join(root, d)).isDirectory())
    .filter((d) => existsSync(join(root, d, 'weights.pth')) || existsSync(join(root, d, 'input.npy')))
    .sort();
}

export function readCaseMeta(dir: string): NetworkCaseMeta {
  return JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as NetworkCaseMeta;
}

const ARGUMENTS: Record<string, string[]> = {
  'networks.define_G': ['function', 'input_nc', 'output_nc', 'ngf', 'netG', 'norm', 'use_dropout', 'init_type', 'init_gain'],
  'networks.define_D': ['function', 'input_nc', 'ndf', 'netD', 'n_layers_D', 'norm', 'init_type', 'init_gain'],
};

/** Our options for the reference's `define_G` / `define_D` arguments; unknown arguments are an error. */
export function optionsFromBuiltWith(caseName: string, b: Record<string, unknown>): NetworkOptions {
  const fn = String(b.function);
  const keys = ARGUMENTS[fn];
  if (!keys) throw new Error(`${caseName}/meta.json: built_with.function '${fn}' is not one this suite knows (${Object.keys(ARGUMENTS).join(', ')})`);
  const extra = Object.keys(b).filter((k) => !keys.includes(k));
  const absent = keys.filter((k) => !(k in b));
  if (extra.length || absent.length) {
    throw new Error(`${caseName}/meta.json: built_with has arguments the suite does not map (${extra.join(', ') || 'none'}) or lacks (${absent.join(', ') || 'none'})`);
  }
  if (fn === 'networks.define_G') {
    return {
      netG: b.netG as GeneratorOptions['netG'],
      inputNc: b.input_nc as number,
      outputNc: b.output_nc as number,
      ngf: b.ngf as number,
      norm: b.norm as GeneratorOptions['norm'],
      useDropout: b.use_dropout as boolean,
      initType: b.init_type as GeneratorOptions['initType'],
      initGain: b.init_gain as number,
    };
  }
  return {
    netD: b.netD as DiscriminatorOptions['netD'],
    inputNc: b.input_nc as number,
    ndf: b.ndf as number,
    nLayersD: b.n_layers_D as number,
    norm: b.norm as DiscriminatorOptions['norm'],
    initType: b.init_type as DiscriminatorOptions['initType'],
    initGain: b.init_gain as number,
  };
}
