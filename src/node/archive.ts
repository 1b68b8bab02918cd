// The mail server's archive: every envelope the node accepted, both protocol versions in one SQLite
// table, found by geth's archive key (version, sent = expiry - ttl, hash). Queries answer in (sent,
// arrival) order: geth orders a second's envelopes by hash, which shuffles lines one sender said in the
// same second; `seq` (the order envelopes reached the archive) keeps them as said.
//
// Durability: WAL with synchronous=FULL, and envelopes are committed in small batches; an envelope
// counts as archived (onArchived, `archived` in stats) only once its batch is committed, so a kill -9
// or a power cut never loses one that was reported archived. Bounds: `retention` seconds of sent time
// and `maxBytes` of envelope RLP, oldest sent first out. The directory is made 0700 and the files 0600:
// the archive holds every envelope the node saw (who talked when, even if it cannot read them).
// better-sqlite3 is loaded on open only, so commands that never archive do not load it.
import { accessSync, chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, statfsSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import type BetterSqlite3 from 'better-sqlite3'
import { loadSqlite } from './sqlite.js'
import { encodeEnvelope, envelopeSent, type Envelope, type ShhVersion } from '../whisper/envelope.js'
import { toHex } from '../whisper/bytes.js'
import { DatadirLockedError, lockDatadir, type DatadirLock } from './datadir-lock.js'

export const ARCHIVE_FILE = 'archive.sqlite'
const DEFAULT_RETENTION_SECONDS = 30 * 24 * 3600
const DEFAULT_MAX_ARCHIVE_BYTES = 1024 ** 3
const DEFAULT_MIN_FREE_BYTES = 16 * 1024 * 1024
const FORMAT_VERSION = '1'

export type ArchiveErrorCode = 'params' | 'readonly' | 'full' | 'corrupt' | 'open' | 'closed' | 'locked'

export class ArchiveError extends Error {
  readonly code: ArchiveErrorCode
  constructor(code: ArchiveErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ArchiveError'
    this.code = code
  }
}

export interface ArchiveOptions {
  /** data directory (created 0700); the database is `archive.sqlite` in it */
  dir: string
  /** keep envelopes sent within this many seconds (default 30 days) */
  retentionSeconds?: number
  /** at most this many bytes of envelope RLP (default 1 GiB); oldest first out */
  maxBytes?: number
  /** refuse to start with less free disk space than this (default 16 MiB) */
  minFreeBytes?: number
  /** commit queued envelopes after this many ms (default 50) or ... */
  flushMs?: number
  /** ... as soon as this many are queued (default 256) */
  flushMax?: number
  /** called with the hashes (hex) of each committed batch */
  onArchived?: (hashes: string[]) => void
  /** a write failed (disk full, I/O error): the batch was not archived */
  onError?: (err: ArchiveError) => void
  now?: () => number
}

export interface ArchivedRow {
  sent: number
  /** arrival order (0 for rows archived before the column existed: those follow their hash) */
  seq: number
  hash: Uint8Array
  rlp: Uint8Array
}

/** Where a page ends: the next page starts after this row. */
export type ArchiveCursor = Pick<ArchivedRow, 'sent' | 'seq' | 'hash'>

export interface ArchiveStats {
  envelopes: number
  bytes: number
  /** envelopes committed since open */
  archived: number
  /** queued, not yet committed */
  pending: number
  /** envelopes removed for age or size since open */
  pruned: number
}

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

export class Archive {
  readonly file: string
  private readonly db: Db
  private readonly opts: Required<Omit<ArchiveOptions, 'onArchived' | 'onError'>> & Pick<ArchiveOptions, 'onArchived' | 'onError'>
  private readonly st: Record<'insert' | 'page' | 'pageTopic' | 'maxSeq' | 'oldest' | 'del' | 'ageSum' | 'ageDel' | 'count', Stmt>
  private queue: Pending[] = []
  private timer: NodeJS.Timeout | null = null
  private closed = false
  private bytes = 0
  private count = 0
  private archivedCount = 0
  private prunedCount = 0
  private nextSeq: number
  private readonly writeBatch: (rows: Pending[]) => number

  /** Opens (or creates) the archive; throws ArchiveError with a one-line message. */
  static async open(o: ArchiveOptions): Promise<Archive> {
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
      return new Archive(Database, dir, o, lock)
    } catch (err) {
      lock.release()
      throw err
    }
  }

  private constructor(Database: typeof BetterSqlite3, dir: string, o: ArchiveOptions, private readonly lock: DatadirLock) {
    this.file = join(dir, ARCHIVE_FILE)
    this.opts = {
      dir,
      retentionSeconds: checkPositive(o.retentionSeconds ?? DEFAULT_RETENTION_SECONDS, 'retention'),
      maxBytes: checkPositive(o.maxBytes ?? DEFAULT_MAX_ARCHIVE_BYTES, 'max archive size'),
      minFreeBytes: o.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES,
      flushMs: o.flushMs ?? 50,
      flushMax: o.flushMax ?? 256,
      onArchived: o.onArchived,
      onError: o.onError,
      now: o.now ?? (() => Math.floor(Date.now() / 1000)),
    }
    // Created 0600 before SQLite sees it: SQLite gives its -wal and -shm files the database file's mode.
    try {
      if (!existsSync(this.file)) closeSync(openSync(this.file, 'a', 0o600))
      chmodSync(this.file, 0o600)
    } catch (err) {
      throw fsError(err, dir)
    }
    let db: Db
    try {
      db = new Database(this.file)
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = FULL')
      db.exec(`
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS envelopes (
          shh INTEGER NOT NULL, sent INTEGER NOT NULL, hash BLOB NOT NULL,
          topic BLOB NOT NULL, size INTEGER NOT NULL, rlp BLOB NOT NULL,
          PRIMARY KEY (shh, sent, hash)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS envelopes_by_sent ON envelopes (sent);
        INSERT OR IGNORE INTO meta (key, value) VALUES ('format', '${FORMAT_VERSION}');`)
      const format = (db.prepare(`SELECT value FROM meta WHERE key = 'format'`).get() as { value: string }).value
      if (format !== FORMAT_VERSION) throw new ArchiveError('corrupt', `archive ${this.file} has format ${format}, this version reads ${FORMAT_VERSION}`)
      // archives written before arrival order was kept gain the column (old rows 0: hash order, as before)
      const columns = db.prepare(`SELECT name FROM pragma_table_info('envelopes')`).all() as { name: string }[]
      if (!columns.some((c) => c.name === 'seq')) db.exec('ALTER TABLE envelopes ADD COLUMN seq INTEGER NOT NULL DEFAULT 0')
      db.exec('CREATE INDEX IF NOT EXISTS envelopes_in_order ON envelopes (shh, sent, seq, hash)')
    } catch (err) {
      throw sqliteError(err, this.file)
    }
    this.db = db
    this.st = {
      insert: db.prepare('INSERT OR IGNORE INTO envelopes (shh, sent, hash, topic, size, rlp, seq) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      page: db.prepare(`SELECT sent, seq, hash, rlp FROM envelopes WHERE shh = ? AND (sent, seq, hash) > (?, ?, ?) AND sent < ?
        ORDER BY sent, seq, hash LIMIT ?`),
      pageTopic: db.prepare(`SELECT sent, seq, hash, rlp FROM envelopes WHERE shh = ? AND (sent, seq, hash) > (?, ?, ?) AND sent < ? AND topic = ?
        ORDER BY sent, seq, hash LIMIT ?`),
      maxSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) AS n FROM envelopes'),
      oldest: db.prepare('SELECT shh, sent, hash, size FROM envelopes ORDER BY sent LIMIT ?'),
      del: db.prepare('DELETE FROM envelopes WHERE shh = ? AND sent = ? AND hash = ?'),
      ageSum: db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM envelopes WHERE sent < ?'),
      ageDel: db.prepare('DELETE FROM envelopes WHERE sent < ?'),
      count: db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes FROM envelopes'),
    }
    const c = this.st.count.get() as { n: number; bytes: number }
    this.count = c.n
    this.bytes = c.bytes
    this.nextSeq = (this.st.maxSeq.get() as { n: number }).n + 1
    this.writeBatch = db.transaction((rows: Pending[]) => {
      let added = 0
      for (const r of rows) {
        const res = this.st.insert.run(r.shh, r.sent, r.hash, r.topic, r.rlp.length, r.rlp, r.seq)
        if (res.changes > 0) {
          added++
          this.bytes += r.rlp.length
        }
      }
      this.count += added
      this.pruneLocked()
      return added
    })
    this.prune()
  }

  /** Queues an envelope; it is archived when its batch commits (see onArchived). Duplicates are ignored. */
  add(env: Envelope, hash: Uint8Array): void {
    if (this.closed) return
    const rlp = encodeEnvelope(env)
    if (rlp.length > this.opts.maxBytes) return // could never be kept
    this.queue.push({ shh: env.shh, sent: envelopeSent(env), seq: this.nextSeq++, hash: Uint8Array.from(hash), topic: Uint8Array.from(env.topic), rlp })
    if (this.queue.length >= this.opts.flushMax) this.flush()
    else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null
        this.flush()
      }, this.opts.flushMs)
      this.timer.unref()
    }
  }

  /** Commits what is queued; returns how many were new. A failed write reports through onError. */
  flush(): number {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    if (this.closed || this.queue.length === 0) return 0
    const rows = this.queue
    this.queue = []
    let added: number
    const before = { bytes: this.bytes, count: this.count, pruned: this.prunedCount }
    try {
      added = this.writeBatch(rows)
    } catch (err) {
      // the transaction was rolled back: restore the counters it moved
      this.bytes = before.bytes
      this.count = before.count
      this.prunedCount = before.pruned
      const e = sqliteError(err, this.file)
      if (this.opts.onError) this.opts.onError(e)
      return 0
    }
    this.archivedCount += rows.length
    this.opts.onArchived?.(rows.map((r) => toHex(r.hash)))
    return added
  }

  /**
   * One page of a query, in (sent, arrival) order: envelopes of `shh` with from <= sent < to after the
   * row `after` (null: from the start), only `topic` when given. Committed envelopes only.
   */
  page(shh: ShhVersion, from: number, to: number, after: ArchiveCursor | null, limit: number, topic: Uint8Array | null = null): ArchivedRow[] {
    if (this.closed) throw new ArchiveError('closed', 'archive is closed')
    if (to <= from) return []
    // (sent, seq, hash) > (from, -1, x'') starts at `from` itself: every real seq is >= 0
    const a = after ?? { sent: from, seq: -1, hash: new Uint8Array(0) }
    const aHash = Buffer.from(a.hash)
    const rows = (topic === null
      ? this.st.page.all(shh, a.sent, a.seq, aHash, to, limit)
      : this.st.pageTopic.all(shh, a.sent, a.seq, aHash, to, topic, limit)) as { sent: number; seq: number; hash: Buffer; rlp: Buffer }[]
    return rows.map((r) => ({ sent: r.sent, seq: r.seq, hash: new Uint8Array(r.hash), rlp: new Uint8Array(r.rlp) }))
  }

  /** Applies the retention and size bounds now (also done after every batch). */
  prune(): number {
    if (this.closed) return 0
    const before = this.prunedCount
    this.db.transaction(() => this.pruneLocked())()
    return this.prunedCount - before
  }

  stats(): ArchiveStats {
    return { envelopes: this.count, bytes: this.bytes, archived: this.archivedCount, pending: this.queue.length, pruned: this.prunedCount }
  }

  /** Commits what is queued and closes the database (idempotent). */
  close(): void {
    if (this.closed) return
    this.flush()
    this.closed = true
    try {
      this.db.close()
    } catch {
      // closing twice or after an I/O error: nothing left to save
    }
    this.lock.release()
  }

  private pruneLocked(): void {
    const cutoff = this.opts.now() - this.opts.retentionSeconds
    if (cutoff > 0) {
      const old = this.st.ageSum.get(cutoff) as { n: number; bytes: number }
      if (old.n > 0) {
        this.st.ageDel.run(cutoff)
        this.count -= old.n
        this.bytes -= old.bytes
        this.prunedCount += old.n
      }
    }
    while (this.bytes > this.opts.maxBytes && this.count > 0) {
      const rows = this.st.oldest.all(256) as { shh: number; sent: number; hash: Buffer; size: number }[]
      if (rows.length === 0) break
      for (const r of rows) {
        if (this.bytes <= this.opts.maxBytes) break
        this.st.del.run(r.shh, r.sent, r.hash)
        this.count--
        this.bytes -= r.size
        this.prunedCount++
      }
    }
  }
}

function checkPositive(x: number, what: string): number {
  if (!Number.isFinite(x) || x <= 0) throw new ArchiveError('params', `${what} must be a positive number, got ${x}`)
  return x
}

/** The datadir: created 0700, writable, with room on its disk; each failure a one-line ArchiveError. */
function prepareDir(dir: string, minFree: number): void {
  try {
    // a directory we create is ours alone; one the user gave (maybe shared, like /tmp) keeps its mode
    if (!existsSync(dir)) {
      makeDirs(dir)
      chmodSync(dir, 0o700)
    } else if (!statSync(dir).isDirectory()) throw new ArchiveError('params', `${dir} is not a directory`)
  } catch (err) {
    if (err instanceof ArchiveError) throw err
    throw fsError(err, dir)
  }
  try {
    accessSync(dir, constants.W_OK)
  } catch (err) {
    throw fsError(err, dir)
  }
  const fs = statfsSync(dir)
  const free = fs.bavail * fs.bsize
  if (free < minFree) {
    throw new ArchiveError('full', `not enough free disk space for the archive in ${dir}: ${free} bytes free, at least ${minFree} needed`)
  }
}

// mkdirSync({recursive}) spins forever under /proc on Node 20 (ENOENT retried): one level at a time
function makeDirs(dir: string): void {
  const parent = dirname(dir)
  if (parent !== dir && !existsSync(parent)) makeDirs(parent)
  mkdirSync(dir, { mode: 0o700 })
}

function fsError(err: unknown, dir: string): ArchiveError {
  const code = (err as NodeJS.ErrnoException)?.code
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return new ArchiveError('readonly', `archive directory ${dir} is read-only (${code}): give a writable --datadir`, { cause: err })
  if (code === 'ENOENT') return new ArchiveError('open', `cannot create archive directory ${dir} (ENOENT)`, { cause: err })
  if (code === 'ENOSPC') return new ArchiveError('full', `no space left on the disk of ${dir}`, { cause: err })
  return new ArchiveError('open', `cannot use archive directory ${dir}: ${(err as Error)?.message ?? String(err)}`, { cause: err })
}

function sqliteError(err: unknown, file: string): ArchiveError {
  if (err instanceof ArchiveError) return err
  const code = String((err as { code?: unknown })?.code ?? '')
  const msg = (err as Error)?.message ?? String(err)
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM') {
    return new ArchiveError('readonly', `archive ${file} cannot be written (${code}): give a writable --datadir`, { cause: err })
  }
  if (code === 'SQLITE_FULL') return new ArchiveError('full', `disk full: archive ${file} cannot grow (nothing of this batch was archived)`, { cause: err })
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return new ArchiveError('corrupt', `archive ${file} is not a valid archive database (${code})`, { cause: err })
  return new ArchiveError('open', `archive ${file}: ${msg}`, { cause: err })
}
