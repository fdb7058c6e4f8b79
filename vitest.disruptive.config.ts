import { defineConfig } from 'vitest/config';

/** Suites that stop and restart shared services (the Kafka broker); they run alone, after every other suite. */
export default defineConfig({
  test: {
    include: ['test/disruptive/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
