import { test } from 'vitest';
import * as tf from '../../src/main/engine/tf';
import { initBackend } from '../../src/main/engine/backends/select';

function check(name: string, f: (x: tf.Tensor, w: tf.Tensor) => tf.Tensor, xs: number[], ws: number[]) {
  const x0 = tf.randomUniform(xs, -1, 1, 'float32', 1);
  const w0 = tf.randomUniform(ws, -1, 1, 'float32', 2);
  const r = tf.randomUniform(f(x0, w0).shape, -1, 1, 'float32', 3);
  const loss = (x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(f(x, w), r)) as tf.Scalar;
  const [gx, gw] = tf.grads(loss)([x0, w0]);
  for (const [label, t0, g, which] of [['x', x0, gx, 0], ['w', w0, gw, 1]] as const) {
    const base = t0.dataSync().slice(); const gd = g!.dataSync(); let maxErr = 0, maxG = 0;
    for (let i = 0; i < base.length; i++) {
      const h = 1e-2; const p = base.slice(); p[i] += h; const m = base.slice(); m[i] -= h;
      const tp = tf.tensor(p, t0.shape), tm = tf.tensor(m, t0.shape);
      const lp = which === 0 ? loss(tp, w0) : loss(x0, tp); const lm = which === 0 ? loss(tm, w0) : loss(x0, tm);
      const num = (lp.dataSync()[0] - lm.dataSync()[0]) / (2 * h);
      maxErr = Math.max(maxErr, Math.abs(num - gd[i])); maxG = Math.max(maxG, Math.abs(gd[i]));
    }
    console.log(name, label, 'maxErr', maxErr.toExponential(2), 'maxG', maxG.toExponential(2));
  }
}

test('gradcheck', async () => {
  await initBackend({ prefer: 'cpu' });
  check('conv k4s2p1 2x2->1x1', (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 1), [1, 2, 2, 3], [4, 4, 3, 2]);
  check('conv k4s2p1 4x4->2x2', (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 1), [1, 4, 4, 3], [4, 4, 3, 2]);
  check('convT k4s2p1 1x1->2x2', (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [1, 2, 2, 2], 2, 1), [1, 1, 1, 3], [4, 4, 2, 3]);
  check('convT k4s2p1 2x2->4x4', (x, w) => tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [1, 4, 4, 2], 2, 1), [1, 2, 2, 3], [4, 4, 2, 3]);
  check('conv k4s1p1 5->4', (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 1), [1, 5, 5, 2], [4, 4, 2, 2]);
  check('bn', (x, w) => { const { mean, variance } = tf.moments(x, [0, 1, 2]); return tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), w); }, [1, 2, 2, 3], [3]);
  check('in', (x, w) => { const { mean, variance } = tf.moments(x, [1, 2], true); return tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), w); }, [1, 3, 3, 3], [3]);
  check('lrelu', (x, w) => tf.mul(tf.leakyRelu(x, 0.2), w), [1, 2, 2, 3], [3]);
  check('concat', (x, w) => tf.concat([x, tf.mul(x, w)], 3), [1, 2, 2, 3], [3]);
});
