import { test } from 'vitest';
import { defineG } from '../../src/main/engine/networks';
import { buildOnnxModel, createSession, loadOnnxRuntime } from '../../src/main/engine/onnx';
import * as tf from '../../src/main/engine/tf';

test('timing', async () => {
  await tf.setBackend('cpu');
  const ort = await loadOnnxRuntime();
  for (const [netG, norm, size] of [['resnet_9blocks', 'instance', 256], ['unet_256', 'batch', 256]] as const) {
    const net = defineG({ netG, inputNc: 3, outputNc: 3, ngf: 64, norm, useDropout: false, initType: 'normal', initGain: 0.02 }, { seed: 0 });
    const x = new ort.Tensor('float32', Float32Array.from({ length: 3 * size * size }, (_, i) => Math.sin(i)), [1, 3, size, size]);
    const outs: Float32Array[] = [];
    for (const variant of ['convTranspose', 'phases', 'convTranspose', 'phases', 'convTranspose', 'phases'] as const) {
      const s = await createSession(buildOnnxModel(net, { inputShape: { batch: 1 }, transposedConv: variant }));
      await s.run({ input: x });
      const times: number[] = [];
      let y!: Float32Array;
      for (let i = 0; i < 4; i++) { const t0 = performance.now(); y = (await s.run({ input: x })).output!.data as Float32Array; times.push(performance.now() - t0); }
      outs.push(y);
      let d = 0; for (let i = 0; i < y.length; i++) d = Math.max(d, Math.abs(y[i]! - outs[0]![i]!));
      console.log(netG, variant, 'min', Math.min(...times).toFixed(0), times.map((t) => t.toFixed(0)).join(' '), 'maxdiff', d);
      await s.release();
    }
    net.dispose();
  }
});
