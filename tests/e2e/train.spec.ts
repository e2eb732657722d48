/**
 * The Train workspace end to end, in Chromium against `atelier serve`: a tiny pix2pix run
 * (32×32, unet_32, ngf/ndf 4) on a few facades pairs, started from the form; its curves
 * and previews grow; pause, resume and stop. Then the server is killed mid-run and started
 * again: the run is listed as interrupted, and Resume continues its step count from the
 * latest checkpoint instead of starting over.
 */
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import type { MetricsResult, RunSummary } from '../../src/shared/api/train';
import { sharedData } from '../helpers/paths';
import { expect, test } from './fixtures';
import { startStudio, type StudioServer } from './studio';
import { callApi } from './ws-client';

/** Training on 2 cores, with the engine starting first: allow for it. */
test.setTimeout(240_000);

/** A few facades pairs (A|B side by side) as an aligned dataset: <dir>/train/*.jpg. */
async function tinyFacades(root: string, count: number): Promise<string> {
  const dir = join(root, 'facades');
  await mkdir(join(dir, 'train'), { recursive: true });
  const src = sharedData('facades', 'train');
  for (const file of (await readdir(src)).sort().slice(0, count)) await copyFile(join(src, file), join(dir, 'train', file));
  return dir;
}

/** The tiny run's options: 6 images, 20 epochs of 6 steps, a preview every 6 images, a checkpoint every 12. */
const tinyOptions = (dataroot: string, name = 'tiny') => ({
  name,
  model: 'pix2pix' as const,
  dataroot,
  load_size: 36,
  crop_size: 32,
  netG: 'unet_32',
  ngf: 4,
  ndf: 4,
  n_epochs: 20,
  n_epochs_decay: 0,
  preview_freq: 6,
  save_latest_freq: 12,
  save_epoch_freq: 1,
  print_freq: 1,
  seed: 1,
});

/** A form field by its option name (each label ends with it). */
const field = (scope: Locator, option: string) => scope.getByLabel(new RegExp(`\\s${option}$`));

const statusValue = (page: Page, item: string) => page.getByRole('region', { name: 'Run status' }).locator(`dd[data-status="${item}"]`);

/** The step the status panel shows ("12 / 120" → 12). */
async function shownStep(page: Page): Promise<number> {
  return Number((await statusValue(page, 'step').textContent())?.split('/')[0]?.trim());
}

const chartSteps = async (page: Page, loss: string) =>
  Number((await page.getByRole('figure', { name: `${loss} chart` }).locator('.loss-chart__plot').getAttribute('data-steps')) ?? 0);

const runHeader = (page: Page) => page.locator('.run-view__header');

async function openTrain(page: Page, studio: StudioServer) {
  await page.goto(studio.url);
  await page.getByRole('navigation', { name: 'Workspaces' }).getByRole('button', { name: /^Train/ }).click();
}

