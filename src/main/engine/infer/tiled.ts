/**
 * Tiled translation for images too large to run in one pass: the image is reflect-padded
 * to the generator's size multiple (exactly as for whole-image translation), cut into
 * overlapping tiles whose origins lie on that multiple (so every tile sees the same
 * down-sampling grid as the whole image), each tile is translated on its own, and the
 * results are blended with feathered weights. Only one tile's activations exist at a time.
 *
 * Each axis takes the fewest tiles the tile size allows, each as short as they can be, spread
 * evenly (`axisTiles`): a tile costs its area.
 *
 * Blending: across an overlap of width `ov` between two tiles, each tile's weight is 0 in a
 * margin next to its own edge (where its output suffers from the tile border) — the outer
 * quarter of the overlap, or the field-of-view radius where the default overlap makes tiles
 * exact (`defaultOverlap`) — then a linear ramp over the rest; the two weights sum to 1.
 * Tile edges on the image border get no ramp.
 *
 * How close the result is to whole-image translation:
 * - A network whose output at a pixel depends only on a window of radius R (convolutions,
 *   eval-mode BatchNorm, no norm) gives the whole-image result up to float rounding wherever
 *   every tile with weight there is at least R pixels from its inner edges: every pixel with
 *   a margin ≥ R, which the default overlap gives where tiles are large enough. The ResNet
 *   generators have R = 8·n_blocks + 12 (84 for resnet_9blocks; `fieldOfViewRadius`). A
 *   U-Net sees further than most tiles hold (R = 765 for unet_256), so it only approaches the
 *   whole-image result as tiles grow (unet_32 with kaiming weights on a 150×200 photo,
 *   128-px tiles: mean |Δ| ≈ 2 % of mean |y|).
 * - InstanceNorm, and BatchNorm in train mode, normalise with the statistics of their input.
 *   Left to itself every tile would use its own, and the tiles of one photo would come out
 *   in different tones (a randomly initialised resnet_2blocks on a 150×200 photo gave mean
 *   |Δ| ≈ 37 % of mean |y| with 128-px tiles). So by default (`sharedStats`) one pass over
 *   the whole image, downscaled to at most `statsSize` pixels a side, records every such
 *   layer's statistics, and every tile is normalised with those: where the whole image fits
 *   that pass the tiles reproduce whole-image translation like the norm-free networks above;
 *   larger images get the statistics of their downscaled version, the same for every tile.
 *   The statistics pass and the tiles run on the engine the caller chose (`forward`): TF.js
 *   and ONNX Runtime exchange the statistics the same way (the executor's `normStats` hook).
 * (tests/unit/infer-tiled.test.ts holds these measurements and their bounds.)
 */
import type { Network } from '../networks/network';
import * as tf from '../tf';
import { tfjsNetwork, type InferenceSource } from './generator';
import { paddingToMultiple, reflectPad } from './pad';
import { checkTranslatable, type InferenceMode } from './translate';
import { walkLayers, type Layer, type NetworkSpec } from '../networks/spec';
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
  /** The largest tile side allowed (each axis uses the smallest that needs no more tiles). */
  tileSize: number;
  overlap: number;
  /**
   * Pixels next to a tile's inner edge that get no weight; undefined: a quarter of each
   * overlap (see `blendMargin`).
   */
  margin?: number;
  tiles: Tile[];
}

/**
 * Tiles along one axis of (padded) length `length`: the fewest of at most `tile` pixels that
 * overlap by at least `overlap`, each as short as that allows (tiles cost their area: a
 * 4000-px side in tiles of 1024 overlapping by 176 takes five of 944, not five of 1024), with
 * origins spread evenly on multiples of `multiple`, the first at 0 and the last flush with
 * the end. `tile`, `overlap` and `length` are multiples of `multiple`, and 2·overlap ≤ tile.
 */
