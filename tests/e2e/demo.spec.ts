/**
 * The first run, end to end in Chromium against the headless server: a newcomer with no
 * project takes the three tours of the built-in demo project (resources/demo, copied to
 * their data folder on the first click) and sees each workspace answer — a label map
 * translated live and again after a stroke, a photo translated only where a mask was
 * painted, a short training run whose curves gain points. Also: `atelier serve --demo`
 * lands on the demo with its tours, and the shipped demo is left as it was.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator } from '@playwright/test';
import { fileHashes } from '../helpers/file-hashes';
import { repoRoot } from '../helpers/paths';
import { drag, pixel } from './canvas';
import { expect, test } from './fixtures';
import { startStudio } from './studio';
import { callApi } from './ws-client';

const SHIPPED = join(repoRoot, 'resources', 'demo');

/**
 * The RGB of image pixels as a pane's layer shows them: `layer` 0 holds the photo, 1 the
 * translation (TranslateCanvas). Read from the canvas at the pixel's screen position.
 */
async function shown(pane: Locator, layer: number, points: [number, number][]): Promise<[number, number, number][]> {
  const box = (await pane.boundingBox())!;
  const at = await Promise.all(points.map(([px, py]) => pixel(pane, px, py)));
  const local = at.map((p) => [Math.floor(p.x - box.x), Math.floor(p.y - box.y)] as [number, number]);
  return pane
    .locator('canvas')
    .nth(layer)
    .evaluate((canvas: HTMLCanvasElement, spots: [number, number][]) => {
      const ctx = canvas.getContext('2d')!;
      const ratio = canvas.width / canvas.clientWidth;
      return spots.map(([x, y]) => {
        const d = ctx.getImageData(Math.floor(x * ratio), Math.floor(y * ratio), 1, 1).data;
        return [d[0]!, d[1]!, d[2]!] as [number, number, number];
      });
    }, local);
}

/** A hash of everything a canvas layer shows: it changes when the picture does. */
async function layerHash(pane: Locator, layer: number): Promise<string> {
  return pane
    .locator('canvas')
    .nth(layer)
    .evaluate((canvas: HTMLCanvasElement) => {
      const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let h = 2166136261;
      for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i]!, 16777619);
      return `${canvas.width}x${canvas.height}:${h >>> 0}`;
    });
}

