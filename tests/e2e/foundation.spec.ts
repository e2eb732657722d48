/**
 * The studio's foundation, end to end: the headless server, the renderer in Chromium,
 * projects, the engine's backend and a cancellable job, keyboard commands, and the
 * server's refusals of requests that do not carry this launch's token.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { EngineStatus } from '../../src/shared/api/engine';
import { backendLabel } from '../../src/renderer/src/shell/backend-label';
import { expect, test } from './fixtures';
import { startStudio } from './studio';
import { callApi, getStatusWithHost, tokenCookie, upgradeStatus } from './ws-client';

const statusBar = (page: Page) => page.getByRole('status', { name: 'Status bar' });
const engineButton = (page: Page) => statusBar(page).getByRole('button', { name: /^Engine:/ });

async function openPalette(page: Page) {
  await page.keyboard.press('Control+K');
  const palette = page.getByRole('dialog', { name: 'Commands' });
  await expect(palette).toBeVisible();
  return palette;
}

test('opens from the printed URL, takes the token out of the address bar, and shows the engine backend', async ({ page, studio }) => {
  await page.goto(studio.url);

  await expect(page.getByRole('heading', { name: 'Welcome to Atelier' })).toBeVisible();
  expect(page.url()).not.toContain(studio.token);
  await expect(engineButton(page)).toHaveAccessibleName(/, ready\. Show details$/);

  // The status bar names the backend main reports, in the form users know it by.
  const status = (await callApi(studio, 'engine:status')) as EngineStatus;
  expect(status.backend).not.toBeNull();
  await expect(statusBar(page)).toContainText(backendLabel(status.backend!));

  await engineButton(page).click();
  const details = page.getByRole('dialog', { name: 'Engine' });
  await expect(details).toContainText(status.backend!.device);
  await expect(details).toContainText('Backends tried, in order');
  await page.keyboard.press('Escape');
  await expect(details).toBeHidden();
});

test('creates a project by typing its path; after a restart it is listed as recent and reopens', async ({
  page,
  studio,
  scratch,
  consoleErrors,
}) => {
  // Stopping the server under an open page makes Chromium log the failed reconnects.
  consoleErrors.allow(/WebSocket connection to .* failed/);
  const dir = join(scratch.projects, 'facades');
  await page.goto(studio.url);

  await page.getByRole('button', { name: /New project/ }).click();
  const dialog = page.getByRole('dialog', { name: 'New project' });
  await dialog.getByLabel('Project folder').fill(dir);
  await expect(dialog.getByLabel('Name')).toHaveAttribute('placeholder', 'facades');
  await dialog.getByLabel('Name').fill('Facades');
  await dialog.getByRole('button', { name: 'Create' }).click();

  await expect(dialog).toBeHidden();
  await expect(page.getByRole('heading', { name: 'Dataset & Label' })).toBeVisible();
  await expect(statusBar(page)).toContainText('Facades');
  expect(existsSync(join(dir, 'atelier.json'))).toBe(true);

  // The same folder again: refused with the reason, and what was typed is kept.
  const palette = await openPalette(page);
  await palette.getByRole('combobox').fill('new project');
  await page.keyboard.press('Enter');
  await dialog.getByLabel('Project folder').fill(dir);
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(dialog.getByRole('alert')).toContainText('already holds an Atelier project');
  await expect(dialog.getByLabel('Project folder')).toHaveValue(dir);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  await studio.stop();
  await expect(statusBar(page)).toContainText('Disconnected — reconnecting');

  const relaunched = await startStudio({ home: scratch.home });
  try {
    await page.goto(relaunched.url);
    const recent = page.getByRole('list', { name: 'Recent projects' });
    await expect(recent).toContainText('Facades');
    await expect(recent).toContainText(dir);
    await recent.getByRole('button', { name: /Facades/ }).click();
    await expect(page.getByRole('heading', { name: 'Dataset & Label' })).toBeVisible();
    await expect(statusBar(page)).toContainText('Facades');
  } finally {
    await relaunched.stop();
  }
});

test('atelier serve --project opens that project at start', async ({ page, studio, scratch }) => {
  const dir = join(scratch.projects, 'maps');
  await callApi(studio, 'project:create', { dir, name: 'Maps' });
  await studio.stop();

  const withProject = await startStudio({ home: scratch.home, project: dir });
  try {
    await page.goto(withProject.url);
    await expect(page.getByRole('navigation', { name: 'Workspaces' })).toContainText('Maps');
    await expect(statusBar(page)).toContainText('Maps');
  } finally {
    await withProject.stop();
  }
});

test('runs the engine self-test from the command palette, shows its progress, and cancels it', async ({ page, studio }) => {
  await page.goto(studio.url);
  await expect(engineButton(page)).toHaveAccessibleName(/, ready\./);

  const palette = await openPalette(page);
  await palette.getByRole('combobox', { name: 'Search commands' }).fill('self-test');
  await expect(palette.getByRole('option').first()).toContainText('Run engine self-test');
  await page.keyboard.press('Enter');
  await expect(palette).toBeHidden();

  const progress = statusBar(page).getByRole('progressbar', { name: 'Engine self-test progress' });
  await expect(progress).toBeVisible();
  await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
  const total = Number(await progress.getAttribute('aria-valuemax'));
  expect(Number(await progress.getAttribute('aria-valuenow'))).toBeLessThan(total);

  await statusBar(page).getByRole('button', { name: 'Cancel Engine self-test' }).click();
  await expect(statusBar(page)).toContainText('Engine self-test cancelled');
  await expect(page.getByRole('list', { name: 'Notifications' })).toContainText('Engine self-test cancelled');
  await expect(progress).toBeHidden();
  await expect(engineButton(page)).toHaveAccessibleName(/, ready\./);
});

test('keyboard: Ctrl+1/2/3 switch workspaces, Ctrl+K and F1 list every command with its shortcut', async ({
  page,
  studio,
  scratch,
}) => {
  await callApi(studio, 'project:create', { dir: join(scratch.projects, 'keys'), name: 'Keys' });
  await page.goto(studio.url);
  const nav = page.getByRole('navigation', { name: 'Workspaces' });
  await expect(page.getByRole('heading', { name: 'Dataset & Label' })).toBeVisible();

  await page.keyboard.press('Control+2');
  await expect(page.getByRole('heading', { name: 'Translate' })).toBeVisible();
  await expect(nav.getByRole('button', { name: /^Translate/ })).toHaveAttribute('aria-current', 'page');
  // The workspace survives a reload.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Translate' })).toBeVisible();
  await page.keyboard.press('Control+3');
  await expect(page.getByRole('heading', { name: 'Train' })).toBeVisible();
  await page.keyboard.press('Control+1');
  await expect(page.getByRole('heading', { name: 'Dataset & Label' })).toBeVisible();

  const palette = await openPalette(page);
  const options = palette.getByRole('option');
  await expect(options.filter({ hasText: 'Go to Train' })).toContainText('Ctrl+3');
  await expect(options.filter({ hasText: 'New project…' })).toContainText('Ctrl+Shift+N');
  await expect(options.filter({ hasText: 'Open project…' })).toContainText('Ctrl+O');
  await expect(options.filter({ hasText: 'Show all commands' })).toContainText('Ctrl+K');
  // Pressed again, the shortcut closes the palette.
  await page.keyboard.press('Control+K');
  await expect(palette).toBeHidden();
  await page.keyboard.press('F1');
  await expect(palette).toBeVisible();
  await palette.getByRole('combobox').fill('train');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Train' })).toBeVisible();

  await page.keyboard.press('Control+O');
  const open = page.getByRole('dialog', { name: 'Open project' });
  await expect(open.getByRole('list', { name: 'Recent projects' })).toContainText('Keys');
});

test('refuses HTTP and WebSocket requests without the token, WebSockets from another origin, and foreign Host names', async ({
  studio,
  request,
}) => {
  // `request` carries no cookie: it has never opened the token URL.
  expect((await request.get(`${studio.origin}/`)).status()).toBe(401);
  expect((await request.get(`${studio.origin}/?token=not-the-token`)).status()).toBe(401);
  expect((await request.get(`${studio.origin}/project-file/atelier.json`)).status()).toBe(401);

  expect(await upgradeStatus(studio, { Origin: studio.origin })).toBe(401);
  expect(await upgradeStatus(studio, { Origin: studio.origin, Cookie: 'atelier_token=forged' })).toBe(401);
  expect(await upgradeStatus(studio, { Origin: 'http://evil.example', Cookie: tokenCookie(studio) })).toBe(403);
  // DNS rebinding: a page from another name resolving to 127.0.0.1 still names that host.
  expect(await getStatusWithHost(studio, 'evil.example')).toBe(403);
  // What the page does is accepted, so the refusals above are about the missing credential.
  expect(await upgradeStatus(studio, { Origin: studio.origin, Cookie: tokenCookie(studio) })).toBe(101);
  expect((await request.get(studio.url)).status()).toBe(200);
});

test('says when the connection to the server is lost, and what to do', async ({ page, studio, consoleErrors }) => {
  consoleErrors.allow(/WebSocket connection to .* failed/);
  await page.goto(studio.url);
  await expect(engineButton(page)).toHaveAccessibleName(/, ready\./);

  await studio.stop();
  await expect(statusBar(page)).toContainText('Disconnected — reconnecting');
  const alert = page.getByRole('alert').filter({ hasText: 'Lost the connection to Atelier' });
  await expect(alert).toContainText('open the address it printed');
});
