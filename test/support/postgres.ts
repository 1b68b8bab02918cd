// A real PostgreSQL for a test file: one throwaway server (bench/postgres-server.ts: Debian's package,
// initdb in a temporary directory, 127.0.0.1 on a free port) started before the file's tests and
// stopped and deleted after them. Without the package the file's tests skip with one line, except in
// CI (CI set), where `.ci/run` installs it and its absence fails them.
import { afterAll, beforeAll } from 'vitest'
import { findPostgresBin, startPostgres, type PostgresServer } from '../../bench/postgres-server.js'

export type { PostgresServer }

const missing = findPostgresBin() === null

/** True when the tests that need PostgreSQL should skip (not installed, and not in CI). */
export const skipPostgres = missing && !process.env.CI
if (skipPostgres) process.stderr.write('SKIPPED PostgreSQL tests: no /usr/lib/postgresql/*/bin/postgres (install: apt-get install -y postgresql). They always run when CI is set.\n')

/** Registers the file's server; `get()` gives it inside the tests. */
export function usePostgres(): { get(): PostgresServer } {
  let server: PostgresServer | null = null
  if (!skipPostgres) {
    beforeAll(async () => {
      server = await startPostgres({ fsync: false })
    })
    afterAll(async () => {
      await server?.stop()
    })
  }
  return {
    get() {
      if (server === null) throw new Error('PostgreSQL is not running for this file')
      return server
    },
  }
}
