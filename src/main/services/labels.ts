/**
 * Label-map files. Each labelled item has two PNGs under labels/: `<id>.png`, the colour
 * image (RGB, exact palette colours, what pix2pix trains on), and `<id>.ids.png`, 8-bit
 * grey holding class ids (what segmentation tools read). The ids are the source of truth;
 * the colour image is derived from them with the palette, so it cannot hold a colour
 * outside the palette. Each file is written atomically (temp file, fsync, rename).
 */
import { join } from 'node:path';
import sharp, { type OutputInfo } from 'sharp';
import type { DatasetItem } from '../../shared/api/dataset';
import { paletteIdMask, paletteRgbaLut, type Palette } from '../../shared/palettes';
import { rleEncode, rleForEachRun } from '../../shared/rle';
import { writeFileAtomic } from '../util/atomic-write';
import { ApiError } from './api-error';
import { PROJECT_LAYOUT } from './project-layout';

export const labelFiles = (itemId: string) => ({
  color: `${PROJECT_LAYOUT.labels}/${itemId}.png`,
  ids: `${PROJECT_LAYOUT.labels}/${itemId}.ids.png`,
});

/** Throw unless every id is a class of the palette; the error names the first bad pixel. */
export function checkIds(ids: Uint8Array, width: number, palette: Palette, what: string): void {
  const mask = paletteIdMask(palette);
  for (let i = 0; i < ids.length; i++) {
    if (!mask[ids[i]!]) {
      throw new ApiError(
        'invalid-payload',
        `${what}: pixel (${i % width}, ${Math.floor(i / width)}) holds class id ${ids[i]}, which palette "${palette.id}" does not have`,
      );
    }
  }
}

/** The colour image of a label map: three bytes per pixel, the palette colour of each id. */
export function colorize(ids: Uint8Array, palette: Palette): Buffer {
  const lut = paletteRgbaLut(palette);
  // One 32-bit store per pixel, then drop alpha in libvips: much faster than byte stores.
  const rgba = new Uint32Array(ids.length);
  for (let i = 0; i < ids.length; i++) rgba[i] = lut[ids[i]!]!;
  return Buffer.from(rgba.buffer);
}

// Label maps are long runs: fast zlib settings give small files quickly.
const PNG_OPTIONS = { compressionLevel: 3, adaptiveFiltering: false } as const;

/** The class-id PNG: 8-bit single-channel grey. */
function encodeIdsPng(ids: Uint8Array, width: number, height: number): Promise<Buffer> {
  // 'b-w' makes the PNG single-channel; sharp would write raw one-band input as RGB.
  return sharp(Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength), { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png(PNG_OPTIONS)
    .toBuffer();
}

/** The colour PNG: 8-bit RGB from the RGBA image (alpha dropped by libvips). */
function encodeColorPng(rgba: Uint32Array, width: number, height: number): Promise<Buffer> {
  return sharp(Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength), { raw: { width, height, channels: 4 } })
    .removeAlpha()
    .png(PNG_OPTIONS)
    .toBuffer();
}

/**
 * Write both PNGs of an item's label map, each atomically. The ids file goes first: it is
 * what the editor loads, so a crash between the two writes loses nothing that was painted.
 */
async function writeLabelPngs(root: string, itemId: string, idsPng: Buffer, colorPng: Buffer): Promise<{ color: number; ids: number }> {
  const files = labelFiles(itemId);
  await writeFileAtomic(join(root, files.ids), idsPng);
  await writeFileAtomic(join(root, files.color), colorPng);
  return { color: colorPng.byteLength, ids: idsPng.byteLength };
}

/** Check, colour, encode and write the label map of an item from its class ids. */
export async function writeLabelFiles(
  root: string,
  itemId: string,
  width: number,
  height: number,
  ids: Uint8Array,
  palette: Palette,
): Promise<{ color: number; ids: number }> {
  if (ids.length !== width * height) {
    throw new ApiError('invalid-payload', `label map of item ${itemId}: ${ids.length} ids for ${width}×${height} pixels`);
  }
  checkIds(ids, width, palette, `label map of item ${itemId}`);
  const idsPng = encodeIdsPng(ids, width, height);
  const b = colorize(ids, palette);
  const colorPng = encodeColorPng(new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4), width, height);
  return writeLabelPngs(root, itemId, await idsPng, await colorPng);
}

