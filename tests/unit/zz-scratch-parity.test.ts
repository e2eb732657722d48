import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import * as tf from '../../src/main/engine/tf';
import { Network } from '../../src/main/engine/networks/network';
import { generatorSpec, discriminatorSpec } from '../../src/main/engine/networks/define';
import { torchFixturesDir } from '../helpers/paths';

function npy(p: string) {
  const b = readFileSync(p);
  const hl = b.readUInt16LE(8);
  const h = b.subarray(10, 10 + hl).toString();
  const shape = JSON.parse('[' + /'shape': \(([^)]*)\)/.exec(h)![1].replace(/,\s*$/, '') + ']');
  const data = new Float32Array(b.buffer.slice(b.byteOffset + 10 + hl, b.byteOffset + b.length));
  return { dtype: 'float32' as const, shape, data };
}
const nchwToNhwc = (t: any) => tf.tidy(() => tf.transpose(tf.tensor4d(t.data, t.shape), [0, 2, 3, 1]));
tf.setBackend('cpu');
for (const c of ['G_unet256_bn', 'G_resnet9_in', 'D_basic_bn', 'D_basic_in']) {
  test(c, async () => {
    const meta = JSON.parse(readFileSync(join(torchFixturesDir, c, 'meta.json'), 'utf8'));
    const b = meta.built_with;
    const opts: any = c.startsWith('G')
      ? { netG: b.netG, inputNc: b.input_nc, outputNc: b.output_nc, ngf: b.ngf, norm: b.norm, useDropout: b.use_dropout, initType: 'normal', initGain: 0.02 }
      : { netD: b.netD, inputNc: b.input_nc, ndf: b.ndf, nLayersD: b.n_layers_D, norm: b.norm, initType: 'normal', initGain: 0.02 };
    const spec = c.startsWith('G') ? generatorSpec(opts) : discriminatorSpec(opts);
    const net = new Network(spec, opts);
    const keys = JSON.parse(readFileSync(`/tmp/fixconv/${c}/keys.json`, 'utf8'));
    const sd = new Map();
    for (const [k, s] of keys) { const t = npy(`/tmp/fixconv/${c}/${k}.npy`); sd.set(k, { ...t, shape: s }); }
    net.loadStateDict(sd);
    const x = nchwToNhwc(npy(join(torchFixturesDir, c, 'input.npy')));
    for (const m of ['eval', 'train']) {
      let ref;
      try { ref = npy(join(torchFixturesDir, c, `output_${m}.npy`)); } catch { continue; }
      const t0 = Date.now();
      const y = net.apply(x, { training: m === 'train', dropout: false, updateRunningStats: false });
      const yr = nchwToNhwc(ref);
      const d = tf.max(tf.abs(tf.sub(y, yr))).dataSync()[0];
      const mx = tf.max(tf.abs(yr)).dataSync()[0];
      console.log(c, m, 'maxdiff', d, 'max|ref|', mx, 'ms', Date.now() - t0);
    }
  });
}
