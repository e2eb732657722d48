import { mkdtemp, readFile, readdir, rm, writeFile, mkdir, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetView } from '../../src/shared/api/dataset';
import { FACADES_PALETTE, hexToRgb } from '../../src/shared/palettes';
import { readRgb } from '../../src/main/services/dataset-images';
import { DatasetService } from '../../src/main/services/datasets';
import { ProjectService } from '../../src/main/services/projects';
import { RecentProjects } from '../../src/main/services/recent-projects';
import { sharedData } from '../helpers/paths';

let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'atelier-datasets-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function newProject(name: string, extra: Partial<ConstructorParameters<typeof DatasetService>[0]> = {}) {
  const projects = new ProjectService({ recent: new RecentProjects(join(tmp, 'config')) });
  const info = await projects.create(join(tmp, name));
  const events: string[] = [];
  const datasets = new DatasetService({ projects, emit: (n) => events.push(n), ...extra });
  return { projects, datasets, root: info.root, events };
}

const facadesPalette = new Set(FACADES_PALETTE.classes.map((c) => hexToRgb(c.color).join(',')));

async function rgbOf(path: string) {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  return { data, info };
}

describe('importing the facades dataset (aligned A|B layout)', () => {
  let ds: DatasetService;
  let root: string;
  let view: DatasetView;

  beforeAll(async () => {
    const p = await newProject('facades');
    ds = p.datasets;
    root = p.root;
    const report = await ds.importFolder(sharedData('facades'));
    expect(report.layout).toBe('aligned');
    expect(report.corrupt).toEqual([]);
    expect(report.added).toBe(120);
    view = await ds.view();
  });

  it('opens as 90 labelled train pairs and 30 val pairs', () => {
    expect(view.kind).toBe('paired');
    expect(view.counts.bySplit).toEqual({ train: 90, val: 30, test: 0 });
    expect(view.counts.byState.labelled).toBe(120);
    expect(view.items.every((i) => i.width === 256 && i.height === 256 && i.label)).toBe(true);
  });

  it('keeps the photo half pixel for pixel and turns the label half into exact classes', async () => {
    const item = view.items.find((i) => i.name === '5.jpg')!;
    const original = await readRgb(sharedData('facades', 'train', '5.jpg'), { left: 0, top: 0, width: 256, height: 256 });
    const stored = await rgbOf(join(root, item.file));
    expect(Buffer.compare(stored.data, original.data)).toBe(0);

    const color = await rgbOf(join(root, item.label!.color));
    expect(color.info.channels).toBe(3);
    // The class-id PNG is single-channel 8-bit grey.
    const idsMeta = await sharp(join(root, item.label!.ids)).metadata();
    expect([idsMeta.channels, idsMeta.space, idsMeta.depth]).toEqual([1, 'b-w', 'uchar']);
    const ids = await sharp(join(root, item.label!.ids)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    const byId = new Map(FACADES_PALETTE.classes.map((c) => [c.id, hexToRgb(c.color).join(',')]));
    for (let i = 0; i < 256 * 256; i++) {
      const rgb = `${color.data[i * 3]},${color.data[i * 3 + 1]},${color.data[i * 3 + 2]}`;
      expect(facadesPalette.has(rgb)).toBe(true);
      if (byId.get(ids.data[i]!) !== rgb) throw new Error(`pixel ${i}: colour ${rgb} does not match class ${ids.data[i]}`);
    }
    // The label half of 5.jpg is mostly wall, with windows.
    const count = (id: number) => ids.data.reduce((n, v) => n + (v === id ? 1 : 0), 0);
    expect(count(1)).toBeGreaterThan(256 * 256 * 0.3);
    expect(count(3)).toBeGreaterThan(1000);
  });

  it('writes thumbnails', async () => {
    const meta = await sharp(join(root, view.items[0]!.thumb)).metadata();
    expect(meta.format).toBe('jpeg');
    expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(256);
  });

  it('resplits by seed: same seed same split, exact counts, hand-placed items kept', async () => {
    const locked = view.items.slice(0, 3).map((i) => i.id);
    await ds.setSplit(locked, 'test');
    const a = await ds.resplit(7, { train: 0.7, val: 0.2, test: 0.1 });
    const b = await ds.resplit(7, { train: 0.7, val: 0.2, test: 0.1 });
    expect(b.items.map((i) => i.split)).toEqual(a.items.map((i) => i.split));
    // 117 free items: 81.9 / 23.4 / 11.7 → 82 / 23 / 12, plus the 3 locked in test.
    expect(a.counts.bySplit).toEqual({ train: 82, val: 23, test: 15 });
    expect(locked.every((id) => a.items.find((i) => i.id === id)!.split === 'test')).toBe(true);
    const c = await ds.resplit(8, { train: 0.7, val: 0.2, test: 0.1 });
    expect(c.items.map((i) => i.split)).not.toEqual(a.items.map((i) => i.split));
    const back = await ds.resplit(1, { train: 0.75, val: 0.25, test: 0 }, false);
    expect(back.counts.bySplit).toEqual({ train: 90, val: 30, test: 0 });
  });

  it('sets states, refusing "labelled" for a photo without a label map', async () => {
    const v = await ds.setState([view.items[0]!.id], 'excluded');
    expect(v.counts.byState.excluded).toBe(1);
    await ds.setState([view.items[0]!.id], 'labelled');
    await expect(ds.setState(['nope'], 'excluded')).rejects.toThrow(/No dataset item with id "nope"/);
  });

  it('survives a restart: the dataset file is read back', async () => {
    const projects = new ProjectService({ recent: new RecentProjects(join(tmp, 'config')) });
    await projects.open(root);
    const again = new DatasetService({ projects });
    const v = await again.view();
    expect(v.items.length).toBe(120);
    expect(v.items.map((i) => i.id)).toEqual((await ds.view()).items.map((i) => i.id));
  });
});

describe('importing photos', () => {
  it('skips non-images, reports corrupt files, renames duplicates, normalises what browsers cannot show', async () => {
    const { datasets, root } = await newProject('photos');
    const src = join(tmp, 'photos-src');
    await mkdir(join(src, 'other'), { recursive: true });
    const red = { r: 200, g: 30, b: 30 };
    const solid = (w: number, h: number, c = red) => sharp({ create: { width: w, height: h, channels: 3, background: c } });
    // 40×20, left half red and right half blue, tagged "rotate 90° clockwise".
    const halves = Buffer.alloc(40 * 20 * 3);
    for (let i = 0; i < 40 * 20; i++) halves.set(i % 40 < 20 ? [255, 0, 0] : [0, 0, 255], i * 3);
    await sharp(halves, { raw: { width: 40, height: 20, channels: 3 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toFile(join(src, 'rotated.jpg'));
    await solid(16, 12).toColourspace('rgb16').png().toFile(join(src, 'deep.png'));
    await solid(16, 12).toColourspace('cmyk').jpeg().toFile(join(src, 'print.jpg'));
    await sharp({ create: { width: 10, height: 10, channels: 4, background: { r: 0, g: 255, b: 0, alpha: 0.5 } } })
      .png()
      .toFile(join(src, 'alpha.png'));
    await solid(8, 8).jpeg().toFile(join(src, 'photo.jpg'));
    await solid(9, 9, { r: 0, g: 0, b: 0 }).jpeg().toFile(join(src, 'other', 'photo.jpg'));
    await writeFile(join(src, 'notes.txt'), 'not an image');
    const jpeg = await readFile(sharedData('facades', 'train', '5.jpg'));
    await writeFile(join(src, 'broken.jpg'), jpeg.subarray(0, Math.floor(jpeg.length * 0.6)));
    await writeFile(join(src, 'fake.png'), 'text pretending to be a PNG');

    const names = ['rotated.jpg', 'deep.png', 'print.jpg', 'alpha.png', 'photo.jpg', 'other/photo.jpg', 'notes.txt', 'broken.jpg', 'fake.png'];
    const report = await datasets.importFiles([...names.map((n) => join(src, n)), sharedData('horse2zebra', 'trainB', 'n02391049_226.jpg')], {});
    expect(report.skipped.map((s) => s.source)).toEqual([join(src, 'notes.txt')]);
    expect(report.corrupt.map((s) => s.source).sort()).toEqual([join(src, 'broken.jpg'), join(src, 'fake.png')]);
    expect(report.renamed).toEqual([{ source: join(src, 'other', 'photo.jpg'), name: 'photo-2.jpg' }]);
    expect(report.added).toBe(7);

    const v = await datasets.view();
    const item = (name: string) => v.items.find((i) => i.name === name)!;
    expect(v.counts.byState.unlabelled).toBe(7);

    // EXIF orientation honoured: stored upright, 20×40, red on top.
    const rot = item('rotated.jpg');
    expect([rot.width, rot.height]).toEqual([20, 40]);
    expect(rot.file.endsWith('.png')).toBe(true);
    const rotPx = await rgbOf(join(root, rot.file));
    expect(rotPx.info.width).toBe(20);
    expect(rotPx.data[0]).toBeGreaterThan(200);
    expect(rotPx.data[(39 * 20) * rotPx.info.channels + 2]).toBeGreaterThan(200);

    // 16-bit and CMYK become 8-bit sRGB PNGs with the same colour.
    for (const name of ['deep.png', 'print.jpg']) {
      const it = item(name);
      expect(it.notes?.join(' ')).toMatch(name === 'deep.png' ? /16-bit/ : /CMYK/);
      const meta = await sharp(join(root, it.file)).metadata();
      expect([meta.format, meta.depth, meta.space]).toEqual(['png', 'uchar', 'srgb']);
      // Still the red it was (CMYK without a profile converts through a generic one).
      const px = await rgbOf(join(root, it.file));
      expect(px.data[0]).toBeGreaterThan(180);
      expect(Math.max(px.data[1]!, px.data[2]!)).toBeLessThan(50);
    }
    // Browser-safe files are kept byte for byte: alpha PNG and the grayscale JPEG.
    expect(await readFile(join(root, item('alpha.png').file))).toEqual(await readFile(join(src, 'alpha.png')));
    const gray = item('n02391049_226.jpg');
    expect(await readFile(join(root, gray.file))).toEqual(await readFile(sharedData('horse2zebra', 'trainB', 'n02391049_226.jpg')));
    expect((await readRgb(join(root, gray.file))).data.length).toBe(256 * 256 * 3);
  });

  it('refuses images over the pixel budget unless the user consents to downscaling', async () => {
    const { datasets, root } = await newProject('large', { maxImagePixels: 1000 });
    const file = join(tmp, 'large.png');
    await sharp({ create: { width: 60, height: 40, channels: 3, background: '#336699' } }).png().toFile(file);
    const refused = await datasets.importFiles([file], {});
    expect(refused.added).toBe(0);
    expect(refused.tooLarge).toEqual([{ source: file, width: 60, height: 40 }]);
    expect(refused.messages.join(' ')).toMatch(/over 0.001 megapixels/);
    const accepted = await datasets.importFiles([file], { downscaleLarge: true });
    expect(accepted.added).toBe(1);
    const item = (await datasets.view()).items[0]!;
    expect(item.width * item.height).toBeLessThanOrEqual(1000);
    expect(item.width / item.height).toBeCloseTo(1.5, 1);
    const meta = await sharp(join(root, item.file)).metadata();
    expect([meta.width, meta.height]).toEqual([item.width, item.height]);
    expect(item.notes?.join(' ')).toMatch(/downscaled from 60×40/);
  });

  it('imports uploaded bytes (browser drag and drop)', async () => {
    const { datasets } = await newProject('upload');
    const png = await sharp({ create: { width: 5, height: 4, channels: 3, background: '#ff0000' } }).png().toBuffer();
    const report = await datasets.importData(
      [
        { name: 'a.png', data: png.toString('base64') },
        { name: 'readme.md', data: Buffer.from('# hi').toString('base64') },
        { name: 'a.png', data: png.toString('base64') },
      ],
      {},
    );
    expect(report.added).toBe(2);
    expect(report.skipped[0]!.source).toBe('readme.md');
    expect((await datasets.view()).items.map((i) => i.name)).toEqual(['a.png', 'a-2.png']);
  });
});

describe('unpaired datasets', () => {
  it('reads trainA/trainB/testA/testB as two domains with the folder splits', async () => {
    const { datasets } = await newProject('h2z');
    const report = await datasets.importFolder(sharedData('horse2zebra'));
    expect(report.layout).toBe('unaligned');
    const v = await datasets.view();
    expect(v.kind).toBe('unpaired');
    const count = (domain: string, split: string) => v.items.filter((i) => i.domain === domain && i.split === split).length;
    expect([count('A', 'train'), count('B', 'train'), count('A', 'test'), count('B', 'test')]).toEqual([60, 60, 20, 20]);
    expect(v.counts.byState.ready).toBe(160);
    const named = await datasets.configure({ domainNames: { A: 'horse', B: 'zebra' } });
    expect(named.domainNames).toEqual({ A: 'horse', B: 'zebra' });
    await expect(datasets.configure({ kind: 'paired' })).rejects.toThrow(/cannot change/);
  });

  it('refuses to mix a paired dataset into an unpaired one', async () => {
    const { datasets } = await newProject('mixed');
    await datasets.importFolder(sharedData('monet2photo'));
    await expect(datasets.importFolder(sharedData('facades'))).rejects.toThrow(/holds a paired dataset .* this project's dataset is unpaired/);
  });
});

describe('export', () => {
  let ds: DatasetService;
  let root: string;
  beforeAll(async () => {
    const p = await newProject('export');
    ds = p.datasets;
    root = p.root;
    // A small aligned dataset: 4 facades pairs in train, 2 in val.
    const src = join(tmp, 'facades-small');
    for (const [split, files] of [['train', ['5.jpg', '11.jpg', '102.jpg', '111.jpg']], ['val', (await readdir(sharedData('facades', 'val'))).slice(0, 2)]] as const) {
      await mkdir(join(src, split), { recursive: true });
      for (const f of files) await cp(sharedData('facades', split, f), join(src, split, f));
    }
    await ds.importFolder(src);
    const photo = join(tmp, 'extra.png');
    await sharp({ create: { width: 256, height: 256, channels: 3, background: '#888888' } }).png().toFile(photo);
    await ds.importFiles([photo], {});
  });

  it('writes aligned A|B images per split with exact label colours', async () => {
    const out = join(tmp, 'out-aligned');
    const r = await ds.export({ dir: out, format: 'aligned' });
    expect(r.counts).toEqual({ train: 4, val: 2 });
    // The photo without a label map is left out, and says why.
    expect(r.skipped).toEqual([{ source: 'extra.png', reason: 'not labelled yet (unlabelled)' }]);
    expect((await readdir(join(out, 'train'))).sort()).toEqual(['102.png', '11.png', '111.png', '5.png']);
    const { data, info } = await rgbOf(join(out, 'train', '5.png'));
    expect([info.width, info.height]).toEqual([512, 256]);
    const item = (await ds.view()).items.find((i) => i.name === '5.jpg')!;
    const photo = await rgbOf(join(root, item.file));
    const label = await rgbOf(join(root, item.label!.color));
    for (let y = 0; y < 256; y += 17) {
      const row = data.subarray(y * 512 * 3, (y + 1) * 512 * 3);
      expect(Buffer.compare(row.subarray(0, 768), photo.data.subarray(y * 768, (y + 1) * 768))).toBe(0);
      expect(Buffer.compare(row.subarray(768), label.data.subarray(y * 768, (y + 1) * 768))).toBe(0);
    }
    expect(JSON.parse(await readFile(join(out, 'palette.json'), 'utf8')).id).toBe('facades');
    await expect(ds.export({ dir: out, format: 'aligned' })).rejects.toThrow(/is not empty/);
  });

  it('writes A/ and B/ folders with matching names', async () => {
    const out = join(tmp, 'out-ab');
    const r = await ds.export({ dir: out, format: 'ab-folders', imageFormat: 'jpg' });
    expect(r.counts).toEqual({ 'train/A': 4, 'train/B': 4, 'val/A': 2, 'val/B': 2 });
    expect(await readdir(join(out, 'train', 'A'))).toEqual(await readdir(join(out, 'train', 'B')));
    expect((await sharp(join(out, 'val', 'B', (await readdir(join(out, 'val', 'B')))[0]!)).metadata()).format).toBe('jpeg');
  });

  it('re-imports its own A/ and B/ export as the same labelled pairs', async () => {
    const out = join(tmp, 'out-ab-png');
    await ds.export({ dir: out, format: 'ab-folders' });
    const { datasets } = await newProject('reimport');
    const report = await datasets.importFolder(out);
    expect(report.layout).toBe('ab-folders');
    const v = await datasets.view();
    expect(v.counts.byState.labelled).toBe(6);
    expect(v.counts.bySplit).toEqual({ train: 4, val: 2, test: 0 });
  });
});
