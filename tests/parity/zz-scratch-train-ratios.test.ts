import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'vitest';
import { resolveTrainOptions, trainOptionFields } from '../../src/shared/train-options';
import { initBackend } from '../../src/main/engine/backends/select';
import { readNpy } from '../../src/main/engine/io/npy';
import { readPth } from '../../src/main/engine/io/pth';
import { createModel } from '../../src/main/engine/models';
import { Network } from '../../src/main/engine/networks';
import * as tf from '../../src/main/engine/tf';
import { torchFixturesDir } from '../helpers/paths';
import { forward as patchedForward } from './zz-scratch-executor';
// PATCH
if (process.env.PATCH) {
  (Network.prototype as any).apply = function (this: any, x: tf.Tensor4D, mode: any) {
    return tf.tidy(() => patchedForward(this.spec, x, mode, { param: (k: string) => this.params.get(k), buffer: (k: string) => this.buffers.get(k), onBatchStats: (l: any, m: any, v: any, c: number) => this.updateRunningStats(l, m, v, c) }));
  };
}

test('ratios', async () => {
  await initBackend({ prefer: (process.env.BK as never) ?? 'cpu' });
  const name = process.env.CASE ?? 'pix2pix_step';
  const dir = join(torchFixturesDir, name);
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
  const input: Record<string, unknown> = { dataroot: dir, seed: 0 };
  for (const [k, v] of Object.entries(meta.options)) if (k in trainOptionFields && !['dataroot','name','checkpoints_dir'].includes(k)) input[k] = k === 'max_dataset_size' ? null : v;
  const model = createModel(resolveTrainOptions(input as never));
  const init = new Map();
  for (const net of meta.model_names) { const sd = await readPth(join(dir, `init_net_${net}.pth`)); model.networks.get(net)!.loadStateDict(sd); const t = new Network(model.networks.get(net)!.spec, model.networks.get(net)!.options); t.loadStateDict(sd); init.set(net, t); }
  const nhwc = async (p: string) => { const t = await readNpy(p); return tf.transpose(tf.tensor4d(t.data as Float32Array, t.shape as never), [0, 2, 3, 1]) as tf.Tensor4D; };
  model.setInput({ A: await nhwc(join(dir, 'real_A.npy')), B: await nhwc(join(dir, 'real_B.npy')) });
  const t0 = Date.now();
  const g1 = new Map<string, Float32Array>();
  for (let s = 0; s < 3; s++) { model.optimizeParameters({ dropoutSeed: 1, onGradients: s === 0 ? (_g, gs) => { for (const [k, g] of gs) g1.set(k, g.dataSync().slice() as Float32Array); } : undefined }); console.log('step', s + 1, Date.now() - t0, JSON.stringify(model.getCurrentLosses())); }
  const { existsSync } = await import('node:fs');
  for (const net of meta.model_names) {
    const f = join(dir, `step1_grad_net_${net}.pth`); if (!existsSync(f)) continue;
    const gref = new Network(model.networks.get(net)!.spec, model.networks.get(net)!.options); gref.loadStateDict(await readPth(f), { strict: false });
    const rows: string[] = [];
    for (const [k, v] of gref.params) { if ((meta.networks[net].biases_without_effect ?? []).includes(k)) continue; const r = v.dataSync(), a = g1.get(`${net}/${k}`)!; let e = 0, n = 0; for (let i = 0; i < a.length; i++) { e += (a[i] - r[i]) ** 2; n += r[i] ** 2; } rows.push(`${(Math.sqrt(e / n)).toExponential(2)} ${k}`); }
    rows.sort().reverse(); console.log('GRAD', net, rows.slice(0, 5).join(' | '));
  }
  for (const net of meta.model_names) {
    const ref = new Network(model.networks.get(net)!.spec, model.networks.get(net)!.options); ref.loadStateDict(await readPth(join(dir, `step3_net_${net}.pth`)));
    const rows: [string, number, number][] = []; let E = 0, M = 0;
    for (const [k, v] of model.networks.get(net)!.params) {
      const a = v.dataSync(), r = ref.params.get(k)!.dataSync(), i0 = init.get(net).params.get(k).dataSync();
      let e = 0, m = 0, flips = 0; for (let i = 0; i < a.length; i++) { e += (a[i] - r[i]) ** 2; m += (r[i] - i0[i]) ** 2; if (Math.abs(a[i]-r[i]) > 1e-4) flips++; }
      rows.push([k, Math.sqrt(e / m), flips]); if (!(meta.networks[net].biases_without_effect ?? []).includes(k)) { E += e; M += m; }
    }
    rows.sort((x, y) => y[1] - x[1]); console.log('NETWORK', net, 'global ratio', Math.sqrt(E / M));
    console.log(net, rows.slice(0, 8).map((r) => `${r[0]} ${r[1].toExponential(2)} flips=${r[2]}`).join('\n'));
  }
});
