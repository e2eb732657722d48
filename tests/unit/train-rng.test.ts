import { describe, expect, it } from 'vitest';
import { Rng, deriveSeed } from '../../src/main/engine/train/rng';

describe('Rng', () => {
  it('gives the same stream for the same seed and labels, different ones otherwise', () => {
    const draw = (r: Rng) => Array.from({ length: 8 }, () => r.nextUint32());
    expect(draw(Rng.derive(7, 'crop', 3))).toEqual(draw(Rng.derive(7, 'crop', 3)));
    expect(draw(Rng.derive(7, 'crop', 3))).not.toEqual(draw(Rng.derive(7, 'crop', 4)));
    expect(draw(Rng.derive(7, 'crop', 3))).not.toEqual(draw(Rng.derive(8, 'crop', 3)));
    expect(draw(Rng.derive(7, 'crop', 3))).not.toEqual(draw(Rng.derive(7, 'flip', 3)));
    expect(deriveSeed(1, 'a', 2)).not.toBe(deriveSeed(1, 'a2'));
  });

  it('restores a stream from its saved state', () => {
    const r = Rng.derive(42);
    for (let i = 0; i < 5; i++) r.random();
    const saved = r.state();
    const next = [r.random(), r.randint(0, 9), r.normal()];
    const restored = Rng.fromState(saved);
    expect([restored.random(), restored.randint(0, 9), restored.normal()]).toEqual(next);
    expect(() => Rng.fromState([1, 2, 3] as never)).toThrow(/invalid RNG state/);
  });

  it('draws randint in the closed range, uniformly', () => {
    const r = Rng.derive(1);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60000; i++) counts[r.randint(0, 5)]++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
    expect(() => r.randint(3, 2)).toThrow(/lo ≤ hi/);
  });

  it('draws random() in [0, 1) with mean ½ and normal() with the requested moments', () => {
    const r = Rng.derive(2);
    let sum = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < 50000; i++) {
      const u = r.random();
      sum += u;
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(sum / 50000 - 0.5)).toBeLessThan(0.01);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < 50000; i++) {
      const x = r.normal(1, 0.02);
      s1 += x;
      s2 += x * x;
    }
    const mean = s1 / 50000;
    const std = Math.sqrt(s2 / 50000 - mean * mean);
    expect(Math.abs(mean - 1)).toBeLessThan(0.001);
    expect(Math.abs(std - 0.02)).toBeLessThan(0.001);
  });

  it('shuffles into a permutation', () => {
    const p = Rng.derive(3).permutation(100);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
