import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    exclude: ['test/stress/**', 'node_modules/**'],
    globalSetup: ['test/setup/system-tools.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Git, Astro and Chromium tests are heavy; two cores.
    maxWorkers: 2,
  },
});
