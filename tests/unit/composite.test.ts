import { describe, expect, it } from 'vitest';
import {
  blendWeights,
  compositeTranslation,
  resizeMask,
  squaredDistanceToOutside,
  type Raster,
} from '../../src/main/engine/infer/composite';

/** A deterministic pseudo-random image (xorshift), so tests see varied pixel values. */
function noiseImage(width: number, height: number, channels: number, seed: number): Raster {
  let s = seed >>> 0 || 1;
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    data[i] = (s >>> 0) & 0xff;
  }
  return { data, width, height, channels };
}

/** A disc of 255 on 0, centre (cx, cy), radius r. */
function discMask(width: number, height: number, cx: number, cy: number, r: number): Uint8Array {
  const m = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) m[y * width + x] = 255;
  }
  return m;
}

describe('compositeTranslation', () => {
  const W = 64;
  const H = 48;
  const source = noiseImage(W, H, 3, 7);
  // Translated = inverted source: differs from the source at every byte except 127/128 pairs.
  const translated: Raster = { ...source, data: source.data.map((v) => 255 - v) };
  const mask = discMask(W, H, 30, 20, 14);

  for (const feather of [0, 3, 10]) {
    it(`keeps every pixel outside the mask equal to the source exactly (feather ${feather})`, () => {
      const out = compositeTranslation(source, translated, { mask, feather, strength: 1 });
      let inside = 0;
      let changedInside = 0;
      for (let p = 0; p < W * H; p++) {
        for (let c = 0; c < 3; c++) {
          const i = p * 3 + c;
          if (mask[p] === 0) expect(out.data[i]).toBe(source.data[i]);
          else {
            inside++;
            if (out.data[i] !== source.data[i]) changedInside++;
          }
        }
      }
      expect(inside).toBeGreaterThan(0);
      // Every masked pixel moves towards the translation (feathered ones only partly).
      expect(changedInside / inside).toBeGreaterThan(0.95);
    });
  }

  it('takes the translation exactly deep inside the mask and without feather', () => {
    const out = compositeTranslation(source, translated, { mask });
    for (let p = 0; p < W * H; p++) {
      for (let c = 0; c < 3; c++) {
        const i = p * 3 + c;
        expect(out.data[i]).toBe(mask[p] ? translated.data[i] : source.data[i]);
      }
    }
  });

  it('strength 0 returns the source and strength 1 the translation, without a mask', () => {
    expect(compositeTranslation(source, translated, { strength: 0 }).data).toEqual(source.data);
    expect(compositeTranslation(source, translated, { strength: 1 }).data).toEqual(translated.data);
  });

  it('strength blends linearly between source and translation', () => {
    const out = compositeTranslation(source, translated, { strength: 0.25 });
    for (let i = 0; i < out.data.length; i += 97) {
      const expected = source.data[i]! + 0.25 * (translated.data[i]! - source.data[i]!);
      expect(Math.abs(out.data[i]! - expected)).toBeLessThanOrEqual(0.5);
    }
  });

  it('repeats a one-channel translation over a colour source', () => {
    const gray: Raster = { data: new Uint8Array(W * H).fill(200), width: W, height: H, channels: 1 };
    const out = compositeTranslation(source, gray);
    expect(out.data.every((v) => v === 200)).toBe(true);
  });

  it('rejects mismatched sizes and bad options with the values involved', () => {
    const small = noiseImage(10, 10, 3, 3);
    expect(() => compositeTranslation(source, small)).toThrow(/10×10.*64×48/);
    expect(() => compositeTranslation(source, translated, { strength: 1.5 })).toThrow(/strength.*1\.5/);
    expect(() => compositeTranslation(source, translated, { feather: -1 })).toThrow(/feather.*-1/);
    expect(() => compositeTranslation(source, translated, { mask: new Uint8Array(5) })).toThrow(/mask has 5 values/);
    expect(() => compositeTranslation({ ...source, data: new Uint8Array(3) }, translated)).toThrow(/source image holds 3 bytes/);
  });
});

