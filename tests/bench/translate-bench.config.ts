import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from '../e2e/studio';

/**
 * The Translate workspace's live-preview benchmarks (translate-bench.spec.ts): Playwright
 * drives the real renderer in Chromium against `atelier serve` (build first). Each case
 * prints one JSON line.
 *   npx playwright test -c tests/bench/translate-bench.config.ts
 * (export_4000x3000 is an `atelier bench` case: src/main/bench/translate-cases.ts.)
 */
export default defineConfig({
  testDir: '.',
  testMatch: 'translate-bench.spec.ts',
  workers: 1,
  timeout: 900_000,
  expect: { timeout: 300_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
    viewport: { width: 1400, height: 900 },
  },
});
