/**
 * The inference entry point: one pass when the image fits in a tile (or no tile size is
 * given), tiled translation otherwise; on the fastest engine available (ONNX Runtime unless
 * TF.js runs on a CUDA GPU; see engine/onnx/engine.ts), reported through `onEngine`. Tiled
 * translation runs its statistics pass and every tile on that engine too. A generator loaded
 * for inference (./generator.ts) gets a TF.js network only if TF.js runs it.
 */
import { tfjsNetwork, type InferenceSource } from './generator';
import { generatorForward, type InferenceEngine, type InferenceEnginePreference } from '../onnx/engine';
import * as tf from '../tf';
import { crop, paddingToMultiple, reflectPad } from './pad';
import { hasInputStatistics, translateTiled } from './tiled';
import { checkTranslatable, translateWhole, type InferenceMode } from './translate';

export interface TranslateOptions {
  mode: InferenceMode;
  /** Tile side; when the padded image is larger in either direction it is translated in tiles. */
  tileSize?: number;
  /** Overlap between tiles (default: infer/tiled.ts `defaultOverlap`). */
  overlap?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Which engine runs the generator (default: env ATELIER_INFERENCE, else the fastest). */
  engine?: InferenceEnginePreference;
  /** Told which engine runs, and why a faster one does not when that is the case. */
  onEngine?: (engine: InferenceEngine) => void;
}

/** Translate an image batch [N, H, W, C] of any size; resolves to [N, H, W, C_out]. */
export async function translateImage(net: InferenceSource, x: tf.Tensor4D, opts: TranslateOptions): Promise<tf.Tensor4D> {
  checkTranslatable(net, x);
  const { sizeMultiple, minSize } = net.spec;
  const pad = paddingToMultiple(x.shape[1], x.shape[2], sizeMultiple, minSize);
  const ph = x.shape[1] + pad.top + pad.bottom;
  const pw = x.shape[2] + pad.left + pad.right;
  const { tileSize } = opts;
  const whole = tileSize === undefined || (ph <= tileSize && pw <= tileSize);
  const runner = await generatorForward(net, opts.mode, x.shape[0], opts.engine, {
    normStats: !whole && hasInputStatistics(net.spec, opts.mode),
  });
  opts.onEngine?.({ name: runner.name, device: runner.device, ...(runner.reason ? { reason: runner.reason } : {}) });
  if (whole) {
    opts.signal?.throwIfAborted();
    opts.onProgress?.(0, 1);
    const y = runner.name === 'tfjs' ? translateWhole(tfjsNetwork(net), x, opts.mode) : await translateWholeWith(runner.forward, x, pad, opts.mode);
    opts.onProgress?.(1, 1);
    return y;
  }
  return translateTiled(net, x, {
    mode: opts.mode,
    tileSize,
    ...(opts.overlap !== undefined ? { overlap: opts.overlap } : {}),
    onProgress: opts.onProgress,
    signal: opts.signal,
    forward: runner.forward,
  });
}

/** translateWhole with another engine's forward pass: pad, run, crop. */
async function translateWholeWith(
  forward: NonNullable<Parameters<typeof translateTiled>[2]['forward']>,
  x: tf.Tensor4D,
  pad: ReturnType<typeof paddingToMultiple>,
  mode: InferenceMode,
): Promise<tf.Tensor4D> {
  const [, height, width] = x.shape;
  const padded = reflectPad(x, pad);
  let y: tf.Tensor4D;
  try {
    y = await forward(padded, mode);
  } finally {
    if (padded !== x) padded.dispose();
  }
  const out = crop(y, pad.top, pad.left, height, width);
  if (out !== y) y.dispose();
  return out;
}
