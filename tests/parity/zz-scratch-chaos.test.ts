import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'vitest';
import { resolveTrainOptions, trainOptionFields } from '../../src/shared/train-options';
import { initBackend } from '../../src/main/engine/backends/select';
import { readNpy } from '../../src/main/engine/io/npy';
import { readPth } from '../../src/main/engine/io/pth';
import { createModel } from '../../src/main/engine/models';
import * as tf from '../../src/main/engine/tf';
import { torchFixturesDir } from '../helpers/paths';

test('chaos', async () => {
  await initBackend({ prefer: (process.env.BK as never) ?? 'wasm' });
  const name = process.env.CASE ?? 'pix2pix_step';
  const dir = join(torchFixturesDir, name);
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
  const input: Record<string, unknown> = { dataroot: dir, seed: 0 };
  for (const [k, v] of Object.entries(meta.options)) if (k in trainOptionFields && !['dataroot','name','checkpoints_dir'].includes(k)) input[k] = k === 'max_dataset_size' ? null : v;
  const nhwc = async (p: string) => { const t = await readNpy(p); return tf.transpose(tf.tensor4d(t.data as Float32Array, t.shape as never), [0, 2, 3, 1]) as tf.Tensor4D; };
  const realA = await nhwc(join(dir, 'real_A.npy')), realB = await nhwc(join(dir, 'real_B.npy'));
  const run = async (eps: number) => {
    const m = createModel(resolveTrainOptions(input as never));
    for (const n of meta.model_names) m.networks.get(n)!.loadStateDict(await readPth(join(dir, `init_net_${n}.pth`)));
    const w0 = new Map<string, Float32Array>();
    for (const [n, net] of m.networks) for (const [k, v] of net.params) { w0.set(`${n}/${k}`, v.dataSync().slice() as Float32Array); if (eps) { const d = v.dataSync().slice() as Float32Array; for (let i = 0; i < d.length; i++) d[i] *= 1 + eps * (((i * 2654435761) >>> 0) % 2 ? 1 : -1); v.assign(tf.tensor(d, v.shape)); } }
    m.setInput({ A: realA, B: realB });
    for (let s = 0; s < 3; s++) m.optimizeParameters({ dropoutSeed: 1 });
    const w3 = new Map<string, Float32Array>();
    for (const [n, net] of m.networks) for (const [k, v] of net.params) w3.set(`${n}/${k}`, v.dataSync().slice() as Float32Array);
    return { w0, w3 };
  };
  const a = await run(0), b = await run(Number(process.env.EPS ?? 1e-7));
  for (const net of meta.model_names) {
    let E = 0, M = 0; const skip = meta.networks[net].biases_without_effect ?? [];
    for (const [k, w] of a.w3) { if (!k.startsWith(net + '/') || skip.includes(k.slice(net.length + 1))) continue; const w0 = a.w0.get(k)!, wb = b.w3.get(k)!; for (let i = 0; i < w.length; i++) { E += (w[i] - wb[i]) ** 2; M += (w[i] - w0[i]) ** 2; } }
    console.log('PERTURB', net, Math.sqrt(E / M));
  }
});
