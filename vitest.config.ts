import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Network tests bind loopback ports and PoW is CPU-bound: two cores, so keep parallelism low.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
    // a temporary root per run, checked empty at the end (tests clean up what they create)
    globalSetup: ['./test/support/temp-root.ts'],
  },
})
