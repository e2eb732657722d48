/**
 * Label palettes: the classes a label map may hold, each with the exact colour written to
 * the colour PNG and the id written to the indexed PNG. Pure data and validation; imported
 * by main (saving, import quantisation) and the renderer (editor, overlay).
 */
import { z } from 'zod';

const HEX = /^#[0-9a-f]{6}$/;

export const hexColorSchema = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.string().regex(HEX, 'colour must be "#rrggbb"'));

/** Keys 1–9 select a class from the keyboard. */
export const classKeySchema = z.enum(['1', '2', '3', '4', '5', '6', '7', '8', '9']);

export const labelClassSchema = z.object({
  /** The value written to the indexed (single-channel) PNG, 0–255. */
  id: z.number().int().min(0).max(255),
  name: z.string().trim().min(1).max(64),
  color: hexColorSchema,
  key: classKeySchema.optional(),
});

export const paletteSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'palette id: lowercase letters, digits and dashes'),
    name: z.string().trim().min(1).max(80),
    classes: z.array(labelClassSchema).min(1).max(256),
    /** The class the eraser paints and a new label map starts with. */
    background: z.number().int().min(0).max(255),
  })
  .superRefine((p, ctx) => {
    const seen = (what: string, values: readonly (string | number | undefined)[]) => {
      const set = new Set<string | number>();
      values.forEach((v, i) => {
        if (v === undefined) return;
        if (set.has(v)) {
          ctx.addIssue({
            code: 'custom',
            path: ['classes', i, what],
            message: `duplicate class ${what} ${JSON.stringify(v)} in palette "${p.id}"`,
          });
        }
        set.add(v);
      });
    };
    seen('id', p.classes.map((c) => c.id));
    // Two classes with one colour would make the colour PNG ambiguous.
    seen('color', p.classes.map((c) => c.color));
    seen('key', p.classes.map((c) => c.key));
    if (!p.classes.some((c) => c.id === p.background)) {
      ctx.addIssue({
        code: 'custom',
        path: ['background'],
        message: `background class id ${p.background} is not a class of palette "${p.id}"`,
      });
    }
  });

export type LabelClass = z.output<typeof labelClassSchema>;
export type Palette = z.output<typeof paletteSchema>;
export type PaletteInput = z.input<typeof paletteSchema>;

const withKeys = (classes: { id: number; name: string; color: string }[]): LabelClass[] =>
  classes.map((c, i) => (i < 9 ? { ...c, key: String(i + 1) as LabelClass['key'] } : { ...c }));

/**
 * The pix2pix facades dataset (CMP Facade Database as distributed with pix2pix): the exact
 * colours its label maps use, background first.
 */
export const FACADES_PALETTE: Palette = paletteSchema.parse({
  id: 'facades',
  name: 'Facades (CMP, 12 classes)',
  background: 0,
  classes: withKeys([
    { id: 0, name: 'background', color: '#0006d9' },
    { id: 1, name: 'wall', color: '#0d3dfb' },
    { id: 2, name: 'door', color: '#a50000' },
    { id: 3, name: 'window', color: '#0075ff' },
    { id: 4, name: 'window sill', color: '#68f898' },
    { id: 5, name: 'window head', color: '#1dffdd' },
    { id: 6, name: 'shutter', color: '#eeed28' },
    { id: 7, name: 'balcony', color: '#b8ff38' },
    { id: 8, name: 'trim', color: '#ff9204' },
    { id: 9, name: 'cornice', color: '#ff4401' },
    { id: 10, name: 'column', color: '#f60001' },
    { id: 11, name: 'entrance', color: '#00c9ff' },
  ]),
});

/**
 * Cityscapes' 19 training classes with their trainIds and colours (cityscapesScripts
 * labels.py); everything else is trainId 255 ("void", black), the background.
 */
