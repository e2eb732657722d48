import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../../src/main/engine/io/model-file';
import { defineG, type GeneratorOptions } from '../../src/main/engine/networks';
import {
  batchOutputNames,
  encodeMask,
  generatorCache,
  runBatch,
  runExport,
  runPreview,
} from '../../src/main/engine/jobs/translate';
import { GeneratorCache } from '../../src/main/engine/jobs/translate-model';
import { decodePhoto, translateRaster } from '../../src/main/engine/jobs/translate-pipeline';
import * as tf from '../../src/main/engine/tf';
import { sharedData } from '../helpers/paths';

const horse = () => sharedData('horse2zebra', 'trainA', 'n02381460_1084.jpg');

/** A tiny ResNet generator without normalisation: its output at a pixel depends on a bounded window. */
const localNet: GeneratorOptions = {
  netG: 'resnet_2blocks',
  inputNc: 3,
  outputNc: 3,
  ngf: 4,
  norm: 'none',
  useDropout: false,
  initType: 'normal',
  initGain: 0.02,
};
/** A CycleGAN-style generator (instance norm), as most imported models are. */
const cycleNet: GeneratorOptions = { ...localNet, netG: 'resnet_6blocks', norm: 'instance' };

const quiet = { signal: new AbortController().signal, progress: () => undefined };

async function saveTiny(dir: string, options: GeneratorOptions, seed: number): Promise<string> {
  const net = defineG(options, { seed });
  // A larger init spread than the reference's 0.02, so the random network visibly changes pixels.
  net.init('normal', 0.2, seed);
  await saveModel(dir, {
    name: `tiny ${seed}`,
    kind: 'cycle_gan',
    domains: { A: 'horse', B: 'zebra' },
    origin: 'saved',
    generators: { AtoB: { options, stateDict: net.stateDict() }, BtoA: { options, stateDict: net.stateDict() } },
  });
  net.dispose();
  return dir;
}

async function pixels(path: string | Buffer) {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels };
}

