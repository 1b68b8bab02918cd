// The archive in one SQLite file (the default): both protocol versions in one table, found by geth's
// archive key (version, sent = expiry - ttl, hash). Schema and statements are in archive-schema.ts;
// every read is an index range scan. Queries answer in (sent, arrival) order: geth orders a second's
// envelopes by hash, which shuffles lines one sender said in the same second; `seq` (the order
// envelopes reached the archive) keeps them as said.
//
// Durability: WAL with synchronous=FULL, and envelopes are committed in small batches; an envelope
// counts as archived (onArchived, `archived` in stats) only once its batch is committed, so a kill -9
// or a power cut never loses one that was reported archived. The directory is made 0700 and the files
// 0600: the archive holds every envelope the node saw (who talked when, even if it cannot read them).
// better-sqlite3 is loaded on open only, so commands that never archive do not load it.
//
// Bounds, oldest sent first out: `retention` seconds of sent time, and `maxBytes` of files on disk
// (database + WAL; how that splits and how the disk's own size bounds it: archive-space.ts). Room for a
// batch is made before it is inserted and freed pages are reused, so the file stops growing at the
// bound; a write that fails with SQLITE_FULL gives the WAL's space back, then prunes the oldest tenth,
// and is retried.
//
// SQLite is synchronous: each write and each page is one bounded query, done before the Promise of
// the Archive interface is returned.
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'
import { QUERIES, openSchema, FORMAT_VERSION, type QueryName } from './archive-schema.js'
import { ArchiveError, fsError, prepareDir, sqliteError } from './archive-errors.js'
import { ArchiveSpace } from './archive-space.js'
import { DatadirLockedError, lockDatadir, type DatadirLock } from './datadir-lock.js'
import { loadSqlite } from './sqlite.js'
import { ARCHIVE_FILE, type Archive, type ArchiveCursor, type ArchivedRow, type ArchiveOptions, type ArchiveStats } from './archive.js'
import { encodeEnvelope, envelopeSent, type Envelope, type ShhVersion } from '../whisper/envelope.js'
import { toHex } from '../whisper/bytes.js'

const DEFAULT_RETENTION_SECONDS = 30 * 24 * 3600
const DEFAULT_MAX_ARCHIVE_BYTES = 1024 ** 3
const DEFAULT_MIN_FREE_BYTES = 16 * 1024 * 1024

interface Pending {
  shh: ShhVersion
  sent: number
  seq: number
  hash: Uint8Array
  topic: Uint8Array
  rlp: Uint8Array
}

type Db = BetterSqlite3.Database
type Stmt = BetterSqlite3.Statement

const MIN_MAX_BYTES = 256 * 1024
const FULL_RETRIES = 3

export class SqliteArchive implements Archive {
  readonly file: string
  private readonly db: Db
  private readonly opts: Required<Omit<ArchiveOptions, 'onArchived' | 'onError' | 'onNotice' | 'maxPages'>> & Pick<ArchiveOptions, 'onArchived' | 'onError' | 'onNotice'>
  private readonly st: Record<QueryName | 'pageCount' | 'freeCount', Stmt>
  private readonly pageSize: number
  private readonly space: ArchiveSpace
  private queue: Pending[] = []
  private timer: NodeJS.Timeout | null = null
  private closed = false
  /** set on a corrupt database while running: nothing more is read or written */
  private broken: ArchiveError | null = null
  private bytes = 0
  private count = 0
  private archivedCount = 0
  private prunedCount = 0
  private nextSeq: number
  private readonly writeBatch: (rows: Pending[]) => number

  /** Opens (or creates) the archive; throws ArchiveError with a one-line message. */
  static async open(o: ArchiveOptions): Promise<SqliteArchive> {
    const dir = resolve(o.dir)
    prepareDir(dir, o.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES)
    let Database: typeof BetterSqlite3
    try {
      Database = loadSqlite('the mail server archive')
    } catch (err) {
      throw new ArchiveError('open', (err as Error).message, { cause: err })
    }
    // one archive per directory: two mail servers on one would share a database and its counters
    let lock: DatadirLock
    try {
      lock = lockDatadir(dir)
    } catch (err) {
      if (err instanceof DatadirLockedError) throw new ArchiveError('locked', err.message, { cause: err })
      throw fsError(err, dir)
    }
    try {
      return new SqliteArchive(Database, dir, o, lock)
    } catch (err) {
      lock.release()
      throw err
    }
  }

