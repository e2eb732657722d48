/**
 * Small network configurations for tests that need a real network, not a full-size one: a
 * few filters (ngf/ndf 4), BatchNorm, no dropout, the reference's default normal
 * initialisation (gain 0.02), three channels in and out. Each test overrides what it checks.
 */
import type { DiscriminatorOptions, GeneratorOptions } from '../../src/main/engine/networks';

export function smallGenerator(o: Partial<GeneratorOptions> = {}): GeneratorOptions {
  return { netG: 'resnet_1blocks', inputNc: 3, outputNc: 3, ngf: 4, norm: 'batch', useDropout: false, initType: 'normal', initGain: 0.02, ...o };
}

export function smallDiscriminator(o: Partial<DiscriminatorOptions> = {}): DiscriminatorOptions {
  return { netD: 'basic', inputNc: 3, ndf: 4, nLayersD: 3, norm: 'batch', initType: 'normal', initGain: 0.02, ...o };
}
