import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FileExistsError,
  ImageDecodeError,
  decodeImage8,
  decodeImageBytes,
  fromUnitRange,
  readImage,
  readImage8,
  resizeBicubic,
  toUnitRange,
  writeImage,
  type FloatImage,
  type Image8,
} from '../../src/main/engine/io/image';
import { readNpy } from '../../src/main/engine/io/npy';
import { crc32 } from '../../src/main/engine/io/zip';
import { sharedData, torchFixturesDir } from '../helpers/paths';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'atelier-image-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Columns [x0, x0 + width) of an HWC image, as PIL's crop((x0, 0, x0 + width, h)). */
function cropColumns(img: Image8, x0: number, width: number): Image8 {
  const { channels, height } = img;
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    data.set(img.data.subarray((y * img.width + x0) * channels, (y * img.width + x0 + width) * channels), y * width * channels);
  }
  return { data, width, height, channels };
}

/** HWC float image vs channels [c0, c0 + C) of a 1×C'×H×W fixture; returns max |Δ| and the exact fraction. */
function compareWithNchw(hwc: Float32Array, nchw: Float32Array, width: number, height: number, c0: number) {
  let maxDiff = 0;
  let exact = 0;
  const n = width * height;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n; i++) {
      const d = Math.abs(hwc[i * 3 + c]! - nchw[(c0 + c) * n + i]!);
      maxDiff = Math.max(maxDiff, d);
      if (d === 0) exact++;
    }
  }
  return { maxDiff, exactFraction: exact / (3 * n) };
}

/**
 * The reference's input pipeline on the fixtures' sources: PIL convert('RGB'), crop, bicubic
 * resize to 256×256, ToTensor + Normalize. One uint8 step is 1/127.5 after normalisation; a
 * JPEG decoder with another IDCT would differ by such steps, so the bound is one step with
 * nearly every value exact (sharp's libjpeg-turbo gives max |Δ| = 0 here).
 */
describe('the reference input pipeline', () => {
  // [fixture, source image, first channel in the fixture, part of the source]
  const cases: Array<[string, string, number, 'left' | 'right' | 'whole']> = [
    ['pix2pix_step/real_A.npy', 'facades/train/5.jpg', 0, 'left'],
    ['pix2pix_step/real_B.npy', 'facades/train/5.jpg', 0, 'right'],
    ['D_basic_bn/input.npy', 'facades/train/5.jpg', 0, 'left'],
    ['D_basic_bn/input.npy', 'facades/train/5.jpg', 3, 'right'],
    ['cyclegan_step/real_A.npy', 'horse2zebra/trainA/n02381460_1084.jpg', 0, 'whole'],
    ['cyclegan_step/real_B.npy', 'horse2zebra/trainB/n02391049_10007.jpg', 0, 'whole'],
  ];
  for (const [fixture, source, channelOffset, part] of cases) {
    it(`${source} (${part}) reproduces ${fixture} from channel ${channelOffset}`, async () => {
      const img = await readImage8(sharedData(...source.split('/')));
      const half = img.width / 2;
      const cropped = part === 'whole' ? img : cropColumns(img, part === 'left' ? 0 : half, half);
      const resized = resizeBicubic(cropped, 256, 256);
      const ref = await readNpy(join(torchFixturesDir, fixture));
      const { maxDiff, exactFraction } = compareWithNchw(toUnitRange(resized.data), ref.data as Float32Array, 256, 256, channelOffset);
      expect(maxDiff).toBeLessThanOrEqual(1 / 127.5 + 1e-6);
      expect(exactFraction).toBeGreaterThan(0.999);
    });
  }
});

