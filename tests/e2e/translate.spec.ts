/**
 * Translate, end to end in Chromium against the headless server, with the mouse as a user
 * would: open a photo from shared/data, pick a model and the domains, watch the live
 * preview, paint a mask, export at full resolution — then read the PNG back: pixels
 * outside the mask are the photo's exactly, pixels inside are translated. Also: a folder
 * with a corrupt file, translated from the batch dialog, lists the failure.
 *
 * The model is a small CycleGAN generator pair, randomly initialised and saved in our
 * model format into the project before the page opens: a random network still changes
 * every pixel it touches, which is all the exactness check needs.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { saveModel } from '../../src/main/engine/io/model-file';
import type { StateDict } from '../../src/main/engine/io/tensor-data';
import { resnetSpec } from '../../src/main/engine/networks/generators';
import { initialValues } from '../../src/main/engine/networks/init';
import type { GeneratorOptions } from '../../src/main/engine/networks/options';
import { stateEntries } from '../../src/main/engine/networks/spec';
import { paintSegment } from '../../src/renderer/src/canvas/label-ops';
import { LabelMap } from '../../src/renderer/src/canvas/label-map';
import { sharedData } from '../helpers/paths';
import { drag, pixel } from './canvas';
import { expect, test } from './fixtures';
import { callApi } from './ws-client';

const generator: GeneratorOptions = {
  netG: 'resnet_6blocks',
  inputNc: 3,
  outputNc: 3,
  ngf: 8,
  norm: 'instance',
  useDropout: false,
  initType: 'normal',
  initGain: 0.02,
};

/**
 * The state dict of a freshly initialised resnet_6blocks, as `init_weights` makes it, in
 * PyTorch layout (the test process stays free of TF.js: the engine loads it).
 */
function randomGenerator(seed: number): StateDict {
  const spec = resnetSpec({ ...generator, nBlocks: 6 });
  const entries = stateEntries(spec);
  const values = initialValues(entries, generator.initType, generator.initGain, seed);
  const sd: StateDict = new Map();
  for (const e of entries) {
    const n = e.shape.reduce((a, b) => a * b, 1);
    sd.set(e.key, { dtype: 'float32', shape: [...e.shape], data: values.get(e.key) ?? new Float32Array(n) });
  }
  return sd;
}

async function projectWithModel(studio: Parameters<typeof callApi>[0], dir: string): Promise<void> {
  await callApi(studio, 'project:create', { dir, name: 'Zebras' });
  await saveModel(join(dir, 'models', 'horse2zebra'), {
    name: 'Horse ⇄ zebra',
    kind: 'cycle_gan',
    domains: { A: 'horse', B: 'zebra' },
    origin: 'saved',
    generators: { AtoB: { options: generator, stateDict: randomGenerator(1) }, BtoA: { options: generator, stateDict: randomGenerator(2) } },
  });
}

async function rgb(path: string): Promise<Buffer> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height, info.channels]).toEqual([256, 256, 3]);
  return data;
}

