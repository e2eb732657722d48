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
import { Network } from '../../src/main/engine/networks';
import { forward as patchedForward } from './zz-scratch-executor';
// PATCH
if (process.env.PATCH) {
  (Network.prototype as any).apply = function (this: any, x: tf.Tensor4D, mode: any) {
    return tf.tidy(() => patchedForward(this.spec, x, mode, { param: (k: string) => this.params.get(k), buffer: (k: string) => this.buffers.get(k), onBatchStats: (l: any, m: any, v: any, c: number) => this.updateRunningStats(l, m, v, c) }));
  };
}

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
    const g1 = new Map<string, Float32Array>(); const g2 = new Map<string, Float32Array>(); const g3 = new Map<string, Float32Array>();
    for (let s = 0; s < 3; s++) m.optimizeParameters({ dropoutSeed: 1, onGradients: (_g, gs) => { for (const [k, g] of gs) [g1, g2, g3][s]!.set(k, g.dataSync().slice() as Float32Array); } }) || console.log('LOSS', eps, s + 1, JSON.stringify(m.getCurrentLosses()));
    const w3 = new Map<string, Float32Array>();
    for (const [n, net] of m.networks) for (const [k, v] of [...net.params, ...net.buffers]) w3.set(`${n}/${k}`, v.dataSync().slice() as Float32Array);
    for (const [n, net] of m.networks) for (const [k, v] of net.buffers) w0.set(`${n}/${k}`, k.endsWith('running_var') ? new Float32Array(v.size).fill(1) : new Float32Array(v.size));
    return { w0, w3, g1, g2, g3 };
  };
  const a = await run(0), b = await run(Number(process.env.EPS ?? 1e-7));
  const rows: [number, string][] = [];
  for (const [k, g] of a.g1) { const h = b.g1.get(k)!; let e = 0, n = 0; for (let i = 0; i < g.length; i++) { e += (g[i] - h[i]) ** 2; n += g[i] ** 2; } rows.push([Math.sqrt(e / n), k]); }
  rows.sort((x, y) => y[0] - x[0]); console.log('GRADSENS', rows.slice(0, 10).map((r) => `${r[0].toExponential(2)} ${r[1]}`).join('\n'));
  for (const step of ['g2', 'g3'] as const) {
    const rows2: [number, string][] = [];
    for (const [k, g] of a[step]) { const h = b[step].get(k)!; let e = 0, n = 0, z1 = 0, z2 = 0; for (let i = 0; i < g.length; i++) { e += (g[i] - h[i]) ** 2; n += g[i] ** 2; if (g[i] === 0) z1++; if (h[i] === 0) z2++; } rows2.push([Math.sqrt(e / n), `${k} zeros ${z1}/${z2}`]); }
    rows2.sort((x, y) => y[0] - x[0]); console.log('SENS', step, rows2.slice(0, 6).map((r) => `${r[0].toExponential(2)} ${r[1]}`).join('\n'));
  }
  for (const [k, w] of a.w3) {
    if (!a.g1.has(k)) continue; const wb = b.w3.get(k)!, g = a.g1.get(k)!, gb = b.g1.get(k)!; let flips = 0, signflip1 = 0, gmax = 0; const gs: number[] = [];
    for (let i = 0; i < w.length; i++) { gmax = Math.max(gmax, Math.abs(g[i])); if (Math.sign(g[i]) !== Math.sign(gb[i])) signflip1++; if (Math.abs(w[i] - wb[i]) > 1e-4) { flips++; if (gs.length < 6) gs.push(g[i]); } }
    if (flips > 20) console.log('FLIPS', k, 'n', w.length, 'flips', flips, 'g1 signflips', signflip1, 'gmax', gmax.toExponential(2), 'sample g1 of flipped', gs.map((x) => x.toExponential(2)).join(' '));
  }
  const rs: string[] = [];
  for (const [k, w] of a.w3) { if (!k.includes('running')) continue; const wb = b.w3.get(k)!; let e = 0, n = 0; for (let i = 0; i < w.length; i++) { e += (w[i] - wb[i]) ** 2; n += w[i] ** 2; } const r = Math.sqrt(e / n); if (r > 1e-5) rs.push(`${r.toExponential(2)} ${k}`); }
  console.log('RUNSTATS', rs.join('\n'));
  for (const net of meta.model_names) {
    let E = 0, M = 0; const skip = meta.networks[net].biases_without_effect ?? [];
    for (const [k, w] of a.w3) { if (!k.startsWith(net + '/') || skip.includes(k.slice(net.length + 1))) continue; const w0 = a.w0.get(k)!, wb = b.w3.get(k)!; for (let i = 0; i < w.length; i++) { E += (w[i] - wb[i]) ** 2; M += (w[i] - w0[i]) ** 2; } }
    console.log('PERTURB', net, Math.sqrt(E / M));
    let E2 = 0, M2 = 0; for (const [k, w] of a.w3) { if (!k.startsWith(net + '/') || skip.includes(k.slice(net.length + 1)) || k.includes('running')) continue; const w0 = a.w0.get(k)!, wb = b.w3.get(k)!; for (let i = 0; i < w.length; i++) { E2 += (w[i] - wb[i]) ** 2; M2 += (w[i] - w0[i]) ** 2; } }
    console.log('PERTURB-params-only', net, Math.sqrt(E2 / M2));
  }
});
