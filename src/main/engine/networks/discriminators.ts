/**
 * Discriminator specs: `NLayerDiscriminator` (PatchGAN) and `PixelDiscriminator` of the
 * reference's models/networks.py. Both output raw logits (no sigmoid; the GAN loss applies it).
 */
import {
  SequentialPath,
  checkPositiveInt,
  conv2d,
  leakyRelu02,
  norm,
  useBiasFor,
} from './layers';
import type { NormType } from './options';
import type { Layer, NetworkSpec } from './spec';

export interface NLayerConfig {
  inputNc: number;
  ndf: number;
  nLayers: number;
  norm: NormType;
}

/**
 * `NLayerDiscriminator(input_nc, ndf, n_layers)`: 4×4 convs with zero padding 1; the first
 * and the last carry a bias whatever the norm, the others follow use_bias. A 256×256 input
 * gives a 30×30 patch map for 3 layers (70×70 receptive field).
 */
export function nLayerSpec(cfg: NLayerConfig): NetworkSpec {
  const { inputNc, ndf, nLayers } = cfg;
  checkPositiveInt('inputNc', inputNc);
  checkPositiveInt('ndf', ndf);
  if (!Number.isInteger(nLayers) || nLayers < 0) throw new Error(`nLayers must be an integer ≥ 0, got ${nLayers}`);
  const useBias = useBiasFor(cfg.norm);
  const seq = new SequentialPath('model');
  const layers: Layer[] = [];

  layers.push(conv2d(seq.next(), inputNc, ndf, 4, 2, 1, true), leakyRelu02);
  seq.next();
  let mult = 1;
  for (let n = 1; n < nLayers; n++) {
    const prev = mult;
    mult = Math.min(2 ** n, 8);
    layers.push(conv2d(seq.next(), ndf * prev, ndf * mult, 4, 2, 1, useBias));
    layers.push(...norm(cfg.norm, seq.next(), ndf * mult), leakyRelu02);
    seq.next();
  }
  const prev = mult;
  mult = Math.min(2 ** nLayers, 8);
  layers.push(conv2d(seq.next(), ndf * prev, ndf * mult, 4, 1, 1, useBias));
  layers.push(...norm(cfg.norm, seq.next(), ndf * mult), leakyRelu02);
  seq.next();
  layers.push(conv2d(seq.next(), ndf * mult, 1, 4, 1, 1, true));

  // Stride-2 convs: the first one plus n_layers − 1 more; each 4×4/s1 conv then removes a pixel.
  const halvings = Math.max(nLayers, 1);
  return {
    role: 'discriminator',
    className: 'NLayerDiscriminator',
    inChannels: inputNc,
    outChannels: 1,
    sizeMultiple: 1,
    minSize: 3 * 2 ** halvings,
    layers,
  };
}

export interface PixelConfig {
  inputNc: number;
  ndf: number;
  norm: NormType;
}

/**
 * `PixelDiscriminator(input_nc, ndf)`: 1×1 convs; the first has a bias, the other two follow
 * use_bias (so neither has one with batch norm).
 */
export function pixelSpec(cfg: PixelConfig): NetworkSpec {
  const { inputNc, ndf } = cfg;
  checkPositiveInt('inputNc', inputNc);
  checkPositiveInt('ndf', ndf);
  const useBias = useBiasFor(cfg.norm);
  const seq = new SequentialPath('net');
  const layers: Layer[] = [];
  layers.push(conv2d(seq.next(), inputNc, ndf, 1, 1, 0, true), leakyRelu02);
  seq.next();
  layers.push(conv2d(seq.next(), ndf, ndf * 2, 1, 1, 0, useBias));
  layers.push(...norm(cfg.norm, seq.next(), ndf * 2), leakyRelu02);
  seq.next();
  layers.push(conv2d(seq.next(), ndf * 2, 1, 1, 1, 0, useBias));
  return {
    role: 'discriminator',
    className: 'PixelDiscriminator',
    inChannels: inputNc,
    outChannels: 1,
    sizeMultiple: 1,
    minSize: 1,
    layers,
  };
}
