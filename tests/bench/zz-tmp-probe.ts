import { it } from 'vitest';
import { initBackend } from '../../src/main/engine/backends/select';
import * as tf from '../../src/main/engine/tf';
it('x', async () => {
  await initBackend({ prefer: 'wasm', threads: 1 });
  for (const [H, ci, co, k] of [[129, 64, 128, 2], [128, 64, 128, 3], [64, 128, 128, 3], [5, 256, 512, 2]]) {
    const x = tf.randomNormal([1, H, H, ci]);
    const w = tf.randomNormal([k, k, ci, co]);
    const fresh: number[] = [], reused: number[] = [];
    for (let i = 0; i < 4; i++) {
      const w2 = tf.add(w, 0);
      let t0 = performance.now(); let y = tf.conv2d(x as tf.Tensor4D, w2 as tf.Tensor4D, 1, 'valid'); y.dataSync(); fresh.push(performance.now() - t0); y.dispose();
      t0 = performance.now(); y = tf.conv2d(x as tf.Tensor4D, w2 as tf.Tensor4D, 1, 'valid'); y.dataSync(); reused.push(performance.now() - t0); y.dispose();
      w2.dispose();
    }
    const macs = (H - k + 1) ** 2 * k * k * ci * co;
    const best = Math.min(...reused);
    console.log(`conv H${H} k${k} ${ci}->${co}: fresh filter ${Math.min(...fresh).toFixed(1)} ms, reused ${best.toFixed(1)} ms, ${(2 * macs / best / 1e6).toFixed(1)} GFLOP/s`);
  }
});
