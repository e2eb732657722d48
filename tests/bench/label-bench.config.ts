import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from '../e2e/studio';

/**
 * The label editor's benchmarks (label-bench.spec.ts): Playwright drives the real renderer in
 * Chromium against `atelier serve` (build first). Each case prints one JSON line.
 *   npx playwright test -c tests/bench/label-bench.config.ts
 */
export default defineConfig({
  testDir: '.',
  testMatch: 'label-bench.spec.ts',
  workers: 1,
  timeout: 300_000,
  expect: { timeout: 60_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
    viewport: { width: 1600, height: 1000 },
  },
});
