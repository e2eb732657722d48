/**
 * From 8-bit photo to 8-bit result: what the translate jobs and `atelier translate` share.
 *
 * The network sees the photo scaled as the reference's ToTensor + Normalize do,
 * (x / 255 − 0.5) / 0.5, and its output comes back as the reference's `tensor2im` makes
 * it, (y + 1) / 2 · 255 truncated to uint8. The composite (infer/composite.ts) then lays
 * the result over the *original* bytes, so unmasked pixels stay the source exactly.
 */
import sharp from 'sharp';
import { compositeTranslation, resizeMask, type Raster } from '../infer/composite';
import { translateImage, type InferenceSource } from '../infer';
import { resizeBicubic } from '../io/resample';
import type { GeneratorOptions } from '../networks';
import type { InferenceEngine } from '../onnx/engine';
import * as tf from '../tf';

export type { Raster };

/** How the generator runs and how the work is cut. */
export interface TranslateSettings {
  /**
   * The reference's `--eval`: BatchNorm with running statistics and dropout off. Without
   * it (the reference's default test mode) BatchNorm uses the image's own statistics and
   * dropout stays on — seeded here, so the same input gives the same output.
   */
  eval: boolean;
  /** Dropout seed when dropout is on (default 0). */
  seed?: number;
  /** Translate in tiles of this side when the image is larger (full-resolution export). */
  tile?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Told which inference engine runs the generator (ONNX Runtime or TF.js, and why). */
  onEngine?: (engine: InferenceEngine) => void;
}

export interface BlendSettings {
  /** Coverage at the source's size, 0 = keep the photo, 255 = translate. */
  mask?: Uint8Array;
  /** Feather radius in source pixels. */
  feather?: number;
  strength?: number;
}

export interface Generator {
  /** A generator loaded for inference, or a live TF.js network. */
  net: InferenceSource;
  options: GeneratorOptions;
}

/** ITU-R 601-2 luma as PIL's convert('L') computes it (integer, rounded). */
function luma(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
}

/** The photo with as many channels as the network takes (gray ↔ RGB as PIL converts). */
export function toChannels(img: Raster, channels: number): Raster {
  if (img.channels === channels) return img;
  const n = img.width * img.height;
  const out = new Uint8Array(n * channels);
  const src = img.data;
  const c0 = img.channels;
  for (let p = 0; p < n; p++) {
    const s = p * c0;
    if (channels === 1) {
      out[p] = c0 >= 3 ? luma(src[s]!, src[s + 1]!, src[s + 2]!) : src[s]!;
    } else {
      for (let c = 0; c < channels; c++) out[p * channels + c] = c0 >= 3 ? src[s + Math.min(c, 2)]! : src[s]!;
    }
  }
  return { data: out, width: img.width, height: img.height, channels };
}

/** [1, H, W, C] float32 in [-1, 1], as ToTensor + Normalize((0.5,)*3, (0.5,)*3). */
export function rasterToTensor(img: Raster): tf.Tensor4D {
  const values = new Float32Array(img.data.length);
  for (let i = 0; i < values.length; i++) values[i] = (img.data[i]! / 255 - 0.5) / 0.5;
  return tf.tensor4d(values, [1, img.height, img.width, img.channels]);
}

/** The reference's tensor2im: (y + 1) / 2 · 255 in float32, truncated to uint8. */
export async function tensorToRaster(t: tf.Tensor4D): Promise<Raster> {
  const [, height, width, channels] = t.shape;
  const values = (await t.data()) as Float32Array;
  const out = new Uint8Array(values.length);
  const f = Math.fround;
  for (let i = 0; i < values.length; i++) {
    const v = f(f(f(values[i]! + 1) / 2) * 255);
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
  }
  return { data: out, width, height, channels };
}