describe('blendWeights (feather)', () => {
  const W = 80;
  const H = 60;
  const mask = discMask(W, H, 40, 30, 22);

  it('is monotone: weights never fall when moving deeper into the mask', () => {
    const w = blendWeights(W, H, { mask, feather: 8 });
    // Along the horizontal radius from the edge to the centre.
    let previous = 0;
    for (let x = 18; x <= 40; x++) {
      const value = w[30 * W + x]!;
      expect(value).toBeGreaterThanOrEqual(previous);
      previous = value;
    }
    expect(w[30 * W + 40]).toBe(1);
    expect(w[30 * W + 18]).toBeGreaterThan(0);
    expect(w[30 * W + 18]).toBeLessThan(0.2);
  });

  it('is monotone in the radius: a wider feather never raises a weight', () => {
    const radii = [0, 1, 2, 5, 9, 20];
    const maps = radii.map((feather) => blendWeights(W, H, { mask, feather }));
    for (let k = 1; k < maps.length; k++) {
      for (let i = 0; i < W * H; i++) expect(maps[k]![i]).toBeLessThanOrEqual(maps[k - 1]![i]!);
    }
    // And it does soften: some weights drop strictly.
    expect(maps[3]!.some((v, i) => v < maps[0]![i]!)).toBe(true);
  });

  it('keeps full weight where the mask meets the image border', () => {
    const full = new Uint8Array(W * H).fill(255);
    for (let x = 0; x < W; x++) full[(H - 1) * W + x] = 0; // only the last row is outside
    const w = blendWeights(W, H, { mask: full, feather: 5 });
    expect(w[0]).toBe(1); // top-left corner: far from the unmasked row
    expect(w[(H - 2) * W + 10]).toBeLessThan(1); // next to the unmasked row
  });

  it('scales soft coverage and strength', () => {
    const soft = new Uint8Array(W * H).fill(51);
    const w = blendWeights(W, H, { mask: soft, strength: 0.5 });
    expect(w[123]).toBeCloseTo(0.1, 6);
  });
});

describe('squaredDistanceToOutside', () => {
  it('equals brute force on a random mask', () => {
    const W = 23;
    const H = 17;
    const noise = noiseImage(W, H, 1, 99).data;
    const inside = noise.map((v) => (v < 200 ? 1 : 0));
    const d = squaredDistanceToOutside(inside, W, H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let best = Infinity;
        for (let yy = 0; yy < H; yy++) {
          for (let xx = 0; xx < W; xx++) {
            if (!inside[yy * W + xx]) best = Math.min(best, (x - xx) ** 2 + (y - yy) ** 2);
          }
        }
        expect(d[y * W + x]).toBe(best);
      }
    }
  });

  it('is infinite everywhere when nothing is outside', () => {
    const d = squaredDistanceToOutside(new Uint8Array(12).fill(1), 4, 3);
    expect([...d].every((v) => v === Infinity)).toBe(true);
  });
});

describe('resizeMask', () => {
  it('keeps zero only where all covered source pixels are zero', () => {
    const W = 40;
    const H = 30;
    const mask = new Uint8Array(W * H);
    mask[7 * W + 13] = 255; // a single painted pixel
    const small = resizeMask(mask, W, H, 10, 8);
    const nonzero = [...small].map((v, i) => (v ? i : -1)).filter((i) => i >= 0);
    // Source row 7 ([7, 8)) straddles target rows 1 ([3.75, 7.5)) and 2 ([7.5, 11.25));
    // column 13 lies in target column 3 ([12, 16)).
    expect(nonzero).toEqual([1 * 10 + 3, 2 * 10 + 3]);
  });

  it('averages coverage when downscaling and is exact when sizes match', () => {
    const mask = new Uint8Array([255, 0, 255, 0, 255, 255, 0, 0]);
    expect([...resizeMask(mask, 4, 2, 2, 1)]).toEqual([191, 64]);
    expect([...resizeMask(mask, 4, 2, 4, 2)]).toEqual([...mask]);
  });
});
