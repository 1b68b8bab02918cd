// The PostgreSQL archive on a real server (one per file, test/support/postgres.ts): the same answers as
// the SQLite archive, one row per envelope whichever server archived it, the bounds held in the
// database, every statement an index scan, one-line errors at open, and an outage survived with
// nothing reported archived lost.
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, connect, type Server, type Socket } from 'node:net'
import postgres from 'postgres'
import * as prom from 'prom-client'
import { nodeMetrics } from '../../src/metrics/collect.js'
import { MailServer } from '../../src/node/mailserver.js'
import { WhisperNode } from '../../src/node/whisper-node.js'
import { ArchiveError, openPgArchive, type Archive, type PgArchiveOptions } from '../../src/node/archive.js'
import { PG_QUERIES, PG_SESSION } from '../../src/node/archive-pg-schema.js'
import { envelopeHash, type Envelope } from '../../src/whisper/envelope.js'
import { toHex } from '../../src/whisper/bytes.js'
import { budget } from '../support/budget.js'
import { skipPostgres, usePostgres } from '../support/postgres.js'
import { nowSec, rawEnvelope } from './helpers.js'

const pg = usePostgres()
const opened: Archive[] = []
let dbs = 0

/** A fresh database on the file's server. */
async function freshDb(): Promise<string> {
  return pg.get().createDatabase(`archive_${++dbs}`)
}
async function open(o: PgArchiveOptions): Promise<Archive> {
  const a = await openPgArchive(o)
  opened.push(a)
  return a
}
afterEach(async () => {
  for (const a of opened.splice(0)) await a.close()
})

const add = (a: Archive, env: Envelope) => a.add(env, envelopeHash(env))
const all = (a: Archive, shh: 5 | 6, from = 0, to = 2 ** 32) => a.page(shh, from, to, null, 1_000_000)
const hex = (e: Envelope) => toHex(envelopeHash(e))

