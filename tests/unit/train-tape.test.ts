/**
 * `untaped`: work inside a gradient computation that the enclosing tape must not record
 * (pix2pix's D step and every optimizer step), and `groupGradients` nested in another
 * gradient computation.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { groupGradients } from '../../src/main/engine/models/model';
import * as tf from '../../src/main/engine/tf';
import { Adam } from '../../src/main/engine/train/adam';
import { untaped } from '../../src/main/engine/train/tape';
import { useBackend } from '../helpers/backend';

beforeAll(async () => {
  await useBackend();
});

const tapeLength = () => tf.engine().state.activeTape?.length ?? 0;

describe('untaped', () => {
  test('outside a gradient computation it just runs', () => {
    const y = untaped(() => tf.add(tf.scalar(1), tf.scalar(2)));
    expect(y.dataSync()[0]).toBe(3);
    y.dispose();
  });

  test('inside one, its ops stay off the tape, its saved tensors are released, and its result is a constant', () => {
    const x = tf.variable(tf.tensor1d([1, 2, 3]));
    const before = tf.memory().numTensors;
    let recorded = -1;
    const { value, grads } = tf.variableGrads(() => {
      const atStart = tapeLength();
      // A function of x, computed off the tape: the gradient must not flow through it.
      const c = untaped(() => tf.keep(tf.mul(tf.mul(x, x), tf.exp(x))));
      recorded = tapeLength() - atStart;
      const y = tf.sum(tf.mul(x, c)) as tf.Scalar;
      c.dispose();
      return y;
    }, [x]);
    expect(recorded).toBe(0);
    // d/dx Σ x·c with c constant is c = x²·eˣ.
    const expected = [1, 2, 3].map((v) => v * v * Math.exp(v));
    const g = grads[x.name]!.dataSync();
    expected.forEach((e, i) => expect(g[i]).toBeCloseTo(e, 3));
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  test('a gradient computed inside it works, and nothing of it outlives the enclosing computation', () => {
    const a = tf.variable(tf.tensor1d([0.5, -1.5]));
    const b = tf.variable(tf.tensor1d([2, 3]));
    const opt = new Adam(new Map([['b', b]]), { lr: 0.1, beta1: 0.5 });
    const before = tf.memory().numTensors;
    let inner: number[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const h = tf.mul(a, 3);
      // As pix2pix steps D inside G's gradient: b's own gradient and update, from h.
      const d = groupGradients(new Map([['b', b]]), () => tf.sum(tf.square(tf.mul(h, b))) as tf.Scalar);
      inner = Array.from(d.grads.get('b')!.dataSync());
      opt.step(d.grads);
      tf.dispose([d.value, ...d.grads.values()]);
      return tf.sum(tf.mul(h, b)) as tf.Scalar; // with b as updated
    }, [a]);
    // d/db Σ (3a·b)² = 18·a²·b.
    expect(inner[0]).toBeCloseTo(18 * 0.25 * 2, 4);
    expect(inner[1]).toBeCloseTo(18 * 2.25 * 3, 4);
    // Adam's first step moves each weight by lr against its gradient's sign.
    const bNow = Array.from(b.dataSync());
    expect(bNow[0]).toBeCloseTo(1.9, 5);
    expect(bNow[1]).toBeCloseTo(2.9, 5);
    // d/da Σ 3a·b = 3·b, with the updated b.
    const g = grads[a.name]!.dataSync();
    expect(g[0]).toBeCloseTo(3 * 1.9, 4);
    expect(g[1]).toBeCloseTo(3 * 2.9, 4);
    tf.dispose([value, ...Object.values(grads)]);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });
});
