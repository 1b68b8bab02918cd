// Global setup: every test run gets its own temporary root (TMPDIR, so os.tmpdir() in the test workers
// and in the CLI processes they start points into it). At the end the run fails if a test left anything
// there: tests clean up the directories and key files they create (nothing piles up in /tmp).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'p2pmessage-test-run-'))
  process.env.TMPDIR = root
  return () => {
    // Chromium keeps dot-named scratch files of its own in TMPDIR; those are not the tests' doing
    const left = readdirSync(root).filter((name) => !name.startsWith('.'))
    rmSync(root, { recursive: true, force: true })
    if (left.length > 0) {
      // vitest reports an error thrown here but still exits 0: set the status too
      process.exitCode = 1
      throw new Error(`tests left ${left.length} temporary entries behind (not cleaned up): ${left.join(', ')}`)
    }
  }
}
