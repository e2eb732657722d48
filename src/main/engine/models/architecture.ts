/**
 * Which networks each model builds, with which constructor options (the reference's
 * `define_G` / `define_D` calls in each model's __init__), and which generator translates in
 * which direction. Shared by the models and by whatever rebuilds a trained run's generators.
 */
import type { DiscriminatorOptions, GeneratorName, GeneratorOptions } from '../networks';
import type { ModelOptions } from './options';

export type NetworkPlan =
  | { role: 'generator'; options: GeneratorOptions }
  | { role: 'discriminator'; options: DiscriminatorOptions };

type ArchitectureOptions = Pick<
  ModelOptions,
  'model' | 'direction' | 'input_nc' | 'output_nc' | 'ngf' | 'ndf' | 'netG' | 'netD' | 'n_layers_D' | 'norm' | 'init_type' | 'init_gain' | 'no_dropout'
>;

function generator(o: ArchitectureOptions, inputNc: number, outputNc: number): NetworkPlan {
  return {
    role: 'generator',
    options: {
      netG: o.netG as GeneratorName,
      inputNc,
      outputNc,
      ngf: o.ngf,
      norm: o.norm,
      useDropout: !o.no_dropout,
      initType: o.init_type,
      initGain: o.init_gain,
    },
  };
}

function discriminator(o: ArchitectureOptions, inputNc: number): NetworkPlan {
  return {
    role: 'discriminator',
    options: { netD: o.netD, inputNc, ndf: o.ndf, nLayersD: o.n_layers_D, norm: o.norm, initType: o.init_type, initGain: o.init_gain },
  };
}

/** The networks of `o.model`, by the reference's names, in its `model_names` order. */
export function networkPlans(o: ArchitectureOptions): Map<string, NetworkPlan> {
  switch (o.model) {
    case 'pix2pix':
      // The conditional D sees input and output stacked: input_nc + output_nc channels.
      return new Map([
        ['G', generator(o, o.input_nc, o.output_nc)],
        ['D', discriminator(o, o.input_nc + o.output_nc)],
      ]);
    case 'cycle_gan':
      // G_A: A → B, G_B: B → A; D_A judges domain B (output_nc), D_B domain A (input_nc).
      return new Map([
        ['G_A', generator(o, o.input_nc, o.output_nc)],
        ['G_B', generator(o, o.output_nc, o.input_nc)],
        ['D_A', discriminator(o, o.output_nc)],
        ['D_B', discriminator(o, o.input_nc)],
      ]);
    default:
      throw new Error(`model '${String(o.model)}' is not implemented (pix2pix, cycle_gan)`);
  }
}

/**
 * The generator for each translation direction between the dataset's domains A and B.
 * `--direction BtoA` makes the dataset's B the models' real_A.
 */
export function generatorDirections(o: Pick<ArchitectureOptions, 'model' | 'direction'>): Partial<Record<'AtoB' | 'BtoA', string>> {
  const atob = o.direction === 'AtoB';
  switch (o.model) {
    case 'pix2pix':
      return { [o.direction]: 'G' };
    case 'cycle_gan':
      return atob ? { AtoB: 'G_A', BtoA: 'G_B' } : { AtoB: 'G_B', BtoA: 'G_A' };
    default:
      throw new Error(`model '${String(o.model)}' is not implemented (pix2pix, cycle_gan)`);
  }
}