describe('PIL bicubic resize', () => {
  // A 9×7 RGB test pattern: value (x·37 + y·91 + c·53 + x·y·7) mod 256.
  const pattern: Image8 = (() => {
    const data = new Uint8Array(9 * 7 * 3);
    for (let y = 0; y < 7; y++) for (let x = 0; x < 9; x++) for (let c = 0; c < 3; c++) data[(y * 9 + x) * 3 + c] = (x * 37 + y * 91 + c * 53 + x * y * 7) % 256;
    return { data, width: 9, height: 7, channels: 3 };
  })();
  // np.asarray(Image.fromarray(pattern).resize((W, H), Image.BICUBIC)).tobytes().hex(), Pillow 9.4.
  const pil: Record<string, string> = {
    '4x3': '63828f7a829481878467808a7c877d8e8a8791877d867b7b6c9d7f79876b978579779471',
    '5x11':
      '093e734883c99fdfcbba5b310f38813273a985938b728b9e8776805a898477b0d1be99494437715890cda6dc8cc4975662597f6da4a8a86e604c81a598744f5977a39fab999f775e655f792a5f9f95caa6c0675d5d9ba9c875336c9d8da97a7684978da37c66837d9693be6e975861769b91b4795d5287b372a65a639079ad584e70a2ae5e935a5a90896ca86e7f756ba08c856f9e514d82b37cb16152978ed274567ba35a',
  };
  for (const [size, hex] of Object.entries(pil)) {
    it(`matches Pillow bit for bit: 9×7 → ${size}`, () => {
      const [w, h] = size.split('x').map(Number) as [number, number];
      const out = resizeBicubic(pattern, w, h);
      expect(Buffer.from(out.data).toString('hex')).toBe(hex);
    });
  }

  it('matches Pillow on a real photo, up and down (SHA-256 of the bytes)', async () => {
    const photo = await readImage8(sharedData('facades', 'train', '5.jpg'));
    const sha = (img: Image8) => createHash('sha256').update(img.data).digest('hex');
    // Image.open(p).convert('RGB').crop((0, 0, 256, 256)).resize((286, 286), Image.BICUBIC): the reference's load_size.
    expect(sha(resizeBicubic(cropColumns(photo, 0, 256), 286, 286))).toBe('23294e17639a8bfa40b0ef602a071e2cba4a841b2ff047a45c740345e1e312ed');
    // Image.open(p).convert('RGB').resize((300, 150), Image.BICUBIC): antialiased shrink.
    expect(sha(resizeBicubic(photo, 300, 150))).toBe('0b9b70abac17111d4d8ab87a8a379d1eec96ce9a34d1b270376171af00d53bb5');
  });

  it('keeps a constant image constant and returns a copy at the same size', () => {
    const flat: Image8 = { data: new Uint8Array(10 * 6 * 3).fill(173), width: 10, height: 6, channels: 3 };
    for (const [w, h] of [[3, 2], [31, 17], [10, 13]] as const) expect(resizeBicubic(flat, w, h).data.every((v) => v === 173)).toBe(true);
    const same = resizeBicubic(flat, 10, 6);
    expect(same.data).not.toBe(flat.data);
    expect(same.data).toEqual(flat.data);
  });

  it('refuses bad sizes and inconsistent data', () => {
    const img: Image8 = { data: new Uint8Array(12), width: 2, height: 2, channels: 3 };
    expect(() => resizeBicubic(img, 0, 4)).toThrow(/positive integers/);
    expect(() => resizeBicubic({ ...img, data: new Uint8Array(11) }, 4, 4)).toThrow(/11 bytes, expected 2×2×3 = 12/);
  });
});