test('translates a photo live, restricted by a painted mask, and exports it exactly', async ({ page, studio, scratch }) => {
  const dir = join(scratch.projects, 'zebras');
  await projectWithModel(studio, dir);
  await page.goto(studio.url);
  await page.getByRole('navigation', { name: 'Workspaces' }).getByText('Translate').click();

  // The model and the domains by name: horse → zebra.
  await expect(page.getByRole('combobox', { name: 'Model' })).toContainText('Horse ⇄ zebra');
  const from = page.getByRole('combobox', { name: 'Source domain' });
  await from.selectOption({ label: 'zebra' });
  await expect(page.getByLabel('Target domain')).toHaveText('horse');
  await from.selectOption({ label: 'horse' });
  await expect(page.getByLabel('Target domain')).toHaveText('zebra');

  // Open a photo from shared/data with the file dialog.
  const photo = sharedData('horse2zebra', 'trainA', 'n02381460_1084.jpg');
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Open photo…' }).click();
  await (await chooser).setFiles(photo);
  const source = page.getByRole('img', { name: 'Source' });
  const result = page.getByRole('img', { name: 'Result' });
  await expect(source.locator('canvas').first()).toBeVisible();
  // The whole photo is translated at first; the preview arrives by itself.
  await expect(result).toHaveAttribute('data-result-quality', 'full', { timeout: 60_000 });
  await expect(page.getByRole('status', { name: 'Preview latency' })).toContainText(/Full \d+ ms/);
  const firstSeq = Number(await result.getAttribute('data-result-seq'));

  // Paint a mask stroke at 1:1 with a 15-pixel brush.
  await source.click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Shift+0');
  await expect(source).toHaveAttribute('data-view', /^1 /);
  await page.keyboard.press('b');
  await page.getByLabel('Brush size in pixels').fill('15');
  await drag(page, source, [60, 100], [200, 100]);
  await expect(page.getByText('Only the painted area is translated.')).toBeVisible();
  // The preview follows the stroke.
  await expect.poll(async () => Number(await result.getAttribute('data-result-seq')), { timeout: 60_000 }).toBeGreaterThan(firstSeq);
  await expect(result).toHaveAttribute('data-result-quality', 'full', { timeout: 60_000 });

  // Before/after view, then back.
  await page.getByLabel('Before / after').check();
  await expect(page.getByRole('img', { name: 'Before and after' })).toBeVisible();
  await page.getByLabel('Side by side').check();

  // Export at full resolution as PNG.
  await page.getByRole('button', { name: 'Export…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export at full resolution' });
  await dialog.getByLabel(/File name/).fill('horse-zebra.png');
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(dialog.getByRole('status')).toContainText('Exported', { timeout: 60_000 });

  // The mask as the user painted it, replayed on the model.
  const mask = new LabelMap(256, 256, 0);
  mask.transact(() => paintSegment(mask, { x: 60.5, y: 100.5 }, { x: 200.5, y: 100.5 }, { size: 15, tip: 'round' }, 1));
  const src = await rgb(photo);
  const out = await rgb(join(dir, 'exports', 'horse-zebra.png'));
  let inside = 0;
  let changed = 0;
  const strayed: number[] = [];
  for (let p = 0; p < 256 * 256; p++) {
    const same = out[p * 3] === src[p * 3] && out[p * 3 + 1] === src[p * 3 + 1] && out[p * 3 + 2] === src[p * 3 + 2];
    if (mask.ids[p] === 0) {
      if (!same) strayed.push(p);
    } else {
      inside++;
      if (!same) changed++;
    }
  }
  expect(strayed.length, `first changed pixel outside the mask: (${strayed[0]! % 256}, ${Math.floor(strayed[0]! / 256)})`).toBe(0);
  expect(inside).toBeGreaterThan(1500);
  // The feather (8 px inward) leaves the rim close to the photo; the core is translated.
  expect(changed / inside).toBeGreaterThan(0.6);
  for (let x = 70; x <= 190; x += 10) {
    const p = 100 * 256 + x;
    expect([out[p * 3], out[p * 3 + 1], out[p * 3 + 2]], `stroke centre (${x}, 100)`).not.toEqual([src[p * 3], src[p * 3 + 1], src[p * 3 + 2]]);
  }

  // Exporting again under the same name is refused, never silently overwritten.
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(dialog.getByRole('alert')).toContainText('already exists');
  expect((await readFile(join(dir, 'exports', 'horse-zebra.png'))).length).toBeGreaterThan(0);
});

test('translates a folder from the batch dialog and lists the file it could not read', async ({ page, studio, scratch }) => {
  const dir = join(scratch.projects, 'batch');
  await projectWithModel(studio, dir);
  const folder = join(scratch.root, 'photos');
  await mkdir(folder);
  await copyFile(sharedData('horse2zebra', 'testA', 'n02381460_6690.jpg'), join(folder, 'small horse.jpg'));
  await writeFile(join(folder, 'broken.jpg'), (await readFile(sharedData('horse2zebra', 'trainA', 'n02381460_1084.jpg'))).subarray(0, 700));
  await page.goto(studio.url);
  await page.getByRole('navigation', { name: 'Workspaces' }).getByText('Translate').click();
  await expect(page.getByRole('combobox', { name: 'Model' })).toContainText('Horse ⇄ zebra');

  await page.getByRole('button', { name: 'Batch…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Translate a folder' });
  await dialog.getByLabel(/Folder of photos/).fill(folder);
  await dialog.getByLabel(/Output folder/).fill('zebras');
  await dialog.getByRole('button', { name: 'Translate folder' }).click();
  const summary = dialog.getByRole('status');
  await expect(summary).toContainText('1 written', { timeout: 60_000 });
  await expect(summary).toContainText('1 failed');
  await expect(summary.getByRole('list', { name: 'Failures' })).toContainText('broken.jpg');
  const written = await sharp(join(dir, 'exports', 'zebras', 'small horse.png')).metadata();
  expect([written.width, written.height]).toEqual([256, 256]);
});
