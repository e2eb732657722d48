import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Benchmarks and probes: run on demand, never with the unit tests, e.g.
//   npx vitest run -c tests/bench/vitest.config.ts tests/bench/wasm-probe.ts
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['tests/bench/**/*.ts'],
    // Configs, Playwright specs (run by Playwright) and shared helpers are not benchmarks.
    exclude: ['tests/bench/**/*.config.ts', 'tests/bench/**/*.spec.ts', 'tests/bench/helpers/**', '**/node_modules/**'],
    environment: 'node',
    testTimeout: 1_800_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Timings need the machine to themselves: one file at a time.
    fileParallelism: false,
  },
});
