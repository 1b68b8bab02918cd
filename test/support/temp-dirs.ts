// Temporary directories a test file makes under the per-run TMPDIR (temp-root.ts fails the run if any is
// left there), removed together after each test, or after the file with `afterAll`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'

export interface TempDirs {
  /** a fresh directory named `<prefix>XXXXXX` */
  make(): string
  /** removes every directory made so far */
  cleanup(): void
}

// `hook` registers the cleanup (afterEach by default, or afterAll); null leaves it to the caller, for
// files that must stop their processes before the directories they write go.
export function tempDirs(prefix: string, hook: ((fn: () => void) => void) | null = afterEach): TempDirs {
  const dirs: string[] = []
  const t: TempDirs = {
    make() {
      const d = mkdtempSync(join(tmpdir(), prefix))
      dirs.push(d)
      return d
    },
    cleanup() {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
    },
  }
  hook?.(() => t.cleanup())
  return t
}
