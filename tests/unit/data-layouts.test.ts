import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataset, type DatasetOptions, type ImageArray } from '../../src/main/engine/data/datasets';
import { makePower2Size, roundHalfEven, scaleWidthSize, toGrayscale } from '../../src/main/engine/data/transforms';
import { readNpy } from '../../src/main/engine/io/npy';
import { Rng } from '../../src/main/engine/train/rng';
import { sharedData, torchFixturesDir } from '../helpers/paths';

let root: string;

const baseOpts = (over: Partial<DatasetOptions>): DatasetOptions => ({
  dataroot: root,
  phase: 'train',
  dataset_mode: 'aligned',
  direction: 'AtoB',
  input_nc: 3,
  output_nc: 3,
  serial_batches: true,
  max_dataset_size: null,
  preprocess: 'none',
  load_size: 286,
  crop_size: 256,
  no_flip: true,
  ...over,
});

/** A W×H RGB PNG whose pixel (x, y) is (x, y, x+y) mod 256 — every crop is recognisable. */
async function writeRamp(path: string, width: number, height: number, offset = 0): Promise<void> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x + offset) % 256;
      data[i + 1] = y % 256;
      data[i + 2] = (x + y) % 256;
    }
  await mkdir(join(path, '..'), { recursive: true });
  await sharp(data, { raw: { width, height, channels: 3 } }).png().toFile(path);
}

/** NCHW fixture (batch 1) → HWC. */
function nchwToHwc(data: Float32Array, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(c * h * w);
  for (let k = 0; k < c; k++) for (let i = 0; i < h * w; i++) out[i * c + k] = data[k * h * w + i]!;
  return out;
}

const toByte = (v: number) => Math.round((v + 1) * 127.5);
const pixel = (im: ImageArray, x: number, y: number) =>
  Array.from(im.data.subarray((y * im.width + x) * im.channels, (y * im.width + x + 1) * im.channels)).map(toByte);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'atelier-data-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('aligned layout', () => {
  it('splits A|B at the middle and reproduces the reference inputs bit for bit', async () => {
    const dir = join(root, 'facades5');
    await mkdir(join(dir, 'train'), { recursive: true });
    await copyFile(sharedData('facades', 'train', '5.jpg'), join(dir, 'train', '5.jpg'));
    const ds = await createDataset(baseOpts({ dataroot: dir }));
    expect(ds.size).toBe(1);
    const s = await ds.load(0, Rng.derive(0));
    const refA = await readNpy(join(torchFixturesDir, 'pix2pix_step', 'real_A.npy'));
    const refB = await readNpy(join(torchFixturesDir, 'pix2pix_step', 'real_B.npy'));
    expect([s.A.height, s.A.width, s.A.channels]).toEqual([256, 256, 3]);
    expect(Array.from(s.A.data)).toEqual(Array.from(nchwToHwc(refA.data as Float32Array, 3, 256, 256)));
    expect(Array.from(s.B!.data)).toEqual(Array.from(nchwToHwc(refB.data as Float32Array, 3, 256, 256)));
  });

  it('gives both halves the same crop and flip (resize_and_crop)', async () => {
    const dir = join(root, 'twins');
    // Identical halves: any difference after preprocessing would come from unshared randomness.
    const half = Buffer.alloc(40 * 30 * 3);
    for (let i = 0; i < half.length; i++) half[i] = (i * 7) % 251;
    const ab = Buffer.alloc(80 * 30 * 3);
    for (let y = 0; y < 30; y++) {
      half.copy(ab, y * 80 * 3, y * 40 * 3, (y + 1) * 40 * 3);
      half.copy(ab, (y * 80 + 40) * 3, y * 40 * 3, (y + 1) * 40 * 3);
    }
    await mkdir(join(dir, 'train'), { recursive: true });
    await sharp(ab, { raw: { width: 80, height: 30, channels: 3 } }).png().toFile(join(dir, 'train', 'ab.png'));
    const ds = await createDataset(baseOpts({ dataroot: dir, preprocess: 'resize_and_crop', load_size: 36, crop_size: 32, no_flip: false }));
    const seen = new Set<string>();
    for (let seed = 0; seed < 12; seed++) {
      const s = await ds.load(0, Rng.derive(seed));
      expect([s.A.width, s.A.height]).toEqual([32, 32]);
      expect(Array.from(s.B!.data)).toEqual(Array.from(s.A.data));
      seen.add(pixel(s.A, 0, 0).join(','));
    }
    expect(seen.size).toBeGreaterThan(3);
  });

  it('converts a side to grayscale when its channel count is 1, following the direction', async () => {
    const dir = join(root, 'gray');
    await writeRamp(join(dir, 'train', 'x.png'), 16, 8);
    const rgb = await (await createDataset(baseOpts({ dataroot: dir }))).load(0, Rng.derive(0));
    const gray = await (await createDataset(baseOpts({ dataroot: dir, output_nc: 1 }))).load(0, Rng.derive(0));
    expect(gray.A.channels).toBe(3);
    expect(gray.B!.channels).toBe(1);
    // PIL's L: (299 R + 587 G + 114 B)/1000, rounded.
    const [r, g, b] = pixel(rgb.B!, 3, 5);
    expect(pixel(gray.B!, 3, 5)[0]).toBe(Math.round((r! * 299 + g! * 587 + b! * 114) / 1000));
    // BtoA: the input is B, so output_nc 1 now applies to A.
    const btoa = await (await createDataset(baseOpts({ dataroot: dir, direction: 'BtoA', output_nc: 1 }))).load(0, Rng.derive(0));
    expect([btoa.A.channels, btoa.B!.channels]).toEqual([1, 3]);
  });

  it('names the missing folder', async () => {
    await expect(createDataset(baseOpts({ dataroot: join(root, 'nope') }))).rejects.toThrow(/nope[/\\]train.*not found/);
  });
});