describe('translate jobs', () => {
  let root: string;
  let localModel: string;
  let cycleModel: string;
  let bigPhoto: string;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    root = await mkdtemp(join(tmpdir(), 'atelier-translate-'));
    localModel = await saveTiny(join(root, 'models', 'local'), localNet, 11);
    cycleModel = await saveTiny(join(root, 'models', 'cycle'), cycleNet, 12);
    bigPhoto = join(root, 'big photo.png');
    await sharp(horse()).resize(1000, 700, { fit: 'fill' }).png().toFile(bigPhoto);
  });
  afterAll(async () => {
    generatorCache.clear();
    await rm(root, { recursive: true, force: true });
  });

  it('tiled export of a 1000×700 photo matches whole-image translation', async () => {
    const out = join(root, 'tiled.png');
    const result = await runExport(
      {
        model: { type: 'model', dir: localModel },
        direction: 'AtoB',
        source: { path: bigPhoto },
        eval: true,
        output: out,
        format: 'png',
        quality: 92,
        overwrite: false,
        tile: 768,
      },
      quiet,
    );
    expect(result).toMatchObject({ path: out, width: 1000, height: 700 });
    expect(result.tiles).toBeGreaterThan(1);

    const gen = await generatorCache.get({ type: 'model', dir: localModel }, 'AtoB');
    const whole = await translateRaster(gen, await decodePhoto(bigPhoto), { eval: true });
    const tiled = await pixels(out);
    expect([tiled.width, tiled.height, tiled.channels]).toEqual([1000, 700, 3]);
    // resnet_2blocks sees about 48 pixels around each output pixel; tiles of 768 overlap by
    // 192, and each tile's weight is 0 within 48 px of its inner edge: every pixel comes from
    // tiles that saw its whole window, so only float rounding (±1 level after uint8) differs.
    let maxDiff = 0;
    let differing = 0;
    for (let i = 0; i < whole.data.length; i++) {
      const d = Math.abs(whole.data[i]! - tiled.data[i]!);
      maxDiff = Math.max(maxDiff, d);
      if (d) differing++;
    }
    expect(maxDiff).toBeLessThanOrEqual(1);
    expect(differing / whole.data.length).toBeLessThan(0.01);
  });

  it('export keeps pixels outside the mask exactly and changes those inside', async () => {
    const source = await decodePhoto(horse());
    const { width, height } = source;
    const mask = new Uint8Array(width * height);
    for (let y = 40; y < 160; y++) for (let x = 60; x < 200; x++) mask[y * width + x] = 255;
    const out = join(root, 'masked.png');
    await runExport(
      {
        model: { type: 'model', dir: cycleModel },
        direction: 'BtoA',
        source: { path: horse() },
        blend: { mask: encodeMask(mask, width, height), feather: 6, strength: 1 },
        eval: false,
        output: out,
        format: 'png',
        quality: 92,
        overwrite: false,
        tile: 1024,
      },
      quiet,
    );
    const result = await pixels(out);
    let inside = 0;
    let changed = 0;
    for (let p = 0; p < width * height; p++) {
      for (let c = 0; c < 3; c++) {
        const i = p * 3 + c;
        if (!mask[p]) expect(result.data[i]).toBe(source.data[i]);
        else {
          inside++;
          if (result.data[i] !== source.data[i]) changed++;
        }
      }
    }
    expect(changed / inside).toBeGreaterThan(0.9);
  });

  it('refuses to overwrite an existing file, and the source photo even when allowed', async () => {
    const existing = join(root, 'existing.png');
    await writeFile(existing, 'keep me');
    const params = {
      model: { type: 'model' as const, dir: localModel },
      direction: 'AtoB' as const,
      source: { path: horse() },
      eval: true,
      output: existing,
      format: 'png' as const,
      quality: 92,
      overwrite: false,
      tile: 1024,
    };
    await expect(runExport(params, quiet)).rejects.toThrow(/existing\.png already exists/);
    expect(await readFile(existing, 'utf8')).toBe('keep me');
    const copy = join(root, 'source copy.png');
    await sharp(horse()).png().toFile(copy);
    const before = await readFile(copy);
    await expect(runExport({ ...params, source: { path: copy }, output: copy, overwrite: true }, quiet)).rejects.toThrow(
      /refusing to write the result over its source photo/,
    );
    expect((await readFile(copy)).equals(before)).toBe(true);
    await runExport({ ...params, overwrite: true }, quiet);
    expect((await pixels(existing)).width).toBe(256);
  });

  it('writes JPEG with the quality asked', async () => {
    const base = {
      model: { type: 'model' as const, dir: localModel },
      direction: 'AtoB' as const,
      source: { path: horse() },
      eval: true,
      format: 'jpeg' as const,
      overwrite: false,
      tile: 1024,
    };
    await runExport({ ...base, output: join(root, 'q20.jpg'), quality: 20 }, quiet);
    await runExport({ ...base, output: join(root, 'q95.jpg'), quality: 95 }, quiet);
    const small = (await readFile(join(root, 'q20.jpg'))).length;
    const large = (await readFile(join(root, 'q95.jpg'))).length;
    expect((await sharp(join(root, 'q20.jpg')).metadata()).format).toBe('jpeg');
    expect(large).toBeGreaterThan(small * 1.5);
  });

  it('preview scales to maxSize and honours the mask at that scale', async () => {
    const source = await decodePhoto(bigPhoto);
    const mask = new Uint8Array(1000 * 700);
    for (let y = 0; y < 700; y++) for (let x = 500; x < 1000; x++) mask[y * 1000 + x] = 255; // right half
    const result = await runPreview(
      {
        model: { type: 'model', dir: localModel },
        direction: 'AtoB',
        source: { path: bigPhoto },
        blend: { mask: encodeMask(mask, 1000, 700), feather: 0, strength: 1 },
        eval: true,
        maxSize: 200,
      },
      quiet,
    );
    expect([result.width, result.height, result.sourceWidth, result.sourceHeight]).toEqual([200, 140, 1000, 700]);
    const png = await pixels(Buffer.from(result.png, 'base64'));
    expect([png.width, png.height]).toEqual([200, 140]);
    const scaled = await sharp(Buffer.from(source.data), { raw: { width: 1000, height: 700, channels: 3 } })
      .resize(200, 140, { kernel: 'cubic' })
      .raw()
      .toBuffer();
    // The left half (unmasked) is the scaled photo; the right half is translated.
    let leftDiff = 0;
    let rightDiff = 0;
    for (let y = 0; y < 140; y++) {
      for (let x = 0; x < 200; x++) {
        const i = (y * 200 + x) * 3;
        const d = Math.abs(png.data[i]! - scaled[i]!);
        if (x < 95) leftDiff = Math.max(leftDiff, d);
        if (x > 105) rightDiff += d;
      }
    }
    expect(leftDiff).toBeLessThanOrEqual(8); // PIL bicubic vs libvips cubic
    expect(rightDiff / (94 * 140)).toBeGreaterThan(10);
    expect(result.ms.total).toBeGreaterThan(0);
  });

  it('rejects a mask of another size with both sizes in the message', async () => {
    await expect(
      runPreview(
        {
          model: { type: 'model', dir: localModel },
          direction: 'AtoB',
          source: { path: horse() },
          blend: { mask: encodeMask(new Uint8Array(100), 10, 10), feather: 0, strength: 1 },
          eval: true,
          maxSize: 64,
        },
        quiet,
      ),
    ).rejects.toThrow(/mask is 10×10 but the photo is 256×256/);
  });

  it('batch reports a corrupt file and a non-image, and translates the rest', async () => {
    const folder = join(root, 'batch in');
    await mkdir(folder);
    await sharp(horse()).resize(64, 48).png().toFile(join(folder, 'a.png'));
    await sharp(horse()).resize(48, 64).jpeg().toFile(join(folder, 'b photo.jpg'));
    const jpeg = await readFile(horse());
    await writeFile(join(folder, 'broken.jpg'), jpeg.subarray(0, 600));
    await writeFile(join(folder, 'notes.txt'), 'not an image');
    const inputs = ['a.png', 'b photo.jpg', 'broken.jpg', 'notes.txt'].map((n) => join(folder, n));
    const seen: string[] = [];
    const summary = await runBatch(
      {
        model: { type: 'model', dir: localModel },
        direction: 'AtoB',
        inputs,
        outputDir: join(root, 'batch out'),
        eval: true,
        format: 'png',
        quality: 92,
        overwrite: false,
        tile: 1024,
      },
      { signal: new AbortController().signal, progress: (_d, _t, m) => seen.push(m ?? '') },
    );
    expect(summary.written.map((w) => w.output)).toEqual([join(root, 'batch out', 'a.png'), join(root, 'batch out', 'b photo.png')]);
    expect(summary.failed).toHaveLength(1);
    expect(summary.failed[0]!.source).toBe(join(folder, 'broken.jpg'));
    expect(summary.failed[0]!.error).toMatch(/broken\.jpg/);
    expect(summary.skipped).toEqual([{ source: join(folder, 'notes.txt'), reason: 'not an image file (.txt)' }]);
    expect((await pixels(join(root, 'batch out', 'b photo.png'))).width).toBe(48);
    expect(seen.at(-1)).toBe('2 written, 1 failed, 1 skipped');
  });

  it('batch stops at cancel', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled by user'));
    await expect(
      runBatch(
        {
          model: { type: 'model', dir: localModel },
          direction: 'AtoB',
          inputs: [horse()],
          outputDir: join(root, 'never'),
          eval: true,
          format: 'png',
          quality: 92,
          overwrite: false,
          tile: 1024,
        },
        { signal: controller.signal, progress: () => undefined },
      ),
    ).rejects.toThrow(/cancelled by user/);
  });

  it('names batch outputs after their inputs, numbering clashes', () => {
    expect(batchOutputNames(['/a/x.jpg', '/b/x.png', '/c/X.jpeg', '/d/y.tif'], 'png')).toEqual(['x.png', 'x_2.png', 'X_3.png', 'y.png']);
  });
});

