/**
 * Tiled translation for images too large to run in one pass: the image is reflect-padded
 * to the generator's size multiple (exactly as for whole-image translation), cut into
 * overlapping tiles whose origins lie on that multiple (so every tile sees the same
 * down-sampling grid as the whole image), each tile is translated on its own, and the
 * results are blended with feathered weights. Only one tile's activations exist at a time.
 *
 * Blending: across an overlap of width `ov` between two tiles, each tile's weight is 0 in
 * the outer quarter of the overlap next to its own edge (where its output suffers from the
 * tile border), then a linear ramp over the middle half; the two weights sum to 1. Tile
 * edges on the image border get no ramp.
 *
 * How close the result is to whole-image translation:
 * - A network whose output at a pixel depends only on a window of radius R (convolutions,
 *   eval-mode BatchNorm, no norm) gives the whole-image result up to float rounding wherever
 *   every tile with weight there is at least R pixels from its inner edges; with
 *   overlap/4 ≥ R that is every pixel. The ResNet generators have R = 8·n_blocks + 12
 *   (84 for resnet_9blocks). A U-Net's bottleneck sees the whole tile, so it only approaches
 *   the whole-image result as tiles grow (unet_32 with kaiming weights on a 150×200 photo,
 *   128-px tiles: mean |Δ| ≈ 2 % of mean |y|).
 * - InstanceNorm, and BatchNorm in train mode, normalise with the statistics of their input.
 *   Left to itself every tile would use its own, and the tiles of one photo would come out
 *   in different tones (a randomly initialised resnet_2blocks on a 150×200 photo gave mean
 *   |Δ| ≈ 37 % of mean |y| with 128-px tiles). So by default (`sharedStats`) one pass over
 *   the whole image, downscaled to at most `statsSize` pixels a side, records every such
 *   layer's statistics, and every tile is normalised with those: where the whole image fits
 *   that pass the tiles reproduce whole-image translation like the norm-free networks above;
 *   larger images get the statistics of their downscaled version, the same for every tile.
 * (tests/unit/infer-tiled.test.ts holds these measurements and their bounds.)
 */
import type { Network } from '../networks/network';
import * as tf from '../tf';
import { paddingToMultiple, reflectPad } from './pad';
import { checkTranslatable, type InferenceMode } from './translate';
import { walkLayers, type NetworkSpec } from '../networks/spec';
import type { NormStats, NormStatsHook } from '../networks/executor';

/** One tile along an axis: [origin, origin + size) and its overlaps with its neighbours. */
export interface AxisTile {
  origin: number;
  size: number;
  overlapBefore: number;
  overlapAfter: number;
}

export interface Tile {
  index: number;
  y: AxisTile;
  x: AxisTile;
}

export interface TilePlan {
  /** Padded size the tiles cover (multiples of the network's size multiple). */
  paddedHeight: number;
  paddedWidth: number;
  tileSize: number;
  overlap: number;
  tiles: Tile[];
}

/** Tiles along one axis of (padded) length `length`: origins step by `tile − overlap`, the last one flush with the end. */
export function axisTiles(length: number, tile: number, overlap: number): AxisTile[] {
  if (length <= tile) return [{ origin: 0, size: length, overlapBefore: 0, overlapAfter: 0 }];
  const origins = [0];
  while (origins[origins.length - 1] + tile < length) {
    origins.push(Math.min(origins[origins.length - 1] + tile - overlap, length - tile));
  }
  return origins.map((origin, i) => ({
    origin,
    size: tile,
    overlapBefore: i > 0 ? origins[i - 1] + tile - origin : 0,
    overlapAfter: i < origins.length - 1 ? origin + tile - origins[i + 1] : 0,
  }));
}

function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/**
 * Plan the tiles for an H × W image on `net`: `tileSize` and `overlap` are rounded up to the
 * network's size multiple; `overlap` must stay within half a tile.
 */
