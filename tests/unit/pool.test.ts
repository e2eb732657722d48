import { describe, expect, it } from 'vitest';
import * as tf from '../../src/main/engine/tf';
import { ImagePool } from '../../src/main/engine/train/pool';
import { Rng } from '../../src/main/engine/train/rng';

await tf.setBackend('cpu');

/** A batch of n 2×2×1 images whose pixels all hold their id. */
const batchOf = (...ids: number[]) =>
  tf.tensor4d(
    ids.flatMap((id) => [id, id, id, id]),
    [ids.length, 2, 2, 1],
  );
const idsOf = (t: tf.Tensor4D) => {
  const d = t.dataSync();
  return Array.from({ length: t.shape[0] }, (_, i) => d[i * 4]!);
};

describe('ImagePool', () => {
  it('with size 0 returns its input', () => {
    const pool = new ImagePool(0, Rng.derive(0));
    expect(idsOf(pool.query(batchOf(1, 2)))).toEqual([1, 2]);
    expect(pool.count).toBe(0);
  });

  it('stores and returns new images until full, image by image within a batch', () => {
    const pool = new ImagePool(3, Rng.derive(0));
    expect(idsOf(pool.query(batchOf(1, 2)))).toEqual([1, 2]);
    expect(pool.count).toBe(2);
    // The third image fills the pool and is returned; the fourth goes through the 50/50 rule.
    const out = idsOf(pool.query(batchOf(3, 4)));
    expect(out[0]).toBe(3);
    expect([1, 2, 3, 4]).toContain(out[1]);
    expect(pool.count).toBe(3);
  });

  it('once full, returns a stored image half of the time and swaps the new one in', () => {
    const pool = new ImagePool(4, Rng.derive(7));
    pool.query(batchOf(0, 1, 2, 3));
    let fromHistory = 0;
    const trials = 2000;
    for (let k = 0; k < trials; k++) {
      const id = 100 + k;
      const before = new Set(pool.getState().images.map((im) => im.data[0]!));
      const [out] = idsOf(pool.query(batchOf(id)));
      if (out !== id) {
        fromHistory++;
        expect(before.has(out!)).toBe(true);
        // The returned image left the pool and the new one took its slot.
        const after = new Set(pool.getState().images.map((im) => im.data[0]!));
        expect(after.has(out!)).toBe(false);
        expect(after.has(id)).toBe(true);
      }
    }
    expect(Math.abs(fromHistory / trials - 0.5)).toBeLessThan(0.04);
    expect(pool.count).toBe(4);
  });

  it('returns copies that do not alias the caller’s tensors', () => {
    const pool = new ImagePool(2, Rng.derive(1));
    const input = batchOf(5);
    const out = pool.query(input);
    input.dispose();
    expect(idsOf(out)).toEqual([5]);
    expect(idsOf(pool.query(batchOf(6, 7))).length).toBe(2);
  });

  it('rejects images of another size with both shapes in the message', () => {
    const pool = new ImagePool(2, Rng.derive(1));
    pool.query(batchOf(1));
    expect(() => pool.query(tf.zeros([1, 3, 3, 1]) as tf.Tensor4D)).toThrow(/\[1,3,3,1\].*\[1,2,2,1\]/);
  });

  it('continues identically from a saved state', () => {
    const run = (split: boolean) => {
      let pool = new ImagePool(3, Rng.derive(9));
      const out: number[] = [];
      for (let k = 0; k < 30; k++) {
        if (split && k === 12) {
          const state = pool.getState();
          pool.dispose();
          pool = new ImagePool(3, Rng.derive(12345));
          pool.setState(state);
        }
        out.push(...idsOf(pool.query(batchOf(k, 1000 + k))));
      }
      return out;
    };
    expect(run(true)).toEqual(run(false));
    expect(() => new ImagePool(2, Rng.derive(0)).setState(new ImagePool(3, Rng.derive(0)).getState())).toThrow(/size 3/);
  });
});
