/**
 * `monitor_plot_100k`: the training dashboard in Chromium (the built renderer's benchmark
 * page, src/renderer/src/workspaces/train/bench/monitor.html) plotting a run of 100,000
 * logged steps of 8 losses (9 charts with the learning rate, raw and smoothed curves)
 * while metrics stream in: 20 updates per second of 5 steps each. One sample per frame
 * that redrew: the main-thread time of that frame's chart work (data reduction, uPlot
 * drawing). The target is p95 ≤ 16.7 ms (one frame at 60 Hz).
 *
 * Chromium is the system's (/usr/bin/chromium, or $ATELIER_CHROMIUM), driven with
 * playwright-core; the page's files are served from out/renderer by request routing.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { launchChromium, peakRssMib, rendererPidsOf } from './studio';
import type { BenchCase } from './types';

const POINTS = 100_000;
const RATE = 20;
const PER_UPDATE = 5;
/** Streaming time per timed run. */
const RUN_MS = 5_000;
const ORIGIN = 'http://atelier-bench.localhost';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
};

/** out/renderer, beside the CLI bundle that runs this case (out/main/cli.js). */
function rendererDir(): string {
  if (process.env.ATELIER_RENDERER_DIR) return resolve(process.env.ATELIER_RENDERER_DIR);
  const cli = process.argv[1] ? dirname(resolve(process.argv[1])) : process.cwd();
  return resolve(cli, '..', 'renderer');
}

interface BenchWindow {
  atelierBench: {
    ready(): Promise<number>;
    run(ms: number): Promise<{ work: number[]; intervals: number[]; charts: number[]; points: number }>;
  };
}

const monitorPlot: BenchCase = {
  name: 'monitor_plot_100k',
  summary: `training dashboard in Chromium: ${POINTS.toLocaleString('en')} steps × 8 losses + lr, ${RATE} updates/s of ${PER_UPDATE} steps; chart work per frame (p95 target ≤ 16.7 ms)`,
  frames: true,
  async setup(ctx) {
    const root = rendererDir();
    const page = join(root, 'src/workspaces/train/bench/monitor.html');
    if (!existsSync(page)) throw new Error(`${page} is missing: build the renderer first (npm run build)`);
    const browser = await launchChromium();
    try {
      const tab = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      const errors: string[] = [];
      tab.on('pageerror', (e) => errors.push(e.message));
      await tab.route(`${ORIGIN}/**`, async (route) => {
        const path = decodeURIComponent(new URL(route.request().url()).pathname);
        const file = resolve(root, `.${path}`);
        if (!file.startsWith(root) || !existsSync(file)) {
          await route.fulfill({ status: 404, body: `not found: ${path}` });
          return;
        }
        await route.fulfill({ status: 200, contentType: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', body: await readFile(file) });
      });
      await tab.goto(`${ORIGIN}/src/workspaces/train/bench/monitor.html?points=${POINTS}&rate=${RATE}&perUpdate=${PER_UPDATE}`);
      const charts = await tab.evaluate(() => (window as unknown as BenchWindow).atelierBench.ready(), undefined);
      if (errors.length) throw new Error(`the benchmark page failed: ${errors.join('; ')}`);
      ctx.log(`monitor_plot_100k: ${charts} charts drawn with ${POINTS} points per series`);
      const renderers = await rendererPidsOf(browser);
      return {
        backend: 'chromium-canvas2d',
        threads: 1,
        async run() {
          const r = await tab.evaluate((ms) => (window as unknown as BenchWindow).atelierBench.run(ms), RUN_MS);
          if (errors.length) throw new Error(`the benchmark page failed: ${errors.join('; ')}`);
          const sorted = [...r.intervals].sort((a, b) => a - b);
          ctx.log(
            `monitor_plot_100k: ${r.work.length} redraws of ${Math.max(...r.charts)} charts, ${r.points} points per series; ` +
              `frame interval p95 ${sorted[Math.floor(sorted.length * 0.95)]?.toFixed(1)} ms`,
          );
          if (r.work.length < (RATE * RUN_MS) / 1000 / 2) throw new Error(`only ${r.work.length} frames redrew in ${RUN_MS} ms`);
          return r.work;
        },
        peakRssMib: async () => Math.max(...(await Promise.all((await renderers()).map(peakRssMib)))),
        dispose: () => browser.close(),
      };
    } catch (err) {
      await browser.close();
      throw err;
    }
  },
};

export const monitorCases: readonly BenchCase[] = [monitorPlot];
