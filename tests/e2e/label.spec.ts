/**
 * Dataset & Label, end to end in Chromium against the headless server, with the mouse and
 * keyboard as a user would: add photos, paint a label map (brush, rectangle, fill, eraser,
 * undo/redo, classes by key), save, and read the saved PNGs back pixel by pixel; export the
 * dataset and open it with the trainer's loader. Also: a facades folder import.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { createDataset } from '../../src/main/engine/data/datasets';
import { Rng } from '../../src/main/engine/train/rng';
import { fillRect, floodFill, paintSegment } from '../../src/renderer/src/canvas/label-ops';
import { LabelMap } from '../../src/renderer/src/canvas/label-map';
import type { DatasetView } from '../../src/shared/api/dataset';
import { FACADES_PALETTE, hexToRgb } from '../../src/shared/palettes';
import { sharedData } from '../helpers/paths';
import { drag, pixel } from './canvas';
import { expect, test } from './fixtures';
import { callApi } from './ws-client';

const BACKGROUND = 0;
const WALL = 1;
const DOOR = 2;
const WINDOW = 3;

test('paints a label map with the mouse and saves exact class colours', async ({ page, studio, scratch }) => {
  const dir = join(scratch.projects, 'labels');
  await callApi(studio, 'project:create', { dir, name: 'Labels' });
  await page.goto(studio.url);

  // Add three photos with the file dialog.
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Add photos…' }).click();
  const photos = ['n02381460_1084.jpg', 'n02381460_1001.jpg', 'n02381460_1030.jpg'];
  const available = await readdir(sharedData('horse2zebra', 'trainA'));
  const files = photos.filter((f) => available.includes(f));
  while (files.length < 3) files.push(available.find((f) => !files.includes(f))!);
  await (await chooser).setFiles(files.map((f) => sharedData('horse2zebra', 'trainA', f)));
  const grid = page.getByRole('listbox', { name: 'Images' });
  await expect(grid.getByRole('option')).toHaveCount(3);
  await expect(page.getByRole('radio', { name: /Unlabelled 3/ })).toBeVisible();

  // Open the first photo in the editor, at 1:1.
  await grid.getByRole('option').first().dblclick();
  const pane = page.getByRole('img', { name: 'Label map over the photo' });
  await expect(pane.locator('canvas').first()).toBeVisible();
  await page.keyboard.press('Shift+0');
  await expect(pane).toHaveAttribute('data-view', /^1 /);

  // Brush, size 5 (8 → 5 with "["), class 2 (wall): a horizontal stroke.
  await page.keyboard.press('b');
  for (let i = 0; i < 3; i++) await page.keyboard.press('[');
  await expect(page.getByLabel('Brush size in pixels')).toHaveValue('5');
  await page.keyboard.press('2');
  await drag(page, pane, [40, 40], [200, 40], 12);
  await expect(page.getByRole('status', { name: 'Save status' })).toContainText(/Unsaved|Saving|Saved/);

  // Undo and redo it.
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+Shift+z');

  // Class 4 (window): a rectangle, then class 3 (door) fills that rectangle.
  await page.keyboard.press('4');
  await page.keyboard.press('r');
  await drag(page, pane, [50, 100], [90, 140], 5);
  await page.keyboard.press('3');
  await page.keyboard.press('g');
  const inside = await pixel(pane, 70, 120);
  await page.mouse.click(inside.x, inside.y);

  // Eraser of size 3 through the middle of the wall stroke.
  await page.keyboard.press('e');
  await page.keyboard.press('[');
  await page.keyboard.press('[');
  await drag(page, pane, [100, 40], [120, 40], 12);

  // A stroke that is undone must not be saved.
  await page.keyboard.press('b');
  await page.keyboard.press('5');
  await drag(page, pane, [20, 200], [60, 200], 12);
  await page.keyboard.press('Control+z');

  await page.keyboard.press('Control+s');
  await expect(page.getByRole('status', { name: 'Save status' })).toHaveText('Saved');

  // What the user did, replayed on the model: the saved map must be exactly this.
  const want = new LabelMap(256, 256, BACKGROUND);
  want.transact(() => paintSegment(want, { x: 40.5, y: 40.5 }, { x: 200.5, y: 40.5 }, { size: 5, tip: 'round' }, WALL));
  fillRect(want, { x: 50.5, y: 100.5 }, { x: 90.5, y: 140.5 }, WINDOW);
  floodFill(want, 70, 120, DOOR);
  want.transact(() => paintSegment(want, { x: 100.5, y: 40.5 }, { x: 120.5, y: 40.5 }, { size: 3, tip: 'round' }, BACKGROUND));

  const view = (await callApi(studio, 'dataset:get')) as DatasetView;
  const item = view.items.find((i) => i.label)!;
  expect(item.state).toBe('in-progress');
  const ids = await sharp(join(dir, item.label!.ids)).extractChannel(0).raw().toBuffer();
  expect(ids.length).toBe(256 * 256);
  const diff = [...ids.keys()].filter((i) => ids[i] !== want.ids[i]);
  expect(diff.length, `first differing pixel: ${diff[0] !== undefined ? `(${diff[0] % 256}, ${Math.floor(diff[0] / 256)})` : ''}`).toBe(0);
  // Spot checks that do not depend on the replay.
  expect([ids[40 * 256 + 60], ids[40 * 256 + 110], ids[40 * 256 + 150], ids[120 * 256 + 70], ids[200 * 256 + 40]]).toEqual([
    WALL,
    BACKGROUND,
    WALL,
    DOOR,
    BACKGROUND,
  ]);

  // The colour PNG holds palette colours only, each the colour of its pixel's class.
  const color = await sharp(join(dir, item.label!.color)).raw().toBuffer({ resolveWithObject: true });
  expect(color.info.channels).toBe(3);
  const rgb = new Map(FACADES_PALETTE.classes.map((c) => [c.id, hexToRgb(c.color)]));
  for (let i = 0; i < 256 * 256; i++) {
    const [r, g, b] = rgb.get(ids[i]!)!;
    if (color.data[i * 3] !== r || color.data[i * 3 + 1] !== g || color.data[i * 3 + 2] !== b) {
      throw new Error(`colour PNG pixel (${i % 256}, ${Math.floor(i / 256)}) is not the colour of class ${ids[i]}`);
    }
  }

  // Done: labelled, and the editor moves on to the next photo.
  await page.keyboard.press('Control+Enter');
  await expect(page.locator('.label-editor')).not.toHaveAttribute('data-item', item.id);
  await page.keyboard.press('Alt+ArrowUp');
  const labelled = grid.getByRole('option', { name: /Labelled/ });
  await expect(labelled).toHaveCount(1);

  // Put it in train and export the aligned layout.
  await labelled.click();
  await page.getByRole('button', { name: '→ train' }).click();
  await expect(grid.getByRole('option', { name: /Labelled, train/ })).toHaveCount(1);
  await page.getByRole('button', { name: 'Export…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export the dataset' });
  const out = join(scratch.root, 'export');
  await dialog.getByLabel('Export folder').fill(out);
  await dialog.getByRole('button', { name: 'Export' }).click();
  await expect(dialog.getByRole('status')).toContainText('Wrote train: 1');

  // The trainer's aligned loader opens it; B is the label map in exact colours.
  const ds = await createDataset({
    dataroot: out,
    phase: 'train',
    dataset_mode: 'aligned',
    direction: 'AtoB',
    input_nc: 3,
    output_nc: 3,
    serial_batches: true,
    max_dataset_size: null,
    preprocess: 'none',
    load_size: 256,
    crop_size: 256,
    no_flip: true,
  });
  expect(ds.size).toBe(1);
  const sample = await ds.load(0, Rng.derive(1));
  expect([sample.A.width, sample.A.height, sample.B!.width, sample.B!.height]).toEqual([256, 256, 256, 256]);
  const at = (x: number, y: number) => [0, 1, 2].map((c) => Math.round(((sample.B!.data[(y * 256 + x) * 3 + c]! + 1) / 2) * 255));
  expect(at(60, 40)).toEqual(hexToRgb('#0d3dfb'));
  expect(at(70, 120)).toEqual(hexToRgb('#a50000'));
  expect(at(5, 5)).toEqual(hexToRgb('#0006d9'));
  const exported = await readFile(join(out, 'train', (await readdir(join(out, 'train')))[0]!));
  expect((await sharp(exported).metadata()).width).toBe(512);
});

test('imports the facades folder as 90 labelled train pairs and 30 val pairs', async ({ page, studio, scratch }) => {
  await callApi(studio, 'project:create', { dir: join(scratch.projects, 'facades'), name: 'Facades' });
  await page.goto(studio.url);
  await page.getByRole('button', { name: 'Import folder…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Import a folder' });
  await dialog.getByLabel('Folder', { exact: true }).fill(sharedData('facades'));
  await dialog.getByRole('button', { name: 'Import' }).click();
  await expect(dialog).toBeHidden({ timeout: 120_000 });
  await expect(page.getByRole('radio', { name: /Labelled 120/ })).toBeVisible();
  const split = page.getByRole('combobox', { name: 'Split' });
  await expect(split.locator('option', { hasText: 'train (90)' })).toHaveCount(1);
  await expect(split.locator('option', { hasText: 'val (30)' })).toHaveCount(1);
  // Virtualised: far fewer cells in the DOM than images.
  const cells = await page.getByRole('listbox', { name: 'Images' }).getByRole('option').count();
  expect(cells).toBeGreaterThan(0);
  expect(cells).toBeLessThan(120);

  // Open one: its imported label map shows, and the next/previous keys walk the set.
  await page.getByRole('listbox', { name: 'Images' }).getByRole('option').first().dblclick();
  await expect(page.getByRole('img', { name: 'Label map over the photo' })).toBeVisible();
  const first = await page.locator('.label-editor').getAttribute('data-item');
  await page.keyboard.press('PageDown');
  await expect(page.locator('.label-editor')).not.toHaveAttribute('data-item', first!);
  await page.keyboard.press('PageUp');
  await expect(page.locator('.label-editor')).toHaveAttribute('data-item', first!);

  // Side by side at 1:1: the label pane shows exact class colours, never a blend.
  await page.keyboard.press('v');
  const labels = page.getByRole('img', { name: 'Label map', exact: true });
  await expect(page.getByRole('img', { name: 'Photo', exact: true })).toBeVisible();
  await page.keyboard.press('Shift+0');
  await expect(labels).toHaveAttribute('data-view', /^1 /);
  await page.waitForTimeout(300);
  const view = (await callApi(studio, 'dataset:get')) as DatasetView;
  const item = view.items.find((i) => i.id === first)!;
  const ids = await sharp(join(scratch.projects, 'facades', item.label!.ids)).extractChannel(0).raw().toBuffer();
  const shot = await sharp(await labels.screenshot()).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const [, vx, vy] = (await labels.getAttribute('data-view'))!.split(' ').map(Number) as [number, number, number];
  const palette = new Set(FACADES_PALETTE.classes.map((c) => hexToRgb(c.color).join(',')));
  let checked = 0;
  for (let py = 8; py < 248; py += 8) {
    for (let px = 8; px < 248; px += 8) {
      const id = ids[py * 256 + px]!;
      // Inside a region of one class, so a half-pixel view offset cannot matter.
      let uniform = true;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) uniform &&= ids[(py + dy) * 256 + px + dx] === id;
      if (!uniform) continue;
      const sx = Math.floor(vx + px + 0.5);
      const sy = Math.floor(vy + py + 0.5);
      const o = (sy * shot.info.width + sx) * shot.info.channels;
      const rgb = [shot.data[o], shot.data[o + 1], shot.data[o + 2]].join(',');
      expect(palette.has(rgb), `screen pixel at image (${px}, ${py}) is ${rgb}`).toBe(true);
      expect(rgb).toBe(hexToRgb(FACADES_PALETTE.classes.find((c) => c.id === id)!.color).join(','));
      checked++;
    }
  }
  expect(checked).toBeGreaterThan(200);
});

test('reports files it cannot import, and renames duplicates', async ({ page, studio, scratch }) => {
  await callApi(studio, 'project:create', { dir: join(scratch.projects, 'bad'), name: 'Bad input' });
  await page.goto(studio.url);
  const jpeg = await readFile(sharedData('facades', 'train', '5.jpg'));
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Add photos…' }).click();
  await (await chooser).setFiles([
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') },
    { name: 'broken.jpg', mimeType: 'image/jpeg', buffer: jpeg.subarray(0, Math.floor(jpeg.length / 2)) },
    { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: jpeg },
    { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: await readFile(sharedData('horse2zebra', 'trainB', 'n02391049_226.jpg')) },
  ]);
  await expect(page.getByText('Import: 2 added, 1 skipped (not images), 1 unreadable, 1 renamed (name taken)')).toBeVisible();
  const grid = page.getByRole('listbox', { name: 'Images' });
  await expect(grid.getByRole('option')).toHaveCount(2);
  await expect(grid.getByRole('option', { name: /^photo-2\.jpg/ })).toHaveCount(1);
});