  private constructor(Database: typeof BetterSqlite3, dir: string, o: ArchiveOptions, private readonly lock: DatadirLock) {
    this.file = join(dir, ARCHIVE_FILE)
    const maxBytes = checkPositive(o.maxBytes ?? DEFAULT_MAX_ARCHIVE_BYTES, 'max archive size')
    if (maxBytes < MIN_MAX_BYTES) throw new ArchiveError('params', `max archive size must be at least 256KiB (the database's own pages and its WAL need room), got ${maxBytes}`)
    this.opts = {
      dir,
      retentionSeconds: checkPositive(o.retentionSeconds ?? DEFAULT_RETENTION_SECONDS, 'retention'),
      maxBytes,
      minFreeBytes: o.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES,
      flushMs: o.flushMs ?? 50,
      flushMax: o.flushMax ?? 256,
      onArchived: o.onArchived,
      onError: o.onError,
      onNotice: o.onNotice,
      now: o.now ?? (() => Math.floor(Date.now() / 1000)),
    }
    // Created 0600 before SQLite sees it: SQLite gives its -wal and -shm files the database file's mode.
    try {
      if (!existsSync(this.file)) closeSync(openSync(this.file, 'a', 0o600))
      chmodSync(this.file, 0o600)
    } catch (err) {
      throw fsError(err, dir)
    }
    let db: Db | null = null
    try {
      db = new Database(this.file)
      this.pageSize = db.pragma('page_size', { simple: true }) as number
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = FULL')
      if (o.maxPages !== undefined) db.pragma(`max_page_count = ${Math.floor(checkPositive(o.maxPages, 'max pages'))}`)
      openSchema(db)
      const st = {} as Record<QueryName | 'pageCount' | 'freeCount', Stmt>
      for (const [name, q] of Object.entries(QUERIES)) st[name as QueryName] = db.prepare(q.sql)
      st.pageCount = db.prepare('PRAGMA page_count').pluck()
      st.freeCount = db.prepare('PRAGMA freelist_count').pluck()
      this.st = st
      const format = (st.format.get() as { value: string }).value
      if (format !== FORMAT_VERSION) throw new ArchiveError('corrupt', `archive ${this.file} has format ${format}, this version reads ${FORMAT_VERSION}: move it away or use the version that wrote it`)
      const c = st.totals.get() as { n: number; bytes: number; seq: number }
      this.count = c.n
      this.bytes = c.bytes
      this.nextSeq = c.seq + 1
      this.db = db
      this.space = new ArchiveSpace(db, { file: this.file, dir, maxBytes, minFreeBytes: this.opts.minFreeBytes, pageSize: this.pageSize, onNotice: o.onNotice })
      this.writeBatch = db.transaction((rows: Pending[]) => {
        // room for the batch first: pages freed now are the ones it fills, so the file does not grow past the bound
        const size = rows.reduce((n, r) => n + r.rlp.length, 0)
        this.pruneLocked(size * (this.bytes > 0 ? this.usedBytes() / this.bytes : 3))
        let added = 0
        for (const r of rows) {
          const res = st.insert.run(r.shh, r.sent, r.hash, r.topic, r.rlp.length, r.rlp, r.seq)
          if (res.changes > 0) {
            added++
            this.bytes += r.rlp.length
          }
        }
        this.count += added
        this.pruneLocked()
        return added
      })
      this.space.check(true)
      this.db.transaction(() => this.pruneLocked())()
    } catch (err) {
      try {
        db?.close()
      } catch {
        // the open failed already; that error is the one to report
      }
      throw sqliteError(err, this.file)
    }
  }

