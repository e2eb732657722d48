import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { writeFileAtomic } from '../../util/atomic-write';
import type { Image8 } from './resample';
import { writeNewFileAtomic } from './write-new-file';

export { resizeBicubic, resample, type Image8, type ResampleFilter } from './resample';
export { FileExistsError } from './write-new-file';

/**
 * Images in and out, with the reference's pixel semantics
 * (junyanz/pytorch-CycleGAN-and-pix2pix, data/*_dataset.py and util/util.py):
 * - reading is `PIL.Image.open(path).convert('RGB')` (then `.convert('L')` for one
 *   channel): alpha is dropped, not composited; CMYK, 16-bit and grayscale sources are
 *   converted the way Pillow converts them; embedded ICC profiles are ignored as PIL does;
 * - values become float32 as `ToTensor()` + `Normalize((0.5,)*3, (0.5,)*3)`: (x/255 − 0.5)/0.5;
 * - writing inverts that as `tensor2im`: (x + 1)/2·255 in float32, truncated to uint8.
 * One deliberate difference: the EXIF orientation is applied (PIL's open does not), so
 * photos from cameras and phones are upright; `autoOrient: false` restores PIL's behaviour.
 * Decoding uses sharp (libvips); for baseline JPEGs it yields the same bytes as PIL.
 */

export const DEFAULT_MAX_PIXELS = 50_000_000;

/** What the file held before conversion. */
export interface ImageSourceInfo {
  format: string;
  /** Stored size, before the EXIF orientation is applied. */
  width: number;
  height: number;
  /** Bands in the file, alpha included. */
  channels: number;
  space: string;
  depth: string;
  hasAlpha: boolean;
  hasProfile: boolean;
  isPalette: boolean;
  /** EXIF orientation tag, 1 when absent. */
  orientation: number;
}

export interface DecodedImage8 extends Image8 {
  channels: 1 | 3;
  sourceInfo: ImageSourceInfo;
}

/** Float HWC image in [-1, 1], the layout networks consume after transposition. */
export interface FloatImage {
  data: Float32Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

export interface DecodedImage extends FloatImage {
  sourceInfo: ImageSourceInfo;
}

export interface ReadImageOptions {
  /** 3 (default): RGB as PIL's convert('RGB'); 1: luma as PIL's convert('L'). */
  channels?: 1 | 3;
  /** Refuse images with more pixels than this (default 50 MP). */
  maxPixels?: number;
  /** Apply the EXIF orientation (default true). */
  autoOrient?: boolean;
}

export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

const RASTER_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'avif']);

export async function readImage(path: string, options: ReadImageOptions = {}): Promise<DecodedImage> {
  return normalizeDecoded(await readImage8(path, options));
}

export async function decodeImageBytes(bytes: Uint8Array, options: ReadImageOptions = {}, label = 'image data'): Promise<DecodedImage> {
  return normalizeDecoded(await decodeImage8(bytes, options, label));
}

/** The 8-bit image the reference's PIL pipeline works on, before ToTensor (resize, crop, flip act here). */
export async function readImage8(path: string, options: ReadImageOptions = {}): Promise<DecodedImage8> {
  return decodeImage8(await readFile(path), options, path);
}

export async function decodeImage8(bytes: Uint8Array, options: ReadImageOptions = {}, label = 'image data'): Promise<DecodedImage8> {
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw new Error(`channels must be 1 or 3, got ${String(channels)}`);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const autoOrient = options.autoOrient ?? true;
  const open = (): Sharp =>
    sharp(bytes, {
      // Like PIL, refuse truncated files but tolerate benign decoder warnings.
      failOn: 'truncated',
      limitInputPixels: Number.isFinite(maxPixels) ? Math.max(1, Math.floor(maxPixels)) : false,
      autoOrient,
      ignoreIcc: true,
    });

  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new ImageDecodeError(`${label}: not a readable image (${(err as Error).message})`);
  }
  if (!RASTER_FORMATS.has(meta.format)) {
    throw new ImageDecodeError(`${label}: ${meta.format} files are not supported (use JPEG, PNG, WebP, GIF, TIFF or HEIF/AVIF)`);
  }
  const width = meta.width;
  const height = meta.height;
  if (width * height > maxPixels) {
    throw new ImageDecodeError(
      `${label}: the image is ${width}×${height} (${((width * height) / 1e6).toFixed(1)} MP), over the limit of ${(maxPixels / 1e6).toFixed(1)} MP (option maxPixels)`,
    );
  }
  const sourceInfo: ImageSourceInfo = {
    format: meta.format,
    width,
    height,
    channels: meta.channels,
    space: meta.space,
    depth: meta.depth,
    hasAlpha: meta.hasAlpha,
    hasProfile: meta.hasProfile ?? false,
    isPalette: meta.isPalette ?? false,
    orientation: meta.orientation ?? 1,
  };

  const route = chooseRoute(meta, label);
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await route.pipeline(open()).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new ImageDecodeError(`${label}: cannot decode the image (${(err as Error).message})`);
  }
  const { info } = raw;
  const pixels = info.width * info.height;
  const converted = route.convert(raw.data, info.channels, pixels, label);
  let data: Uint8Array;
  if (channels === 3) data = converted.rgb ?? grayToRgb(converted.gray!);
  else data = converted.gray ?? rgbToLuma(converted.rgb!);
  return { data, width: info.width, height: info.height, channels, sourceInfo };
}

