/**
 * Builders by name, as the reference's `define_G` / `define_D` followed by `init_net`
 * (which `BaseModel.setup` runs): the network comes back initialised with
 * `initType` / `initGain`.
 */
import { nLayerSpec, pixelSpec } from './discriminators';
import { resnetSpec, unetSpec } from './generators';
import { Network } from './network';
import {
  parseGeneratorName,
  type DiscriminatorOptions,
  type GeneratorOptions,
  type NormType,
} from './options';
import type { NetworkSpec } from './spec';

const NORMS: readonly NormType[] = ['batch', 'instance', 'none'];

function checkNorm(norm: string): asserts norm is NormType {
  if (!NORMS.includes(norm as NormType)) {
    throw new Error(`normalization layer '${norm}' is not found (batch, instance, none)`);
  }
}

export function generatorSpec(opts: GeneratorOptions): NetworkSpec {
  checkNorm(opts.norm);
  const arch = parseGeneratorName(opts.netG);
  const common = { inputNc: opts.inputNc, outputNc: opts.outputNc, ngf: opts.ngf, norm: opts.norm, useDropout: opts.useDropout };
  return arch.family === 'unet'
    ? unetSpec({ ...common, numDowns: arch.numDowns })
    : resnetSpec({ ...common, nBlocks: arch.nBlocks });
}

export function discriminatorSpec(opts: DiscriminatorOptions): NetworkSpec {
  checkNorm(opts.norm);
  const common = { inputNc: opts.inputNc, ndf: opts.ndf, norm: opts.norm };
  switch (opts.netD) {
    case 'basic':
      return nLayerSpec({ ...common, nLayers: 3 });
    case 'n_layers':
      return nLayerSpec({ ...common, nLayers: opts.nLayersD });
    case 'pixel':
      return pixelSpec(common);
    default:
      throw new Error(`discriminator model name '${String(opts.netD)}' is not recognized (basic, n_layers, pixel)`);
  }
}

export interface DefineOptions {
  /** Seed of the weight initialisation; random when absent. */
  seed?: number;
}

/** `define_G(...)` + `init_net(net, initType, initGain)`. */
export function defineG(opts: GeneratorOptions, { seed }: DefineOptions = {}): Network {
  const net = new Network(generatorSpec(opts), { ...opts });
  net.init(opts.initType, opts.initGain, seed);
  return net;
}

/** `define_D(...)` + `init_net(net, initType, initGain)`. */
export function defineD(opts: DiscriminatorOptions, { seed }: DefineOptions = {}): Network {
  const net = new Network(discriminatorSpec(opts), { ...opts });
  net.init(opts.initType, opts.initGain, seed);
  return net;
}
