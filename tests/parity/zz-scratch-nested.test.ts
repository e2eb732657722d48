import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'vitest';
import { resolveTrainOptions, trainOptionFields } from '../../src/shared/train-options';
import { initBackend } from '../../src/main/engine/backends/select';
import { readNpy } from '../../src/main/engine/io/npy';
import { readPth } from '../../src/main/engine/io/pth';
import { createModel, groupGradients } from '../../src/main/engine/models';
import { ganLoss, l1Loss } from '../../src/main/engine/train/losses';
import * as tf from '../../src/main/engine/tf';
import { torchFixturesDir } from '../helpers/paths';

test('nested vs clean', async () => {
  await initBackend({ prefer: 'wasm' });
  const dir = join(torchFixturesDir, 'pix2pix_step');
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
  const input: Record<string, unknown> = { dataroot: dir, seed: 0 };
  for (const [k, v] of Object.entries(meta.options)) if (k in trainOptionFields && !['dataroot','name','checkpoints_dir'].includes(k)) input[k] = k === 'max_dataset_size' ? null : v;
  const opts = resolveTrainOptions(input as never);
  const nhwc = async (p: string) => { const t = await readNpy(p); return tf.transpose(tf.tensor4d(t.data as Float32Array, t.shape as never), [0, 2, 3, 1]) as tf.Tensor4D; };
  const realA = await nhwc(join(dir, 'real_A.npy')), realB = await nhwc(join(dir, 'real_B.npy'));
  const mk = async () => { const m = createModel(opts); for (const n of meta.model_names) m.networks.get(n)!.loadStateDict(await readPth(join(dir, `init_net_${n}.pth`))); return m; };
  const m1 = await mk();
  m1.setInput({ A: realA, B: realB });
  const g1 = new Map<string, Float32Array>(); const d1 = new Map<string, Float32Array>();
  m1.optimizeParameters({ dropoutSeed: 1, onGradients: (grp, gs) => { for (const [k, g] of gs) (grp === 'G' ? g1 : d1).set(k, g.dataSync().slice() as Float32Array); } });
  // clean
  const m2 = await mk();
  const G = m2.networks.get('G')!, D = m2.networks.get('D')!;
  const mode = { training: true, dropout: false };
  const fakeB = G.apply(realA, mode);
  const optD = m2.optimizers.get('D')!, optG = m2.optimizers.get('G')!;
  const d = groupGradients(optD.params, () => tf.mul(tf.add(ganLoss('vanilla', D.apply(tf.concat([realA, fakeB], 3), mode), false), ganLoss('vanilla', D.apply(tf.concat([realA, realB], 3), mode), true)), 0.5) as tf.Scalar);
  optD.step(d.grads);
  const g = groupGradients(optG.params, () => { const f = G.apply(realA, mode); return tf.add(ganLoss('vanilla', D.apply(tf.concat([realA, f], 3), mode), true), tf.mul(l1Loss(f, realB), 100)) as tf.Scalar; });
  let worst = 0, wk = '';
  for (const [k, a] of g1) { const b = g.grads.get(k)!.dataSync(); let e = 0, n = 0; for (let i = 0; i < a.length; i++) { e += (a[i] - b[i]) ** 2; n += b[i] ** 2; } const r = Math.sqrt(e / n); if (r > worst) { worst = r; wk = k; } }
  console.log('G grads nested vs clean: worst rel', worst, wk);
  let worstD = 0; for (const [k, a] of d1) { const b = d.grads.get(k)!.dataSync(); let e = 0, n = 0; for (let i = 0; i < a.length; i++) { e += (a[i] - b[i]) ** 2; n += b[i] ** 2; } worstD = Math.max(worstD, Math.sqrt(e / n)); }
  console.log('D grads worst rel', worstD);
  // gradient magnitude stats at innermost
  for (const [k, a] of g1) if (k.includes('model.3.model.3.model.3.model.3.model.3.model.3')) { let mx = 0, mn = Infinity, zeros = 0; for (const v of a) { mx = Math.max(mx, Math.abs(v)); mn = Math.min(mn, Math.abs(v)); if (v === 0) zeros++; } console.log(k, a.length, 'max', mx.toExponential(2), 'min', mn.toExponential(2), 'zeros', zeros); }
});