describe('unaligned layout', () => {
  it('pairs A[i] with a random B, or B[i mod |B|] with serial_batches; length max(|A|, |B|)', async () => {
    const dir = join(root, 'unaligned');
    for (let i = 0; i < 3; i++) await writeRamp(join(dir, 'trainA', `a${i}.png`), 8, 8, i);
    for (let i = 0; i < 5; i++) await writeRamp(join(dir, 'trainB', `b${i}.png`), 8, 8, 10 * i);
    const serial = await createDataset(baseOpts({ dataroot: dir, dataset_mode: 'unaligned' }));
    expect(serial.size).toBe(5);
    const s4 = await serial.load(4, Rng.derive(0));
    expect(s4.A_path).toMatch(/a1\.png$/);
    expect(s4.B_path).toMatch(/b4\.png$/);
    const random = await createDataset(baseOpts({ dataroot: dir, dataset_mode: 'unaligned', serial_batches: false }));
    const partners = new Set<string>();
    for (let seed = 0; seed < 20; seed++) partners.add((await random.load(0, Rng.derive(seed))).B_path!);
    expect(partners.size).toBeGreaterThan(2);
  });

  it('reads the reference CycleGAN input exactly, and a grayscale JPEG as RGB', async () => {
    const dir = join(root, 'h2z');
    await mkdir(join(dir, 'trainA'), { recursive: true });
    await mkdir(join(dir, 'trainB'), { recursive: true });
    await copyFile(sharedData('horse2zebra', 'trainA', 'n02381460_1084.jpg'), join(dir, 'trainA', 'h.jpg'));
    await copyFile(sharedData('horse2zebra', 'trainB', 'n02391049_226.jpg'), join(dir, 'trainB', 'gray.jpg'));
    const s = await (await createDataset(baseOpts({ dataroot: dir, dataset_mode: 'unaligned' }))).load(0, Rng.derive(0));
    const ref = await readNpy(join(torchFixturesDir, 'cyclegan_step', 'real_A.npy'));
    expect(Array.from(s.A.data)).toEqual(Array.from(nchwToHwc(ref.data as Float32Array, 3, 256, 256)));
    expect(s.B!.channels).toBe(3);
    const [r, g, b] = pixel(s.B!, 100, 100);
    expect(r).toBe(g);
    expect(g).toBe(b);
  });

  it('crops each image independently (resize_and_crop) and flips about half of them', async () => {
    const dir = join(root, 'unaligned');
    const ds = await createDataset(baseOpts({ dataroot: dir, dataset_mode: 'unaligned', preprocess: 'crop', crop_size: 5, no_flip: false }));
    let flips = 0;
    for (let seed = 0; seed < 40; seed++) {
      const s = await ds.load(0, Rng.derive(seed));
      expect([s.A.width, s.A.height]).toEqual([5, 5]);
      // The ramp's red channel increases to the right unless the crop was flipped.
      const [left] = pixel(s.A, 0, 0);
      const [right] = pixel(s.A, 4, 0);
      if (left! > right!) flips++;
    }
    expect(flips).toBeGreaterThan(8);
    expect(flips).toBeLessThan(32);
  });
});

