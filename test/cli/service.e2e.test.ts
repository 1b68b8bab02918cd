// A mail server run as a service (docs/deploy.md): one process per --datadir (a second is refused with
// the holder's pid), --log-file rotated by rename + SIGHUP without stopping, and SIGTERM during a flood
// exits 0 with every envelope it logged as archived in the archive afterwards.
import { afterEach, beforeAll, expect, it } from 'vitest'
import { existsSync, readFileSync, renameSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { ARCHIVE_FILE } from '../../src/node/archive.js'
import { budget } from '../support/budget.js'
import { tempDirs } from '../support/temp-dirs.js'
import { Cli, ensureBuilt, LOCAL, LOCAL_RELAY, run } from './harness.js'

const procs: Cli[] = []
// removed after the processes that write in them are gone
const dirs = tempDirs('p2pm-service-e2e-', null)
beforeAll(() => ensureBuilt())
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.dispose()))
  dirs.cleanup()
})
function spawnCli(args: string[]): Cli {
  const c = new Cli(args)
  procs.push(c)
  return c
}

/** The hashes of the `Archived envelopes` trace lines of a log file (none while it does not exist). */
function archivedIn(file: string): string[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8').split('\n')
    .filter((l) => / Archived envelopes /.test(l))
    .flatMap((l) => /hashes=(\S+)/.exec(l)![1].split(','))
}

/** Waits (on the process's progress, not a fixed time) until the log file holds at least one archived batch. */
async function waitArchived(file: string, cli: Cli): Promise<string[]> {
  const deadline = Date.now() + budget(40_000)
  let exited = false
  void cli.exited.then(() => (exited = true))
  for (;;) {
    const got = archivedIn(file)
    if (got.length > 0) return got
    if (exited || Date.now() > deadline) throw new Error(`no archived batch in ${file} ${exited ? '(process exited)' : '(timeout)'}\n--- stdout:\n${cli.stdout}\n--- stderr:\n${cli.stderr}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const flood = (from: number, n: number) => Array.from({ length: n }, (_, i) => `line ${from + i}\n`).join('')

it('mail server: one per datadir, log file rotated on SIGHUP, SIGTERM mid-flood loses nothing it logged as archived', async () => {
  const dir = dirs.make()
  const datadir = join(dir, 'ms')
  const log = join(dir, 'mailserver.log')
  const ms = spawnCli(['mailserver', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--password', 'pw', '--datadir', datadir,
    '--status', '0', '--verbosity', '5', '--log-file', log])
  const enode = await ms.waitFor(/^enode:\/\//)
  expect(statSync(log).mode & 0o777).toBe(0o600)

  // a second process on the same directory (here a relay that is a mail server too) is refused, naming the holder
  const second = await run(['relay', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--mailserver-password', 'pw', '--datadir', datadir])
  expect(second.code).toBe(2)
  expect(second.stderr).toBe(`p2pmessage: data directory ${datadir} is in use by process ${ms.child.pid} (lock file ${join(datadir, 'LOCK')}; another bridge, relay or mail server?)\n`)

  const first = spawnCli([...LOCAL, '--enode', enode])
  first.end(flood(0, 20))
  const before = await waitArchived(log, ms)

  // logrotate: rename, then SIGHUP; the server keeps running and writes a new file at the same path
  renameSync(log, log + '.1')
  ms.kill('SIGHUP')
  const writer = spawnCli([...LOCAL, '--enode', enode])
  writer.end(flood(1000, 300))
  await waitArchived(log, ms)
  expect(statSync(log).mode & 0o777).toBe(0o600)

  // stopped while envelopes still come in: what it logged as archived up to its exit is on disk
  ms.kill('SIGTERM')
  expect(await ms.exited).toEqual({ code: 0, signal: null })
  expect(ms.stdoutLines.filter((l) => / mail server stopping$/.test(l))).toHaveLength(1)
  expect(ms.stderr).toBe('')
  const logged = [...new Set([...archivedIn(log + '.1'), ...archivedIn(log)])]
  expect(logged.length).toBeGreaterThan(before.length)
  expect(existsSync(join(datadir, 'LOCK'))).toBe(false)

  const db = new Database(join(datadir, ARCHIVE_FILE), { readonly: true })
  try {
    const stored = new Set((db.prepare('SELECT lower(hex(hash)) AS h FROM envelopes').all() as { h: string }[]).map((r) => r.h))
    // both ways: nothing logged is missing, and the last batch, committed while stopping, was logged too
    expect(logged.filter((h) => !stored.has(h))).toEqual([])
    expect([...stored].filter((h) => !logged.includes(h))).toEqual([])
  } finally {
    db.close()
  }
})

it('without --log-file, SIGHUP stops a relay as before (one stopping line, exit 0)', async () => {
  const relay = spawnCli(['relay', ...LOCAL_RELAY, '--listen', '127.0.0.1:0'])
  await relay.waitFor(/^enode:\/\//)
  relay.kill('SIGHUP')
  expect(await relay.exited).toEqual({ code: 0, signal: null })
  expect(relay.stdoutLines.at(-1)).toMatch(/ relay stopping$/)
})
