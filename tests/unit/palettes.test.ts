import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  BUILTIN_PALETTES,
  CITYSCAPES_PALETTE,
  FACADES_PALETTE,
  hexToRgb,
  paletteRgbaLut,
  parsePalette,
  quantizeToPalette,
} from '../../src/shared/palettes';
import { sharedData } from '../helpers/paths';

describe('built-in palettes', () => {
  it('facades holds the dataset colours with background first', () => {
    expect(FACADES_PALETTE.classes).toHaveLength(12);
    const byName = Object.fromEntries(FACADES_PALETTE.classes.map((c) => [c.name, c.color]));
    expect(byName).toMatchObject({
      background: '#0006d9',
      wall: '#0d3dfb',
      door: '#a50000',
      window: '#0075ff',
      'window sill': '#68f898',
      'window head': '#1dffdd',
      shutter: '#eeed28',
      balcony: '#b8ff38',
      trim: '#ff9204',
      cornice: '#ff4401',
      column: '#f60001',
      entrance: '#00c9ff',
    });
    expect(FACADES_PALETTE.background).toBe(0);
  });

  it('cityscapes has the 19 trainIds and void (255) as background', () => {
    const ids = CITYSCAPES_PALETTE.classes.map((c) => c.id);
    expect(ids).toEqual([...Array.from({ length: 19 }, (_, i) => i), 255]);
    expect(CITYSCAPES_PALETTE.classes.find((c) => c.name === 'car')!.color).toBe('#00008e');
    expect(CITYSCAPES_PALETTE.background).toBe(255);
  });

  it('keys 1–9 go to the first nine classes', () => {
    for (const p of BUILTIN_PALETTES) {
      expect(p.classes.slice(0, 9).map((c) => c.key)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9']);
      expect(p.classes.slice(9).every((c) => c.key === undefined)).toBe(true);
    }
  });

  it('tells the real facades label maps from their photos and maps their colours to classes', async () => {
    // facades/train/5.jpg: left half photo, right half label map, both JPEG. JPEG shifts
    // the flat label colours by up to ~20 RGB units; the nearest class must still be right.
    const half = async (left: number) =>
      new Uint8Array(
        await sharp(sharedData('facades', 'train', '5.jpg')).extract({ left, top: 0, width: 256, height: 256 }).raw().toBuffer(),
      );
    const label = quantizeToPalette(await half(256), 3, FACADES_PALETTE);
    const photo = quantizeToPalette(await half(0), 3, FACADES_PALETTE);
    expect(label.meanDistance).toBeLessThan(50);
    expect(photo.meanDistance).toBeGreaterThan(90);
    const name = (hex: string) => {
      const [r, g, b] = hexToRgb(hex);
      const id = quantizeToPalette(new Uint8Array([r, g, b]), 3, FACADES_PALETTE).ids[0];
      return FACADES_PALETTE.classes.find((c) => c.id === id)!.name;
    };
    // The flat colours that dominate the pix2pix facades JPEGs.
    expect(['#0030ff', '#0000de', '#0080ff', '#ae0001', '#c0ff3f', '#70fe8e', '#ff5000', '#ff9f00', '#01cfff'].map(name)).toEqual([
      'wall',
      'background',
      'window',
      'door',
      'balcony',
      'window sill',
      'cornice',
      'trim',
      'entrance',
    ]);
    // Every pixel gets a palette class.
    const ids = new Set(FACADES_PALETTE.classes.map((c) => c.id));
    expect(label.ids.every((v) => ids.has(v))).toBe(true);
  });
});

describe('custom palettes', () => {
  const base = {
    id: 'roads',
    name: 'Roads',
    background: 0,
    classes: [
      { id: 0, name: 'ground', color: '#000000' },
      { id: 1, name: 'Road', color: '#FF0000', key: '1' },
    ],
  };

  it('parses and lower-cases colours', () => {
    expect(parsePalette(base).classes[1]!.color).toBe('#ff0000');
  });

  it.each([
    ['a duplicate colour', { classes: [base.classes[0], { id: 1, name: 'x', color: '#000000' }] }, /duplicate class color/],
    ['a duplicate id', { classes: [base.classes[0], { id: 0, name: 'x', color: '#010101' }] }, /duplicate class id/],
    ['a duplicate key', { classes: [{ ...base.classes[0], key: '1' }, base.classes[1]] }, /duplicate class key/],
    ['a missing background', { background: 7 }, /background class id 7/],
    ['a bad colour', { classes: [{ id: 0, name: 'g', color: 'red' }] }, /classes\.0\.color/],
    ['a key outside 1–9', { classes: [{ id: 0, name: 'g', color: '#000000', key: '0' }] }, /classes\.0\.key/],
  ])('rejects %s with the field named', (_what, patch, message) => {
    expect(() => parsePalette({ ...base, ...patch }, 'palette')).toThrow(message);
  });

  it('builds an RGBA lookup with absent ids transparent', () => {
    const lut = paletteRgbaLut(parsePalette(base));
    const bytes = new Uint8Array(lut.buffer);
    expect([...bytes.subarray(4, 8)]).toEqual([255, 0, 0, 255]);
    expect(lut[2]).toBe(0);
    expect(hexToRgb('#0075ff')).toEqual([0, 0x75, 0xff]);
  });
});
