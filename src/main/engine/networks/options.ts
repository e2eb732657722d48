/**
 * Constructor options of the generators and discriminators, named as the reference's
 * `define_G` / `define_D` arguments (models/networks.py) so that a checkpoint's options
 * read the same in both projects.
 */

/** `get_norm_layer`: BatchNorm2d (affine, running stats), InstanceNorm2d (no affine, no stats), or none. */
export type NormType = 'batch' | 'instance' | 'none';

/** `init_weights` methods. */
export type InitType = 'normal' | 'xavier' | 'kaiming' | 'orthogonal';

/**
 * Generator names. The reference's four (`unet_128`, `unet_256`, `resnet_6blocks`,
 * `resnet_9blocks`) and their general forms: `unet_<S>` is a U-Net with log2(S)
 * down-samplings (S a power of two ≥ 32), `resnet_<n>blocks` a ResNet generator with n blocks.
 */
export type GeneratorName =
  | 'unet_128'
  | 'unet_256'
  | 'resnet_6blocks'
  | 'resnet_9blocks'
  | `unet_${number}`
  | `resnet_${number}blocks`;

/** Discriminator names: `basic` is a 3-layer PatchGAN, `n_layers` uses `nLayersD`, `pixel` is 1×1. */
export type DiscriminatorName = 'basic' | 'n_layers' | 'pixel';

/** `define_G(input_nc, output_nc, ngf, netG, norm, use_dropout, init_type, init_gain)`. */
export interface GeneratorOptions {
  netG: GeneratorName;
  inputNc: number;
  outputNc: number;
  ngf: number;
  norm: NormType;
  useDropout: boolean;
  initType: InitType;
  initGain: number;
}

/** `define_D(input_nc, ndf, netD, n_layers_D, norm, init_type, init_gain)`. */
export interface DiscriminatorOptions {
  netD: DiscriminatorName;
  inputNc: number;
  ndf: number;
  /** Used by `n_layers` only (`basic` is always 3, `pixel` has no such depth). */
  nLayersD: number;
  norm: NormType;
  initType: InitType;
  initGain: number;
}

export type NetworkOptions = GeneratorOptions | DiscriminatorOptions;

export function isGeneratorOptions(o: NetworkOptions): o is GeneratorOptions {
  return 'netG' in o;
}

/** A generator name resolved to its architecture family and depth. */
export type GeneratorArchitecture =
  | { family: 'unet'; numDowns: number }
  | { family: 'resnet'; nBlocks: number };

/**
 * Resolve `unet_256` → U-Net with 8 down-samplings, `resnet_9blocks` → 9 blocks, and the
 * general forms. Throws on an unknown name.
 */
export function parseGeneratorName(netG: string): GeneratorArchitecture {
  const unet = /^unet_(\d+)$/.exec(netG);
  if (unet) {
    const size = Number(unet[1]);
    const numDowns = Math.log2(size);
    if (!Number.isInteger(numDowns) || numDowns < 5) {
      throw new Error(
        `generator name '${netG}': the U-Net size must be a power of two ≥ 32 (unet_32, unet_64, unet_128, unet_256, …)`,
      );
    }
    return { family: 'unet', numDowns };
  }
  const resnet = /^resnet_(\d+)blocks$/.exec(netG);
  if (resnet) return { family: 'resnet', nBlocks: Number(resnet[1]) };
  throw new Error(
    `generator name '${netG}' is not recognized (expected unet_128, unet_256, resnet_6blocks, resnet_9blocks, unet_<power of two ≥ 32> or resnet_<n>blocks)`,
  );
}

/** The name `parseGeneratorName` maps back to the given architecture. */
export function generatorName(arch: GeneratorArchitecture): GeneratorName {
  return arch.family === 'unet' ? `unet_${2 ** arch.numDowns}` : `resnet_${arch.nBlocks}blocks`;
}

/**
 * The reference's command-line defaults (options/base_options.py); the models override some
 * of them (pix2pix: `unet_256`, `batch`). Dropout is on unless `--no_dropout` is given.
 */
export const defaultGeneratorOptions: GeneratorOptions = {
  netG: 'resnet_9blocks',
  inputNc: 3,
  outputNc: 3,
  ngf: 64,
  norm: 'instance',
  useDropout: true,
  initType: 'normal',
  initGain: 0.02,
};

export const defaultDiscriminatorOptions: DiscriminatorOptions = {
  netD: 'basic',
  inputNc: 3,
  ndf: 64,
  nLayersD: 3,
  norm: 'instance',
  initType: 'normal',
  initGain: 0.02,
};