test('a tiny run from the form: curves and a preview appear; pause, resume and stop', async ({ page, studio, scratch }) => {
  const dataroot = await tinyFacades(scratch.root, 6);
  await callApi(studio, 'project:create', { dir: join(scratch.projects, 'train'), name: 'Train' });
  await openTrain(page, studio);

  const form = page.getByRole('form', { name: 'New run' });
  await expect(form).toBeVisible();
  // The defaults are pix2pix's, as the reference sets them.
  await expect(field(form, 'netG')).toHaveValue('unet_256');
  await expect(field(form, 'norm')).toHaveValue('batch');
  await expect(field(form, 'gan_mode')).toHaveValue('vanilla');
  await expect(field(form, 'lambda_L1')).toHaveValue('100');

  await field(form, 'name').fill('tiny');
  await field(form, 'dataroot').fill(dataroot);
  await field(form, 'load_size').fill('36');
  await field(form, 'crop_size').fill('32');
  // A crop unet_256 cannot take is explained before the run starts, and Start waits.
  await expect(form.getByText(/unet_256 halves the image 8 times/)).toBeVisible();
  await expect(form.getByRole('button', { name: 'Start training' })).toBeDisabled();
  await field(form, 'netG').selectOption('unet_32');
  await expect(form.getByText(/unet_256 halves the image/)).toBeHidden();
  const o = tinyOptions(dataroot);
  for (const key of ['ngf', 'ndf', 'n_epochs', 'n_epochs_decay', 'preview_freq', 'save_latest_freq', 'save_epoch_freq', 'seed'] as const) {
    await field(form, key).fill(String(o[key]));
  }
  await expect(form.getByLabel('Dataset summary')).toContainText('6 images (aligned) · network input 32×32 · 6 steps per epoch');
  await form.getByRole('button', { name: 'Start training' }).click();

  await expect(page.getByRole('heading', { name: 'tiny' })).toBeVisible();
  await expect(runHeader(page).locator('[data-state]')).toHaveAttribute('data-state', /queued|running/);
  await expect(runHeader(page).locator('[data-state]')).toHaveAttribute('data-state', 'running', { timeout: 120_000 });

  // Every loss pix2pix declares gets a chart, and the charts gain points as it trains.
  for (const loss of ['G_GAN', 'G_L1', 'D_real', 'D_fake']) await expect(page.getByRole('figure', { name: `${loss} chart` })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('figure', { name: 'Learning rate chart' })).toBeVisible();
  await expect.poll(() => chartSteps(page, 'G_L1'), { timeout: 60_000 }).toBeGreaterThan(2);
  const seen = await chartSteps(page, 'G_L1');
  await expect.poll(() => chartSteps(page, 'G_L1'), { timeout: 60_000 }).toBeGreaterThan(seen);
  await expect(statusValue(page, 'speed')).toHaveText(/it\/s|s\/it/);
  await expect(statusValue(page, 'backend')).not.toHaveText('–');

  // The model's visuals on the fixed samples.
  await expect(page.getByRole('img', { name: /^fake_B at step \d+$/ })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('img', { name: /^real_A at step \d+$/ })).toBeVisible();

  // Pause: the step count holds still; Resume: it moves again.
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(runHeader(page).locator('[data-state]')).toHaveAttribute('data-state', 'paused', { timeout: 30_000 });
  const pausedAt = await shownStep(page);
  await page.waitForTimeout(2000);
  expect(await shownStep(page)).toBe(pausedAt);
  expect(await chartSteps(page, 'G_L1')).toBe(pausedAt);
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect(runHeader(page).locator('[data-state]')).toHaveAttribute('data-state', 'running');
  await expect.poll(() => shownStep(page), { timeout: 60_000 }).toBeGreaterThan(pausedAt);

  // Closing the studio while a run trains asks first (here: the browser's beforeunload).
  const asked = new Promise<string>((resolve) =>
    page.once('dialog', (dialog) => {
      resolve(dialog.type());
      void dialog.dismiss();
    }),
  );
  await page.close({ runBeforeUnload: true });
  expect(await asked).toBe('beforeunload');
  expect(page.isClosed()).toBe(false);

  // Stop saves a checkpoint first.
  await page.getByRole('button', { name: 'Stop' }).click();
  await expect(runHeader(page).locator('[data-state]')).toHaveAttribute('data-state', 'stopped', { timeout: 60_000 });
  await expect(page.getByRole('status').filter({ hasText: 'Run “tiny” stopped' })).toBeVisible();
  await expect(page.locator('.run-details__checkpoints').getByRole('cell', { name: 'latest', exact: true })).toBeVisible();
  const run = (await callApi(studio, 'runs:get', { name: 'tiny' })) as RunSummary;
  expect(run.state).toBe('stopped');
  const latest = run.checkpoints.find((c) => c.tag === 'latest');
  expect(latest).toBeDefined();
  // The checkpoint holds the last step logged: nothing trained after it was lost.
  expect(latest!.step).toBe(run.step);

  // The run list shows it with its losses; the metrics export as CSV.
  const item = page.getByRole('navigation', { name: 'Runs' }).getByRole('listitem').filter({ hasText: 'tiny' });
  await expect(item).toContainText('stopped');
  await expect(item).toContainText(/G_L1 \d/);
  await page.getByRole('button', { name: 'Export metrics (CSV)' }).click();
  await expect(page.getByRole('link', { name: `Download ${run.step} rows` })).toBeVisible();
});

