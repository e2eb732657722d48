import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from './studio';

/**
 * End-to-end tests: Playwright drives the system's Chromium against the headless mode
 * (`atelier serve`), which must have been built first (`npm run build`; `npm test` does it).
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  // Each test starts its own server and engine process; the machines we run on are small.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
    trace: 'retain-on-failure',
  },
});
