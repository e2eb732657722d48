import { test } from 'vitest';
import * as tf from '../../src/main/engine/tf';
import { defineG } from '../../src/main/engine/networks/define';
import { translateWhole } from '../../src/main/engine/infer/translate';
import { translateTiled } from '../../src/main/engine/infer/tiled';

test('tile', async () => {
  for (const [netG, norm, training] of [['resnet_1blocks', 'none', false]] as const) {
    const net = defineG({ netG, inputNc: 3, outputNc: 3, ngf: 4, norm, useDropout: false, initType: 'normal', initGain: 0.1 }, { seed: 1 });
    for (const [T, O] of [[96, 48], [128, 64], [160, 80], [192, 96]]) {
    const x = tf.randomUniform([1, 300, 400, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
    // smooth-ish image: blur
    const whole = translateWhole(net, x, { training, dropout: false });
    const tiled = await translateTiled(net, x, { mode: { training, dropout: false }, tileSize: T, overlap: O });
    const d = tf.abs(tf.sub(whole, tiled));
    const dd = await d.data();
    const w = 400;
    let max = 0, rowmax: number[] = [];
    for (let i = 0; i < 300; i++) { let m = 0; for (let j = 0; j < 400; j++) for (let c = 0; c < 3; c++) m = Math.max(m, dd[(i * w + j) * 3 + c]); rowmax.push(m); max = Math.max(max, m); }
    const mean = tf.mean(d).dataSync()[0];
    console.log(T, O, netG, norm, 'max', max, 'mean', mean, 'scale', tf.max(tf.abs(whole)).dataSync()[0]);
  }
  }
});
