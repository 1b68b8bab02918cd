// The archive in a PostgreSQL database that several mail servers may share: each archives what its
// node accepts and answers requests from all of it. Schema and statements: archive-pg-schema.ts.
//
// Writes: envelopes are queued and committed in batches, one transaction each (insert, then the
// retention and size bounds, so they hold at every commit), through the `postgres` client's pool; an
// envelope counts as archived (onArchived) only after its COMMIT returned. When the database is
// unreachable the batch stays queued (up to maxPending envelopes in memory) and is retried with
// backoff; a commit whose answer was lost is simply redone (ON CONFLICT DO NOTHING), so nothing is
// archived twice and nothing reported archived is lost. The outage and the recovery are each said once
// (onNotice) and counted (`reconnects`). A deadlock between two servers inserting the same envelopes
// in different orders aborts one transaction, which is retried at once.
//
// Reads are one indexed query per page on a pooled connection: the event loop never waits on them.
// The client is imported when an archive is opened, so nothing else loads it.
import type { Sql, TransactionSql } from 'postgres'
import type { Archive, ArchiveCursor, ArchivedRow, ArchiveStats, PgArchiveOptions } from './archive.js'
import { ArchiveError, pgError } from './archive-errors.js'
import { PG_FORMAT_VERSION, PG_QUERIES, PG_SCHEMA, PG_SESSION, SCHEMA_LOCK } from './archive-pg-schema.js'
import { encodeEnvelope, envelopeSent, type Envelope, type ShhVersion } from '../whisper/envelope.js'
import { toHex } from '../whisper/bytes.js'

const DEFAULT_RETENTION_SECONDS = 30 * 24 * 3600
const DEFAULT_MAX_BYTES = 1024 ** 3
const MIN_MAX_BYTES = 256 * 1024
/** rows per transaction: bounds one statement's parameters and how long it holds its locks */
const MAX_BATCH = 1024
const PRUNE_STEP = 1024
const RETRY_MIN_MS = 100
const RETRY_MAX_MS = 5000
const DEADLOCK_RETRIES = 5

interface Pending {
  shh: ShhVersion
  sent: number
  hash: Buffer
  topic: Buffer
  rlp: Buffer
}

