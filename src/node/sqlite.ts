// better-sqlite3 is an optional dependency (it compiles with a C++ toolchain at install time, and
// Node 20 has no built-in SQLite: node:sqlite arrived in 22.5), needed only by the mail server's
// archive and the bridge's room history. Loaded on first use, so a node, relay or chat runs where it
// could not be installed, and its absence is said in one line naming the feature and the fix.
import { createRequire } from 'node:module'
import type BetterSqlite3 from 'better-sqlite3'

const require = createRequire(import.meta.url)

/** The better-sqlite3 constructor; throws an Error naming `feature` when the package cannot be loaded. */
export function loadSqlite(feature: string): typeof BetterSqlite3 {
  try {
    return require('better-sqlite3') as typeof BetterSqlite3
  } catch (err) {
    const code = (err as { code?: string }).code
    const why = code === 'MODULE_NOT_FOUND'
      ? 'the optional dependency better-sqlite3 is not installed (it needs a C++ toolchain to build): run `npm install better-sqlite3`'
      : `cannot load better-sqlite3: ${(err as Error).message.split('\n')[0]}`
    throw new Error(`${feature} needs SQLite: ${why}`, { cause: err })
  }
}
