/**
 * Seeded value noise: smooth pseudo-random fields for the textures of the demo images
 * (plaster, stone, clouds, hill profiles). Deterministic for a given `Rng`, so the demo
 * data are the same bytes on every machine.
 */
import type { Rng } from '../../../src/main/engine/train/rng';

const PERIOD = 256;

export interface Noise2D {
  /** Smooth noise in [0, 1] at (x, y); features are about one unit apart. */
  at(x: number, y: number): number;
  /** Fractal sum of `octaves` layers, each twice as fine and half as strong, in [0, 1]. */
  fbm(x: number, y: number, octaves?: number): number;
}

const smooth = (t: number) => t * t * (3 - 2 * t);

export function valueNoise(rng: Rng): Noise2D {
  const values = Float64Array.from({ length: PERIOD }, () => rng.random());
  const perm = rng.permutation(PERIOD);
  const lattice = (ix: number, iy: number) => {
    const x = ((ix % PERIOD) + PERIOD) % PERIOD;
    const y = ((iy % PERIOD) + PERIOD) % PERIOD;
    return values[perm[(perm[x]! + y) % PERIOD]!]!;
  };
  const at = (x: number, y: number) => {
    const ix = Math.floor(x);
    const iy = Math.floor(y);
    const fx = smooth(x - ix);
    const fy = smooth(y - iy);
    const top = lattice(ix, iy) + (lattice(ix + 1, iy) - lattice(ix, iy)) * fx;
    const bottom = lattice(ix, iy + 1) + (lattice(ix + 1, iy + 1) - lattice(ix, iy + 1)) * fx;
    return top + (bottom - top) * fy;
  };
  return {
    at,
    fbm(x, y, octaves = 4) {
      let sum = 0;
      let weight = 0;
      for (let o = 0, f = 1, w = 1; o < octaves; o++, f *= 2, w /= 2) {
        // Offset each octave so their lattices do not line up.
        sum += w * at(x * f + o * 17.31, y * f + o * 5.77);
        weight += w;
      }
      return sum / weight;
    },
  };
}
