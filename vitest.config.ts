import { defineConfig } from 'vitest/config';

// Two projects: `unit` is the fast loop (no servers); `integration` boots real Kafka/Postgres.
export default defineConfig({
  test: {
    reporters: ['default', './tools/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['packages/*/src/**/*.int.test.ts', 'packages/*/test/**/*.int.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // Each file boots its own servers; 2 cores cannot host two Kafka brokers well.
          fileParallelism: false,
        },
      },
    ],
  },
});
