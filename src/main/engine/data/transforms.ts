/**
 * The reference's preprocessing (data/base_dataset.py `get_params`, `get_transform`), on
 * 8-bit images as PIL holds them, in the reference's order:
 *
 *   grayscale (when that side has one channel) → resize to load_size × load_size ('resize…')
 *   or scale the width to load_size ('scale_width…') → crop to crop_size ('…crop')
 *   → round both sides to a multiple of 4 ('none') → horizontal flip → to [-1, 1].
 *
 * A pair (aligned, paired folders) shares one crop position and flip (`getParams`); the
 * images of an unaligned dataset draw their own (torchvision's RandomCrop and
 * RandomHorizontalFlip). All randomness comes from the sample's own `Rng` stream.
 */
import type { Rng } from '../train/rng';
import { toUnitRange, type Image8 } from '../io/image';
import { DatasetError } from './image-folder';

export type Preprocess = 'resize_and_crop' | 'crop' | 'scale_width' | 'scale_width_and_crop' | 'none';

/** An 8-bit HWC image as PIL holds it ('L' or 'RGB'). */
export type Raster = Image8;

/** Bicubic resampling as PIL's `Image.resize(size, BICUBIC)` on 8-bit images. */
export type ResizeFn = (image: Raster, width: number, height: number) => Raster;

export interface TransformOptions {
  preprocess: Preprocess;
  load_size: number;
  crop_size: number;
  no_flip: boolean;
}

/** Shared random choices for both images of a pair. */
export interface TransformParams {
  cropPos: [number, number];
  flip: boolean;
}

/**
 * `get_params(opt, size)`: the crop corner (x, y) uniform over the positions that fit in
 * the image as it will be after resizing, and a flip with probability ½.
 */
export function getParams(opt: TransformOptions, width: number, height: number, rng: Rng): TransformParams {
  let newW = width;
  let newH = height;
  if (opt.preprocess === 'resize_and_crop') {
    newW = newH = opt.load_size;
  } else if (opt.preprocess === 'scale_width_and_crop') {
    newW = opt.load_size;
    newH = Math.floor((opt.load_size * height) / width);
  }
  const x = rng.randint(0, Math.max(0, newW - opt.crop_size));
  const y = rng.randint(0, Math.max(0, newH - opt.crop_size));
  const flip = rng.random() > 0.5;
  return { cropPos: [x, y], flip };
}

/**
 * The size `__scale_width` gives: width `target`, height scaled to keep the aspect ratio but
 * at least `cropSize`; unchanged when the width is already `target` and the height suffices.
 */
export function scaleWidthSize(width: number, height: number, target: number, cropSize: number): [number, number] {
  if (width === target && height >= cropSize) return [width, height];
  return [target, Math.trunc(Math.max((target * height) / width, cropSize))];
}

/** Python 3's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The size `__make_power_2(img, base=4)` gives: each side rounded to a multiple of 4. */
export function makePower2Size(width: number, height: number, base = 4): [number, number] {
  return [roundHalfEven(width / base) * base, roundHalfEven(height / base) * base];
}

/** PIL's RGB → L conversion (ITU-R 601-2 luma, 16-bit fixed point with rounding). */
export function toGrayscale(image: Raster): Raster {
  if (image.channels === 1) return image;
  if (image.channels !== 3) throw new Error(`grayscale conversion expects 1 or 3 channels, got ${image.channels}`);
  const n = image.width * image.height;
  const out = new Uint8Array(n);
  const d = image.data;
  for (let i = 0; i < n; i++) {
    out[i] = (d[3 * i]! * 19595 + d[3 * i + 1]! * 38470 + d[3 * i + 2]! * 7471 + 0x8000) >>> 16;
  }
  return { width: image.width, height: image.height, channels: 1, data: out };
}

/** The region [x, x+w) × [y, y+h); it must lie inside the image. */
export function cropRaster(image: Raster, x: number, y: number, w: number, h: number): Raster {
  if (x < 0 || y < 0 || x + w > image.width || y + h > image.height) {
    throw new Error(`crop (${x}, ${y}, ${w}×${h}) outside a ${image.width}×${image.height} image`);
  }
  const c = image.channels;
  const out = new Uint8Array(w * h * c);
  for (let row = 0; row < h; row++) {
    const src = ((y + row) * image.width + x) * c;
    out.set(image.data.subarray(src, src + w * c), row * w * c);
  }
  return { width: w, height: h, channels: c, data: out };
}

export function flipHorizontal(image: Raster): Raster {
  const { width: w, height: h, channels: c } = image;
  const out = new Uint8Array(image.data.length);
  for (let row = 0; row < h; row++) {
    for (let col = 0; col < w; col++) {
      const src = (row * w + col) * c;
      const dst = (row * w + (w - 1 - col)) * c;
      for (let k = 0; k < c; k++) out[dst + k] = image.data[src + k]!;
    }
  }
  return { width: w, height: h, channels: c, data: out };
}

export interface TransformInput {
  image: Raster;
  /** Where the image came from, for error messages. */
  path: string;
  /** Convert to one channel (the side's input_nc / output_nc is 1). */
  grayscale: boolean;
  /** Shared crop and flip of a pair; absent: drawn from `rng` for this image alone. */
  params?: TransformParams;
}

/** `get_transform(opt, params, grayscale)` applied to one image; returns HWC float32 in [-1, 1]. */
export function transformImage(
  { image, path, grayscale, params }: TransformInput,
  opt: TransformOptions,
  rng: Rng,
  resize: ResizeFn,
): { width: number; height: number; channels: number; data: Float32Array } {
  let img = grayscale ? toGrayscale(image) : image;
  const p = opt.preprocess;
  if (p.includes('resize')) {
    if (img.width !== opt.load_size || img.height !== opt.load_size) img = resize(img, opt.load_size, opt.load_size);
  } else if (p.includes('scale_width')) {
    const [w, h] = scaleWidthSize(img.width, img.height, opt.load_size, opt.crop_size);
    if (w !== img.width || h !== img.height) img = resize(img, w, h);
  }
  if (p.includes('crop')) {
    const size = opt.crop_size;
    if (img.width < size || img.height < size) {
      throw new DatasetError(
        `${path}: image is ${img.width}×${img.height} after preprocess '${p}', smaller than crop_size ${size}`,
        path,
      );
    }
    let x: number;
    let y: number;
    if (params) {
      [x, y] = params.cropPos;
      // get_params drew the corner from A's size; B is as large (an aligned image's right
      // half can be one column wider, paired images must match), so the clamp is a guard.
      x = Math.min(x, img.width - size);
      y = Math.min(y, img.height - size);
    } else {
      // torchvision RandomCrop: top then left.
      y = rng.randint(0, img.height - size);
      x = rng.randint(0, img.width - size);
    }
    if (img.width !== size || img.height !== size) img = cropRaster(img, x, y, size, size);
  }
  if (p === 'none') {
    const [w, h] = makePower2Size(img.width, img.height);
    if (w === 0 || h === 0) throw new DatasetError(`${path}: image of ${img.width}×${img.height} is too small (sides round to 0)`, path);
    if (w !== img.width || h !== img.height) img = resize(img, w, h);
  }
  if (!opt.no_flip) {
    // RandomHorizontalFlip flips when rand < ½; get_params when random() > ½: both probability ½.
    const flip = params ? params.flip : rng.random() < 0.5;
    if (flip) img = flipHorizontal(img);
  }
  return { width: img.width, height: img.height, channels: img.channels, data: toUnitRange(img.data) };
}