/** Run the generator on a photo of any size; the result has the photo's size. */
export async function translateRaster(gen: Generator, img: Raster, settings: TranslateSettings): Promise<Raster> {
  const input = toChannels(img, gen.net.spec.inChannels);
  const x = rasterToTensor(input);
  let y: tf.Tensor4D | undefined;
  try {
    y = await translateImage(gen.net, x, {
      mode: {
        training: !settings.eval,
        dropout: !settings.eval && gen.options.useDropout,
        seed: settings.seed ?? 0,
      },
      tileSize: settings.tile,
      onProgress: settings.onProgress,
      signal: settings.signal,
      onEngine: settings.onEngine,
    });
    return await tensorToRaster(y);
  } finally {
    x.dispose();
    y?.dispose();
  }
}

/** The size that fits within `maxSide` on its longest side, never larger than the image. */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  if (scale === 1) return { width, height };
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** PIL-exact bicubic resize (what the reference's transforms use), a no-op at equal size. */
export function resizeRaster(img: Raster, width: number, height: number): Raster {
  if (img.width === width && img.height === height) return img;
  return resizeBicubic(img, width, height);
}

/**
 * Translate and lay the result over the photo. `workSize` (longest side) translates a
 * scaled copy and scales the result back to the photo's size; without it the network
 * runs at full resolution (in tiles when `settings.tile` is smaller than the image).
 */
export async function translateAndComposite(
  gen: Generator,
  source: Raster,
  settings: TranslateSettings & { workSize?: number },
  blend: BlendSettings = {},
): Promise<Raster> {
  const work = settings.workSize ? fitWithin(source.width, source.height, settings.workSize) : source;
  const scaled = resizeRaster(source, work.width, work.height);
  let translated = await translateRaster(gen, scaled, settings);
  translated = resizeRaster(translated, source.width, source.height);
  settings.signal?.throwIfAborted();
  return compositeTranslation(source, translated, blend);
}

/**
 * A preview: the photo scaled to `maxSize` on its longest side, translated in one pass,
 * and composited with the mask scaled to match (feather scaled with it).
 */
export async function renderPreview(
  gen: Generator,
  scaledSource: Raster,
  sourceSize: { width: number; height: number },
  settings: TranslateSettings,
  blend: BlendSettings = {},
): Promise<Raster> {
  const translated = await translateRaster(gen, scaledSource, { ...settings, tile: undefined });
  settings.signal?.throwIfAborted();
  const scale = scaledSource.width / sourceSize.width;
  const mask = blend.mask
    ? resizeMask(blend.mask, sourceSize.width, sourceSize.height, scaledSource.width, scaledSource.height)
    : undefined;
  return compositeTranslation(scaledSource, translated, {
    mask,
    feather: (blend.feather ?? 0) * scale,
    strength: blend.strength,
  });
}

/** Decode a photo file or bytes to 8-bit RGB, honouring its EXIF orientation. */
export async function decodePhoto(input: string | Uint8Array, what = typeof input === 'string' ? input : 'image'): Promise<Raster> {
  try {
    const { data, info } = await sharp(input, { failOn: 'error', limitInputPixels: 100_000_000 })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: info.channels };
  } catch (err) {
    throw new Error(`${what}: cannot read the image (${(err as Error).message})`);
  }
}

export type ImageFormat = 'png' | 'jpeg';

/** Encode 8-bit pixels as PNG (lossless) or JPEG with a quality. */
export async function encodeRaster(img: Raster, format: ImageFormat, quality = 92): Promise<Uint8Array> {
  const pipeline = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), {
    raw: { width: img.width, height: img.height, channels: img.channels as 1 | 2 | 3 | 4 },
  });
  const buf = format === 'png'
    ? await pipeline.png({ compressionLevel: 6 }).toBuffer()
    : await pipeline.jpeg({ quality, chromaSubsampling: quality >= 90 ? '4:4:4' : '4:2:0' }).toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** How results name the engine that ran: "onnxruntime (CPU, 2 threads …)", "tfjs (TF.js wasm)". */
export function describeEngine(engine: InferenceEngine | undefined): string {
  return engine ? `${engine.name} (${engine.device})` : 'unknown';
}
