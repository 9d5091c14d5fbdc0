import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real dev stack (Temporal, MinIO, Postgres) for the whole run, brought up here.
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    // Tests assert behaviour, not speed: a generous limit keeps a loaded 2-core CI from failing
    // them while still catching a hang.
    testTimeout: 600_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