export function axisTiles(length: number, tile: number, overlap: number, multiple = 1): AxisTile[] {
  if (length <= tile) return [{ origin: 0, size: length, overlapBefore: 0, overlapAfter: 0 }];
  const n = Math.ceil((length - overlap) / (tile - overlap));
  // n tiles of `size` cover the length with these overlaps once n·size − (n − 1)·overlap ≥
  // length, up to the rounding of the origins; `tile` itself always does (n is enough for it).
  const spread = (size: number) =>
    Array.from({ length: n }, (_, i) => (i === n - 1 ? length - size : Math.round((i * (length - size)) / (n - 1) / multiple) * multiple));
  // A tile between two others keeps room for both overlaps.
  let size = Math.max(n > 2 ? 2 * overlap : 0, roundUp(Math.ceil((length + (n - 1) * overlap) / n), multiple));
  let origins = spread(size);
  while (size < tile && origins.some((o, i) => i > 0 && o - origins[i - 1] > size - overlap)) origins = spread((size += multiple));
  return origins.map((origin, i) => ({
    origin,
    size,
    overlapBefore: i > 0 ? origins[i - 1] + size - origin : 0,
    overlapAfter: i < n - 1 ? origin + size - origins[i + 1] : 0,
  }));
}

/**
 * Radius in input pixels of the window the network's output at a pixel depends on, per axis
 * (normalisation with fixed statistics, activations and dropout being per pixel). The window
 * is tracked as offsets [lo, hi] from the pixel: a convolution widens it by its reach on
 * either side times the stride so far, a transposed one by its reach at the finer stride it
 * produces, a skip or residual to the wider of its two paths. ResNet generators: 8·n_blocks
 * + 12 (84 for resnet_9blocks); U-Nets: 3·(2^num_downs − 1) (765 for unet_256: more than
 * tiles hold).
 */
export function fieldOfViewRadius(spec: NetworkSpec): number {
  interface Window {
    jump: number;
    lo: number;
    hi: number;
  }
  const walk = (layers: readonly Layer[], w: Window): Window => {
    let { jump, lo, hi } = w;
    let pad = 0;
    for (const layer of layers) {
      switch (layer.kind) {
        case 'reflectionPad':
          pad += layer.pad;
          break;
        case 'conv2d': {
          // Output o reads inputs o·stride − p … o·stride − p + k − 1.
          const p = layer.padding + pad;
          lo -= p * jump;
          hi += (layer.kernel - 1 - p) * jump;
          jump *= layer.stride;
          pad = 0;
          break;
        }
        case 'convTranspose2d':
          // Output o reads the inputs i with i·stride in o + p − k + 1 … o + p.
          jump /= layer.stride;
          lo -= (layer.kernel - 1 - layer.padding) * jump;
          hi += layer.padding * jump;
          break;
        case 'concatSkip':
        case 'residual': {
          const body = walk(layer.body, { jump, lo, hi });
          lo = Math.min(lo, body.lo);
          hi = Math.max(hi, body.hi);
          break;
        }
        default:
          break;
      }
    }
    return { jump, lo, hi };
  };
  const w = walk(spec.layers, { jump: 1, lo: 0, hi: 0 });
  return Math.ceil(Math.max(-w.lo, w.hi));
}

/** Width of the ramp between two exact tiles (their values differ only by float rounding). */
const EXACT_RAMP = 8;

/**
 * The overlap `translateTiled` uses when none is given, and the margin its blending keeps.
 *
 * Where every tile is normalised alike (no layer normalises with its input's statistics, or
 * they are shared: `exactNorm`) a tile's output is the whole image's wherever it lies at
 * least the field-of-view radius R from the tile's inner edges. With an overlap of 2R plus a
 * short ramp and a margin of R, only such pixels get weight, and the result is whole-image
 * translation up to float rounding at the least overlap that allows it. (Feathering over the
 * middle half of the overlap, as below, needs 4R for that: resnet_9blocks, R = 84, at
 * 4000×3000 in 1024-px tiles computes 16.7 Mpx with 176 px overlaps and a margin of 84, 22.8
 * Mpx with 336 px feathered ones, and 19 Mpx with the quarter-tile overlap of 256, which is
 * not exact.) That is used where it overlaps no more than a quarter of the tile (for
 * resnet_9blocks, tiles from 704 px). Otherwise — small tiles, U-Nets, whose field of view
 * is more than a tile holds, or tiles with statistics of their own — a quarter of the tile,
 * feathered over its middle half, hides the seams at the quarter-tile cost.
 */
export function defaultOverlap(spec: NetworkSpec, tileSize: number, exactNorm: boolean): { overlap: number; margin?: number } {
  const tile = roundUp(Math.max(tileSize, spec.minSize), spec.sizeMultiple);
  if (exactNorm) {
    const radius = fieldOfViewRadius(spec);
    const overlap = roundUp(2 * radius + EXACT_RAMP, spec.sizeMultiple);
    if (4 * overlap <= tile) return { overlap, margin: radius };
  }
  return { overlap: Math.floor(tile / 4) };
}

