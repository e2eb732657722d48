import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatasetHandlers } from '../../src/main/services/dataset-handlers';
import { DatasetService } from '../../src/main/services/datasets';
import { LabelService, readLabelIds } from '../../src/main/services/labels';
import { ProjectService } from '../../src/main/services/projects';
import { RecentProjects } from '../../src/main/services/recent-projects';
import { FACADES_PALETTE, hexToRgb } from '../../src/shared/palettes';
import { rleEncode } from '../../src/shared/rle';

let tmp: string;
let root: string;
let datasets: DatasetService;
let labels: LabelService;
let itemId: string;
const W = 48;
const H = 32;

const rle64 = (ids: Uint8Array) => Buffer.from(rleEncode(ids)).toString('base64');

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'atelier-labels-'));
  const projects = new ProjectService({ recent: new RecentProjects(join(tmp, 'config')) });
  root = (await projects.create(join(tmp, 'project'))).root;
  datasets = new DatasetService({ projects });
  labels = new LabelService({
    root: () => datasets.root(),
    item: (id) => datasets.item(id),
    palette: () => datasets.palette(),
    labelSaved: (id, state, when) => datasets.labelSaved(id, state, when),
  });
  const photo = join(tmp, 'photo.png');
  await sharp({ create: { width: W, height: H, channels: 3, background: '#777777' } }).png().toFile(photo);
  await datasets.importFiles([photo], {});
  itemId = (await datasets.view()).items[0]!.id;
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A label map with a few facades classes in bands and a door rectangle. */
function sampleIds(): Uint8Array {
  const ids = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) ids[y * W + x] = y < 8 ? 0 : x < 20 ? 1 : 3;
  for (let y = 20; y < 30; y++) ids.fill(2, y * W + 30, y * W + 40);
  return ids;
}

describe('labels:save and labels:load', () => {
  it('writes a colour PNG of exact palette colours and a single-channel id PNG', async () => {
    const ids = sampleIds();
    const r = await labels.save({ itemId, width: W, height: H, data: rle64(ids) });
    expect(r.item.state).toBe('in-progress');
    expect(r.item.label).toMatchObject({ color: `labels/${itemId}.png`, ids: `labels/${itemId}.ids.png` });

    const color = await sharp(join(root, r.item.label!.color)).raw().toBuffer({ resolveWithObject: true });
    expect([color.info.width, color.info.height, color.info.channels]).toEqual([W, H, 3]);
    const rgb = new Map(FACADES_PALETTE.classes.map((c) => [c.id, hexToRgb(c.color)]));
    for (let i = 0; i < W * H; i++) {
      expect([color.data[i * 3], color.data[i * 3 + 1], color.data[i * 3 + 2]]).toEqual(rgb.get(ids[i]!));
    }
    const meta = await sharp(join(root, r.item.label!.ids)).metadata();
    expect([meta.format, meta.channels, meta.depth]).toEqual(['png', 1, 'uchar']);
    expect(Buffer.from(await readLabelIds(root, r.item)).equals(ids)).toBe(true);

    const loaded = (await labels.load(itemId))!;
    expect([loaded.width, loaded.height, loaded.encoding]).toEqual([W, H, 'rle']);
  });

  it('marks the item labelled when asked', async () => {
    const r = await labels.save({ itemId, width: W, height: H, data: rle64(sampleIds()), state: 'labelled' });
    expect(r.item.state).toBe('labelled');
    expect((await datasets.view()).counts.byState.labelled).toBe(1);
  });

  it('refuses a map of the wrong size, bad data, and ids outside the palette', async () => {
    await expect(labels.save({ itemId, width: W + 1, height: H, data: rle64(new Uint8Array((W + 1) * H)) })).rejects.toThrow(
      /must be 48×32 \(its photo's size\), got 49×32/,
    );
    await expect(labels.save({ itemId, width: W, height: H, data: rle64(new Uint8Array(10)) })).rejects.toThrow(
      /not a valid map of 48×32 \(rle: decoded 10 bytes, expected 1536\)/,
    );
    await expect(labels.save({ itemId, width: W, height: H, data: Buffer.from([1, 0x80]).toString('base64') })).rejects.toThrow(
      /not a valid map of 48×32 \(rle: truncated run length\)/,
    );
    const bad = sampleIds();
    bad[5 * W + 7] = 200;
    await expect(labels.save({ itemId, width: W, height: H, data: rle64(bad) })).rejects.toThrow(
      /pixel \(7, 5\) holds class id 200, which palette "facades" does not have/,
    );
    // A refused save leaves the saved map as it was.
    const item = await datasets.item(itemId);
    expect(Buffer.from(await readLabelIds(root, item)).equals(sampleIds())).toBe(true);
  });

  it('runs concurrent saves of one item in order: the last one wins', async () => {
    const saves = [0, 1, 2, 3, 4].map((k) => {
      const ids = new Uint8Array(W * H).fill(k);
      return labels.save({ itemId, width: W, height: H, data: rle64(ids) });
    });
    await Promise.all(saves);
    const ids = await readLabelIds(root, await datasets.item(itemId));
    expect(ids.every((v) => v === 4)).toBe(true);
    // No temp files are left behind.
    expect((await readdir(join(root, 'labels'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('ignores a temp file left by a save that died before its rename', async () => {
    await writeFile(join(root, 'labels', `.${itemId}.png.999.deadbeef.tmp`), 'half a PNG');
    const ids = await readLabelIds(root, await datasets.item(itemId));
    expect(ids.length).toBe(W * H);
  });

  it('is reached through the labels:* handlers', async () => {
    const projects = { requireRoot: () => root, current: () => null, updateManifest: async () => { throw new Error('unused'); } };
    const handlers = createDatasetHandlers({ projects: projects as never });
    const ctx = { transport: 'internal' as const };
    const saved = await handlers['labels:save']({ itemId, width: W, height: H, encoding: 'rle', data: rle64(sampleIds()) }, ctx);
    expect(saved.item.id).toBe(itemId);
    expect((await handlers['labels:palettes'](undefined, ctx)).builtin.map((p) => p.id)).toEqual(['facades', 'cityscapes-19']);
  });
});

describe('a 4096×4096 label map', () => {
  it('saves both PNGs and loads back exactly', async () => {
    const photo = join(tmp, 'big.jpg');
    await sharp({ create: { width: 4096, height: 4096, channels: 3, background: '#556677' } }).jpeg().toFile(photo);
    await datasets.importFiles([photo], {});
    const big = (await datasets.view()).items.find((i) => i.name === 'big.jpg')!;
    const ids = new Uint8Array(4096 * 4096);
    for (let y = 0; y < 4096; y++) ids.fill((y >> 7) % 12, y * 4096, y * 4096 + 2048 + (y % 300));
    const data = rle64(ids);
    const t0 = performance.now();
    const r = await labels.save({ itemId: big.id, width: 4096, height: 4096, data });
    const ms = performance.now() - t0;
    console.log(`label save 4096²: ${ms.toFixed(0)} ms (main side), colour PNG ${r.bytes.color} B, ids PNG ${r.bytes.ids} B`);
    expect(Buffer.from(await readLabelIds(root, r.item)).equals(ids)).toBe(true);
  });
});