  /** Queues an envelope; it is archived when its batch commits (see onArchived). Duplicates are ignored. */
  add(env: Envelope, hash: Uint8Array): void {
    if (this.closed || this.broken) return
    const rlp = encodeEnvelope(env)
    if (rlp.length > this.opts.maxBytes / 4) return // could never be kept among the rest
    this.queue.push({ shh: env.shh, sent: envelopeSent(env), seq: this.nextSeq++, hash: Uint8Array.from(hash), topic: Uint8Array.from(env.topic), rlp })
    if (this.queue.length >= this.opts.flushMax) this.flushNow()
    else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null
        this.flushNow()
      }, this.opts.flushMs)
      this.timer.unref()
    }
  }

  /** Commits what is queued (synchronously, before it returns); resolves to how many were new. */
  flush(): Promise<number> {
    return Promise.resolve(this.flushNow())
  }

  private flushNow(): number {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    if (this.closed || this.broken || this.queue.length === 0) return 0
    const rows = this.queue
    this.queue = []
    this.space.check(false)
    const partBytes = this.space.walBudget / 8
    let added = 0
    for (let i = 0; i < rows.length && !this.broken; ) {
      let j = i + 1
      for (let bytes = rows[i].rlp.length; j < rows.length && bytes + rows[j].rlp.length <= partBytes; j++) bytes += rows[j].rlp.length
      added += this.commit(rows.slice(i, j))
      i = j
    }
    return added
  }

  /** One transaction: the rows and the pruning they make necessary; SQLITE_FULL shrinks the bound and retries. */
  private commit(rows: Pending[]): number {
    for (let attempt = 0; ; attempt++) {
      const before = { bytes: this.bytes, count: this.count, pruned: this.prunedCount }
      try {
        const added = this.writeBatch(rows)
        this.archivedCount += rows.length
        this.opts.onArchived?.(rows.map((r) => toHex(r.hash)))
        return added
      } catch (err) {
        // the transaction was rolled back: restore the counters it moved
        this.bytes = before.bytes
        this.count = before.count
        this.prunedCount = before.pruned
        const e = sqliteError(err, this.file)
        if (e.code === 'full' && attempt < FULL_RETRIES && this.shrinkAfterFull(attempt)) continue
        this.failed(e)
        return 0
      }
    }
  }

  async page(shh: ShhVersion, from: number, to: number, after: ArchiveCursor | null, limit: number, topic: Uint8Array | null = null): Promise<ArchivedRow[]> {
    if (this.closed) throw new ArchiveError('closed', 'archive is closed')
    if (this.broken) throw this.broken
    if (to <= from) return []
    // (sent, seq, hash) > (from, -1, x'') starts at `from` itself: every real seq is >= 0
    const a = after ?? { sent: from, seq: -1, hash: new Uint8Array(0) }
    const aHash = Buffer.from(a.hash)
    let rows: { sent: number; seq: number; hash: Buffer; rlp: Buffer }[]
    try {
      rows = (topic === null
        ? this.st.page.all(shh, a.sent, a.seq, aHash, to, limit)
        : this.st.pageTopic.all(shh, Buffer.from(topic), a.sent, a.seq, aHash, to, limit)) as typeof rows
    } catch (err) {
      throw this.failed(sqliteError(err, this.file))
    }
    return rows.map((r) => ({ sent: r.sent, seq: r.seq, hash: new Uint8Array(r.hash), rlp: new Uint8Array(r.rlp) }))
  }

  /** Applies the retention and size bounds now (also done after every batch); a failure goes to onError. */
  prune(): Promise<number> {
    return Promise.resolve(this.pruneNow())
  }

  private pruneNow(): number {
    if (this.closed || this.broken) return 0
    const before = this.prunedCount
    const counts = { bytes: this.bytes, count: this.count }
    try {
      this.space.check(false)
      this.db.transaction(() => this.pruneLocked())()
    } catch (err) {
      this.bytes = counts.bytes
      this.count = counts.count
      this.prunedCount = before
      this.failed(sqliteError(err, this.file))
    }
    return this.prunedCount - before
  }

  stats(): ArchiveStats {
    return { envelopes: this.count, bytes: this.bytes, archived: this.archivedCount, pending: this.queue.length, pruned: this.prunedCount, fileBytes: this.space.fileBytes(), reconnects: 0 }
  }

  /** Commits what is queued and closes the database (idempotent), before it returns. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve()
    this.flushNow()
    this.closed = true
    try {
      this.db.close()
    } catch {
      // closing twice or after an I/O error: nothing left to save
    }
    this.lock.release()
    return Promise.resolve()
  }

  /** A corrupt database stops the archive (said once); anything else goes to onError as it comes. */
  private failed(e: ArchiveError): ArchiveError {
    if (this.broken) return this.broken
    if (e.code === 'corrupt') {
      this.broken = e
      this.queue = []
    }
    this.opts.onError?.(e)
    return e
  }

  /**
   * After SQLITE_FULL: first give the WAL's disk space back (checkpoint, truncate) and re-read the free
   * space; if that was not enough, the database may keep a tenth less than it holds now: prune to that.
   */
  private shrinkAfterFull(attempt: number): boolean {
    if (attempt === 0) {
      try {
        this.db.pragma('wal_checkpoint(TRUNCATE)')
      } catch {
        // nothing given back: the next attempt prunes
      }
      this.space.check(true)
      return true
    }
    this.space.full(this.usedBytes())
    const before = this.prunedCount
    const counts = { bytes: this.bytes, count: this.count }
    try {
      this.db.transaction(() => this.pruneLocked())()
    } catch {
      this.bytes = counts.bytes
      this.count = counts.count
      this.prunedCount = before
      return false
    }
    return this.prunedCount > before
  }

  private usedBytes(): number {
    return ((this.st.pageCount.get() as number) - (this.st.freeCount.get() as number)) * this.pageSize
  }

  /** Retention, then the size bound with `reserve` bytes of pages to spare. */
  private pruneLocked(reserve = 0): void {
    const cutoff = this.opts.now() - this.opts.retentionSeconds
    for (let more = cutoff > 0; more; ) {
      const rows = this.st.oldest.all(256) as { shh: number; sent: number; hash: Buffer; size: number }[]
      more = rows.length === 256
      for (const r of rows) {
        if (r.sent >= cutoff) {
          more = false
          break
        }
        this.remove(r)
      }
    }
    // freed pages are reused by later inserts, so pages in use under the target keep the file there
    const target = this.space.target() - reserve
    for (let used = this.usedBytes(); used > target && this.count > 0; used = this.usedBytes()) {
      const perRow = used / this.count
      const n = Math.min(1024, Math.max(16, Math.ceil((used - target) / perRow)))
      for (const r of this.st.oldest.all(n) as { shh: number; sent: number; hash: Buffer; size: number }[]) this.remove(r)
    }
  }

  private remove(r: { shh: number; sent: number; hash: Buffer; size: number }): void {
    this.st.del.run(r.shh, r.sent, r.hash)
    this.count--
    this.bytes -= r.size
    this.prunedCount++
  }
}

function checkPositive(x: number, what: string): number {
  if (!Number.isFinite(x) || x <= 0) throw new ArchiveError('params', `${what} must be a positive number, got ${x}`)
  return x
}

