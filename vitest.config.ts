import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['__test__/**/*.test.ts'],
    globalSetup: ['__test__/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The native addon and SQLite files are per-test; files run in parallel forks.
    pool: 'forks',
  },
});