export function planTiles(net: Network, height: number, width: number, tileSize: number, overlap: number): TilePlan {
  const { sizeMultiple, minSize } = net.spec;
  if (!Number.isInteger(tileSize) || tileSize < 1) throw new Error(`tile size must be a positive integer, got ${tileSize}`);
  if (!Number.isInteger(overlap) || overlap < 0) throw new Error(`tile overlap must be an integer ≥ 0, got ${overlap}`);
  const tile = roundUp(Math.max(tileSize, minSize), sizeMultiple);
  const ov = roundUp(overlap, sizeMultiple);
  if (2 * ov > tile) {
    throw new Error(`tile overlap ${ov} (rounded to a multiple of ${sizeMultiple}) must be at most half the tile size ${tile}`);
  }
  const pad = paddingToMultiple(height, width, sizeMultiple, minSize);
  const paddedHeight = height + pad.top + pad.bottom;
  const paddedWidth = width + pad.left + pad.right;
  const tiles: Tile[] = [];
  for (const y of axisTiles(paddedHeight, tile, ov)) {
    for (const x of axisTiles(paddedWidth, tile, ov)) tiles.push({ index: tiles.length, y, x });
  }
  return { paddedHeight, paddedWidth, tileSize: tile, overlap: ov, tiles };
}

/** Feather weight of a tile-relative distance `d` from an inner edge with overlap `ov`. */
function ramp(d: number, ov: number): number {
  const margin = Math.floor(ov / 4);
  return Math.min(1, Math.max(0, (d - margin + 0.5) / (ov - 2 * margin)));
}

/** Blending weights of every position along a tile's axis. */
export function axisWeights(t: AxisTile): Float32Array {
  const w = new Float32Array(t.size);
  for (let i = 0; i < t.size; i++) {
    let v = 1;
    if (t.overlapBefore > 0) v = Math.min(v, ramp(i, t.overlapBefore));
    if (t.overlapAfter > 0) v = Math.min(v, ramp(t.size - 1 - i, t.overlapAfter));
    w[i] = v;
  }
  return w;
}

export interface TiledOptions {
  mode: InferenceMode;
  /** Tile side in pixels (rounded up to the generator's size multiple). */
  tileSize: number;
  /** Overlap between neighbouring tiles in pixels (rounded up likewise; ≤ tileSize / 2). */
  overlap: number;
  /** Called with (0, total) first, then after every tile. */
  onProgress?: (done: number, total: number) => void;
  /** Aborting stops before the next tile; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * The generator's forward pass on one tile, on the engine the inference entry chose
   * (engine/onnx/engine.ts); default: TF.js, `net.apply`.
   */
  forward?: (tile: tf.Tensor4D, mode: InferenceMode) => Promise<tf.Tensor4D>;
  /**
   * Normalise every tile with statistics from one pass over the whole image (default true);
   * only for networks with InstanceNorm or train-mode BatchNorm. Those tiles run on TF.js,
   * which takes the shared statistics; false: each tile uses its own, on `forward`.
   */
  sharedStats?: boolean;
  /** Largest side of the statistics pass (default 1024; the image is downscaled to it). */
  statsSize?: number;
}

/** Whether `spec` normalises with statistics of its input under `mode`. */
export function hasInputStatistics(spec: NetworkSpec, mode: InferenceMode): boolean {
  for (const layer of walkLayers(spec.layers)) {
    if (layer.kind === 'instanceNorm' || (layer.kind === 'batchNorm' && mode.training)) return true;
  }
  return false;
}

/**
 * One pass of `net` over `padded` (downscaled so its larger side is at most `maxSide`,
 * keeping the size multiple) that records the statistics of every normalisation layer.
 */
export function recordNormStats(net: Network, padded: tf.Tensor4D, mode: InferenceMode, maxSide: number): Map<string, NormStats> {
  const stats = new Map<string, NormStats>();
  const [, h, w] = padded.shape;
  const { sizeMultiple, minSize } = net.spec;
  const scale = Math.min(1, maxSide / Math.max(h, w));
  const fit = (n: number) => Math.max(roundUp(minSize, sizeMultiple), Math.round((n * scale) / sizeMultiple) * sizeMultiple);
  const hook: NormStatsHook = { record: (module, s) => stats.set(module, s) };
  tf.tidy(() => {
    // Area-like downscaling: bilinear with half-pixel centres after a box pre-filter would be
    // better for large factors; the statistics are means and variances over whole maps, which
    // bilinear resampling of an already smooth photo preserves closely.
    const input = scale < 1 ? (tf.image.resizeBilinear(padded, [fit(h), fit(w)], false, true) as tf.Tensor4D) : padded;
    net.apply(input, { ...mode, updateRunningStats: false, normStats: hook });
  });
  return stats;
}