/** The database's URL with the password left out, for messages and `file`. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    u.password = ''
    return u.toString()
  } catch {
    return '(invalid URL)'
  }
}

export class PgArchive implements Archive {
  readonly file: string
  private readonly o: Required<Pick<PgArchiveOptions, 'retentionSeconds' | 'maxBytes' | 'flushMs' | 'flushMax' | 'maxPending' | 'now'>> & PgArchiveOptions
  private queue: Pending[] = []
  private timer: NodeJS.Timeout | null = null
  /** the writes begun so far, in order; each resolves (never rejects) when its transaction is over */
  private chain: Promise<number> = Promise.resolve(0)
  /** the write queued in `chain` that has not begun yet */
  private nextWrite: Promise<number> | null = null
  private closed = false
  /** since when the database has been unreachable (ms), or null */
  private downSince: number | null = null
  private retryMs = RETRY_MIN_MS
  private droppedSaid = false
  private counts = { envelopes: 0, bytes: 0, disk: 0, archived: 0, pruned: 0, reconnects: 0, dropped: 0 }

  static async open(o: PgArchiveOptions): Promise<PgArchive> {
    let where: string
    try {
      const u = new URL(o.url)
      if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new Error('scheme')
      where = redactUrl(o.url)
    } catch {
      throw new ArchiveError('params', 'invalid archive URL: expected postgres://user:password@host:port/database')
    }
    const { default: postgres } = await import('postgres')
    let sql: Sql | null = null
    try {
      sql = postgres(o.url, {
        max: o.poolSize ?? 4,
        connect_timeout: 10,
        // schema creation's "already exists, skipping" notices are not news
        onnotice: false,
        prepare: true,
        connection: { ...PG_SESSION },
      })
      const a = new PgArchive(sql, where, o)
      await a.init()
      return a
    } catch (err) {
      await sql?.end({ timeout: 1 }).catch(() => undefined)
      throw pgError(err, where)
    }
  }

  private constructor(private readonly sql: Sql, where: string, o: PgArchiveOptions) {
    this.file = where
    const maxBytes = positive(o.maxBytes ?? DEFAULT_MAX_BYTES, 'max archive size')
    if (maxBytes < MIN_MAX_BYTES) throw new ArchiveError('params', `max archive size must be at least 256KiB, got ${maxBytes}`)
    this.o = {
      ...o,
      retentionSeconds: positive(o.retentionSeconds ?? DEFAULT_RETENTION_SECONDS, 'retention'),
      maxBytes,
      flushMs: o.flushMs ?? 50,
      flushMax: o.flushMax ?? 256,
      maxPending: o.maxPending ?? 100_000,
      now: o.now ?? (() => Math.floor(Date.now() / 1000)),
    }
  }

  private async init(): Promise<void> {
    await this.sql.begin(async (tx) => {
      // two servers starting on a new database at once would both try to create the tables
      await tx.unsafe('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK])
      await tx.unsafe(PG_SCHEMA)
    })
    const [row] = await this.sql.unsafe(PG_QUERIES.format.sql)
    const format = String(row?.value)
    if (format !== PG_FORMAT_VERSION) throw new ArchiveError('corrupt', `archive database ${this.file} has format ${format}, this version reads ${PG_FORMAT_VERSION}: use another database or the version that wrote it`)
    await this.sql.begin(async (tx) => {
      await this.pruneIn(tx)
      await this.readTotals(tx)
    })
  }

  add(env: Envelope, hash: Uint8Array): void {
    if (this.closed) return
    const rlp = encodeEnvelope(env)
    if (rlp.length > this.o.maxBytes / 4) return // could never be kept among the rest
    if (this.queue.length >= this.o.maxPending) {
      // the database has been away long enough to fill memory: newer envelopes are not archived
      this.counts.dropped++
      if (!this.droppedSaid) {
        this.droppedSaid = true
        this.o.onNotice?.(`archive database ${this.file}: ${this.o.maxPending} envelopes wait for it; newer ones are not archived until it is back`)
      }
      return
    }
    this.queue.push({ shh: env.shh, sent: envelopeSent(env), hash: Buffer.from(hash), topic: Buffer.from(env.topic), rlp: Buffer.from(rlp.buffer, rlp.byteOffset, rlp.length) })
    // while the database is away the retry timer (with its backoff) is the only one writing
    if (this.downSince !== null) return
    if (this.queue.length >= this.o.flushMax) void this.flush()
    else this.schedule(this.o.flushMs)
  }

  flush(): Promise<number> {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    // a write not begun yet takes everything queued when it begins: no need for another behind it
    if (this.nextWrite !== null) return this.nextWrite
    const next = this.chain.then(() => {
      this.nextWrite = null
      return this.writeQueued()
    })
    this.nextWrite = next
    this.chain = next
    return next
  }

  async page(shh: ShhVersion, from: number, to: number, after: ArchiveCursor | null, limit: number, topic: Uint8Array | null = null): Promise<ArchivedRow[]> {
    if (this.closed) throw new ArchiveError('closed', 'archive is closed')
    if (to <= from) return []
    // what was queued before the request is committed first (the mail server flushes, then reads)
    await this.chain
    const a = after ?? { sent: from, seq: -1, hash: new Uint8Array(0) }
    const hash = Buffer.from(a.hash)
    let rows
    try {
      rows = topic === null
        ? await this.sql.unsafe(PG_QUERIES.page.sql, [shh, a.sent, a.seq, hash, to, limit])
        : await this.sql.unsafe(PG_QUERIES.pageTopic.sql, [shh, Buffer.from(topic), a.sent, a.seq, hash, to, limit])
    } catch (err) {
      throw pgError(err, this.file)
    }
    return rows.map((r) => ({ sent: Number(r.sent), seq: Number(r.seq), hash: new Uint8Array(r.hash as Buffer), rlp: new Uint8Array(r.rlp as Buffer) }))
  }

  async prune(): Promise<number> {
    if (this.closed) return 0
    const before = this.counts.pruned
    this.chain = this.chain.then(async () => {
      try {
        await this.sql.begin(async (tx) => {
          await this.pruneIn(tx)
          await this.readTotals(tx)
        })
      } catch (err) {
        this.o.onError?.(pgError(err, this.file))
      }
      return 0
    })
    await this.chain
    return this.counts.pruned - before
  }

  stats(): ArchiveStats {
    const c = this.counts
    return { envelopes: c.envelopes, bytes: c.bytes, archived: c.archived, pending: this.queue.length, pruned: c.pruned, fileBytes: c.disk, reconnects: c.reconnects }
  }

  async close(): Promise<void> {
    if (this.closed) return
    await this.flush()
    this.closed = true
    if (this.timer !== null) clearTimeout(this.timer)
    if (this.queue.length > 0) {
      this.o.onError?.(new ArchiveError('unreachable', `archive database ${this.file} unreachable at close: ${this.queue.length} envelopes were not archived`))
      this.queue = []
    }
    await this.sql.end({ timeout: 5 }).catch(() => undefined)
  }

  private schedule(ms: number): void {
    if (this.timer !== null || this.closed) return
    this.timer = setTimeout(() => {
      this.timer = null
      void this.flush()
    }, ms)
    this.timer.unref()
  }

  /** Commits the queue in batches; on an outage what is left stays queued and a retry is scheduled. */
  private async writeQueued(): Promise<number> {
    let added = 0
    while (this.queue.length > 0) {
      const rows = this.queue.slice(0, MAX_BATCH)
      let n: number
      try {
        n = await this.commit(rows)
      } catch (err) {
        const e = pgError(err, this.file)
        if (e.code === 'unreachable') {
          this.outage(e)
          return added
        }
        // refused by the database for what it is (not for being away): retrying would fail the same way
        this.queue.splice(0, rows.length)
        this.o.onError?.(new ArchiveError(e.code, `${e.message} (${rows.length} envelopes not archived)`, { cause: e }))
        continue
      }
      this.queue.splice(0, rows.length)
      added += n
      this.counts.archived += rows.length
      if (this.downSince !== null) {
        this.counts.reconnects++
        this.o.onNotice?.(`archive database ${this.file} reachable again after ${((Date.now() - this.downSince) / 1000).toFixed(1)}s; ${rows.length + this.queue.length} waiting envelopes are being committed`)
        this.downSince = null
        this.retryMs = RETRY_MIN_MS
        this.droppedSaid = false
      }
      this.o.onArchived?.(rows.map((r) => toHex(r.hash)))
    }
    return added
  }

  /** One transaction: the rows, then the bounds; resolves after COMMIT to how many rows were new. */
  private async commit(rows: Pending[]): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const pruned = this.counts.pruned
      try {
        return await this.sql.begin(async (tx) => {
          const res = await tx.unsafe(PG_QUERIES.insert.sql, [
            rows.map((r) => r.shh), rows.map((r) => r.sent), rows.map((r) => r.hash),
            rows.map((r) => r.topic), rows.map((r) => r.rlp.length), rows.map((r) => r.rlp),
          ])
          await this.pruneIn(tx)
          await this.readTotals(tx)
          return res.count
        })
      } catch (err) {
        this.counts.pruned = pruned // rolled back
        const code = String((err as { code?: unknown })?.code ?? '')
        if ((code === '40P01' || code === '40001') && attempt < DEADLOCK_RETRIES) continue
        throw err
      }
    }
  }

  private outage(e: ArchiveError): void {
    if (this.downSince === null) {
      this.downSince = Date.now()
      this.o.onNotice?.(`${e.message}: ${this.queue.length} envelopes wait (not archived yet), retrying`)
    }
    this.schedule(this.retryMs)
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2)
  }

  /** Retention, then the size bound, oldest sent first (inside the caller's transaction). */
  private async pruneIn(tx: TransactionSql): Promise<void> {
    const cutoff = this.o.now() - this.o.retentionSeconds
    for (const shh of [5, 6]) {
      for (let n = PRUNE_STEP; n === PRUNE_STEP; ) {
        n = (await tx.unsafe(PG_QUERIES.pruneOldest.sql, [shh, cutoff, PRUNE_STEP])).count
        this.counts.pruned += n
      }
    }
    for (;;) {
      await this.readTotals(tx)
      const over = this.counts.bytes - this.o.maxBytes
      if (over <= 0 || this.counts.envelopes === 0) break
      // from the version whose oldest is older, up to the other's oldest: oldest first across both
      const [o5, o6] = await Promise.all([5, 6].map(async (shh) => {
        const [r] = await tx.unsafe(PG_QUERIES.oldest.sql, [shh])
        return r === undefined ? Infinity : Number(r.sent)
      }))
      const [shh, until] = o5 <= o6 ? [5, o6] : [6, o5]
      const perRow = this.counts.bytes / this.counts.envelopes
      const step = Math.min(PRUNE_STEP, Math.max(1, Math.ceil(over / perRow)))
      const n = (await tx.unsafe(PG_QUERIES.pruneOldest.sql, [shh, until === Infinity ? 2 ** 62 : until + 1, step])).count
      this.counts.pruned += n
      if (n === 0) break
    }
  }

  private async readTotals(tx: TransactionSql): Promise<void> {
    const [t] = await tx.unsafe(PG_QUERIES.totals.sql)
    this.counts.envelopes = Number(t.n)
    this.counts.bytes = Number(t.bytes)
    this.counts.disk = Number(t.disk)
  }
}

function positive(x: number, what: string): number {
  if (!Number.isFinite(x) || x <= 0) throw new ArchiveError('params', `${what} must be a positive number, got ${x}`)
  return x
}