/** A minimal PNG writer, to control 16-bit samples and alpha exactly. */
function png(width: number, height: number, colourType: 0 | 2 | 4 | 6, bitDepth: 8 | 16, samples: number[]): Buffer {
  const bands = { 0: 1, 2: 3, 4: 2, 6: 4 }[colourType];
  const bytesPerSample = bitDepth / 8;
  const rowBytes = width * bands * bytesPerSample;
  const raw = Buffer.alloc(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < width * bands; i++) {
      const v = samples[y * width * bands + i]!;
      const at = y * (rowBytes + 1) + 1 + i * bytesPerSample;
      if (bitDepth === 16) raw.writeUInt16BE(v, at);
      else raw[at] = v;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colourType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('reading as PIL convert("RGB") does', () => {
  it('turns the grayscale JPEG into three equal channels', async () => {
    const path = sharedData('horse2zebra', 'trainB', 'n02391049_226.jpg');
    const rgb = await readImage(path);
    expect(rgb.sourceInfo.channels).toBe(1);
    expect([rgb.width, rgb.height, rgb.channels]).toEqual([256, 256, 3]);
    const gray = await readImage(path, { channels: 1 });
    let unequal = 0;
    const distinct = new Set<number>();
    for (let i = 0; i < 256 * 256; i++) {
      const g = gray.data[i]!;
      if (rgb.data[i * 3] !== g || rgb.data[i * 3 + 1] !== g || rgb.data[i * 3 + 2] !== g) unequal++;
      distinct.add(g);
    }
    expect(unequal).toBe(0);
    expect(distinct.size).toBeGreaterThan(50);
  });

  it('converts RGB to one channel with Pillow\'s luma', async () => {
    const colours = [255, 0, 0, 0, 255, 0, 0, 0, 255, 12, 200, 77, 128, 128, 128, 1, 2, 3];
    const img = await decodeImage8(png(6, 1, 2, 8, colours), { channels: 1 });
    // Image.fromarray(colours).convert('L'), Pillow 9.4.
    expect([...img.data]).toEqual([76, 150, 29, 130, 128, 2]);
  });

  it('drops alpha without compositing it', async () => {
    const rgba = [10, 20, 30, 0, 200, 100, 50, 128, 255, 255, 255, 255, 0, 0, 0, 0];
    const img = await decodeImage8(png(2, 2, 6, 8, rgba));
    expect([...img.data]).toEqual([10, 20, 30, 200, 100, 50, 255, 255, 255, 0, 0, 0]);
    const la = await decodeImage8(png(2, 1, 4, 8, [90, 0, 180, 255]));
    expect([...la.data]).toEqual([90, 90, 90, 180, 180, 180]);
    expect(la.sourceInfo.hasAlpha).toBe(true);
  });

  it('reduces 16-bit samples as Pillow: gray clamps, gray+alpha and RGB keep the high byte', async () => {
    const gray16 = [0, 100, 255, 256, 1000, 65535];
    const g = await decodeImage8(png(6, 1, 0, 16, gray16));
    expect(g.sourceInfo.depth).toBe('ushort');
    // Pillow opens 16-bit gray PNGs in mode 'I'; convert('RGB') clamps to 0…255.
    expect([...g.data].filter((_, i) => i % 3 === 0)).toEqual([0, 100, 255, 255, 255, 255]);
    const la16 = await decodeImage8(png(2, 1, 4, 16, [59624, 771, 11308, 65535]));
    expect([...la16.data]).toEqual([232, 232, 232, 44, 44, 44]);
    const rgb16 = [31743, 0, 20992, 4608, 10751, 65535];
    const c = await decodeImage8(png(2, 1, 2, 16, rgb16));
    expect([...c.data]).toEqual(rgb16.map((v) => v >> 8));
  });

  it('converts CMYK JPEGs with Pillow\'s formula, not through an ICC profile', async () => {
    // Four flat 16×16 blocks: white, red, mid gray, teal, saved as CMYK by libvips.
    const colours = [
      [255, 255, 255],
      [255, 0, 0],
      [128, 128, 128],
      [0, 128, 128],
    ];
    const rgb = new Uint8Array(64 * 16 * 3);
    for (let y = 0; y < 16; y++) for (let x = 0; x < 64; x++) rgb.set(colours[x >> 4]!, (y * 64 + x) * 3);
    const jpeg = await sharp(rgb, { raw: { width: 64, height: 16, channels: 3 } })
      .toColourspace('cmyk')
      .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
      .toBuffer();
    const img = await decodeImage8(jpeg);
    expect(img.sourceInfo.space).toBe('cmyk');
    const at = (x: number) => [...img.data.subarray((8 * 64 + x) * 3, (8 * 64 + x) * 3 + 3)];
    // Image.open(f).convert('RGB') of that file, Pillow 9.4 (libvips' own ICC-managed
    // conversion gives [232, 0, 0], [116, 115, 114] and [0, 125, 122] for the last three).
    const expected = [
      [255, 255, 255],
      [255, 0, 0],
      [102, 104, 103],
      [42, 177, 110],
    ];
    for (let b = 0; b < 4; b++) {
      const got = at(b * 16 + 8);
      for (let c = 0; c < 3; c++) expect(Math.abs(got[c]! - expected[b]![c]!), `block ${b}`).toBeLessThanOrEqual(2);
    }
  });

  it('applies the EXIF orientation (and leaves it when asked to)', async () => {
    // 16×8, left half red, right half blue; orientation 6 = rotate 90° clockwise to display.
    const rgb = new Uint8Array(16 * 8 * 3);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 16; x++) rgb.set(x < 8 ? [255, 0, 0] : [0, 0, 255], (y * 16 + x) * 3);
    const jpeg = await sharp(rgb, { raw: { width: 16, height: 8, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    const upright = await decodeImage8(jpeg);
    expect(upright.sourceInfo.orientation).toBe(6);
    expect([upright.width, upright.height]).toEqual([8, 16]);
    const px = (img: Image8, x: number, y: number) => [...img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)];
    const isRed = (p: number[]) => p[0]! > 200 && p[2]! < 60;
    const isBlue = (p: number[]) => p[2]! > 200 && p[0]! < 60;
    // The stored left (red) half is on top once rotated, the right (blue) half below.
    expect(isRed(px(upright, 4, 2))).toBe(true);
    expect(isBlue(px(upright, 4, 13))).toBe(true);
    const stored = await decodeImage8(jpeg, { autoOrient: false });
    expect([stored.width, stored.height]).toEqual([16, 8]);
    expect(isRed(px(stored, 2, 4))).toBe(true);
  });
});

describe('errors', () => {
  it('names the path of a text file renamed .jpg, a truncated JPEG and a missing file', async () => {
    const text = join(dir, 'notes.jpg');
    await writeFile(text, 'these are notes, not pixels\n');
    await expect(readImage(text)).rejects.toThrow(ImageDecodeError);
    await expect(readImage(text)).rejects.toThrow(`${text}: not a readable image`);

    const truncated = join(dir, 'truncated.jpg');
    const full = await readFile(sharedData('facades', 'train', '5.jpg'));
    await writeFile(truncated, full.subarray(0, full.length >> 1));
    await expect(readImage(truncated)).rejects.toThrow(`${truncated}: cannot decode the image`);

    await expect(readImage(join(dir, 'missing.png'))).rejects.toThrow(/ENOENT.*missing\.png/);
  });

  it('refuses images over the pixel limit with the size and the option to change', async () => {
    const path = sharedData('facades', 'train', '5.jpg');
    await expect(readImage(path, { maxPixels: 100_000 })).rejects.toThrow(/512×256 \(0\.1 MP\), over the limit of 0\.1 MP \(option maxPixels\)/);
    await expect(readImage(path, { maxPixels: 131_072 })).resolves.toMatchObject({ width: 512, height: 256 });
    await expect(decodeImageBytes(await readFile(path), { maxPixels: 1000 }, 'upload.jpg')).rejects.toThrow(/^upload\.jpg: /);
  });
});

describe('writing as tensor2im', () => {
  it('maps [-1, 1] to uint8 as (x + 1) / 2 · 255 in float32, truncated', () => {
    // ((np.float32(x) + 1) / 2.0 * 255.0).astype(np.uint8) for these x: 127, 255, 0, 254, 191, 63, 127
    expect([...fromUnitRange(Float32Array.from([0, 1, -1, 0.999, 0.5, -0.5, 1e-8]))]).toEqual([127, 255, 0, 254, 191, 63, 127]);
    // Outside [-1, 1] and NaN clamp instead of wrapping.
    expect([...fromUnitRange(Float32Array.from([1.5, -3, NaN]))]).toEqual([255, 0, 0]);
    // As the reference, ToTensor → tensor2im loses a level on some values: 1 → 0, 2 → 1.
    expect([...fromUnitRange(toUnitRange(Uint8Array.from([0, 1, 2, 64, 127, 128, 200, 254, 255])))]).toEqual([0, 0, 1, 64, 127, 128, 200, 254, 255]);
  });

  const image: FloatImage = {
    data: Float32Array.from({ length: 5 * 4 * 3 }, (_, i) => ((i * 37) % 255) / 127.5 - 1),
    width: 5,
    height: 4,
    channels: 3,
  };

  it('writes PNG losslessly and never overwrites unless asked', async () => {
    const path = join(dir, 'fake_B.png');
    await writeImage(path, image);
    const back = await readImage8(path);
    expect([back.width, back.height, back.channels]).toEqual([5, 4, 3]);
    expect([...back.data]).toEqual([...fromUnitRange(image.data)]);
    await expect(writeImage(path, image)).rejects.toThrow(FileExistsError);
    await expect(writeImage(path, image)).rejects.toThrow(`${path} already exists`);
    const black: FloatImage = { ...image, data: new Float32Array(image.data.length).fill(-1) };
    await writeImage(path, black, { overwrite: true });
    expect((await readImage8(path)).data.every((v) => v === 0)).toBe(true);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes JPEG and WebP with the requested quality, and one-channel images', async () => {
    const sizes: number[] = [];
    for (const quality of [20, 95]) {
      const path = join(dir, `q${quality}.jpg`);
      await writeImage(path, image, { quality });
      sizes.push((await readFile(path)).length);
      expect((await sharp(path).metadata()).format).toBe('jpeg');
    }
    expect(sizes[0]).toBeLessThan(sizes[1]!);
    await writeImage(join(dir, 'x.webp'), image);
    expect((await sharp(join(dir, 'x.webp')).metadata()).format).toBe('webp');
    const gray: FloatImage = { data: Float32Array.from([-1, 0, 1, 0.5]), width: 2, height: 2, channels: 1 };
    await writeImage(join(dir, 'gray.png'), gray);
    const back = await readImage8(join(dir, 'gray.png'), { channels: 1 });
    expect([...back.data]).toEqual([0, 127, 255, 191]);
  });

  it('refuses unknown formats and inconsistent data', async () => {
    await expect(writeImage(join(dir, 'x.bmp'), image)).rejects.toThrow(/cannot tell the image format/);
    await expect(writeImage(join(dir, 'y.png'), { ...image, width: 6 })).rejects.toThrow(/60 values, expected 6×4×3/);
    await expect(writeImage(join(dir, 'z.jpg'), image, { quality: 0 })).rejects.toThrow(/quality must be an integer from 1 to 100/);
  });
});
