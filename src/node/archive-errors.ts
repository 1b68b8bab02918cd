// The archive's one-line errors (ArchiveError), each naming the file, directory or database and what to
// do, and the checks of the data directory before SQLite opens anything in it.
import { accessSync, chmodSync, constants, existsSync, mkdirSync, statfsSync, statSync } from 'node:fs'
import { dirname } from 'node:path'

export type ArchiveErrorCode = 'params' | 'readonly' | 'full' | 'corrupt' | 'open' | 'closed' | 'locked' | 'unreachable'

export class ArchiveError extends Error {
  readonly code: ArchiveErrorCode
  constructor(code: ArchiveErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ArchiveError'
    this.code = code
  }
}

/** The datadir: created 0700, writable, with room on its disk; each failure a one-line ArchiveError. */
export function prepareDir(dir: string, minFree: number): void {
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

export function fsError(err: unknown, dir: string): ArchiveError {
  const code = (err as NodeJS.ErrnoException)?.code
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return new ArchiveError('readonly', `archive directory ${dir} is read-only (${code}): give a writable --datadir`, { cause: err })
  if (code === 'ENOENT') return new ArchiveError('open', `cannot create archive directory ${dir} (ENOENT)`, { cause: err })
  if (code === 'ENOSPC') return new ArchiveError('full', `no space left on the disk of ${dir}`, { cause: err })
  return new ArchiveError('open', `cannot use archive directory ${dir}: ${(err as Error)?.message ?? String(err)}`, { cause: err })
}

export function sqliteError(err: unknown, file: string): ArchiveError {
  if (err instanceof ArchiveError) return err
  const code = String((err as { code?: unknown })?.code ?? '')
  const msg = (err as Error)?.message ?? String(err)
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM') {
    return new ArchiveError('readonly', `archive ${file} cannot be written (${code}): give a writable --datadir`, { cause: err })
  }
  if (code === 'SQLITE_FULL') return new ArchiveError('full', `disk full: archive ${file} cannot grow (nothing of this batch was archived)`, { cause: err })
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new ArchiveError('corrupt', `archive ${file} is damaged or not an archive (${code}: ${msg}): move the file away (the next start begins a new archive) or restore it from a backup`, { cause: err })
  }
  return new ArchiveError('open', `archive ${file}: ${msg}`, { cause: err })
}

/** SQLSTATE classes and client codes that say the database went away (or is busy), not that the request was wrong. */
const TRANSIENT = /^(08|53|57P0[1-3])|^(ECONN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|ENOTFOUND|EAI_AGAIN|CONNECTION_|CONNECT_TIMEOUT|QUEUE_TIMEOUT)/

/** A PostgreSQL failure as a one-line ArchiveError naming the database (`where`, its URL without the password). */
export function pgError(err: unknown, where: string): ArchiveError {
  if (err instanceof ArchiveError) return err
  const code = String((err as { code?: unknown })?.code ?? '')
  const msg = ((err as Error)?.message ?? String(err)).split('\n')[0]
  if (code === '28P01' || code === '28000') return new ArchiveError('open', `archive database ${where}: ${msg} (check the user and password of --archive)`, { cause: err })
  if (code === '3D000') return new ArchiveError('open', `archive database ${where}: ${msg} (create it first: createdb)`, { cause: err })
  if (code.startsWith('42501')) return new ArchiveError('readonly', `archive database ${where}: ${msg} (the user needs CREATE on the database, then INSERT, SELECT and DELETE on its tables)`, { cause: err })
  if (TRANSIENT.test(code)) return new ArchiveError('unreachable', `archive database ${where} unreachable: ${msg}${code && !msg.includes(code) ? ` (${code})` : ''}`, { cause: err })
  return new ArchiveError('open', `archive database ${where}: ${msg}${code ? ` (${code})` : ''}`, { cause: err })
}