describe('paired folders', () => {
  it('matches A/ and B/ by file name without extension and reports the unmatched', async () => {
    const dir = join(root, 'paired');
    await writeRamp(join(dir, 'A', 'one.png'), 8, 8, 1);
    await writeRamp(join(dir, 'B', 'one.png'), 8, 8, 2);
    await writeRamp(join(dir, 'A', 'two.png'), 8, 8, 3);
    await writeRamp(join(dir, 'B', 'two.bmp.png'), 8, 8, 4);
    await writeRamp(join(dir, 'A', 'three photo.png'), 8, 8, 5);
    await sharp(Buffer.alloc(8 * 8 * 3, 9), { raw: { width: 8, height: 8, channels: 3 } })
      .jpeg()
      .toFile(join(dir, 'B', 'three photo.jpg'));
    const ds = await createDataset(baseOpts({ dataroot: dir, dataset_mode: 'paired' }));
    expect(ds.size).toBe(2);
    const s = await ds.load(1, Rng.derive(0));
    expect(s.A_path).toMatch(/A[/\\]three photo\.png$/);
    expect(s.B_path).toMatch(/B[/\\]three photo\.jpg$/);
    expect(ds.warnings.join('\n')).toMatch(/two\.png: no file named two\.\*/);
    expect(ds.warnings.join('\n')).toMatch(/two\.bmp\.png: no file with its name/);
  });

  it('shares crop and flip between A and B', async () => {
    const dir = join(root, 'paired-same');
    await writeRamp(join(dir, 'train', 'A', 'x.png'), 20, 20);
    await writeRamp(join(dir, 'train', 'B', 'x.png'), 20, 20);
    const ds = await createDataset(baseOpts({ dataroot: dir, dataset_mode: 'paired', preprocess: 'crop', crop_size: 7, no_flip: false }));
    for (let seed = 0; seed < 6; seed++) {
      const s = await ds.load(0, Rng.derive(seed));
      expect(Array.from(s.B!.data)).toEqual(Array.from(s.A.data));
    }
  });
});

describe('single layout', () => {
  it('reads every image of the folder as domain A', async () => {
    const dir = join(root, 'single');
    await writeRamp(join(dir, 'a.png'), 8, 8);
    await writeRamp(join(dir, 'sub', 'b.png'), 8, 8);
    await writeFile(join(dir, 'notes.txt'), 'not an image');
    const ds = await createDataset(baseOpts({ dataroot: dir, dataset_mode: 'single' }));
    expect(ds.size).toBe(2);
    expect((await ds.load(1, Rng.derive(0))).B).toBeUndefined();
  });
});

