/**
 * Writing a dataset out in the layouts the reference and our trainer read unchanged:
 *   aligned     <dir>/<split>/<name>: A|B side by side, equal halves (the reference's
 *               aligned loader splits at ⌊w/2⌋; A is the photo, B the label map);
 *   ab-folders  <dir>/<split>/A/<name> and <dir>/<split>/B/<name>, same name (our trainer's
 *               paired layout);
 *   unaligned   <dir>/<split>A/, <dir>/<split>B/ (the reference's unaligned loader).
 * Label maps are drawn from their class ids with the palette, so PNG exports hold exact
 * class colours. Excluded items, and photos not labelled yet, are left out.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import sharp from 'sharp';
import type { Dataset, DatasetItem } from '../../shared/api/dataset';
import type { Palette } from '../../shared/palettes';
import { ApiError } from './api-error';
import { readRgb, type RgbImage } from './dataset-images';
import { colorize, readLabelIds } from './labels';

export interface ExportOptions {
  dir: string;
  format: 'aligned' | 'ab-folders' | 'unaligned';
  imageFormat?: 'png' | 'jpg';
  overwrite?: boolean;
}

export interface ExportResult {
  dir: string;
  format: ExportOptions['format'];
  /** Files written per folder (relative to dir). */
  counts: Record<string, number>;
  skipped: { source: string; reason: string }[];
}

export async function exportDataset(
  root: string,
  data: Dataset,
  palette: Palette,
  options: ExportOptions,
  progress: (done: number, total: number, current: string) => void = () => undefined,
): Promise<ExportResult> {
  const dir = resolve(options.dir);
  if (resolve(root) === dir || dir.startsWith(join(resolve(root), 'dataset'))) {
    throw new ApiError('failed', `Export into the project's own dataset folder is not allowed (${dir})`);
  }
  const existing = await readdir(dir).catch(() => null);
  if (existing?.length && !options.overwrite) {
    throw new ApiError('failed', `${dir} is not empty: choose an empty folder or allow overwriting`, { path: dir });
  }
  const ext = options.imageFormat === 'jpg' ? '.jpg' : '.png';
  const skipped: ExportResult['skipped'] = [];
  const counts: Record<string, number> = {};
  const used = new Map<string, Set<string>>();

  const paired = data.kind === 'paired';
  if (!paired && options.format !== 'unaligned') {
    throw new ApiError('failed', `An unpaired dataset exports as trainA/trainB folders (format "unaligned"), not "${options.format}"`);
  }
  const items = data.items.filter((item) => {
    if (item.state === 'excluded') return false;
    if (paired && !item.target && item.state !== 'labelled') {
      skipped.push({ source: item.name, reason: `not labelled yet (${item.state})` });
      return false;
    }
    return true;
  });

  let done = 0;
  for (const item of items) {
    const photo = await readRgb(join(root, item.file));
    if (!paired) {
      await put(`${item.split}${item.domain}`, item, photo);
    } else {
      const b = await partner(root, item, palette, photo);
      if (options.format === 'aligned') await put(item.split, item, sideBySide(photo, b));
      else if (options.format === 'ab-folders') {
        const name = await put(join(item.split, 'A'), item, photo);
        await put(join(item.split, 'B'), item, b, name);
      } else {
        await put(`${item.split}A`, item, photo);
        await put(`${item.split}B`, item, b);
      }
    }
    progress(++done, items.length, item.name);
  }
  if (paired && items.some((i) => !i.target)) {
    // Beside the splits, not in them: loaders read only image files inside split folders.
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'palette.json'), `${JSON.stringify(palette, null, 2)}\n`);
  }
  return { dir, format: options.format, counts, skipped };

  /** Write one image to dir/folder under the item's name (made unique in that folder). */
  async function put(folder: string, item: DatasetItem, img: RgbImage, name?: string): Promise<string> {
    const taken = used.get(folder) ?? new Set<string>();
    used.set(folder, taken);
    if (!name) {
      const stem = item.name.slice(0, item.name.length - extname(item.name).length) || item.id;
      name = `${stem}${ext}`;
      for (let k = 2; taken.has(name.toLowerCase()); k++) name = `${stem}-${k}${ext}`;
    }
    taken.add(name.toLowerCase());
    await mkdir(join(dir, folder), { recursive: true });
    let out = sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
    out = ext === '.png' ? out.png({ compressionLevel: 6 }) : out.jpeg({ quality: 95, chromaSubsampling: '4:4:4' });
    await writeFile(join(dir, folder, name), await out.toBuffer());
    counts[folder] = (counts[folder] ?? 0) + 1;
    return name;
  }
}

/** B of a pair: the label map in colour, or the target image at the photo's size. */
async function partner(root: string, item: DatasetItem, palette: Palette, photo: RgbImage): Promise<RgbImage> {
  if (item.label && !item.target) {
    const ids = await readLabelIds(root, item);
    const { data, info } = await sharp(colorize(ids, palette), { raw: { width: item.width, height: item.height, channels: 4 } })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  }
  if (!item.target) throw new ApiError('failed', `${item.name} has neither a label map nor a target image`);
  const b = await readRgb(join(root, item.target));
  if (b.width === photo.width && b.height === photo.height) return b;
  const { data, info } = await sharp(b.data, { raw: { width: b.width, height: b.height, channels: 3 } })
    .resize(photo.width, photo.height, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** A and B side by side (both W×H) as one 2W×H image. */
function sideBySide(a: RgbImage, b: RgbImage): RgbImage {
  if (a.width !== b.width || a.height !== b.height) {
    throw new Error(`halves differ in size: ${a.width}×${a.height} and ${b.width}×${b.height}`);
  }
  const row = a.width * 3;
  const out = Buffer.alloc(row * 2 * a.height);
  for (let y = 0; y < a.height; y++) {
    a.data.copy(out, y * row * 2, y * row, (y + 1) * row);
    b.data.copy(out, y * row * 2 + row, y * row, (y + 1) * row);
  }
  return { data: out, width: a.width * 2, height: a.height };
}
