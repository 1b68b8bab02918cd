import { defineConfig } from 'vitest/config'
import { budget } from './test/support/budget.js'

// Two projects, chosen by file name (docs/architecture.md, "## Tests"):
//   unit  every test/**/*.test.ts but *.e2e.test.ts: in-process, loopback only, each test under 5 s
//   e2e   test/**/*.e2e.test.ts: starts processes or a browser, or runs long over the network
// `npm run test:unit` runs the first; `npm test` runs both.
const E2E = 'test/**/*.e2e.test.ts'

// Deadlines grow with the load when the run starts (test/support/budget.ts; the wait helpers of the
// tests scale theirs the same way): a test waits on events, and a deadline only tells a hang from a
// machine that is busy elsewhere.
const shared = {
  testTimeout: budget(60_000),
  hookTimeout: budget(60_000),
}

export default defineConfig({
  test: {
    // Network tests bind loopback ports and PoW is CPU-bound: two cores, so keep parallelism low.
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
    // Root-level global setup runs once per run whichever projects run (project-level setup would run
    // once per project): dist/ rebuilt when a source is newer, then one temporary root checked empty
    // at the end (tests clean up what they create).
    globalSetup: ['./test/support/fresh-dist.ts', './test/support/temp-root.ts'],
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [E2E],
          // One module graph per worker instead of one per file: re-importing the node, devp2p and noble for
          // each of ~70 files cost more CPU than the tests (136 s against 51 s for the whole project).
          // Tests therefore must not rely on fresh module state; each cleans up what it starts.
          isolate: false,
        },
      },
      { test: { ...shared, name: 'e2e', include: [E2E] } },
    ],
  },
})
