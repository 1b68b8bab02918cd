// What the archive's files may take on disk: `maxBytes` (database + WAL, not envelope bytes: the database
// takes 1.5-3x the envelopes' size), or less when the disk is smaller. The WAL gets an eighth of it:
// checkpointed at half of it, truncated back to it by journal_size_limit, and no transaction writes more
// than the other half (the archive commits a batch in parts of at most an eighth of the WAL's share in
// envelope bytes: inserting and pruning dirty ~3x that). The database's pages in use are kept under the
// rest (target()). Free space is re-read while running (minFreeBytes stays free), and after SQLITE_FULL
// the database may keep a tenth less than it held when it hit the wall, until restart; either is said
// once through onNotice.
import { statfsSync, statSync } from 'node:fs'

/** What ArchiveSpace needs of the database: better-sqlite3's pragma(). */
interface PragmaDb {
  pragma(sql: string): unknown
}

export interface ArchiveSpaceOptions {
  file: string
  dir: string
  maxBytes: number
  minFreeBytes: number
  pageSize: number
  onNotice?: (message: string) => void
}

/** Free space is re-read at most this often (ms). */
const DISK_CHECK_MS = 100

export class ArchiveSpace {
  private walBytes = 0
  /** files may take this much on this disk (files + free - minFree), from the last check */
  private diskCap = Infinity
  private lastDiskCheck = 0
  private diskSaid = false
  /** after SQLITE_FULL: database bytes in use when it hit the wall, less a tenth (kept until close) */
  private fullCap = Infinity
  private fullSaid = false

  constructor(private readonly db: PragmaDb, private readonly o: ArchiveSpaceOptions) {
    this.setWalBudget()
  }

  /** What the WAL may take of the files' bound. */
  get walBudget(): number {
    return this.walBytes
  }

  /** Free space, re-read at most every DISK_CHECK_MS unless forced: the files may take what they have plus what is free beyond minFreeBytes. */
  check(force: boolean): void {
    const now = Date.now()
    if (!force && now - this.lastDiskCheck < DISK_CHECK_MS) return
    this.lastDiskCheck = now
    let free: number
    try {
      const fs = statfsSync(this.o.dir)
      free = fs.bavail * fs.bsize
    } catch {
      return // keep the last figure
    }
    this.diskCap = this.fileBytes() + free - this.o.minFreeBytes
    this.setWalBudget()
    if (this.diskCap < this.o.maxBytes) {
      if (!this.diskSaid) {
        this.diskSaid = true
        this.o.onNotice?.(`disk space: the disk bounds archive ${this.o.file} at ${mib(Math.max(0, this.diskCap))} (${mib(free)} free, ${mib(this.o.minFreeBytes)} kept free), below the max archive size ${mib(this.o.maxBytes)}`)
      }
    } else this.diskSaid = false
  }

  /** SQLITE_FULL with `usedBytes` of pages in use: from now on the database keeps a tenth less. */
  full(usedBytes: number): void {
    this.fullCap = Math.min(this.fullCap, Math.floor(usedBytes * 0.9))
    if (!this.fullSaid) {
      this.fullSaid = true
      this.o.onNotice?.(`disk full: archive ${this.o.file} cannot grow; it now keeps at most ${mib(this.fullCap)} (oldest pruned, the batch retried) until restarted`)
    }
  }

  /** What the database's pages in use may take. */
  target(): number {
    const files = Math.min(this.o.maxBytes, this.diskCap)
    return Math.min(files - this.walBytes - Math.floor(files / 64), this.fullCap)
  }

  /** Database + WAL on disk now. */
  fileBytes(): number {
    let n = 0
    for (const f of [this.o.file, `${this.o.file}-wal`]) {
      try {
        n += statSync(f).size
      } catch {
        // no WAL between a close and the next write
      }
    }
    return n
  }

  /**
   * The WAL's share of what the files may take: checkpointed at half of it (one transaction fits in the
   * other half) and truncated back to it by journal_size_limit.
   */
  private setWalBudget(): void {
    const files = Math.min(this.o.maxBytes, Math.max(0, this.diskCap))
    const budget = Math.min(64 * 1024 ** 2, Math.max(32 * 1024, Math.floor(files / 8)))
    if (budget === this.walBytes) return
    this.walBytes = budget
    this.db.pragma(`wal_autocheckpoint = ${Math.max(1, Math.floor(budget / 2 / this.o.pageSize))}`)
    this.db.pragma(`journal_size_limit = ${budget}`)
  }
}

const mib = (b: number): string => `${(b / 1024 ** 2).toFixed(1)} MiB`
