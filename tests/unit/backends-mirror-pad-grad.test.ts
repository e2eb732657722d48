/**
 * MirrorPad's gradient (ReflectionPad2d in the reference's ResNet generator) against the
 * definition: every padded value is a copy of one input value, so the input's gradient is
 * the sum of dy over all of its copies.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/main/engine/backends/select';
import * as tf from '../../src/main/engine/tf';

type Mode = 'reflect' | 'symmetric';

/** The input index a padded index copies, along one axis of length n. */
function source(p: number, before: number, n: number, mode: Mode): number {
  const i = p - before;
  const o = mode === 'reflect' ? 0 : 1;
  if (i < 0) return -i - o;
  if (i >= n) return 2 * n - 2 - i + o;
  return i;
}

/** dL/dx by scattering dy onto the sources of each padded position. */
function naiveGradient(shape: number[], paddings: Array<[number, number]>, mode: Mode, dy: Float32Array): Float32Array {
  const padded = shape.map((n, a) => n + paddings[a]![0] + paddings[a]![1]);
  const dx = new Float32Array(shape.reduce((a, b) => a * b, 1));
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((x, y) => x * y, 1));
  const index = padded.map(() => 0);
  for (let flat = 0; flat < dy.length; flat++) {
    let rest = flat;
    for (let a = padded.length - 1; a >= 0; a--) {
      index[a] = rest % padded[a]!;
      rest = Math.floor(rest / padded[a]!);
    }
    let target = 0;
    for (let a = 0; a < shape.length; a++) target += source(index[a]!, paddings[a]![0], shape[a]!, mode) * strides[a]!;
    dx[target]! += dy[flat]!;
  }
  return dx;
}

function values(size: number, seed: number): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 2);
}

const cases: Array<{ shape: number[]; paddings: Array<[number, number]>; mode: Mode }> = [
  // ResNet generator: ReflectionPad2d(3) before the k7 stem and out conv, (1) in each block.
  { shape: [1, 5, 6, 2], paddings: [[0, 0], [3, 3], [3, 3], [0, 0]], mode: 'reflect' },
  { shape: [2, 4, 4, 3], paddings: [[0, 0], [1, 1], [1, 1], [0, 0]], mode: 'reflect' },
  { shape: [1, 5, 4, 2], paddings: [[0, 0], [2, 1], [0, 3], [0, 0]], mode: 'reflect' },
  { shape: [2, 4, 5, 1], paddings: [[0, 0], [4, 2], [1, 5], [0, 0]], mode: 'symmetric' },
  { shape: [3, 4, 2], paddings: [[1, 2], [0, 3], [1, 1]], mode: 'reflect' },
];

beforeAll(async () => {
  await initBackend({ prefer: 'cpu' });
});

describe.each(['cpu', 'wasm'])('MirrorPad gradient on %s', (backend) => {
  beforeAll(async () => {
    if (backend === 'wasm') await initBackend({ prefer: 'wasm', threads: 1 });
  });

  it.each(cases)('$mode $shape padded by $paddings', ({ shape, paddings, mode }) => {
    const x = values(shape.reduce((a, b) => a * b, 1), 1);
    const paddedShape = shape.map((n, a) => n + paddings[a]![0] + paddings[a]![1]);
    const dy = values(paddedShape.reduce((a, b) => a * b, 1), 2);
    const dx = tf.tidy(() => {
      const w = tf.tensor(dy, paddedShape);
      const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.mirrorPad(t, paddings, mode), w));
      return tf.grad(f)(tf.tensor(x, shape)).dataSync() as Float32Array;
    });
    const expected = naiveGradient(shape, paddings, mode, dy);
    expect(tf.getBackend()).toBe(backend);
    for (let i = 0; i < expected.length; i++) expect(dx[i]).toBeCloseTo(expected[i]!, 4);
  });
});
