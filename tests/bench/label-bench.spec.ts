/**
 * label_stroke_4096: main-thread work per animation frame (pointer handling + re-colouring
 * the dirty tiles + drawing the overlay layers) while a brush stroke is drawn across a
 * 4096×4096 image in the real renderer; p95 is the figure to hold under 16.7 ms.
 * label_save_4096: a save of that 4096² label map, from copying the ids in the renderer to
 * main's reply (compress, send, validate, write the colour and id PNGs atomically).
 * One JSON line per case on stdout, also appended to bench-results/label.jsonl.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { expect, test } from '../e2e/fixtures';
import { callApi } from '../e2e/ws-client';
import { repoRoot } from '../helpers/paths';

const SIZE = 4096;

function stats(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  const round = (v: number) => Math.round(v * 100) / 100;
  return { median_ms: round(q(0.5)), min_ms: round(s[0]!), max_ms: round(s[s.length - 1]!), p95_ms: round(q(0.95)), n: s.length };
}

async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

async function emit(line: Record<string, unknown>) {
  const text = JSON.stringify(line);
  console.log(text);
  await mkdir(join(repoRoot, 'bench-results'), { recursive: true });
  await appendFile(join(repoRoot, 'bench-results', 'label.jsonl'), `${text}\n`);
}

test('label_stroke_4096 and label_save_4096', async ({ page, studio, scratch }) => {
  // A 4096² photo with structure (gradients), as JPEG.
  const photo = join(scratch.root, 'big.jpg');
  const raw = Buffer.alloc(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const o = (y * SIZE + x) * 3;
      raw[o] = x >> 4;
      raw[o + 1] = y >> 4;
      raw[o + 2] = ((x ^ y) >> 5) & 255;
    }
  }
  await sharp(raw, { raw: { width: SIZE, height: SIZE, channels: 3 } }).jpeg({ quality: 85 }).toFile(photo);
  await callApi(studio, 'project:create', { dir: join(scratch.projects, 'bench'), name: 'Bench' });
  await callApi(studio, 'dataset:importFiles', { paths: [photo] });

  await page.goto(studio.url);
  await page.getByRole('listbox', { name: 'Images' }).getByRole('option').first().dblclick();
  const pane = page.getByRole('img', { name: 'Label map over the photo' });
  await expect(pane.locator('canvas').first()).toBeVisible();
  await page.keyboard.press('b');
  for (let i = 0; i < 12; i++) await page.keyboard.press(']'); // 8 → ~64 px
  await page.waitForTimeout(500);

  const box = (await pane.boundingBox())!;
  const renderer = await (async () => {
    const cdp = await page.context().browser()!.newBrowserCDPSession();
    const info = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
    return info.processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
  })();

  // Frame intervals too, as the browser saw them.
  await page.evaluate(() => {
    performance.clearMeasures();
    const w = window as unknown as { __intervals: number[]; __stop: boolean };
    w.__intervals = [];
    w.__stop = false;
    let last = performance.now();
    const tick = (t: number) => {
      w.__intervals.push(t - last);
      last = t;
      if (!w.__stop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });

  // A zigzag stroke over the whole image: 600 pointer moves.
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const r = Math.min(box.width, box.height) * 0.42;
  await page.mouse.move(cx - r, cy - r);
  await page.mouse.down();
  for (let k = 0; k <= 600; k++) {
    const t = k / 600;
    await page.mouse.move(cx - r + 2 * r * t, cy - r + 2 * r * Math.abs(((t * 8) % 2) - 1));
  }
  await page.mouse.up();
  await page.waitForTimeout(200);

  const { work, intervals } = await page.evaluate(() => {
    const w = window as unknown as { __intervals: number[]; __stop: boolean };
    w.__stop = true;
    const entries = performance.getEntriesByName('atelier:label-frame') as PerformanceMeasure[];
    return {
      work: entries.filter((e) => (e.detail as { drawing?: boolean } | null)?.drawing).map((e) => e.duration),
      intervals: w.__intervals.slice(2),
    };
  });
  expect(work.length).toBeGreaterThan(20);
  const rss = Math.max(...(await Promise.all(renderer.map(peakRssMiB))));
  const stroke = stats(work);
  await emit({
    case: 'label_stroke_4096',
    backend: 'chromium-canvas2d-cpu',
    threads: 1,
    median_ms: stroke.median_ms,
    min_ms: stroke.min_ms,
    max_ms: stroke.max_ms,
    peak_rss_mib: rss,
    p95_ms: stroke.p95_ms,
    frames: stroke.n,
    frame_interval_p95_ms: stats(intervals).p95_ms,
  });

  // Saves: a short stroke, then Ctrl+S, five times.
  const saves: number[] = [];
  for (let k = 0; k < 5; k++) {
    await page.mouse.move(cx - r + k * 40, cy + r * 0.5);
    await page.mouse.down();
    await page.mouse.move(cx - r + k * 40 + 30, cy + r * 0.6, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.press('Control+s');
    await expect(page.getByRole('status', { name: 'Save status' })).toHaveText('Saved');
  }
  saves.push(
    ...(await page.evaluate(() => (performance.getEntriesByName('atelier:label-save') as PerformanceMeasure[]).map((e) => e.duration))),
  );
  const save = stats(saves.slice(-5));
  await emit({
    case: 'label_save_4096',
    backend: 'sharp',
    threads: sharp.concurrency() || cpus().length,
    median_ms: save.median_ms,
    min_ms: save.min_ms,
    max_ms: save.max_ms,
    peak_rss_mib: await peakRssMiB(studio.process.pid!),
  });
});
