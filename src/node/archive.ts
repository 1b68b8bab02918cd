// The mail server's archive: every envelope the node accepted, found by geth's archive key (version,
// sent = expiry - ttl, hash) and answered in (sent, arrival) order, a page at a time. Two
// implementations behind one interface: the embedded SQLite file (archive-sqlite.ts, the default) and a
// PostgreSQL database that several mail servers share (archive-pg.ts). Both keep the same rules: an
// envelope counts as archived (onArchived, `archived` in stats) only once its batch is committed, the
// retention and size bounds are enforced in the database, the same envelope archived twice (or by two
// servers) is one row, and every read is an index range scan. Each implementation's module (and its
// database client) is loaded only when an archive of its kind is opened.
import type { Envelope, ShhVersion } from '../whisper/envelope.js'
import type { ArchiveError } from './archive-errors.js'

export { ArchiveError, type ArchiveErrorCode } from './archive-errors.js'
export const ARCHIVE_FILE = 'archive.sqlite'

/** What both archives take. */
export interface ArchiveCommonOptions {
  /** keep envelopes sent within this many seconds (default 30 days) */
  retentionSeconds?: number
  /**
   * SQLite: the files on disk (database + WAL) take at most this many bytes; PostgreSQL: the envelopes
   * kept take at most this many bytes (default 1 GiB, at least 256 KiB)
   */
  maxBytes?: number
  /** commit queued envelopes after this many ms (default 50) or ... */
  flushMs?: number
  /** ... as soon as this many are queued (default 256) */
  flushMax?: number
  /** called with the hashes (hex) of each committed batch */
  onArchived?: (hashes: string[]) => void
  /** a write failed and will not be retried (I/O error, corrupt database): the batch was not archived */
  onError?: (err: ArchiveError) => void
  /** something an operator should know (disk bounds the archive, database unreachable or back) */
  onNotice?: (message: string) => void
  now?: () => number
}

export interface ArchiveOptions extends ArchiveCommonOptions {
  /** data directory (created 0700); the database is `archive.sqlite` in it */
  dir: string
  /** refuse to start with less free disk space than this, and keep this much free while running (default 16 MiB) */
  minFreeBytes?: number
  /** SQLite's max_page_count: the database cannot grow past this many pages; a write past it fails as on a full disk */
  maxPages?: number
}

export interface PgArchiveOptions extends ArchiveCommonOptions {
  /** postgres://user:password@host:port/database */
  url: string
  /** connections for reads and writes (default 4) */
  poolSize?: number
  /** envelopes kept in memory, not yet committed, while the database is unreachable (default 100,000; newer ones are dropped, said once) */
  maxPending?: number
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
  /** envelope bytes (RLP) archived */
  bytes: number
  /** envelopes committed since open */
  archived: number
  /** queued, not yet committed */
  pending: number
  /** envelopes removed for age or size since open */
  pruned: number
  /** SQLite: database + WAL on disk; PostgreSQL: the table and its indexes */
  fileBytes: number
  /** times the database came back after being unreachable (PostgreSQL; always 0 for SQLite) */
  reconnects: number
}

export interface Archive {
  /** where it is: the SQLite file, or the database URL without its password */
  readonly file: string
  /** Queues an envelope; it is archived when its batch commits (see onArchived). Duplicates are ignored. */
  add(env: Envelope, hash: Uint8Array): void
  /** Commits what is queued; resolves to how many were new. A failed write reports through onError. */
  flush(): Promise<number>
  /**
   * One page of a query, in (sent, arrival) order: envelopes of `shh` with from <= sent < to after the
   * row `after` (null: from the start), only `topic` when given. Committed envelopes only, including
   * those of a flush() begun before the call. Rejects with an ArchiveError.
   */
  page(shh: ShhVersion, from: number, to: number, after: ArchiveCursor | null, limit: number, topic?: Uint8Array | null): Promise<ArchivedRow[]>
  /** Applies the retention and size bounds now (also done with every batch); resolves to how many went. */
  prune(): Promise<number>
  stats(): ArchiveStats
  /** Commits what is queued and closes the database (idempotent). */
  close(): Promise<void>
}

/** The SQLite archive, as `Archive.open({ dir })`. */
export const Archive = {
  async open(o: ArchiveOptions): Promise<Archive> {
    const { SqliteArchive } = await import('./archive-sqlite.js')
    return SqliteArchive.open(o)
  },
}

/** The PostgreSQL archive; throws an ArchiveError with a one-line message when the database cannot be used. */
export async function openPgArchive(o: PgArchiveOptions): Promise<Archive> {
  const { PgArchive } = await import('./archive-pg.js')
  return PgArchive.open(o)
}
