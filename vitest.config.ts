import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/tmpdir-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // engine suites start PostgreSQL servers; two cores are all CI has
    maxWorkers: 2,
  },
});
