import { test } from 'vitest';
import { defineG } from '../../src/main/engine/networks';
import { buildOnnxModel, createSession, loadOnnxRuntime, type OnnxBuildOptions } from '../../src/main/engine/onnx';
import * as tf from '../../src/main/engine/tf';

test('ab', async () => {
  await tf.setBackend('cpu');
  const ort = await loadOnnxRuntime();
  const cfgs = JSON.parse(process.env.AB_CASES ?? '[["resnet_9blocks","instance",256]]') as [string, string, number][];
  const variants = JSON.parse(process.env.AB_VARIANTS ?? '[{},{"transposedConv":"phases"}]') as OnnxBuildOptions[];
  const rounds = Number(process.env.AB_ROUNDS ?? 8);
  for (const [netG, norm, size] of cfgs) {
    const net = defineG({ netG: netG as 'unet_256', inputNc: 3, outputNc: 3, ngf: 64, norm: norm as 'batch', useDropout: false, initType: 'normal', initGain: 0.02 }, { seed: 0 });
    const x = new ort.Tensor('float32', Float32Array.from({ length: 3 * size * size }, (_, i) => Math.sin(i)), [1, 3, size, size]);
    const sessions = [];
    const base = { executionProviders: ['cpu'], intraOpNumThreads: 2, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', logSeverityLevel: 3, enableMemPattern: false, extra: { session: { 'intra_op.allow_spinning': '0' } } } as const;
    for (const v of variants) {
      const { build, ...rest } = v as { build?: object };
      sessions.push(await ort.InferenceSession.create(buildOnnxModel(net, { inputShape: { batch: 1 }, ...(build ?? {}) }), { ...base, ...rest }));
    }
    const outs: Float32Array[] = [];
    for (const s of sessions) outs.push((await s.run({ input: x })).output!.data as Float32Array);
    for (const [i, o] of outs.entries()) { let d = 0, mx = 0; for (let j = 0; j < o.length; j++) { d = Math.max(d, Math.abs(o[j]! - outs[0]![j]!)); mx = Math.max(mx, Math.abs(outs[0]![j]!)); } console.log(`AB diff ${i} ${d} (max ${mx})`); }
    const times = variants.map(() => [] as number[]);
    const cpu = variants.map(() => [] as number[]);
    for (let r = 0; r < rounds; r++) {
      for (const [i, s] of sessions.entries()) {
        const c0 = process.cpuUsage(); const t0 = performance.now(); await s.run({ input: x }); times[i]!.push(performance.now() - t0);
        const c = process.cpuUsage(c0); cpu[i]!.push((c.user + c.system) / 1000);
      }
    }
    for (const [i, v] of variants.entries()) {
      const t = [...times[i]!].sort((a, b) => a - b);
      const c = [...cpu[i]!].sort((a, b) => a - b);
      console.log(`AB ${netG}@${size} ${JSON.stringify(v)} wall min ${t[0]!.toFixed(0)} median ${t[Math.floor(t.length / 2)]!.toFixed(0)} | cpu min ${c[0]!.toFixed(0)} median ${c[Math.floor(c.length / 2)]!.toFixed(0)}`);
    }
    for (const s of sessions) await s.release();
    net.dispose();
  }
});
