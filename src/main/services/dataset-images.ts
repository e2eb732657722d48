/**
 * Reading photos for a dataset with sharp: probe (format, oriented size, what a browser
 * cannot show as is), normalise (EXIF orientation, sRGB, 8 bits, optional downscale),
 * thumbnails, and RGB pixels for export. Every decode is strict (sharp's failOn
 * 'warning'), so truncated or damaged files are reported instead of half-imported.
 */
import { extname } from 'node:path';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { MAX_IMAGE_PIXELS } from '../../shared/api/dataset';

/** The extensions the reference's image folder accepts (data/image_folder.py), plus webp. */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.tif', '.tiff', '.webp']);

export const isImageName = (name: string): boolean => IMAGE_EXTENSIONS.has(extname(name).toLowerCase());

export type ImageSource = string | Buffer;

export interface ImageProbe {
  format: string;
  /** Size after EXIF orientation. */
  width: number;
  height: number;
  channels: number;
  hasAlpha: boolean;
  /** Why the file cannot be kept byte for byte (shown by a browser as it is meant to look). */
  needsNormalising: string[];
}

export class ImageDecodeError extends Error {}

const SAFE_FORMATS = new Set(['jpeg', 'png', 'webp']);

/** Header and pixel check: throws ImageDecodeError for anything sharp cannot fully decode. */
export async function probeImage(src: ImageSource): Promise<ImageProbe> {
  let meta: Metadata;
  try {
    meta = await sharp(src, { failOn: 'warning', limitInputPixels: false }).metadata();
  } catch (err) {
    throw new ImageDecodeError(`not a readable image (${(err as Error).message})`);
  }
  if (!meta.width || !meta.height) throw new ImageDecodeError('image has no size');
  const needs: string[] = [];
  if (!SAFE_FORMATS.has(meta.format)) needs.push(`converted from ${meta.format.toUpperCase()} to PNG`);
  if (meta.orientation && meta.orientation !== 1) needs.push(`EXIF orientation ${meta.orientation} applied`);
  if (meta.space !== 'srgb' && meta.space !== 'b-w') needs.push(`converted from ${meta.space.toUpperCase()} to sRGB`);
  if (meta.depth !== 'uchar') needs.push(`converted from ${meta.depth === 'ushort' ? '16' : meta.depth}-bit to 8-bit`);
  if ((meta.pages ?? 1) > 1) needs.push('first frame kept');
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  return { format: meta.format, width, height, channels: meta.channels, hasAlpha: meta.hasAlpha, needsNormalising: needs };
}

/** The size that fits `maxPixels`, keeping the aspect ratio. */
export function downscaledSize(width: number, height: number, maxPixels = MAX_IMAGE_PIXELS): { width: number; height: number } {
  if (width * height <= maxPixels) return { width, height };
  const k = Math.sqrt(maxPixels / (width * height));
  let w = Math.max(1, Math.floor(width * k));
  let h = Math.max(1, Math.floor(height * k));
  while (w * h > maxPixels) (w > h ? w-- : h--);
  return { width: w, height: h };
}

/** A sharp pipeline that decodes strictly and applies EXIF orientation. */
export function open(src: ImageSource): Sharp {
  return sharp(src, { failOn: 'warning', limitInputPixels: false, autoOrient: true });
}

/**
 * The photo as a lossless 8-bit sRGB PNG, oriented, optionally downscaled; alpha kept, so
 * transparent photos show as they are.
 */
export async function normalisedPng(src: ImageSource, size?: { width: number; height: number }): Promise<Buffer> {
  let img = open(src).toColourspace('srgb');
  if (size) img = img.resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' });
  try {
    return await img.png({ compressionLevel: 6 }).toBuffer();
  } catch (err) {
    throw new ImageDecodeError(`cannot decode (${(err as Error).message})`);
  }
}

/** A JPEG thumbnail inside a `box`-pixel square, for the dataset grid. */
export async function thumbnail(src: ImageSource, box = 256): Promise<Buffer> {
  try {
    return await open(src)
      .resize(box, box, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .jpeg({ quality: 80 })
      .toBuffer();
  } catch (err) {
    throw new ImageDecodeError(`cannot decode (${(err as Error).message})`);
  }
}

export interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

/**
 * 8-bit RGB pixels, oriented; alpha flattened on white, grey expanded to three channels (as
 * the reference's `Image.open(path).convert('RGB')` gives three channels); optionally a
 * region of the oriented image.
 */
export async function readRgb(
  src: ImageSource,
  region?: { left: number; top: number; width: number; height: number },
): Promise<RgbImage> {
  // The constructor's autoOrient applies before extract: regions are in oriented pixels.
  let img = open(src);
  if (region) img = img.extract(region);
  const { data, info } = await img
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
  return { data, width: info.width, height: info.height };
}
