/**
 * The label editor on a 4096×4096 image in the real renderer, in Chromium against `atelier
 * serve`:
 *
 * - label_stroke_4096: main-thread work per animation frame (pointer handling, re-colouring
 *   the dirty tiles, drawing the overlay layers) while a brush stroke zigzags across the
 *   whole image; one sample per frame that drew, as the editor measures it
 *   (`atelier:label-frame`). The target is p95 ≤ 16.7 ms (one frame at 60 Hz). The peak
 *   memory is the renderer's.
 * - label_save_4096: a save of that label map after a short stroke, from copying the ids in
 *   the renderer to main's reply (compress, send, validate, write the colour and id PNGs
 *   atomically), as the editor measures it (`atelier:label-save`). The peak memory is the
 *   server's, where the map is validated and written.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { openStudioPage, startStudio, studioCpuMs, type Studio, type StudioPage } from './studio';
import type { BenchCase, BenchContext } from './types';

const SIZE = 4096;
/** Pointer moves of one timed stroke. */
const STROKE_MOVES = 600;
/** The renderer's User Timing entries (src/renderer/src/workspaces/dataset). */
const FRAME_MEASURE = 'atelier:label-frame';
const SAVE_MEASURE = 'atelier:label-save';

/** A 4096² photo with structure (gradients), as JPEG. */
async function writePhoto(path: string): Promise<void> {
  const raw = Buffer.alloc(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const o = (y * SIZE + x) * 3;
      raw[o] = x >> 4;
      raw[o + 1] = y >> 4;
      raw[o + 2] = ((x ^ y) >> 5) & 255;
    }
  }
  await sharp(raw, { raw: { width: SIZE, height: SIZE, channels: 3 } }).jpeg({ quality: 85 }).toFile(path);
}

interface Editor {
  studio: Studio;
  tab: StudioPage;
  page: Page;
  /** Centre and half-extent of the image on screen. */
  cx: number;
  cy: number;
  r: number;
}

/** A project holding the 4096² photo, opened in the label editor with a ~95 px brush. */
async function openEditor(ctx: BenchContext, name: string): Promise<Editor> {
  const studio = await startStudio(ctx.log);
  try {
    const photo = join(studio.scratch, 'big.jpg');
    await writePhoto(photo);
    await studio.call('project:create', { dir: join(studio.scratch, 'project'), name });
    await studio.call('dataset:importFiles', { paths: [photo] });
    const tab = await openStudioPage(studio.url, { width: 1600, height: 1000 });
    try {
      const { page } = tab;
      await page.getByRole('listbox', { name: 'Images' }).getByRole('option').first().dblclick();
      const pane = page.getByRole('img', { name: 'Label map over the photo' });
      await pane.locator('canvas').first().waitFor();
      await page.keyboard.press('b');
      for (let i = 0; i < 12; i++) await page.keyboard.press(']'); // 8 → 95 px
      await page.waitForTimeout(500);
      const box = await pane.boundingBox();
      if (!box) throw new Error('the label pane is not on screen');
      ctx.log(`${name}: ${SIZE}×${SIZE} image open in the label editor`);
      return { studio, tab, page, cx: box.x + box.width / 2, cy: box.y + box.height / 2, r: Math.min(box.width, box.height) * 0.42 };
    } catch (err) {
      await tab.browser.close();
      throw err;
    }
  } catch (err) {
    await studio.stop();
    throw err;
  }
}

async function closeEditor(e: Editor): Promise<void> {
  await e.tab.browser.close();
  await e.studio.stop();
}

/**
 * Alternates the painted class between runs, so that every stroke changes the map (painting
 * a class over itself changes nothing, and an unchanged map is not saved).
 */
async function selectClass(page: Page, run: number): Promise<void> {
  await page.keyboard.press(run % 2 === 0 ? '2' : '3');
}