describe.skipIf(skipPostgres)('PostgreSQL archive', () => {
  it('keeps both versions, answers in (sent, arrival) order, pages, filters by topic; committed only', async () => {
    const archived: string[] = []
    const a = await open({ url: await freshDb(), flushMs: 60_000, onArchived: (h) => archived.push(...h) })
    expect(a.file).not.toContain(pg.get().password)
    const t = nowSec()
    const envs = [30, 10, 20, 10].map((ago, i) => rawEnvelope(5, { sent: t - ago, topic: Uint8Array.of(0, 0, 0, i % 2) }))
    for (const e of [...envs, rawEnvelope(6, { sent: t - 15 })]) add(a, e)
    add(a, envs[0]) // duplicate: one row
    expect(await a.page(5, 0, 2 ** 32, null, 100)).toHaveLength(0) // queued, not committed: nothing to read, nothing reported
    expect(archived).toEqual([])
    expect(await a.flush()).toBe(5)
    expect(archived).toHaveLength(6)
    const rows = await all(a, 5)
    expect(rows.map((r) => r.sent)).toEqual([t - 30, t - 20, t - 10, t - 10])
    expect(rows.map((r) => toHex(r.hash))).toEqual([0, 2, 1, 3].map((i) => hex(envs[i])))
    expect(await all(a, 6)).toHaveLength(1)
    expect((await all(a, 5, t - 20, t - 10)).map((r) => r.sent)).toEqual([t - 20])
    const p1 = await a.page(5, 0, 2 ** 32, null, 2)
    const p2 = await a.page(5, 0, 2 ** 32, p1[1], 2)
    expect([...p1, ...p2].map((r) => toHex(r.hash))).toEqual(rows.map((r) => toHex(r.hash)))
    expect((await a.page(5, 0, 2 ** 32, null, 10, Uint8Array.of(0, 0, 0, 1))).map((r) => r.sent)).toEqual([t - 10, t - 10])
    expect(a.stats()).toMatchObject({ envelopes: 5, archived: 6, pending: 0, reconnects: 0 })
  })

  it('two servers on one database: one row per envelope, each answers what the other archived', async () => {
    const url = await freshDb()
    // opened at once: the schema is made once, under the advisory lock
    const errors: string[] = []
    const onError = (e: Error) => errors.push(e.message)
    const [a, b] = await Promise.all([open({ url, flushMs: 60_000, onError }), open({ url, flushMs: 60_000, onError })])
    const t = nowSec()
    const shared = Array.from({ length: 300 }, (_, i) => rawEnvelope(6, { sent: t - 300 + i }))
    const onlyB = Array.from({ length: 50 }, () => rawEnvelope(6, { sent: t - 1 }))
    // the same envelopes in opposite orders: the two transactions may deadlock, one is retried
    for (const e of shared) add(a, e)
    for (const e of [...shared].reverse()) add(b, e)
    for (const e of onlyB) add(b, e)
    await Promise.all([a.flush(), b.flush()])
    expect(errors).toEqual([])
    expect(b.stats()).toMatchObject({ envelopes: 350, archived: 350, pending: 0 })
    const fromA = (await all(a, 6)).map((r) => toHex(r.hash))
    expect(new Set(fromA)).toEqual(new Set([...shared, ...onlyB].map(hex)))
    expect(fromA).toHaveLength(350)
    expect((await all(b, 6)).map((r) => toHex(r.hash))).toEqual(fromA)
    await a.prune()
    expect(a.stats().envelopes).toBe(350)
  })

  it('holds the retention and size bounds in the database, oldest sent first out', async () => {
    const url = await freshDb()
    let now = nowSec()
    const a = await open({ url, retentionSeconds: 3600, maxBytes: 256 * 1024, flushMs: 60_000, now: () => now })
    const old = rawEnvelope(5, { sent: now - 7200 })
    add(a, old)
    await a.flush()
    expect(a.stats().envelopes).toBe(0) // out of the retention window as it came in
    const envs = Array.from({ length: 1500 }, (_, i) => rawEnvelope(5, { sent: now - 3000 + i, data: new Uint8Array(400) }))
    for (const e of envs) add(a, e)
    await a.flush()
    const s = a.stats()
    expect(s.bytes).toBeLessThanOrEqual(256 * 1024)
    const kept = (await all(a, 5)).map((r) => toHex(r.hash))
    expect(kept.length).toBe(s.envelopes)
    expect(kept).toEqual(envs.slice(envs.length - kept.length).map(hex)) // the newest, in order
    now += 2000 // the first ~1000 s of them age out
    const before = s.envelopes
    expect(await a.prune()).toBeGreaterThan(0)
    const left = await all(a, 5)
    expect(left.every((r) => r.sent >= now - 3600)).toBe(true)
    expect(left.length).toBeLessThan(before)
  })

  it('each statement is an index scan with its equalities in the index condition: no Seq Scan, no Sort', async () => {
    const url = await freshDb()
    const a = await open({ url, flushMs: 60_000 })
    const t = nowSec()
    for (let i = 0; i < 3000; i++) add(a, rawEnvelope(i % 2 ? 6 : 5, { sent: t - i, topic: Uint8Array.of(0, 0, i % 7, 1) }))
    await a.flush()
    // the archive's own planner settings, and statistics as they are right after a burst (not analyzed
    // yet): the plans the archive gets
    const sql = postgres(url, { max: 1, onnotice: false, connection: { ...PG_SESSION } })
    try {
      await sql.begin(async (tx) => {
        for (const [name, q] of Object.entries(PG_QUERIES)) {
          const [row] = await tx.unsafe(`EXPLAIN (FORMAT JSON) ${q.sql}`, [...q.sample] as never[])
          const nodes = flatten((row['QUERY PLAN'] as { Plan: PlanNode }[])[0].Plan)
          const scope = `${name}: ${nodes.map((n) => `${n['Node Type']}${n['Index Name'] ? ` ${n['Index Name']}` : ''}${n['Index Cond'] ? ` [${n['Index Cond']}]` : ''}`).join(' | ')}`
          expect(nodes.filter((n) => /Seq Scan|Sort|Bitmap/.test(n['Node Type'])), scope).toEqual([])
          const where = /\bWHERE\b(.*?)(?:\bORDER\b|\bLIMIT\b|$)/s.exec(q.sql)?.[1] ?? ''
          for (const [, col] of where.matchAll(/\b(\w+) = [$']/g)) {
            expect(nodes.some((n) => /Index/.test(n['Node Type']) && String(n['Index Cond'] ?? '').includes(`${col} =`)), `${scope} (${col})`).toBe(true)
          }
        }
        // nothing the EXPLAIN of the DELETE and INSERT would have done stays
        await tx.unsafe('ROLLBACK AND CHAIN')
      })
    } finally {
      await sql.end()
    }
  })

  it('says in one line what is wrong at open: a wrong password, no server, a bad URL', async () => {
    const { port, user, password } = pg.get()
    const wrong = await openPgArchive({ url: `postgres://${user}:not-${password}@127.0.0.1:${port}/postgres` }).catch((e: unknown) => e as ArchiveError)
    expect(wrong).toBeInstanceOf(ArchiveError)
    expect((wrong as ArchiveError).message).toMatch(/^archive database postgres:\/\/p2p@127\.0\.0\.1:\d+\/postgres: password authentication failed .*check the user and password/)
    expect((wrong as ArchiveError).message).not.toContain(password)
    const free = await freePort()
    const down = await openPgArchive({ url: `postgres://${user}:${password}@127.0.0.1:${free}/postgres` }).catch((e: unknown) => e as ArchiveError)
    expect(down).toMatchObject({ code: 'unreachable' })
    expect((down as ArchiveError).message).toMatch(/unreachable: .*ECONNREFUSED/)
    const bad = await openPgArchive({ url: 'mysql://x@127.0.0.1/db' }).catch((e: unknown) => e as ArchiveError)
    expect(bad).toMatchObject({ code: 'params' })
    for (const e of [wrong, down, bad]) expect((e as Error).message).not.toContain('\n')
  })

  it('an outage while running: envelopes wait, are committed when it is back, reported archived only then, and the reconnect is counted', async () => {
    const url = new URL(await freshDb())
    const proxy = new Proxy(pg.get().port)
    await proxy.up(0)
    url.port = String(proxy.port)
    const archived = new Set<string>()
    const notices: string[] = []
    let onCount: (() => void) | null = null
    const a = await open({
      url: url.toString(),
      flushMs: 20,
      onArchived: (h) => {
        for (const x of h) archived.add(x)
        onCount?.()
      },
      onNotice: (m) => notices.push(m),
    })
    // the metrics an operator watches, as a mail server on this archive exports them
    const node = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, shhVersions: [6], verbosity: 0, logger: () => {} })
    const mail = new MailServer(node, { password: 'pw', archive: a })
    const metrics = nodeMetrics(prom, { node, mail })
    const metric = async (name: string) => {
      metrics.refresh()
      return (await metrics.registry.getSingleMetric(name)!.get()).values[0]?.value
    }
    const t = nowSec()
    const first = Array.from({ length: 100 }, (_, i) => rawEnvelope(6, { sent: t - 200 + i }))
    for (const e of first) add(a, e)
    await a.flush()
    expect(archived.size).toBe(100)
    proxy.down()
    const second = Array.from({ length: 100 }, (_, i) => rawEnvelope(6, { sent: t - 100 + i }))
    for (const e of second) add(a, e)
    expect(await a.flush()).toBe(0)
    expect(a.stats().pending).toBe(100)
    expect(await metric('mailserver_archive_pending_envelopes')).toBe(100)
    expect(await metric('mailserver_archive_reconnects_total')).toBe(0)
    expect(second.some((e) => archived.has(hex(e)))).toBe(false)
    expect(notices.join('\n')).toMatch(/unreachable: .*100 envelopes wait \(not archived yet\), retrying/)
    expect(notices.join('\n')).not.toContain(pg.get().password)
    await expect(a.page(6, 0, 2 ** 32, null, 10)).rejects.toMatchObject({ code: 'unreachable' })
    const back = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${archived.size} archived`)), budget(30_000))
      onCount = () => {
        if (archived.size < 200) return
        clearTimeout(timer)
        resolve()
      }
    })
    await proxy.up(proxy.port)
    await back
    expect(a.stats()).toMatchObject({ pending: 0, reconnects: 1, envelopes: 200 })
    expect(await metric('mailserver_archive_reconnects_total')).toBe(1)
    expect(await metric('mailserver_archive_pending_envelopes')).toBe(0)
    expect(notices.some((m) => /reachable again after/.test(m))).toBe(true)
    expect((await all(a, 6)).map((r) => toHex(r.hash))).toEqual([...first, ...second].map(hex))
    await mail.close()
    await proxy.close()
  })
})

interface PlanNode {
  'Node Type': string
  'Index Name'?: string
  'Index Cond'?: string
  Plans?: PlanNode[]
}

function flatten(n: PlanNode): PlanNode[] {
  return [n, ...(n.Plans ?? []).flatMap(flatten)]
}

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as { port: number }).port
  await new Promise((r) => s.close(r))
  return port
}

/** A TCP relay to the database that the test can cut (listener closed, connections reset) and restore. */
class Proxy {
  port = 0
  private server: Server | null = null
  private readonly sockets = new Set<Socket>()
  constructor(private readonly target: number) {}

  async up(port: number): Promise<void> {
    const server = createServer((c) => {
      const s = connect(this.target, '127.0.0.1')
      for (const x of [c, s]) {
        this.sockets.add(x)
        x.on('error', () => undefined)
        x.on('close', () => {
          this.sockets.delete(x)
          c.destroy()
          s.destroy()
        })
      }
      c.pipe(s)
      s.pipe(c)
    })
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
    this.port = (server.address() as { port: number }).port
    this.server = server
  }

  down(): void {
    this.server?.close()
    this.server = null
    for (const s of this.sockets) s.resetAndDestroy()
  }

  async close(): Promise<void> {
    this.down()
  }
}