interface Converted {
  rgb?: Uint8Array;
  gray?: Uint8Array;
}

interface Route {
  pipeline: (s: Sharp) => Sharp;
  convert: (data: Buffer, bands: number, pixels: number, label: string) => Converted;
}

/**
 * How Pillow's open().convert('RGB') reads each kind of source (Pillow 9.4, checked):
 * - 8-bit gray (± alpha): gray replicated, alpha dropped;
 * - 16-bit gray PNG opens in mode 'I' and converts by clamping to 0…255 (not scaling);
 *   16-bit gray with alpha opens as RGBA from the high bytes;
 * - 16-bit RGB(A) keeps the high byte of each sample;
 * - CMYK uses Pillow's naive formula, no colour management.
 */
function chooseRoute(meta: Metadata, label: string): Route {
  if (meta.depth !== 'uchar' && meta.depth !== 'ushort') {
    throw new ImageDecodeError(`${label}: ${meta.depth} samples are not supported (8- or 16-bit images only)`);
  }
  if (meta.space === 'cmyk') {
    return {
      pipeline: (s) => s.pipelineColourspace('cmyk').toColourspace('cmyk').raw(),
      convert: (data, bands, pixels, l) => ({ rgb: cmykToRgb(bands8(data, bands, 4, l), bands, pixels) }),
    };
  }
  const colourBands = meta.channels - (meta.hasAlpha ? 1 : 0);
  if (meta.depth === 'ushort') {
    if (colourBands === 1) {
      return {
        pipeline: (s) => s.pipelineColourspace('grey16').toColourspace('grey16').raw({ depth: 'ushort' }),
        convert: (data, bands, pixels, l) => {
          const v = bands16(data, bands, 1, l);
          const gray = new Uint8Array(pixels);
          if (bands === 1) for (let i = 0; i < pixels; i++) gray[i] = Math.min(v[i]!, 255);
          else for (let i = 0; i < pixels; i++) gray[i] = v[i * bands]! >> 8;
          return { gray };
        },
      };
    }
    return {
      pipeline: (s) => s.pipelineColourspace('rgb16').toColourspace('rgb16').raw({ depth: 'ushort' }),
      convert: (data, bands, pixels, l) => {
        const v = bands16(data, bands, 3, l);
        const rgb = new Uint8Array(pixels * 3);
        for (let i = 0; i < pixels; i++) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = v[i * bands + c]! >> 8;
        return { rgb };
      },
    };
  }
  if (colourBands === 1) {
    return {
      pipeline: (s) => s.toColourspace('b-w').raw(),
      convert: (data, bands, pixels, l) => ({ gray: pick(bands8(data, bands, 1, l), bands, 1, pixels) }),
    };
  }
  return {
    pipeline: (s) => s.toColourspace('srgb').raw(),
    convert: (data, bands, pixels, l) => ({ rgb: pick(bands8(data, bands, 3, l), bands, 3, pixels) }),
  };
}

function bands8(data: Buffer, bands: number, min: number, label: string): Uint8Array {
  if (bands < min) throw new ImageDecodeError(`${label}: decoder returned ${bands} bands, expected at least ${min}`);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function bands16(data: Buffer, bands: number, min: number, label: string): Uint16Array {
  if (bands < min) throw new ImageDecodeError(`${label}: decoder returned ${bands} bands, expected at least ${min}`);
  const copy = new Uint8Array(data.byteLength);
  copy.set(data);
  return new Uint16Array(copy.buffer);
}

/** The first `keep` of `bands` interleaved bands (drops alpha without compositing). */
function pick(src: Uint8Array, bands: number, keep: number, pixels: number): Uint8Array {
  if (bands === keep) return src.slice(0, pixels * keep);
  const out = new Uint8Array(pixels * keep);
  for (let i = 0; i < pixels; i++) for (let c = 0; c < keep; c++) out[i * keep + c] = src[i * bands + c]!;
  return out;
}

/** Pillow's cmyk2rgb: nk = 255 − K, channel = nk − C·nk/255 (rounded as MULDIV255). */
function cmykToRgb(src: Uint8Array, bands: number, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    const nk = 255 - src[i * bands + 3]!;
    for (let c = 0; c < 3; c++) {
      const t = src[i * bands + c]! * nk + 128;
      out[i * 3 + c] = nk - (((t >> 8) + t) >> 8);
    }
  }
  return out;
}