export function disposeNormStats(stats: Map<string, NormStats>): void {
  for (const { mean, variance } of stats.values()) {
    mean.dispose();
    variance.dispose();
  }
  stats.clear();
}

function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Translate `x` ([N, H, W, C]) tile by tile; resolves to [N, H, W, C_out]. */
export async function translateTiled(net: Network, x: tf.Tensor4D, opts: TiledOptions): Promise<tf.Tensor4D> {
  checkTranslatable(net, x);
  opts.signal?.throwIfAborted();
  const [batch, height, width] = x.shape;
  const plan = planTiles(net, height, width, opts.tileSize, opts.overlap);
  const { paddedHeight: ph, paddedWidth: pw } = plan;
  const channels = net.spec.outChannels;
  const total = plan.tiles.length;

  const pad = paddingToMultiple(height, width, net.spec.sizeMultiple, net.spec.minSize);
  const padded = reflectPad(x, pad);
  const shared =
    opts.sharedStats !== false && hasInputStatistics(net.spec, opts.mode)
      ? recordNormStats(net, padded, opts.mode, opts.statsSize ?? 1024)
      : undefined;
  const normStats: NormStatsHook | undefined = shared && { lookup: (module) => shared.get(module) };
  const acc = new Float32Array(batch * ph * pw * channels);
  const weightSum = new Float32Array(ph * pw);
  try {
    opts.onProgress?.(0, total);
    for (const tile of plan.tiles) {
      opts.signal?.throwIfAborted();
      const { y: ty, x: tx } = tile;
      const mode = { ...opts.mode, seed: opts.mode.seed === undefined ? undefined : opts.mode.seed + 7919 * tile.index };
      const input = tf.slice(padded, [0, ty.origin, tx.origin, 0], [batch, ty.size, tx.size, x.shape[3]]);
      let out: tf.Tensor4D;
      try {
        out =
          opts.forward && !normStats
            ? await opts.forward(input, mode)
            : net.apply(input, { ...mode, updateRunningStats: false, normStats });
      } finally {
        input.dispose();
      }
      let values: Float32Array;
      try {
        values = (await out.data()) as Float32Array;
      } finally {
        out.dispose();
      }
      const wy = axisWeights(ty);
      const wx = axisWeights(tx);
      for (let i = 0; i < ty.size; i++) {
        for (let j = 0; j < tx.size; j++) {
          const w = wy[i] * wx[j];
          if (w === 0) continue;
          const p = (ty.origin + i) * pw + tx.origin + j;
          weightSum[p] += w;
          for (let n = 0; n < batch; n++) {
            const src = ((n * ty.size + i) * tx.size + j) * channels;
            const dst = (n * ph * pw + p) * channels;
            for (let c = 0; c < channels; c++) acc[dst + c] += w * values[src + c];
          }
        }
      }
      opts.onProgress?.(tile.index + 1, total);
      // Let an abort (or other work) in before the next tile.
      await nextMacrotask();
    }
  } finally {
    // Without padding `padded` is the caller's tensor.
    if (padded !== x) padded.dispose();
    if (shared) disposeNormStats(shared);
  }

  const out = new Float32Array(batch * height * width * channels);
  for (let n = 0; n < batch; n++) {
    for (let i = 0; i < height; i++) {
      for (let j = 0; j < width; j++) {
        const p = (i + pad.top) * pw + j + pad.left;
        const w = weightSum[p];
        if (!(w > 0)) throw new Error(`tile plan left pixel (${i}, ${j}) without weight`);
        const src = (n * ph * pw + p) * channels;
        const dst = ((n * height + i) * width + j) * channels;
        for (let c = 0; c < channels; c++) out[dst + c] = acc[src + c] / w;
      }
    }
  }
  return tf.tensor4d(out, [batch, height, width, channels]);
}