const distance = (a: readonly number[], b: readonly number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

// Close the page before the server stops: a page left open would log its reconnect attempts.
test.afterEach(async ({ page }) => {
  await page.close();
});

test('paint tour: a label map from the demo answers live, and again after a stroke', async ({ page, studio, scratch }) => {
  const shippedBefore = await fileHashes(SHIPPED);
  await page.goto(studio.url);
  await page.getByRole('button', { name: /Paint a label map, watch the model answer/ }).click();

  // The Translate workspace, with the demo's label → facade model and a label map loaded.
  await expect(page.getByRole('heading', { name: 'Translate' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('navigation', { name: 'Workspaces' })).toContainText('Atelier demo');
  await expect(page.getByRole('combobox', { name: 'Model' })).toHaveValue('models/facades-pix2pix');
  await expect(page.getByRole('combobox', { name: 'Source domain' }).locator('option:checked')).toHaveText('label map');
  await expect(page.getByLabel('Target domain')).toHaveText('facade');
  await expect(page.getByRole('button', { name: 'Brush' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('radio', { name: 'window', exact: true })).toHaveAttribute('aria-checked', 'true');

  // The translation appears by itself.
  const source = page.getByRole('img', { name: 'Source' });
  const result = page.getByRole('img', { name: 'Result' });
  await expect(result).toHaveAttribute('data-result-quality', 'full', { timeout: 60_000 });
  const firstSeq = Number(await result.getAttribute('data-result-seq'));
  const before = await layerHash(result, 1);

  // A stroke of windows across the facade: a new translation replaces the first.
  await drag(page, source, [16, 64], [112, 64]);
  await expect.poll(async () => Number(await result.getAttribute('data-result-seq')), { timeout: 60_000 }).toBeGreaterThan(firstSeq);
  await expect(result).toHaveAttribute('data-result-quality', 'full', { timeout: 60_000 });
  await expect.poll(() => layerHash(result, 1), { timeout: 10_000 }).not.toBe(before);

  // The user's copy was made in their data folder; the shipped demo is as it was.
  expect((await stat(join(scratch.home, 'demo', 'atelier.json'))).isFile()).toBe(true);
  expect(await fileHashes(SHIPPED)).toEqual(shippedBefore);
});

test('mask tour: a day photo turns to dusk only where the mask is painted', async ({ page, studio }) => {
  await page.goto(studio.url);
  await page.getByRole('button', { name: /Translate a photo with a mask/ }).click();

  await expect(page.getByRole('heading', { name: 'Translate' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('combobox', { name: 'Model' })).toHaveValue('models/day-dusk-cyclegan');
  await expect(page.getByRole('combobox', { name: 'Source domain' }).locator('option:checked')).toHaveText('day');
  await expect(page.getByLabel('Target domain')).toHaveText('dusk');
  await expect(page.getByRole('region', { name: 'Mask' }).getByRole('button', { name: 'Brush' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByText('Nothing painted: the whole photo is translated.')).toBeVisible();

  const source = page.getByRole('img', { name: 'Source' });
  const result = page.getByRole('img', { name: 'Result' });
  await expect(result).toHaveAttribute('data-result-quality', 'full', { timeout: 60_000 });
  const firstSeq = Number(await result.getAttribute('data-result-seq'));

  // Mask a band of sky across the top of the photo (the brush is 8 px wide).
  await drag(page, source, [8, 16], [120, 16]);
  await expect(page.getByText('Only the painted area is translated.')).toBeVisible();
  await expect.poll(async () => Number(await result.getAttribute('data-result-seq')), { timeout: 60_000 }).toBeGreaterThan(firstSeq);
  await expect(result).toHaveAttribute('data-result-quality', 'full', { timeout: 60_000 });

  // Inside the stroke the result is no longer the photo; far from it, it is the photo.
  const inside: [number, number][] = [
    [30, 16],
    [64, 16],
    [100, 16],
  ];
  const outside: [number, number][] = [
    [20, 100],
    [64, 110],
    [110, 120],
  ];
  const photoIn = await shown(source, 0, inside);
  const photoOut = await shown(source, 0, outside);
  await expect
    .poll(async () => {
      const resultIn = await shown(result, 1, inside);
      return Math.min(...resultIn.map((c, i) => distance(c, photoIn[i]!)));
    })
    .toBeGreaterThan(24);
  const resultOut = await shown(result, 1, outside);
  for (let i = 0; i < outside.length; i++) expect(distance(resultOut[i]!, photoOut[i]!), `pixel ${outside[i]}`).toBeLessThanOrEqual(4);
});

test('training tour: a short run starts with one click and its curves gain points', async ({ page, studio }) => {
  await page.goto(studio.url);
  await page.getByRole('button', { name: /Watch a short training run/ }).click();

  await expect(page.getByRole('heading', { name: 'Train', exact: true })).toBeVisible({ timeout: 30_000 });
  const runs = page.getByRole('navigation', { name: 'Runs' });
  // The demo's own runs are listed, finished, beside the new one.
  await expect(runs).toContainText('facades-pix2pix');
  await expect(runs).toContainText('day-dusk-cyclegan');
  await expect(runs).toContainText('first-run');
  await expect(page.getByRole('region', { name: 'Run status' })).toBeVisible();

  // The curves of the model's losses fill in as steps are logged.
  await expect(page.getByRole('figure', { name: 'G_L1 chart' })).toBeVisible({ timeout: 60_000 });
  const progress = page.getByRole('progressbar', { name: 'Run progress' });
  const logged = async () =>
    ((await callApi(studio, 'runs:metrics', { name: 'first-run' })) as { columns: { step: number[] } }).columns.step.length;
  await expect.poll(logged, { timeout: 60_000 }).toBeGreaterThan(0);
  const before = await logged();
  const stepBefore = Number(await progress.getAttribute('aria-valuenow'));
  await expect.poll(logged, { timeout: 60_000 }).toBeGreaterThan(before + 2);
  await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow')), { timeout: 30_000 }).toBeGreaterThan(stepBefore);

  // Stop it: the studio saves a checkpoint and the run can be resumed later.
  const run = page.getByRole('region', { name: 'first-run' });
  await run.getByRole('group', { name: 'Run controls' }).getByRole('button', { name: 'Stop' }).click();
  await expect(run.locator('[data-state]').first()).toHaveAttribute('data-state', /^(stopped|finished)$/, { timeout: 60_000 });
});

test('serve --demo lands on the demo project with its tours; closing them leaves the demo dataset open', async ({ page, scratch }) => {
  const studio = await startStudio({ home: scratch.home, demo: true });
  try {
    await page.goto(studio.url);
    const welcome = page.getByRole('dialog', { name: 'Welcome to Atelier' });
    await expect(welcome).toBeVisible();
    await expect(welcome.getByRole('button', { name: /Paint a label map/ })).toBeVisible();
    await expect(welcome.getByRole('button', { name: /Translate a photo with a mask/ })).toBeVisible();
    await expect(welcome.getByRole('button', { name: /Watch a short training run/ })).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(welcome).toBeHidden();
    await expect(page.getByRole('heading', { name: 'Dataset & Label' })).toBeVisible();
    await expect(page.getByRole('radio', { name: /Labelled 48/ })).toBeVisible();

    // The palette brings the tours back.
    await page.keyboard.press('Control+K');
    const palette = page.getByRole('dialog', { name: 'Commands' });
    await palette.getByRole('combobox').fill('demo tours');
    await page.keyboard.press('Enter');
    await expect(welcome).toBeVisible();
  } finally {
    await studio.stop();
  }
});