/** The class ids of an item's saved label map. */
export async function readLabelIds(root: string, item: DatasetItem): Promise<Uint8Array> {
  if (!item.label) throw new ApiError('not-found', `item ${item.id} (${item.name}) has no label map`);
  const path = join(root, item.label.ids);
  let out: { data: Buffer; info: OutputInfo };
  try {
    out = await sharp(path, { failOn: 'warning' }).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new ApiError('failed', `cannot read label map ${path}: ${(err as Error).message}`, { path });
  }
  if (out.info.width !== item.width || out.info.height !== item.height) {
    throw new ApiError(
      'failed',
      `label map ${path} is ${out.info.width}×${out.info.height} but its photo is ${item.width}×${item.height}`,
      { path },
    );
  }
  return new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
}

/** Ids as sent over the API: run-length coded, base64. */
export function encodeIds(ids: Uint8Array): string {
  return Buffer.from(rleEncode(ids)).toString('base64');
}

/**
 * Save ids sent by the editor (run-length coded, base64). Each run's class is checked
 * against the palette (one check per run, not per pixel); the id PNG encodes on libuv's
 * pool while the colour image is filled run by run here, then both are written.
 */
export async function saveEncodedIds(
  root: string,
  itemId: string,
  data: string,
  width: number,
  height: number,
  palette: Palette,
  what: string,
): Promise<{ color: number; ids: number }> {
  const n = width * height;
  const rle = Buffer.from(data, 'base64');
  const mask = paletteIdMask(palette);
  const lut = paletteRgbaLut(palette);
  // Uninitialised memory is fine: a stream that passes covers every byte exactly once.
  const ids = new Uint8Array(Buffer.allocUnsafeSlow(n).buffer, 0, n);
  try {
    rleForEachRun(rle, n, (v, start, len) => {
      if (!mask[v]) {
        throw new ApiError(
          'invalid-payload',
          `${what}: pixel (${start % width}, ${Math.floor(start / width)}) holds class id ${v}, which palette "${palette.id}" does not have`,
        );
      }
      ids.fill(v, start, start + len);
    });
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError('invalid-payload', `${what}: the label data is not a valid map of ${width}×${height} (${(err as Error).message})`);
  }
  const idsPng = encodeIdsPng(ids, width, height);
  const rgba = new Uint32Array(Buffer.allocUnsafeSlow(n * 4).buffer, 0, n);
  rleForEachRun(rle, n, (v, start, len) => rgba.fill(lut[v]!, start, start + len));
  const colorPng = encodeColorPng(rgba, width, height);
  return writeLabelPngs(root, itemId, await idsPng, await colorPng);
}

export interface LabelHost {
  root(): string;
  item(id: string): Promise<DatasetItem>;
  palette(): Promise<Palette>;
  /** Record the saved label files and the new state on the item. */
  labelSaved(id: string, state: 'in-progress' | 'labelled' | undefined, when: Date): Promise<DatasetItem>;
}

/** Load and save label maps for the editor. Saves of one item run one after another. */
export class LabelService {
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly host: LabelHost) {}

  async load(itemId: string): Promise<{ width: number; height: number; encoding: 'rle'; data: string } | null> {
    const item = await this.host.item(itemId);
    if (!item.label) return null;
    const ids = await readLabelIds(this.host.root(), item);
    return { width: item.width, height: item.height, encoding: 'rle', data: encodeIds(ids) };
  }

  save(input: {
    itemId: string;
    width: number;
    height: number;
    data: string;
    state?: 'in-progress' | 'labelled';
  }): Promise<{ item: DatasetItem; bytes: { color: number; ids: number } }> {
    const run = async () => {
      const item = await this.host.item(input.itemId);
      if (input.width !== item.width || input.height !== item.height) {
        throw new ApiError(
          'invalid-payload',
          `label map of ${item.name} must be ${item.width}×${item.height} (its photo's size), got ${input.width}×${input.height}`,
        );
      }
      const palette = await this.host.palette();
      const what = `label map of ${item.name}`;
      const bytes = await saveEncodedIds(this.host.root(), item.id, input.data, item.width, item.height, palette, what);
      return { item: await this.host.labelSaved(item.id, input.state, new Date()), bytes };
    };
    const prev = this.chains.get(input.itemId) ?? Promise.resolve();
    const next = prev.then(run, run);
    const settled = next.catch(() => undefined);
    this.chains.set(input.itemId, settled);
    void settled.then(() => {
      if (this.chains.get(input.itemId) === settled) this.chains.delete(input.itemId);
    });
    return next;
  }
}