function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/**
 * Plan the tiles for an H × W image on `net`: `tileSize` and `overlap` are rounded up to the
 * network's size multiple; `overlap` must stay within half a tile. `margin` (default a
 * quarter of each overlap) must leave at least one pixel of every overlap with weight.
 */
export function planTiles(net: Pick<Network, 'spec'>, height: number, width: number, tileSize: number, overlap: number, margin?: number): TilePlan {
  const { sizeMultiple, minSize } = net.spec;
  if (!Number.isInteger(tileSize) || tileSize < 1) throw new Error(`tile size must be a positive integer, got ${tileSize}`);
  if (!Number.isInteger(overlap) || overlap < 0) throw new Error(`tile overlap must be an integer ≥ 0, got ${overlap}`);
  const tile = roundUp(Math.max(tileSize, minSize), sizeMultiple);
  const ov = roundUp(overlap, sizeMultiple);
  if (2 * ov > tile) {
    throw new Error(`tile overlap ${ov} (rounded to a multiple of ${sizeMultiple}) must be at most half the tile size ${tile}`);
  }
  if (margin !== undefined && (!Number.isInteger(margin) || margin < 0 || 2 * margin >= ov)) {
    throw new Error(`tile margin must be an integer from 0 to less than half the overlap ${ov}, got ${margin}`);
  }
  const pad = paddingToMultiple(height, width, sizeMultiple, minSize);
  const paddedHeight = height + pad.top + pad.bottom;
  const paddedWidth = width + pad.left + pad.right;
  const tiles: Tile[] = [];
  for (const y of axisTiles(paddedHeight, tile, ov, sizeMultiple)) {
    for (const x of axisTiles(paddedWidth, tile, ov, sizeMultiple)) tiles.push({ index: tiles.length, y, x });
  }
  return { paddedHeight, paddedWidth, tileSize: tile, overlap: ov, ...(margin !== undefined ? { margin } : {}), tiles };
}

/** Pixels next to an inner edge with overlap `ov` that get no weight. */
function blendMargin(ov: number, margin: number | undefined): number {
  return margin ?? Math.floor(ov / 4);
}

/** Feather weight of a tile-relative distance `d` from an inner edge with overlap `ov`. */
function ramp(d: number, ov: number, margin: number | undefined): number {
  const m = blendMargin(ov, margin);
  return Math.min(1, Math.max(0, (d - m + 0.5) / (ov - 2 * m)));
}

/** Blending weights of every position along a tile's axis (`margin` as in the plan). */
export function axisWeights(t: AxisTile, margin?: number): Float32Array {
  const w = new Float32Array(t.size);
  for (let i = 0; i < t.size; i++) {
    let v = 1;
    if (t.overlapBefore > 0) v = Math.min(v, ramp(i, t.overlapBefore, margin));
    if (t.overlapAfter > 0) v = Math.min(v, ramp(t.size - 1 - i, t.overlapAfter, margin));
    w[i] = v;
  }
  return w;
}

export interface TiledOptions {
  mode: InferenceMode;
  /** Tile side in pixels (rounded up to the generator's size multiple). */
  tileSize: number;
  /**
   * Overlap between neighbouring tiles in pixels (rounded up likewise; ≤ tileSize / 2),
   * feathered over its middle half. Default: `defaultOverlap`, exact where the network allows.
   */
  overlap?: number;
  /** Called with (0, total) first, then after every tile. */
  onProgress?: (done: number, total: number) => void;
  /** Aborting stops before the next tile; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * The generator's forward pass, on the engine the inference entry chose
   * (engine/onnx/engine.ts), for the statistics pass and every tile; it takes the
   * statistics hook as `net.apply` does. Default: TF.js, `net.apply` (a generator loaded for
   * inference then builds its TF.js network).
   */
  forward?: TileForward;
  /**
   * Normalise every tile with statistics from one pass over the whole image (default true);
   * only for networks with InstanceNorm or train-mode BatchNorm. False: each tile uses its own.
   */
  sharedStats?: boolean;
  /** Largest side of the statistics pass (default 1024; the image is downscaled to it). */
  statsSize?: number;
}

/** A generator's forward pass with the executor's statistics hook (engine/onnx/engine.ts). */
export type TileForward = (x: tf.Tensor4D, mode: InferenceMode, normStats?: NormStatsHook) => Promise<tf.Tensor4D>;

