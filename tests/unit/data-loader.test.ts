import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataset, type DatasetOptions } from '../../src/main/engine/data/datasets';
import { DataLoader, type BadSample, type Batch } from '../../src/main/engine/data/loader';
import { sharedData } from '../helpers/paths';

let root: string;

const opts = (dataroot: string, over: Partial<DatasetOptions> = {}): DatasetOptions => ({
  dataroot,
  phase: 'train',
  dataset_mode: 'single',
  direction: 'AtoB',
  input_nc: 3,
  output_nc: 3,
  serial_batches: false,
  max_dataset_size: null,
  preprocess: 'none',
  load_size: 8,
  crop_size: 8,
  no_flip: true,
  ...over,
});

/** n 8×8 images whose every pixel value is the image number. */
async function numbered(dir: string, n: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    await sharp(Buffer.alloc(8 * 8 * 3, i), { raw: { width: 8, height: 8, channels: 3 } })
      .png()
      .toFile(join(dir, `img${String(i).padStart(2, '0')}.png`));
  }
}

const idOf = (b: Batch, k: number) => Math.round((b.A.data[k * 8 * 8 * 3]! + 1) * 127.5);

async function collect(it: AsyncIterable<Batch & { batchIndex: number }>) {
  const out: (Batch & { batchIndex: number })[] = [];
  for await (const b of it) out.push(b);
  return out;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'atelier-loader-'));
  await numbered(join(root, 'ten'), 10);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('DataLoader', () => {
  it('stacks NHWC batches, keeps the last partial batch, and covers every sample once per epoch', async () => {
    const ds = await createDataset(opts(join(root, 'ten')));
    const loader = new DataLoader(ds, { batchSize: 4, serialBatches: false, maxDatasetSize: null, seed: 1 });
    expect(loader.batchesPerEpoch).toBe(3);
    const batches = await collect(loader.epoch(1));
    expect(batches.map((b) => b.A.shape)).toEqual([
      [4, 8, 8, 3],
      [4, 8, 8, 3],
      [2, 8, 8, 3],
    ]);
    const ids = batches.flatMap((b) => Array.from({ length: b.A.shape[0] }, (_, k) => idOf(b, k)));
    expect([...ids].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(ids).toEqual(batches.flatMap((b) => b.indices));
  });

  it('shuffles deterministically per seed and epoch; serial_batches keeps file order', async () => {
    const ds = await createDataset(opts(join(root, 'ten')));
    const mk = (seed: number, serialBatches = false) => new DataLoader(ds, { batchSize: 1, serialBatches, maxDatasetSize: null, seed });
    expect(mk(5).order(1)).toEqual(mk(5).order(1));
    expect(mk(5).order(1)).not.toEqual(mk(5).order(2));
    expect(mk(5).order(1)).not.toEqual(mk(6).order(1));
    expect(mk(5, true).order(3)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('limits an epoch to max_dataset_size samples', async () => {
    const ds = await createDataset(opts(join(root, 'ten')));
    const loader = new DataLoader(ds, { batchSize: 2, serialBatches: true, maxDatasetSize: 5, seed: 0 });
    expect(loader.length).toBe(5);
    const batches = await collect(loader.epoch(1));
    expect(batches.map((b) => b.indices)).toEqual([[0, 1], [2, 3], [4]]);
  });

  it('resumes in the middle of an epoch with the same batches', async () => {
    const ds = await createDataset(opts(join(root, 'ten'), { preprocess: 'crop', crop_size: 4, no_flip: false }));
    const loader = new DataLoader(ds, { batchSize: 3, serialBatches: false, maxDatasetSize: null, seed: 11 });
    const full = await collect(loader.epoch(4));
    const tail = await collect(loader.epoch(4, 2));
    expect(tail.map((b) => b.batchIndex)).toEqual([2, 3]);
    expect(tail.map((b) => Array.from(b.A.data))).toEqual(full.slice(2).map((b) => Array.from(b.A.data)));
  });

  it('decodes ahead of the batch being trained on', async () => {
    const started: number[] = [];
    const ds = await createDataset(opts(join(root, 'ten')), {
      decode: async (path) => {
        started.push(Number(/img(\d+)/.exec(path)![1]));
        const { data, info } = await sharp(await readFile(path)).raw().toBuffer({ resolveWithObject: true });
        return { width: info.width, height: info.height, channels: 3, data: new Uint8Array(data) };
      },
    });
    const loader = new DataLoader(ds, { batchSize: 2, serialBatches: true, maxDatasetSize: null, seed: 0, prefetchBatches: 2 });
    const it = loader.epoch(1);
    await it.next();
    // Batch 0 is in hand; batches 1 and 2 are already being decoded.
    expect(started.slice().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    await it.return(undefined);
  });
});

describe('bad data', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(root, 'bad');
    await numbered(dir, 4);
    await writeFile(join(dir, 'img01 text.jpg'), 'this is not a JPEG, only text');
    const jpeg = await readFile(sharedData('facades', 'train', '5.jpg'));
    await writeFile(join(dir, 'img02 truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 3)));
  });

  it('reports undecodable and truncated files with their paths and trains on the rest', async () => {
    const ds = await createDataset(opts(dir, { preprocess: 'crop', crop_size: 8 }));
    expect(ds.size).toBe(6);
    const bad: BadSample[] = [];
    const loader = new DataLoader(ds, { batchSize: 2, serialBatches: true, maxDatasetSize: null, seed: 0, onBadSample: (b) => bad.push(b) });
    const batches = await collect(loader.epoch(1));
    expect(batches.flatMap((b) => b.indices).length).toBe(4);
    expect(bad.map((b) => b.path).sort()).toEqual([join(dir, 'img01 text.jpg'), join(dir, 'img02 truncated.jpg')]);
    for (const b of bad) expect(b.message).toContain(b.path);
  });

  it("stops with the file's path when bad data should stop the run", async () => {
    const ds = await createDataset(opts(dir, { preprocess: 'crop', crop_size: 8 }));
    const loader = new DataLoader(ds, { batchSize: 1, serialBatches: true, maxDatasetSize: null, seed: 0, badData: 'stop' });
    await expect(collect(loader.epoch(1))).rejects.toThrow(/img01 text\.jpg/);
  });

  it('stops with a clear message when no image loads', async () => {
    const only = join(root, 'all-bad');
    await mkdir(only, { recursive: true });
    await writeFile(join(only, 'a.jpg'), 'nope');
    await writeFile(join(only, 'b.png'), 'nope');
    const loader = new DataLoader(await createDataset(opts(only)), { batchSize: 1, serialBatches: true, maxDatasetSize: null, seed: 0 });
    await expect(collect(loader.epoch(1))).rejects.toThrow(/no usable images in .*all-bad/);
  });

  it('refuses to stack images of different sizes, naming both', async () => {
    const mixed = join(root, 'mixed');
    await mkdir(mixed, { recursive: true });
    await sharp(Buffer.alloc(8 * 8 * 3), { raw: { width: 8, height: 8, channels: 3 } }).png().toFile(join(mixed, 'a.png'));
    await sharp(Buffer.alloc(12 * 8 * 3), { raw: { width: 12, height: 8, channels: 3 } }).png().toFile(join(mixed, 'b.png'));
    const loader = new DataLoader(await createDataset(opts(mixed)), { batchSize: 2, serialBatches: true, maxDatasetSize: null, seed: 0 });
    await expect(collect(loader.epoch(1))).rejects.toThrow(/a\.png is 8×8×3, .*b\.png is 12×8×3/);
  });
});
