import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // two cores: keep parallelism modest so PostgreSQL and the gateways under test get CPU
    maxWorkers: 2,
  },
});