export const CITYSCAPES_PALETTE: Palette = paletteSchema.parse({
  id: 'cityscapes-19',
  name: 'Cityscapes (19 training classes)',
  background: 255,
  classes: withKeys([
    { id: 0, name: 'road', color: '#804080' },
    { id: 1, name: 'sidewalk', color: '#f423e8' },
    { id: 2, name: 'building', color: '#464646' },
    { id: 3, name: 'wall', color: '#66669c' },
    { id: 4, name: 'fence', color: '#be9999' },
    { id: 5, name: 'pole', color: '#999999' },
    { id: 6, name: 'traffic light', color: '#faaa1e' },
    { id: 7, name: 'traffic sign', color: '#dcdc00' },
    { id: 8, name: 'vegetation', color: '#6b8e23' },
    { id: 9, name: 'terrain', color: '#98fb98' },
    { id: 10, name: 'sky', color: '#4682b4' },
    { id: 11, name: 'person', color: '#dc143c' },
    { id: 12, name: 'rider', color: '#ff0000' },
    { id: 13, name: 'car', color: '#00008e' },
    { id: 14, name: 'truck', color: '#000046' },
    { id: 15, name: 'bus', color: '#003c64' },
    { id: 16, name: 'train', color: '#005064' },
    { id: 17, name: 'motorcycle', color: '#0000e6' },
    { id: 18, name: 'bicycle', color: '#770b20' },
    { id: 255, name: 'void', color: '#000000' },
  ]),
});

export const BUILTIN_PALETTES: readonly Palette[] = [FACADES_PALETTE, CITYSCAPES_PALETTE];

/** Validate a palette, with an error that names the offending field. */
export function parsePalette(input: unknown, where = 'palette'): Palette {
  const r = paletteSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.length ? `.${issue.path.join('.')}` : '';
    throw new Error(`invalid ${where}${path}: ${issue.message}`);
  }
  return r.data;
}

export function findPalette(id: string, custom: readonly Palette[] = []): Palette | undefined {
  return custom.find((p) => p.id === id) ?? BUILTIN_PALETTES.find((p) => p.id === id);
}

export function hexToRgb(hex: string): [number, number, number] {
  const h = hexColorSchema.parse(hex);
  return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
}

export function rgbToHex(r: number, g: number, b: number): string {
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * A 256-entry lookup from class id to RGBA packed little-endian (R in the low byte), the
 * layout of a Uint32Array view over ImageData. Ids outside the palette map to 0 (transparent)
 * so that a stray id shows as a hole, never as a plausible class.
 */
export function paletteRgbaLut(palette: Palette): Uint32Array {
  const lut = new Uint32Array(256);
  for (const c of palette.classes) {
    const [r, g, b] = hexToRgb(c.color);
    lut[c.id] = ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
  }
  return lut;
}

/** Which ids are classes of the palette, indexed by id. */
export function paletteIdMask(palette: Palette): Uint8Array {
  const mask = new Uint8Array(256);
  for (const c of palette.classes) mask[c.id] = 1;
  return mask;
}

/**
 * Class ids of a colour label map that went through lossy storage (the JPEG label maps of
 * the pix2pix datasets): each pixel takes the palette class of nearest RGB colour.
 * `meanDistance` (mean Euclidean RGB distance to the chosen colours) tells a label map
 * (a few units) from a photo (tens); `exactFraction` is the share of pixels that already
 * held an exact palette colour.
 */
export interface Quantized {
  ids: Uint8Array;
  meanDistance: number;
  exactFraction: number;
}

export function quantizeToPalette(pixels: Uint8Array, channels: number, palette: Palette): Quantized {
  if (channels < 3) throw new Error(`quantizeToPalette needs RGB pixels, got ${channels} channel(s)`);
  const n = Math.floor(pixels.length / channels);
  const cols = palette.classes.map((c) => ({ id: c.id, rgb: hexToRgb(c.color) }));
  // JPEG label maps hold a few thousand distinct colours: cache each colour's answer.
  const cache = new Map<number, number>();
  const ids = new Uint8Array(n);
  let distSum = 0;
  let exact = 0;
  for (let i = 0, o = 0; i < n; i++, o += channels) {
    const r = pixels[o]!;
    const g = pixels[o + 1]!;
    const b = pixels[o + 2]!;
    const key = (r << 16) | (g << 8) | b;
    let hit = cache.get(key);
    if (hit === undefined) {
      let best = 0;
      let bestD = Infinity;
      for (const c of cols) {
        const d = (r - c.rgb[0]) ** 2 + (g - c.rgb[1]) ** 2 + (b - c.rgb[2]) ** 2;
        if (d < bestD) {
          bestD = d;
          best = c.id;
        }
      }
      // Pack id and distance (rounded to 0.01) into one number.
      hit = best + 256 * Math.round(Math.sqrt(bestD) * 100);
      cache.set(key, hit);
    }
    const id = hit & 255;
    const d = Math.floor(hit / 256) / 100;
    ids[i] = id;
    distSum += d;
    if (d === 0) exact++;
  }
  return { ids, meanDistance: n ? distSum / n : 0, exactFraction: n ? exact / n : 0 };
}
