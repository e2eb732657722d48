/**
 * The inference entry point: one pass when the image fits in a tile (or no tile size is
 * given), tiled translation otherwise.
 */
import type { Network } from '../networks/network';
import * as tf from '../tf';
import { paddingToMultiple } from './pad';
import { translateTiled } from './tiled';
import { checkTranslatable, translateWhole, type InferenceMode } from './translate';

export interface TranslateOptions {
  mode: InferenceMode;
  /** Tile side; when the padded image is larger in either direction it is translated in tiles. */
  tileSize?: number;
  /** Overlap between tiles (default a quarter of the tile). */
  overlap?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Translate an image batch [N, H, W, C] of any size; resolves to [N, H, W, C_out]. */
export async function translateImage(net: Network, x: tf.Tensor4D, opts: TranslateOptions): Promise<tf.Tensor4D> {
  checkTranslatable(net, x);
  const { sizeMultiple, minSize } = net.spec;
  const pad = paddingToMultiple(x.shape[1], x.shape[2], sizeMultiple, minSize);
  const ph = x.shape[1] + pad.top + pad.bottom;
  const pw = x.shape[2] + pad.left + pad.right;
  const { tileSize } = opts;
  if (tileSize === undefined || (ph <= tileSize && pw <= tileSize)) {
    opts.signal?.throwIfAborted();
    opts.onProgress?.(0, 1);
    const y = translateWhole(net, x, opts.mode);
    opts.onProgress?.(1, 1);
    return y;
  }
  return translateTiled(net, x, {
    mode: opts.mode,
    tileSize,
    overlap: opts.overlap ?? Math.floor(tileSize / 4),
    onProgress: opts.onProgress,
    signal: opts.signal,
  });
}