describe('preprocessing modes', () => {
  const ramp = async (w: number, h: number) => {
    const dir = join(root, `pre-${w}x${h}`);
    await writeRamp(join(dir, 'x.png'), w, h);
    return dir;
  };

  it('crop: a crop_size window of the original pixels', async () => {
    const dir = await ramp(30, 20);
    const ds = await createDataset(baseOpts({ dataroot: dir, dataset_mode: 'single', preprocess: 'crop', crop_size: 9 }));
    const s = await ds.load(0, Rng.derive(3));
    const [x0, y0] = pixel(s.A, 0, 0);
    for (const [x, y] of [[0, 0], [8, 0], [0, 8], [5, 7]] as const) {
      expect(pixel(s.A, x, y)).toEqual([x0! + x, y0! + y, (x0! + x + y0! + y) % 256]);
    }
  });

  it('resize_and_crop: resized to load_size, then crop_size', async () => {
    const dir = await ramp(30, 20);
    const s = await (await createDataset(baseOpts({ dataroot: dir, dataset_mode: 'single', preprocess: 'resize_and_crop', load_size: 24, crop_size: 16 }))).load(0, Rng.derive(0));
    expect([s.A.width, s.A.height]).toEqual([16, 16]);
  });

  it('scale_width keeps the aspect ratio (height at least crop_size); scale_width_and_crop crops', async () => {
    const dir = await ramp(40, 20);
    const sw = await (await createDataset(baseOpts({ dataroot: dir, dataset_mode: 'single', preprocess: 'scale_width', load_size: 24, crop_size: 8 }))).load(0, Rng.derive(0));
    expect([sw.A.width, sw.A.height]).toEqual([24, 12]);
    const swc = await (await createDataset(baseOpts({ dataroot: dir, dataset_mode: 'single', preprocess: 'scale_width_and_crop', load_size: 24, crop_size: 8 }))).load(0, Rng.derive(0));
    expect([swc.A.width, swc.A.height]).toEqual([8, 8]);
    expect(scaleWidthSize(40, 20, 24, 16)).toEqual([24, 16]);
    expect(scaleWidthSize(24, 30, 24, 16)).toEqual([24, 30]);
  });

  it("none: sides rounded to a multiple of 4 with Python's round-half-even", async () => {
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(3.5)).toBe(4);
    expect(roundHalfEven(-0.5)).toBe(-0);
    expect(makePower2Size(30, 18)).toEqual([32, 16]);
    expect(makePower2Size(256, 255)).toEqual([256, 256]);
    const dir = await ramp(30, 18);
    const s = await (await createDataset(baseOpts({ dataroot: dir, dataset_mode: 'single', preprocess: 'none' }))).load(0, Rng.derive(0));
    expect([s.A.width, s.A.height]).toEqual([32, 16]);
  });

  it('flip mirrors the image horizontally', async () => {
    const dir = await ramp(12, 4);
    const plain = await (await createDataset(baseOpts({ dataroot: dir, dataset_mode: 'single' }))).load(0, Rng.derive(0));
    const flippable = await createDataset(baseOpts({ dataroot: dir, dataset_mode: 'single', no_flip: false }));
    let flipped = null;
    for (let seed = 0; seed < 20 && !flipped; seed++) {
      const s = await flippable.load(0, Rng.derive(seed));
      if (pixel(s.A, 0, 0)[0] === 11) flipped = s;
    }
    expect(flipped).not.toBeNull();
    for (let x = 0; x < 12; x++) expect(pixel(flipped!.A, x, 2)).toEqual(pixel(plain.A, 11 - x, 2));
  });

  it('reports an image smaller than crop_size with its path', async () => {
    const dir = await ramp(6, 6);
    const ds = await createDataset(baseOpts({ dataroot: dir, dataset_mode: 'single', preprocess: 'crop', crop_size: 8 }));
    await expect(ds.load(0, Rng.derive(0))).rejects.toThrow(/x\.png: image is 6×6 after preprocess 'crop', smaller than crop_size 8/);
  });

  it('grayscale conversion is PIL\u2019s ITU-R 601-2 luma', () => {
    const g = toGrayscale({ width: 2, height: 1, channels: 3, data: Uint8Array.from([255, 0, 0, 10, 200, 30]) });
    expect(Array.from(g.data)).toEqual([Math.round(255 * 0.299), Math.round(10 * 0.299 + 200 * 0.587 + 30 * 0.114)]);
  });
});
