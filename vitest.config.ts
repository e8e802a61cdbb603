import { defineConfig } from 'vitest/config';

/**
 * Two tiers. `unit`: pure and fast (no git processes, no Astro build, no Chromium, no apt), seconds
 * in all: `npm run test:unit`. `integration`: everything else, real git, s3rver, Astro and Chromium.
 * `npm test` runs both; the stress tests have their own config (vitest.stress.config.ts).
 */
const UNIT = [
  'test/query.test.ts',
  'test/query.property.test.ts',
  'test/downsample.test.ts',
  'test/index.test.ts',
  'test/report.test.ts',
  'test/compare-data.test.ts',
  'test/compare-lookup.test.ts',
  'test/redact.test.ts',
  'test/site-format.test.ts',
  'test/run-pages.test.ts',
  'test/table.test.ts',
  'test/clock.test.ts',
  'test/lockfile.test.ts',
  'test/boundaries.test.ts',
  'test/chart-model.test.ts',
  'test/metric-direction.test.ts',
  'test/overlay-chart.test.ts',
  'test/csv.test.ts',
  'test/unit/**/*.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Git, Astro and Chromium tests are heavy; two cores.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...UNIT, 'test/stress/**', 'node_modules/**'],
          globalSetup: ['test/setup/system-tools.ts', 'test/setup/shared-sites.ts'],
        },
      },
    ],
  },
});
