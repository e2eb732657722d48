import { it } from 'vitest';
import { initBackend } from '../../src/main/engine/backends/select';
import { conv2DBackpropInputConfig } from '../../src/main/engine/backends/wasm-kernels/conv2d-backprop-input';
import { unregisterWasmTrainingKernels } from '../../src/main/engine/backends/wasm-kernels';
import * as tf from '../../src/main/engine/tf';
it('x', async () => {
  await initBackend({ prefer: 'wasm', threads: 1 });
  unregisterWasmTrainingKernels();
  const pkg = tf.getKernel('Conv2DBackpropInput', 'wasm')!;
  const ours = conv2DBackpropInputConfig;
  // U-Net 64 ngf 16: decoder levels (H = output size, Cin = out channels of transposed conv, Cout = dy channels)
  const shapes = [[64, 3, 32], [32, 16, 64], [16, 32, 128], [8, 64, 256], [4, 128, 256], [2, 128, 128], [128, 16, 64], [256, 3, 32], [256, 32, 64]];
  for (const [H, ci, co] of shapes) {
    const dy = tf.randomNormal([1, H / 2, H / 2, co]);
    const w = tf.randomNormal([4, 4, ci, co]);
    const attrs = { strides: 2, pad: 1, dataFormat: 'NHWC', inputShape: [1, H, H, ci] };
    const res: Record<string, number> = {};
    for (const [name, cfg] of [['pkg', pkg], ['ours', ours], ['pkg', pkg], ['ours', ours]] as const) {
      tf.unregisterKernel('Conv2DBackpropInput', 'wasm'); tf.registerKernel(cfg);
      const ts: number[] = [];
      for (let i = 0; i < 4; i++) {
        const w2 = tf.add(w, 0); // fresh filter id, as in training
        const t0 = performance.now();
        const out = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w2 }, attrs as any) as tf.Tensor;
        out.dataSync();
        ts.push(performance.now() - t0);
        out.dispose(); w2.dispose();
      }
      res[name] = Math.min(res[name] ?? 1e9, ...ts);
    }
    console.log(`H ${H} Cin ${ci} Cout ${co}: pkg ${res.pkg!.toFixed(2)} ms, ours ${res.ours!.toFixed(2)} ms`);
  }
});
