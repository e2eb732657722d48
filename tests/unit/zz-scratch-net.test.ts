import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { generatorSpec, discriminatorSpec } from '../../src/main/engine/networks/define';
import { stateEntries, parameterCount } from '../../src/main/engine/networks/spec';
import { torchFixturesDir } from '../helpers/paths';

for (const c of ['G_unet256_bn', 'G_resnet9_in', 'D_basic_bn', 'D_basic_in']) {
  test(c, () => {
    const meta = JSON.parse(readFileSync(join(torchFixturesDir, c, 'meta.json'), 'utf8'));
    const b = meta.built_with;
    const spec = c.startsWith('G')
      ? generatorSpec({ netG: b.netG, inputNc: b.input_nc, outputNc: b.output_nc, ngf: b.ngf, norm: b.norm, useDropout: b.use_dropout, initType: 'normal', initGain: 0.02 })
      : discriminatorSpec({ netD: b.netD, inputNc: b.input_nc, ndf: b.ndf, nLayersD: b.n_layers_D, norm: b.norm, initType: 'normal', initGain: 0.02 });
    const got = stateEntries(spec).map((e) => ({ key: e.key, shape: [...e.shape] }));
    expect(got).toEqual(meta.state_dict.map((e: any) => ({ key: e.key, shape: e.shape })));
    expect(parameterCount(spec)).toBe(meta.parameter_count);
  });
}