/** The TF.js forward pass. */
export function tfjsTileForward(net: Network): TileForward {
  return async (x, mode, normStats) => net.apply(x, { ...mode, updateRunningStats: false, ...(normStats ? { normStats } : {}) });
}

/** Whether `spec` normalises with statistics of its input under `mode`. */
export function hasInputStatistics(spec: NetworkSpec, mode: InferenceMode): boolean {
  for (const layer of walkLayers(spec.layers)) {
    if (layer.kind === 'instanceNorm' || (layer.kind === 'batchNorm' && mode.training)) return true;
  }
  return false;
}

/**
 * One pass of `net` (on `forward`, default TF.js) over `padded` (downscaled so its larger
 * side is at most `maxSide`, keeping the size multiple) that records the statistics of every
 * normalisation layer. The caller disposes them (`disposeNormStats`).
 */
export async function recordNormStats(
  net: InferenceSource,
  padded: tf.Tensor4D,
  mode: InferenceMode,
  maxSide: number,
  forward: TileForward = tfjsTileForward(tfjsNetwork(net)),
): Promise<Map<string, NormStats>> {
  const stats = new Map<string, NormStats>();
  const [, h, w] = padded.shape;
  const { sizeMultiple, minSize } = net.spec;
  const scale = Math.min(1, maxSide / Math.max(h, w));
  const fit = (n: number) => Math.max(roundUp(minSize, sizeMultiple), Math.round((n * scale) / sizeMultiple) * sizeMultiple);
  const hook: NormStatsHook = { record: (module, s) => stats.set(module, s) };
  // Area-like downscaling: bilinear with half-pixel centres after a box pre-filter would be
  // better for large factors; the statistics are means and variances over whole maps, which
  // bilinear resampling of an already smooth photo preserves closely.
  const input = scale < 1 ? (tf.image.resizeBilinear(padded, [fit(h), fit(w)], false, true) as tf.Tensor4D) : padded;
  try {
    (await forward(input, mode, hook)).dispose();
  } catch (err) {
    disposeNormStats(stats);
    throw err;
  } finally {
    if (input !== padded) input.dispose();
  }
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
export async function translateTiled(net: InferenceSource, x: tf.Tensor4D, opts: TiledOptions): Promise<tf.Tensor4D> {
  checkTranslatable(net, x);
  opts.signal?.throwIfAborted();
  const [batch, height, width] = x.shape;
  const sharing = opts.sharedStats !== false && hasInputStatistics(net.spec, opts.mode);
  const auto = defaultOverlap(net.spec, opts.tileSize, sharing || !hasInputStatistics(net.spec, opts.mode));
  const plan = opts.overlap === undefined ? planTiles(net, height, width, opts.tileSize, auto.overlap, auto.margin) : planTiles(net, height, width, opts.tileSize, opts.overlap);
  const { paddedHeight: ph, paddedWidth: pw } = plan;
  const channels = net.spec.outChannels;
  const total = plan.tiles.length;

  const pad = paddingToMultiple(height, width, net.spec.sizeMultiple, net.spec.minSize);
  const forward = opts.forward ?? tfjsTileForward(tfjsNetwork(net));
  const padded = reflectPad(x, pad);
  let shared: Map<string, NormStats> | undefined;
  const acc = new Float32Array(batch * ph * pw * channels);
  const weightSum = new Float32Array(ph * pw);
  try {
    if (sharing) {
      shared = await recordNormStats(net, padded, opts.mode, opts.statsSize ?? 1024, forward);
    }
    const normStats: NormStatsHook | undefined = shared && { lookup: (module) => shared!.get(module) };
    opts.onProgress?.(0, total);
    for (const tile of plan.tiles) {
      opts.signal?.throwIfAborted();
      const { y: ty, x: tx } = tile;
      const mode = { ...opts.mode, seed: opts.mode.seed === undefined ? undefined : opts.mode.seed + 7919 * tile.index };
      const input = tf.slice(padded, [0, ty.origin, tx.origin, 0], [batch, ty.size, tx.size, x.shape[3]]);
      let out: tf.Tensor4D;
      try {
        out = await forward(input, mode, normStats);
      } finally {
        input.dispose();
      }
      let values: Float32Array;
      try {
        values = (await out.data()) as Float32Array;
      } finally {
        out.dispose();
      }
      const wy = axisWeights(ty, plan.margin);
      const wx = axisWeights(tx, plan.margin);
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
