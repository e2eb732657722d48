/**
 * The demo's generated data: label maps a user can edit with the facades palette, photos
 * that follow them (what makes label → photo learnable), two landscape domains that differ
 * in their light, and a generator that reproduces the shipped images byte for byte.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DIR, DEMO_SEED, FACADES, IMAGE_SIZE, LANDSCAPES } from '../../scripts/demo/config';
import { facadePair, landscapeImage, writeDemoData } from '../../scripts/demo/make-data';
import { FACADE_CLASSES } from '../../scripts/demo/procedural/facades';
import type { RgbImage } from '../../scripts/demo/procedural/image';
import { paletteIdMask, FACADES_PALETTE } from '../../src/shared/palettes';
import { fileHashes } from '../helpers/file-hashes';

const luminance = (img: RgbImage, pick: (i: number) => boolean) => {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < img.width * img.height; i++) {
    if (!pick(i)) continue;
    sum += 0.299 * img.data[i * 3]! + 0.587 * img.data[i * 3 + 1]! + 0.114 * img.data[i * 3 + 2]!;
    n++;
  }
  return { mean: n ? sum / n : NaN, n };
};

describe('facades', () => {
  it('are label maps of the facades palette, with the parts of a building', () => {
    const mask = paletteIdMask(FACADES_PALETTE);
    for (let i = 0; i < 12; i++) {
      const { labels } = facadePair(DEMO_SEED, i);
      expect([labels.width, labels.height]).toEqual([IMAGE_SIZE, IMAGE_SIZE]);
      expect(labels.ids.every((id) => mask[id] === 1)).toBe(true);
      const present = new Set(labels.ids);
      for (const part of ['background', 'wall', 'window', 'sill', 'cornice'] as const) {
        expect(present.has(FACADE_CLASSES[part]), `facade ${i} has no ${part}`).toBe(true);
      }
      expect(present.has(FACADE_CLASSES.door) || present.has(FACADE_CLASSES.entrance), `facade ${i} has no way in`).toBe(true);
      // The sky is above the building: the top row is background.
      expect(labels.ids.subarray(0, IMAGE_SIZE).every((id) => id === FACADE_CLASSES.background)).toBe(true);
    }
  });

  it('render photos that follow their label maps: dark glass in windows, the sky light', () => {
    for (let i = 0; i < 12; i++) {
      const { labels, photo } = facadePair(DEMO_SEED, i);
      const glass = luminance(photo, (p) => labels.ids[p] === FACADE_CLASSES.window);
      const wall = luminance(photo, (p) => labels.ids[p] === FACADE_CLASSES.wall);
      const sky = luminance(photo, (p) => labels.ids[p] === FACADE_CLASSES.background);
      expect(glass.n).toBeGreaterThan(100);
      expect(glass.mean, `facade ${i}: windows darker than the wall`).toBeLessThan(wall.mean);
      expect(sky.mean, `facade ${i}: the sky lighter than the windows`).toBeGreaterThan(glass.mean + 0.1);
    }
  });

  it('are the same for the same seed and index, and differ between indices', async () => {
    const a = facadePair(DEMO_SEED, 3);
    const b = facadePair(DEMO_SEED, 3);
    expect(Buffer.from(a.labels.ids).equals(Buffer.from(b.labels.ids))).toBe(true);
    expect((await a.photo.encode('png')).equals(await b.photo.encode('png'))).toBe(true);
    expect(Buffer.from(facadePair(DEMO_SEED, 4).labels.ids).equals(Buffer.from(a.labels.ids))).toBe(false);
  });
});

describe('landscapes', () => {
  it('differ in their light: a brighter, bluer sky by day than at dusk', () => {
    const top = (i: number) => Math.floor(i / IMAGE_SIZE) < IMAGE_SIZE / 5;
    for (let i = 0; i < 8; i++) {
      const day = landscapeImage(DEMO_SEED, 'day', i);
      const dusk = landscapeImage(DEMO_SEED, 'dusk', i);
      expect(luminance(day, top).mean).toBeGreaterThan(luminance(dusk, top).mean + 0.2);
      // Just above the horizon: blue by day, warm (more red than blue) at dusk.
      const low = (img: RgbImage) => {
        let sum = 0;
        for (let p = Math.floor(IMAGE_SIZE * 0.35) * IMAGE_SIZE; p < Math.floor(IMAGE_SIZE * 0.45) * IMAGE_SIZE; p++) {
          sum += img.data[p * 3]! - img.data[p * 3 + 2]!;
        }
        return sum;
      };
      expect(low(day), `day ${i}`).toBeLessThan(0);
      expect(low(dusk), `dusk ${i}`).toBeGreaterThan(0);
    }
  });
});

describe('the shipped data', () => {
  let regenerated: string;
  beforeAll(async () => {
    regenerated = await mkdtemp(join(tmpdir(), 'atelier-demo-data-'));
    await writeDemoData(regenerated);
  });
  afterAll(async () => {
    await rm(regenerated, { recursive: true, force: true });
  });

  it('is what the data script makes, byte for byte', async () => {
    for (const folder of [FACADES.folder, LANDSCAPES.folder]) {
      const made = await fileHashes(join(regenerated, folder));
      expect(Object.keys(made)).toHaveLength(folder === FACADES.folder ? 2 * (FACADES.train + FACADES.val) : 2 * (LANDSCAPES.train + LANDSCAPES.test));
      expect(await fileHashes(join(DEMO_DIR, folder))).toEqual(made);
    }
  });
});