test('a run killed with the server is interrupted after a restart, and Resume continues its steps', async ({ page, scratch, consoleErrors }) => {
  // The page loses its server on purpose.
  consoleErrors.allow(/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED|Failed to load resource/);
  const dataroot = await tinyFacades(scratch.root, 6);
  const project = join(scratch.projects, 'kill');
  let studio = await startStudio({ home: scratch.home });
  try {
    await callApi(studio, 'project:create', { dir: project, name: 'Kill' });
    await callApi(studio, 'train:start', { options: tinyOptions(dataroot) });
    await openTrain(page, studio);
    await page.getByRole('navigation', { name: 'Runs' }).getByRole('button', { name: /tiny/ }).click();
    // Train until a checkpoint has been saved and a few more steps after it.
    let checkpointStep = 0;
    await expect
      .poll(
        async () => {
          const run = (await callApi(studio, 'runs:get', { name: 'tiny' })) as RunSummary;
          checkpointStep = run.checkpoints.find((c) => c.tag === 'latest')?.step ?? 0;
          return checkpointStep > 0 && run.step > checkpointStep + 1;
        },
        { timeout: 180_000, intervals: [500] },
      )
      .toBe(true);

    const exited = new Promise((done) => studio.process.once('exit', done));
    studio.process.kill('SIGKILL');
    await exited;

    studio = await startStudio({ home: scratch.home, project });
    await openTrain(page, studio);
    const item = page.getByRole('navigation', { name: 'Runs' }).getByRole('listitem').filter({ hasText: 'tiny' });
    await expect(item).toContainText('interrupted');
    await item.getByRole('button', { name: /tiny/ }).click();
    await expect(runHeader(page).locator('[data-state]')).toHaveAttribute('data-state', 'interrupted');
    const beforeResume = (await callApi(studio, 'runs:get', { name: 'tiny' })) as RunSummary;
    const latestStep = beforeResume.checkpoints.find((c) => c.tag === 'latest')?.step ?? 0;
    expect(latestStep).toBeGreaterThanOrEqual(checkpointStep);

    await page.getByRole('button', { name: 'Resume' }).click();
    await expect(runHeader(page).locator('[data-state]')).toHaveAttribute('data-state', 'running', { timeout: 120_000 });
    // The count goes on from the checkpoint: it never shows a step below it again.
    await expect.poll(() => shownStep(page), { timeout: 60_000 }).toBeGreaterThan(latestStep + 1);
    const metrics = (await callApi(studio, 'runs:metrics', { name: 'tiny', offset: 0 })) as MetricsResult;
    const steps = metrics.columns.step;
    expect(steps.slice(0, latestStep + 2)).toEqual(Array.from({ length: latestStep + 2 }, (_, i) => i + 1));
    for (let i = 1; i < steps.length; i++) expect(steps[i]).toBe(steps[i - 1]! + 1);

    await page.getByRole('button', { name: 'Stop' }).click();
    await expect(runHeader(page).locator('[data-state]')).toHaveAttribute('data-state', 'stopped', { timeout: 60_000 });
  } finally {
    await studio.stop();
    if (test.info().status !== test.info().expectedStatus) {
      await test.info().attach('server stderr', { body: studio.stderr.join('\n'), contentType: 'text/plain' });
      console.log(studio.stderr.join('\n'));
    }
  }
});