function grayToRgb(gray: Uint8Array): Uint8Array {
  const out = new Uint8Array(gray.length * 3);
  for (let i = 0; i < gray.length; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = gray[i]!;
  return out;
}

/** Pillow's RGB→L: ITU-R 601-2 luma in 16-bit fixed point, rounded. */
function rgbToLuma(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0; i < out.length; i++) {
    out[i] = (rgb[i * 3]! * 19595 + rgb[i * 3 + 1]! * 38470 + rgb[i * 3 + 2]! * 7471 + 0x8000) >>> 16;
  }
  return out;
}

// ToTensor + Normalize(0.5, 0.5) in float32, one rounding per PyTorch operation.
const UNIT_RANGE = Float32Array.from({ length: 256 }, (_, v) => Math.fround(Math.fround(Math.fround(v / 255) - 0.5) / 0.5));

/** uint8 HWC → float32 HWC in [-1, 1], exactly as ToTensor + Normalize((0.5,…), (0.5,…)). */
export function toUnitRange(data: Uint8Array): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = UNIT_RANGE[data[i]!]!;
  return out;
}

function normalizeDecoded(img: DecodedImage8): DecodedImage {
  return { data: toUnitRange(img.data), width: img.width, height: img.height, channels: img.channels, sourceInfo: img.sourceInfo };
}

/**
 * float32 [-1, 1] → uint8 as the reference's tensor2im: (x + 1) / 2 · 255 in float32, then
 * numpy's astype(uint8), which truncates. Values outside [-1, 1] (never produced by a tanh
 * head) and NaN are clamped to 0…255, where the plain cast would wrap.
 */
export function fromUnitRange(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Math.fround(Math.fround(Math.fround(data[i]! + 1) / 2) * 255);
    out[i] = v >= 255 ? 255 : v > 0 ? Math.trunc(v) : 0;
  }
  return out;
}

export type ImageFormat = 'png' | 'jpeg' | 'webp';

export interface EncodeImageOptions {
  format: ImageFormat;
  /** JPEG/WebP quality 1–100; defaults as PIL's save: 75 (JPEG), 80 (WebP). */
  quality?: number;
}

export interface WriteImageOptions extends Partial<EncodeImageOptions> {
  /** Replace an existing file (default false: an existing file is an error). */
  overwrite?: boolean;
}

export async function encodeImage(image: FloatImage, options: EncodeImageOptions): Promise<Uint8Array> {
  const { width, height, channels, data } = image;
  if (channels !== 1 && channels !== 3) throw new Error(`cannot encode a ${String(channels)}-channel image (1 or 3)`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height * channels) {
    throw new Error(`image data has ${data.length} values, expected ${width}×${height}×${channels}`);
  }
  const quality = options.quality;
  if (quality !== undefined && (!Number.isInteger(quality) || quality < 1 || quality > 100)) {
    throw new Error(`quality must be an integer from 1 to 100, got ${quality}`);
  }
  const pipeline = sharp(fromUnitRange(data), { raw: { width, height, channels } });
  switch (options.format) {
    case 'png':
      return pipeline.png().toBuffer();
    case 'jpeg':
      return pipeline.jpeg({ quality: quality ?? 75 }).toBuffer();
    case 'webp':
      return pipeline.webp({ quality: quality ?? 80 }).toBuffer();
    default:
      throw new Error(`unsupported image format '${String(options.format)}' (png, jpeg, webp)`);
  }
}

const EXTENSION_FORMATS: Record<string, ImageFormat> = { '.png': 'png', '.jpg': 'jpeg', '.jpeg': 'jpeg', '.webp': 'webp' };

/**
 * Write an image atomically; the format comes from `options.format` or the extension.
 * An existing file is never replaced unless `overwrite: true`.
 */
export async function writeImage(path: string, image: FloatImage, options: WriteImageOptions = {}): Promise<void> {
  const format = options.format ?? EXTENSION_FORMATS[extname(path).toLowerCase()];
  if (!format) throw new Error(`${path}: cannot tell the image format from the extension; pass format: 'png' | 'jpeg' | 'webp'`);
  const bytes = await encodeImage(image, { format, quality: options.quality });
  if (options.overwrite) await writeFileAtomic(path, bytes);
  else await writeNewFileAtomic(path, bytes);
}
