import { test as base, expect } from '@playwright/test';
import { scratchDir, startStudio, type StudioServer } from './studio';

interface Fixtures {
  /** A scratch folder: `home` (per-user state) and `projects` (where tests create projects). */
  scratch: Awaited<ReturnType<typeof scratchDir>>;
  /** A fresh `atelier serve` on a free port, with no project open. */
  studio: StudioServer;
  /**
   * Fails the test on any console error or uncaught exception in the page (a CSP
   * violation, a failed request, a React error) unless the test allowed it by pattern.
   */
  consoleErrors: { allow(pattern: RegExp): void };
}

export const test = base.extend<Fixtures>({
  scratch: async ({}, use) => {
    const dir = await scratchDir();
    await use(dir);
    await dir.remove();
  },

  studio: async ({ scratch }, use, testInfo) => {
    const server = await startStudio({ home: scratch.home });
    await use(server);
    await server.stop();
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('server stderr', { body: server.stderr.join('\n'), contentType: 'text/plain' });
    }
  },

  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      const allowed: RegExp[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
      await use({ allow: (pattern) => allowed.push(pattern) });
      expect(errors.filter((e) => !allowed.some((p) => p.test(e)))).toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
