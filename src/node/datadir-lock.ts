// One process per data directory: a node key, an identity and SQLite files shared by two running
// bridges (relays, mail servers) would make two nodes with one enode and interleaved databases. The
// lock is a file `LOCK` in the directory holding the owner's pid, created exclusively (O_EXCL) and
// removed when the owner releases it or exits. A lock whose pid no longer runs (kill -9, power cut) is
// stale and taken over. Node has no flock(2); the pid check is what geth's users know from `LOCK`
// files anyway, and it can be read and removed by hand. The second line is the kernel's boot id: a lock
// left by a power cut names a pid of the previous boot, which after the reboot may well be some other
// running process (a service's datadir survives reboots), so a lock from another boot is stale too.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const LOCK_FILE = 'LOCK'

export class DatadirLockedError extends Error {
  readonly pid: number
  readonly dir: string
  constructor(dir: string, pid: number, file: string) {
    const who = pid === process.pid ? 'this process' : `process ${pid}`
    super(`data directory ${dir} is in use by ${who} (lock file ${file}; another bridge, relay or mail server?)`)
    this.name = 'DatadirLockedError'
    this.pid = pid
    this.dir = dir
  }
}

export interface DatadirLock {
  readonly dir: string
  readonly file: string
  /** Removes the lock file (once; later calls do nothing). */
  release(): void
}

const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id'

/** This boot's id (Linux), null where the kernel does not say. */
function bootId(): string | null {
  try {
    return readFileSync(BOOT_ID_FILE, 'utf8').trim() || null
  } catch {
    return null
  }
}
const BOOT = bootId()

interface Holder {
  pid: number
  /** boot id written with it; null in a lock file without one */
  boot: string | null
}

/** The lock file's text, or null when it is gone. */
function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return null
  }
}

/** The holder, or null when the file does not hold a pid (a crash mid-write). */
function parseHolder(text: string | null): Holder | null {
  if (text === null) return null
  const [first, second] = text.split('\n')
  const pid = Number(first.trim())
  if (!Number.isSafeInteger(pid) || pid <= 0) return null
  return { pid, boot: second?.trim() || null }
}

function readHolder(file: string): Holder | null {
  return parseHolder(readText(file))
}

/** Held by a process of this boot that still runs (a lock without a boot id: by its pid alone). */
function live(h: Holder): boolean {
  if (h.boot !== null && BOOT !== null && h.boot !== BOOT) return false
  return running(h.pid)
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it runs, as another user
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Takes the lock of `dir` (which must exist) for this process; throws DatadirLockedError naming the
 * holder's pid while another live process (or this one) holds it. Other file system errors are
 * thrown as they are (the caller words them, as for the directory itself).
 */
export function lockDatadir(dir: string): DatadirLock {
  const abs = resolve(dir)
  const file = join(abs, LOCK_FILE)
  for (let attempt = 0; ; attempt++) {
    let fd: number
    try {
      fd = openSync(file, 'wx', 0o600)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const text = readText(file)
      const holder = parseHolder(text)
      if (holder !== null && live(holder)) throw new DatadirLockedError(abs, holder.pid, file)
      // stale (dead pid, another boot) or unreadable: remove it, unless someone replaced it meanwhile, and try again
      if (attempt >= 3) throw new DatadirLockedError(abs, holder?.pid ?? 0, file)
      if (readText(file) === text) {
        try {
          unlinkSync(file)
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
        }
      }
      continue
    }
    try {
      writeSync(fd, BOOT !== null ? `${process.pid}\n${BOOT}\n` : `${process.pid}\n`)
    } finally {
      closeSync(fd)
    }
    return held(abs, file)
  }
}

// Locks not yet released, freed by one exit listener: an exit without release (an error after start,
// process.exit) still frees the directory.
const heldLocks = new Set<() => void>()
let exitHooked = false

function held(dir: string, file: string): DatadirLock {
  let released = false
  const release = () => {
    if (released) return
    released = true
    heldLocks.delete(release)
    // only our own lock: a stale-lock takeover by another process must not be undone
    if (readHolder(file)?.pid !== process.pid) return
    try {
      unlinkSync(file)
    } catch {
      // already gone (the directory was removed): nothing held
    }
  }
  heldLocks.add(release)
  if (!exitHooked) {
    exitHooked = true
    process.on('exit', () => {
      for (const r of [...heldLocks]) r()
    })
  }
  return { dir, file, release }
}
