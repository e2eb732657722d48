import { test } from 'vitest';
import { generatorSpec, discriminatorSpec } from '../../src/main/engine/networks/define';
import { parameterCount } from '../../src/main/engine/networks/spec';
test('c', () => {
  for (const norm of ['batch', 'instance', 'none'] as const) {
    console.log(norm, parameterCount(generatorSpec({ netG: 'unet_256', inputNc: 3, outputNc: 3, ngf: 64, norm, useDropout: true, initType: 'normal', initGain: 0.02 })),
      parameterCount(generatorSpec({ netG: 'resnet_9blocks', inputNc: 3, outputNc: 3, ngf: 64, norm, useDropout: false, initType: 'normal', initGain: 0.02 })),
      parameterCount(discriminatorSpec({ netD: 'basic', inputNc: 6, ndf: 64, nLayersD: 3, norm, initType: 'normal', initGain: 0.02 })),
      parameterCount(discriminatorSpec({ netD: 'basic', inputNc: 3, ndf: 64, nLayersD: 3, norm, initType: 'normal', initGain: 0.02 })));
  }
});
