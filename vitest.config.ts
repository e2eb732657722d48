import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/unit/**/*.test.tsx', 'tests/parity/**/*.test.ts'],
    environment: 'node',
    // Numerical tests run real networks on 2 CPU cores; none of them is a timing test.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Most tests are single-threaded JavaScript: use both cores of a 2-core machine.
    maxWorkers: 2,
  },
});
