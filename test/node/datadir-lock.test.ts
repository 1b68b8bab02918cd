// The data directory lock: one holder at a time (this process or another live one, named by pid),
// released on release(), taken over from a dead pid, a previous boot or a garbled file; the mail archive
// holds it.
import { afterEach, describe, expect, it } from 'vitest'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DatadirLockedError, LOCK_FILE, lockDatadir, type DatadirLock } from '../../src/node/datadir-lock.js'
import { Archive, ArchiveError } from '../../src/node/archive.js'
import { tempDirs } from '../support/temp-dirs.js'

const dirs = tempDirs('p2pm-lock-', null)
const held: { release(): void }[] = []
afterEach(() => {
  for (const l of held.splice(0)) l.release()
  dirs.cleanup()
})
const lock = (dir: string): DatadirLock => {
  const l = lockDatadir(dir)
  held.push(l)
  return l
}
/** A pid no process has: above the kernel's largest. */
const deadPid = () => Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1
const BOOT = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
const OURS = `${process.pid}\n${BOOT}\n`

describe('datadir lock', () => {
  it('holds the directory with its pid until released; a second taker is refused naming the holder', () => {
    const dir = dirs.make()
    const l = lock(dir)
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(OURS)
    const again = (() => {
      try {
        lockDatadir(dir)
      } catch (e) {
        return e
      }
    })()
    expect(again).toBeInstanceOf(DatadirLockedError)
    expect((again as DatadirLockedError).pid).toBe(process.pid)
    expect((again as Error).message).toBe(`data directory ${dir} is in use by this process (lock file ${join(dir, LOCK_FILE)}; another bridge, relay or mail server?)`)
    l.release()
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false)
    l.release() // twice: nothing happens
    lock(dir).release()
  })

  it('refuses a lock whose pid runs (pid 1), takes over one whose pid is gone, of another boot, or that holds no pid', () => {
    const dir = dirs.make()
    writeFileSync(join(dir, LOCK_FILE), '1\n')
    expect(() => lockDatadir(dir)).toThrow(/is in use by process 1 /)
    // pid 1 of this boot runs; with the boot id of this boot too
    writeFileSync(join(dir, LOCK_FILE), `1\n${BOOT}\n`)
    expect(() => lockDatadir(dir)).toThrow(/is in use by process 1 /)
    // a power cut's lock: after the reboot its pid (here 1) may be another running process
    const otherBoot = `1\n${BOOT.replace(/^./, (c) => (c === '0' ? '1' : '0'))}\n`
    for (const stale of [`${deadPid()}\n`, '', 'not a pid', otherBoot]) {
      writeFileSync(join(dir, LOCK_FILE), stale)
      const l = lock(dir)
      expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(OURS)
      l.release()
    }
  })

  it('does not remove a lock another process took over meanwhile', () => {
    const dir = dirs.make()
    const l = lock(dir)
    writeFileSync(join(dir, LOCK_FILE), '1\n') // as if our lock had been judged stale and taken
    l.release()
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe('1\n')
  })

  it('the mail archive holds its directory while open', async () => {
    const dir = dirs.make()
    const a = await Archive.open({ dir })
    held.push({ release: () => a.close() }) // closed after the test, even when it fails
    await expect(Archive.open({ dir })).rejects.toSatisfy((e: unknown) => e instanceof ArchiveError && e.code === 'locked' && /in use by this process/.test(e.message))
    a.close()
    const b = await Archive.open({ dir })
    b.close()
  })
})
