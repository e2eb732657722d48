import { test } from 'vitest';
import { initBackend } from '../../src/main/engine/backends/select';
import { translateImage } from '../../src/main/engine/infer';
import { defineG } from '../../src/main/engine/networks';
import { generatorForward } from '../../src/main/engine/onnx';
import * as tf from '../../src/main/engine/tf';
const mib = () => `rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} peak ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} ab ${(process.memoryUsage().arrayBuffers / 2 ** 20).toFixed(0)} heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)}`;
test('mem', async () => {
  console.log('M0', mib());
  await initBackend();
  console.log('M1 backend', tf.getBackend(), mib());
  const net = defineG({ netG: 'resnet_9blocks', inputNc: 3, outputNc: 3, ngf: 64, norm: 'instance', useDropout: false, initType: 'normal', initGain: 0.02 }, { seed: 0 });
  console.log('M2 defineG', mib());
  const size = 512;
  const x = tf.randomUniform([1, size, size, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
  const mode = { training: false, dropout: false };
  await generatorForward(net, mode, 1);
  console.log('M3 session', mib());
  for (let i = 0; i < 2; i++) { const y = await translateImage(net, x, { mode }); await y.data(); y.dispose(); console.log('M4 run', mib()); }
});