/** Ctrl+S, resolved once the save is written; its duration as the editor measured it. */
async function save(page: Page): Promise<number> {
  const before = await page.evaluate((m) => performance.getEntriesByName(m).length, SAVE_MEASURE);
  await page.keyboard.press('Control+s');
  const handle = await page.waitForFunction(
    ({ m, n }) => {
      const entries = performance.getEntriesByName(m);
      if (entries.length > n) return { ms: entries[entries.length - 1]!.duration };
      const status = document.querySelector('[role="status"][aria-label="Save status"]');
      return status?.classList.contains('save-indicator--error') ? { error: status.getAttribute('title') ?? 'unknown error' } : false;
    },
    { m: SAVE_MEASURE, n: before },
  );
  const r = (await handle.jsonValue()) as { ms: number } | { error: string };
  if ('error' in r) throw new Error(`the save failed: ${r.error}`);
  return r.ms;
}

const stroke: BenchCase = {
  name: 'label_stroke_4096',
  summary: `label editor in Chromium: a ${STROKE_MOVES}-move brush stroke across a ${SIZE}×${SIZE} label map; main-thread work per frame (p95 target ≤ 16.7 ms)`,
  frames: true,
  async setup(ctx) {
    const e = await openEditor(ctx, 'label_stroke_4096');
    const { page, cx, cy, r } = e;
    return {
      backend: 'chromium-canvas2d',
      threads: 1,
      async run(i) {
        await selectClass(page, i);
        // This run's frames only; the frame intervals too, as the browser saw them.
        await page.evaluate((m) => {
          performance.clearMeasures(m);
          const w = window as unknown as { benchIntervals: number[]; benchStop: boolean };
          w.benchIntervals = [];
          w.benchStop = false;
          let last = performance.now();
          const tick = (t: number) => {
            w.benchIntervals.push(t - last);
            last = t;
            if (!w.benchStop) requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        }, FRAME_MEASURE);
        // A zigzag over the whole image.
        await page.mouse.move(cx - r, cy - r);
        await page.mouse.down();
        for (let k = 0; k <= STROKE_MOVES; k++) {
          const t = k / STROKE_MOVES;
          await page.mouse.move(cx - r + 2 * r * t, cy - r + 2 * r * Math.abs(((t * 8) % 2) - 1));
        }
        await page.mouse.up();
        await page.waitForTimeout(200);
        const { work, intervals } = await page.evaluate((m) => {
          const w = window as unknown as { benchIntervals: number[]; benchStop: boolean };
          w.benchStop = true;
          const entries = performance.getEntriesByName(m) as PerformanceMeasure[];
          return {
            work: entries.filter((x) => (x.detail as { drawing?: boolean } | null)?.drawing).map((x) => x.duration),
            intervals: w.benchIntervals.slice(2),
          };
        }, FRAME_MEASURE);
        e.tab.assertNoErrors();
        if (work.length < 20) throw new Error(`only ${work.length} frames drew during the stroke`);
        const sorted = intervals.sort((a, b) => a - b);
        ctx.log(`label_stroke_4096: ${work.length} frames drew; frame interval p95 ${sorted[Math.floor(sorted.length * 0.95)]?.toFixed(1)} ms`);
        // Saved now, so that the autosave's encoding does not land in the next run's frames
        // (the run's cpu_ms includes this save).
        await save(page);
        return work;
      },
      peakRssMib: () => e.tab.rendererPeakRssMib(),
      cpuMs: () => studioCpuMs(e.studio, e.tab),
      dispose: () => closeEditor(e),
    };
  },
};

const saveCase: BenchCase = {
  name: 'label_save_4096',
  summary: `label editor in Chromium: saving a ${SIZE}×${SIZE} label map (renderer copy, compress, send, validate, colour and id PNGs written)`,
  async setup(ctx) {
    const e = await openEditor(ctx, 'label_save_4096');
    const { page, cx, cy, r } = e;
    return {
      backend: 'sharp',
      threads: sharp.concurrency() || cpus().length,
      async run(i) {
        await selectClass(page, i);
        await page.mouse.move(cx - r, cy + r * 0.5);
        await page.mouse.down();
        await page.mouse.move(cx - r + 30, cy + r * 0.6, { steps: 5 });
        await page.mouse.up();
        const ms = await save(page);
        e.tab.assertNoErrors();
        return ms;
      },
      peakRssMib: () => e.studio.serverPeakRssMib(),
      cpuMs: () => studioCpuMs(e.studio, e.tab),
      dispose: () => closeEditor(e),
    };
  },
};

export const labelCases: readonly BenchCase[] = [stroke, saveCase];
