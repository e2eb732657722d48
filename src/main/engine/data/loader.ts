/**
 * Batches of samples, as the reference's `CustomDatasetDataLoader` over a torch DataLoader
 * (shuffle unless serial_batches, drop_last off, at most max_dataset_size samples), with
 * loading running ahead of training: while the training step computes, the next batches
 * are decoded (sharp decodes on its own threads), so the loop does not wait on files.
 *
 * Determinism: the order of epoch e is a permutation drawn from (seed, 'order', e), and
 * sample i of epoch e draws its crop, flip and partner from (seed, 'sample', e, i), so the
 * batches do not depend on how far loading runs ahead, and a resumed run can start in the
 * middle of an epoch (`startBatch`) and see the same batches.
 *
 * Bad files (undecodable, too small, mismatched pairs) are reported with their path and
 * skipped (`badData: 'skip'`), or stop the run (`'stop'`). A batch whose images differ in size
 * stops the run with both paths: they cannot be stacked (use a preprocess that crops or
 * resizes, or batch_size 1).
 */
import { Rng } from '../train/rng';
import type { Dataset, ImageArray, Sample } from './datasets';
import { DatasetError } from './image-folder';

/** Images stacked as NHWC float32. */
export interface BatchImages {
  shape: [number, number, number, number];
  data: Float32Array;
}

export interface Batch {
  A: BatchImages;
  B?: BatchImages;
  A_paths: string[];
  B_paths: string[];
  /** Dataset indices of the samples. */
  indices: number[];
}

export interface BadSample {
  index: number;
  path: string;
  message: string;
}

export interface LoaderOptions {
  batchSize: number;
  serialBatches: boolean;
  maxDatasetSize: number | null;
  seed: number;
  /** Batches decoded ahead of the one being trained on. */
  prefetchBatches?: number;
  badData?: 'skip' | 'stop';
  onBadSample?: (bad: BadSample) => void;
}

type Loaded = { ok: true; sample: Sample } | { ok: false; bad: BadSample };

export class DataLoader {
  private readonly prefetchBatches: number;

  constructor(
    readonly dataset: Dataset,
    private readonly opts: LoaderOptions,
  ) {
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new Error(`batch_size must be an integer ≥ 1, got ${opts.batchSize}`);
    this.prefetchBatches = Math.max(0, opts.prefetchBatches ?? 2);
  }

  /** Samples per epoch: `min(len(dataset), max_dataset_size)`. */
  get length(): number {
    return this.opts.maxDatasetSize == null ? this.dataset.size : Math.min(this.dataset.size, this.opts.maxDatasetSize);
  }

  get batchesPerEpoch(): number {
    return Math.ceil(this.length / this.opts.batchSize);
  }

  /** Dataset indices in the order epoch `epoch` visits them. */
  order(epoch: number): number[] {
    const n = this.dataset.size;
    const all = this.opts.serialBatches
      ? Array.from({ length: n }, (_, i) => i)
      : Rng.derive(this.opts.seed, 'order', epoch).permutation(n);
    return all.slice(0, this.length);
  }

  /** Load one sample with its own random stream (crop, flip, partner). */
  async loadSample(epoch: number, index: number): Promise<Sample> {
    return this.dataset.load(index, Rng.derive(this.opts.seed, 'sample', epoch, index));
  }

  /**
   * The batches of epoch `epoch`, from batch `startBatch` on. Each yielded batch carries
   * its position (`batchIndex`) in the epoch.
   */
  async *epoch(epoch: number, startBatch = 0): AsyncGenerator<Batch & { batchIndex: number }> {
    const order = this.order(epoch);
    const bs = this.opts.batchSize;
    const total = this.batchesPerEpoch;
    const inflight = new Map<number, Promise<Loaded>>();
    const start = (position: number) => {
      if (position >= order.length || inflight.has(position)) return;
      const index = order[position]!;
      inflight.set(
        position,
        this.loadSample(epoch, index).then(
          (sample): Loaded => ({ ok: true, sample }),
          (err: unknown): Loaded => ({ ok: false, bad: { index, path: pathOf(err, this.dataset, index), message: messageOf(err) } }),
        ),
      );
    };
    let yielded = 0;
    for (let b = startBatch; b < total; b++) {
      const end = Math.min(order.length, (b + 1 + this.prefetchBatches) * bs);
      for (let p = b * bs; p < end; p++) start(p);
      const samples: Sample[] = [];
      const indices: number[] = [];
      for (let p = b * bs; p < Math.min(order.length, (b + 1) * bs); p++) {
        const loaded = await inflight.get(p)!;
        inflight.delete(p);
        if (loaded.ok) {
          samples.push(loaded.sample);
          indices.push(order[p]!);
        } else {
          this.opts.onBadSample?.(loaded.bad);
          if (this.opts.badData === 'stop') throw new DatasetError(`bad training sample: ${loaded.bad.message}`);
        }
      }
      if (samples.length === 0) continue;
      yielded++;
      yield { ...collate(samples, indices), batchIndex: b };
    }
    if (yielded === 0 && startBatch < total) {
      throw new DatasetError(`no usable images in ${this.dataset.folders.join(' and ')}: every sample of epoch ${epoch} failed to load`);
    }
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function pathOf(err: unknown, dataset: Dataset, index: number): string {
  if (err && typeof err === 'object' && 'path' in err && typeof (err as { path: unknown }).path === 'string') {
    return (err as { path: string }).path;
  }
  return `${dataset.folders.join(' + ')} #${index}`;
}

function stack(images: ImageArray[], paths: string[]): BatchImages {
  const first = images[0]!;
  const per = first.width * first.height * first.channels;
  const data = new Float32Array(per * images.length);
  images.forEach((im, i) => {
    if (im.width !== first.width || im.height !== first.height || im.channels !== first.channels) {
      throw new DatasetError(
        `images of one batch differ in size: ${paths[0]} is ${first.width}×${first.height}×${first.channels}, ${paths[i]} is ${im.width}×${im.height}×${im.channels} (use a preprocess that resizes or crops, or batch_size 1)`,
      );
    }
    data.set(im.data, i * per);
  });
  return { shape: [images.length, first.height, first.width, first.channels], data };
}

/** Stack samples into NHWC batches (the DataLoader's default collate). */
export function collate(samples: Sample[], indices: number[]): Batch {
  const aPaths = samples.map((s) => s.A_path);
  const bPaths = samples.map((s) => s.B_path ?? '');
  const hasB = samples.every((s) => s.B);
  return {
    A: stack(
      samples.map((s) => s.A),
      aPaths,
    ),
    ...(hasB ? { B: stack(samples.map((s) => s.B!), bPaths) } : {}),
    A_paths: aPaths,
    B_paths: hasB ? bPaths : [],
    indices,
  };
}
