// Two `p2pmessage mailserver` processes on one PostgreSQL (test/support/postgres.ts): what either
// archives both serve; a kill -9 of one during a flood loses nothing it reported archived (its trace
// line "Archived envelopes", written after COMMIT), and the other goes on serving. Also the --archive
// flag's one-line errors (exit 2).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import postgres from 'postgres'
import { WhisperNode } from '../../src/node/whisper-node.js'
import { Cli, ensureBuilt, LOCAL, run } from '../cli/harness.js'
import { budget } from '../support/budget.js'
import { skipPostgres, usePostgres } from '../support/postgres.js'
import { rawEnvelope } from './helpers.js'

const pg = usePostgres()
const procs: Cli[] = []
const spawnCli = (args: string[]) => {
  const c = new Cli(args)
  procs.push(c)
  return c
}
beforeAll(() => ensureBuilt())
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.dispose()))
})
let flooder: WhisperNode | null = null
afterAll(async () => {
  await flooder?.stop()
})

const mailserver = (url: string, extra: string[] = []) =>
  ['mailserver', '--bootnodes', 'none', '--pow', '0', '--listen', '127.0.0.1:0', '--shh', '6', '--password', 'pw', '--archive', url, '--status', '0', ...extra]

/** The hashes a mail server's trace lines report archived (committed), as they come. */
function acknowledged(ms: Cli): Set<string> {
  const seen = new Set<string>()
  let read = 0
  const scan = () => {
    for (; read < ms.stderrLines.length; read++) {
      const m = /Archived envelopes .*hashes=([0-9a-f,]+)/.exec(ms.stderrLines[read])
      if (m) for (const h of m[1].split(',')) seen.add(h)
    }
  }
  ms.child.stderr.on('data', () => setImmediate(scan))
  return seen
}

/**
 * What a chat asking `enode` for an hour of history gets as history (not live from the server's pool):
 * resolves once `text` came, marked as history, and the answer is complete.
 */
async function historyHas(enode: string, text: string): Promise<void> {
  const reader = spawnCli([...LOCAL, '--shh', '6', '--enode', enode, '--mailserver', enode, '--mailserver-password', 'pw', '--history', '1h', '--json'])
  const line = await reader.waitFor(new RegExp(`"text":"${text}"`))
  expect((JSON.parse(line) as { history?: boolean }).history).toBe(true)
  await reader.waitFor(/^history: complete/, { stream: 'stderr' })
  reader.kill('SIGTERM')
  await reader.exited
}

describe.skipIf(skipPostgres)('mail servers sharing one PostgreSQL', () => {
  it('both serve what either archived; kill -9 of one mid-flood loses nothing it acknowledged; the other keeps serving', async () => {
    const url = await pg.get().createDatabase('shared')
    const a = spawnCli(mailserver(url, ['--verbosity', '5']))
    const b = spawnCli(mailserver(url))
    const ackA = acknowledged(a)
    const [enodeA, enodeB] = await Promise.all([a.waitFor(/^enode:\/\//), b.waitFor(/^enode:\/\//)])
    expect(a.stdout).toMatch(/mail server archive postgres:\/\/p2p@127\.0\.0\.1:\d+\/shared \(\d+ envelopes\)/)
    expect(a.stdout + a.stderr).not.toContain(pg.get().password)

    for (const [enode, text] of [[enodeA, 'via A'], [enodeB, 'via B']]) {
      const w = spawnCli([...LOCAL, '--shh', '6', '--enode', enode])
      w.end(`${text}\n`)
      expect((await w.exited).code).toBe(0)
    }
    // both lines committed (B does not trace): the database says when
    const sql = postgres(url, { max: 1, onnotice: false })
    try {
      for (;;) {
        const [{ n }] = await sql`SELECT count(*)::int AS n FROM envelopes`
        if (n >= 2) break
        await new Promise((r) => setTimeout(r, 50))
      }
      // A and B are not peers: each has the other's line from the database only
      await historyHas(enodeB, 'via A')
      await historyHas(enodeA, 'via B')

      // a flood into A, killed once it has acknowledged a good part of it
      const f = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, shhVersions: [6], minPow: 0, verbosity: 0, logger: () => {} })
      flooder = f
      await f.start()
      f.addPeer(enodeA)
      await f.waitForPeer(budget(20_000))
      let sent = 0
      let flooding = true
      // a failed send ends the flood and fails the test (below) instead of leaving the wait to time out
      const flood = (async () => {
        while (flooding && sent < 20_000) {
          for (let i = 0; i < 50; i++, sent++) f.send(rawEnvelope(6))
          await new Promise((r) => setTimeout(r, 5))
        }
      })()
      const enough = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`A acknowledged only ${ackA.size}`)), budget(60_000))
        const check = () => {
          if (ackA.size >= 1000) {
            clearTimeout(timer)
            a.child.stderr.off('data', onData)
            resolve()
          }
        }
        const onData = () => setImmediate(check)
        a.child.stderr.on('data', onData)
        check()
      })
      await Promise.race([enough, flood.then(() => enough)])
      a.kill('SIGKILL')
      await a.exited
      flooding = false
      await flood
      // everything A said it archived is in the database
      const acked = [...ackA].map((h) => Buffer.from(h.replace(/^0x/, ''), 'hex'))
      const [{ n }] = await sql`SELECT count(*)::int AS n FROM envelopes WHERE hash = ANY(${acked}::bytea[])`
      expect(n).toBe(acked.length)
      expect(sent).toBeGreaterThan(0)
      // and B serves on
      await historyHas(enodeB, 'via A')
    } finally {
      await sql.end()
    }
  })

  it('--archive errors are one line, exit 2: bad URL, unknown scheme, wrong password, no server', async () => {
    const { port, user, password } = pg.get()
    const cases: [string, RegExp][] = [
      ['postgres://', /^p2pmessage: invalid --archive URL/],
      ['mysql://u@127.0.0.1/db', /^p2pmessage: unknown --archive scheme "mysql:": expected sqlite:DIR or postgres:\/\//],
      [`postgres://${user}:wrong@127.0.0.1:${port}/postgres`, /^p2pmessage: archive database postgres:\/\/p2p@127\.0\.0\.1:\d+\/postgres: password authentication failed/],
      [`postgres://${user}:${password}@127.0.0.1:1/postgres`, /^p2pmessage: archive database postgres:\/\/p2p@127\.0\.0\.1:1\/postgres unreachable: .*ECONNREFUSED/],
    ]
    for (const [arg, re] of cases) {
      const r = await run(mailserver(arg))
      expect(r.code, arg).toBe(2)
      expect(r.stderr, arg).toMatch(re)
      expect(r.stderr.trim().split('\n'), arg).toHaveLength(1)
      expect(r.stderr, arg).not.toContain(password)
    }
    const both = await run([...mailserver('sqlite:/nonexistent/a'), '--datadir', '/nonexistent/b'])
    expect(both.code).toBe(2)
    expect(both.stderr).toBe('p2pmessage: give the archive as --datadir or as --archive, not both\n')
  })
})