describe('GeneratorCache', () => {
  let root: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    root = await mkdtemp(join(tmpdir(), 'atelier-cache-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps loaded networks, reloads a changed file and evicts the least recently used', async () => {
    const dirs = await Promise.all([1, 2, 3].map((i) => saveTiny(join(root, `m${i}`), localNet, i)));
    const cache = new GeneratorCache(2);
    const a1 = await cache.get({ type: 'model', dir: dirs[0]! }, 'AtoB');
    const a2 = await cache.get({ type: 'model', dir: dirs[0]! }, 'AtoB');
    expect([a1.cached, a2.cached]).toEqual([false, true]);
    expect(a2.net).toBe(a1.net);

    // A re-saved model (newer file) is loaded again, the old network released.
    const later = new Date(Date.now() + 5000);
    await utimes(join(dirs[0]!, 'G_AtoB.pth'), later, later);
    const a3 = await cache.get({ type: 'model', dir: dirs[0]! }, 'AtoB');
    expect(a3.cached).toBe(false);
    expect(a1.net.isDisposed).toBe(true);

    const b = await cache.get({ type: 'model', dir: dirs[1]! }, 'AtoB');
    await cache.get({ type: 'model', dir: dirs[0]! }, 'AtoB'); // touch m1: m2 is now the oldest
    await cache.get({ type: 'model', dir: dirs[2]! }, 'AtoB');
    expect(cache.size).toBe(2);
    expect(b.net.isDisposed).toBe(true);
    expect(a3.net.isDisposed).toBe(false);
    cache.clear();
    expect(a3.net.isDisposed).toBe(true);
  });

  it('loads a bare reference .pth by its architecture and refuses a missing direction', async () => {
    const cache = new GeneratorCache(1);
    const dir = await saveTiny(join(root, 'pth'), localNet, 9);
    const viaPth = await cache.get({ type: 'pth', path: join(dir, 'G_AtoB.pth') }, 'AtoB');
    expect(viaPth.options).toMatchObject({ netG: 'resnet_2blocks', ngf: 4, norm: 'none' });
    await saveModel(join(root, 'one-way'), {
      name: 'one way',
      kind: 'pix2pix',
      domains: { A: 'photo', B: 'labels' },
      origin: 'saved',
      generators: { BtoA: { options: localNet, stateDict: viaPth.net.stateDict } },
    });
    await expect(cache.get({ type: 'model', dir: join(root, 'one-way') }, 'AtoB')).rejects.toThrow(/no AtoB generator \(it has: BtoA\)/);
    cache.clear();
  });
});
