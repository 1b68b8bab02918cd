import { afterEach, describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, closeSync, existsSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { Archive, ArchiveError, ARCHIVE_FILE } from '../../src/node/archive.js'
import { decodeEnvelope, encodeEnvelope, envelopeHash, type Envelope } from '../../src/whisper/envelope.js'
import { toHex } from '../../src/whisper/bytes.js'
import { ensureBuilt } from '../cli/harness.js'
import { budget } from '../support/budget.js'
import { tempDirs } from '../support/temp-dirs.js'
import { nowSec, rawEnvelope } from './helpers.js'

// removed after the archives in them are closed
const dirs = tempDirs('p2pm-archive-', null)
const opened: Archive[] = []
const tmp = dirs.make
async function open(o: Parameters<typeof Archive.open>[0]): Promise<Archive> {
  const a = await Archive.open(o)
  opened.push(a)
  return a
}
afterEach(() => {
  for (const a of opened.splice(0)) a.close()
  dirs.cleanup()
})

const add = (a: Archive, env: Envelope) => a.add(env, envelopeHash(env))

/** Overwrites `count` pages from `at` (a fraction of the file) with zeros or random bytes. */
function corruptPages(file: string, at: number, count: number, mode: 'zeroed' | 'random'): void {
  const pages = Math.floor(statSync(file).size / 4096)
  const first = Math.floor(pages * at)
  const fd = openSync(file, 'r+')
  for (let p = first; p < Math.min(pages, first + count); p++) writeSync(fd, mode === 'zeroed' ? Buffer.alloc(4096) : randomBytes(4096), 0, 4096, p * 4096)
  closeSync(fd)
}
const all = (a: Archive, shh: 5 | 6, from = 0, to = 2 ** 32) => a.page(shh, from, to, null, 1_000_000)

describe('archive', () => {
  it('keeps both versions, answers in (sent, arrival) order, pages, filters by topic', async () => {
    const a = await open({ dir: join(tmp(), 'data') })
    const t = nowSec()
    const envs = [30, 10, 20, 10].map((ago, i) => rawEnvelope(5, { sent: t - ago, topic: Uint8Array.of(0, 0, 0, i % 2) }))
    const e6 = rawEnvelope(6, { sent: t - 15 })
    for (const e of [...envs, e6]) add(a, e)
    add(a, envs[0]) // duplicate: ignored
    expect(await all(a, 5)).toHaveLength(0) // not committed yet
    expect(await a.flush()).toBe(5)
    const rows = await all(a, 5)
    expect(rows.map((r) => r.sent)).toEqual([t - 30, t - 20, t - 10, t - 10])
    expect(rows.map((r) => toHex(r.hash))).toEqual([0, 2, 1, 3].map((i) => toHex(envelopeHash(envs[i]))))
    expect(rows.map((r) => toHex(encodeEnvelope(decodeEnvelope(5, r.rlp))))).toEqual(rows.map((r) => toHex(r.rlp)))
    expect(await all(a, 6)).toHaveLength(1)
    // half-open ranges and paging after a key
    expect((await all(a, 5, t - 20, t - 10)).map((r) => r.sent)).toEqual([t - 20])
    const p1 = await a.page(5, 0, 2 ** 32, null, 2)
    const p2 = await a.page(5, 0, 2 ** 32, p1[1], 2)
    expect([...p1, ...p2].map((r) => toHex(r.hash))).toEqual(rows.map((r) => toHex(r.hash)))
    expect((await a.page(5, 0, 2 ** 32, null, 10, Uint8Array.of(0, 0, 0, 1))).map((r) => r.sent)).toEqual([t - 10, t - 10])
    expect(a.stats()).toMatchObject({ envelopes: 5, archived: 6, pending: 0 })
  })

  it('survives a restart; the directory is 0700 and the files 0600', async () => {
    const dir = join(tmp(), 'nested', 'data')
    const a = await Archive.open({ dir })
    const e = rawEnvelope(6)
    add(a, e)
    a.flush()
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    for (const f of [ARCHIVE_FILE, ARCHIVE_FILE + '-wal', ARCHIVE_FILE + '-shm']) {
      expect(existsSync(join(dir, f))).toBe(true) // WAL mode: all three while open
      expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600)
    }
    add(a, rawEnvelope(5))
    a.close() // commits the queue
    const b = await open({ dir })
    expect((await all(b, 6)).map((r) => toHex(r.hash))).toEqual([toHex(envelopeHash(e))])
    expect(b.stats().envelopes).toBe(2)
  })

  it('drops envelopes older than the retention, on open and after each batch', async () => {
    let now = nowSec()
    const dir = tmp()
    const a = await open({ dir, retentionSeconds: 100, now: () => now })
    add(a, rawEnvelope(5, { sent: now - 150 })) // already too old
    add(a, rawEnvelope(5, { sent: now - 50 }))
    a.flush()
    expect((await all(a, 5)).map((r) => r.sent)).toEqual([now - 50])
    now += 60
    add(a, rawEnvelope(5, { sent: now }))
    a.flush()
    expect((await all(a, 5)).map((r) => r.sent)).toEqual([now])
    expect(a.stats().pruned).toBe(2)
  })

  it('bounds its files on disk (database + WAL) by maxBytes within 10 %, oldest out, across versions', async () => {
    // 304-byte envelopes (the size that took 3.17x the bound on disk with the WAL when the bound counted envelopes)
    const max = 1024 ** 2
    const a = await open({ dir: tmp(), maxBytes: max })
    const t = nowSec() - 100_000
    let peak = 0
    let sent = 0
    for (let i = 0; i < 12_000; i++) {
      add(a, rawEnvelope(i % 2 ? 6 : 5, { sent: t + i, data: new Uint8Array(randomBytes(240)) }))
      if (i % 256 === 255) {
        a.flush()
        peak = Math.max(peak, a.stats().fileBytes)
      }
      sent += 304
    }
    a.flush()
    peak = Math.max(peak, a.stats().fileBytes)
    const s = a.stats()
    expect(sent).toBeGreaterThan(3 * max)
    expect(peak).toBeLessThanOrEqual(1.1 * max)
    expect(s.fileBytes).toBeGreaterThan(0.8 * max) // the bound is used, not pruned far below
    expect(s.pruned).toBeGreaterThan(0)
    // oldest out: what is kept is the newest, in both versions
    const kept = [...(await all(a, 5)), ...(await all(a, 6))].map((r) => r.sent).sort((x, y) => x - y)
    expect(kept).toHaveLength(s.envelopes)
    expect(kept.at(-1)).toBe(t + 11_999)
    expect(kept.at(-1)! - kept[0]).toBe(kept.length - 1)
  })

  it('refuses a bound too small for the database itself', async () => {
    await expect(Archive.open({ dir: tmp(), maxBytes: 4096 })).rejects.toMatchObject({ code: 'params', message: expect.stringContaining('at least 256KiB') })
  })

  it('disk full (SQLite page limit) before the bound: prunes the oldest and retries, says so once, keeps the newest', async () => {
    const notices: string[] = []
    const errors: ArchiveError[] = []
    // 160 pages of 4 KiB: full long before the 1 GiB bound
    const a = await open({ dir: tmp(), maxPages: 160, onNotice: (m) => notices.push(m), onError: (e) => errors.push(e) })
    const t = nowSec() - 10_000
    let newest = rawEnvelope(5)
    for (let i = 0; i < 4000; i++) {
      newest = rawEnvelope(i % 2 ? 6 : 5, { sent: t + i, data: new Uint8Array(randomBytes(240)) })
      add(a, newest)
      if (i % 256 === 255) a.flush()
    }
    a.flush()
    expect(errors.map((e) => e.message)).toEqual([])
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatch(/^disk full: archive .*archive\.sqlite cannot grow; it now keeps at most [\d.]+ MiB/)
    const s = a.stats()
    expect(s.pruned).toBeGreaterThan(0)
    expect(s.envelopes).toBeGreaterThan(100)
    expect(s.archived).toBe(4000) // every batch committed, none lost to SQLITE_FULL
    expect((await all(a, newest.shh)).map((r) => toHex(r.hash))).toContain(toHex(envelopeHash(newest)))
  })

  const canMount = spawnSync('unshare', ['-rm', 'true']).status === 0
  it.skipIf(!canMount)('small disk (tmpfs in a mount namespace): free space re-checked while running, the disk bounds the archive, said once', async () => {
    ensureBuilt()
    const dir = tmp()
    const child = resolve(import.meta.dirname, 'fixtures/archive-full-child.mjs')
    const r = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=12m none "$1" && exec "$2" "$3" "$1"', 'sh', dir, process.execPath, child], { encoding: 'utf8', timeout: budget(120_000) })
    expect(r.stderr).toBe('')
    const out = JSON.parse(r.stdout) as { notices: string[]; errors: string[]; stats: { envelopes: number; archived: number; pruned: number; fileBytes: number }; newestKept: boolean }
    expect(out.errors).toEqual([])
    expect(out.notices.length).toBeGreaterThanOrEqual(1)
    expect(out.notices.length).toBeLessThanOrEqual(2) // the disk bounds it, and at most once disk full
    expect(out.notices[0]).toMatch(/^disk (space: the disk bounds archive|full: archive) /)
    expect(out.stats.archived).toBe(20_000)
    expect(out.stats.pruned).toBeGreaterThan(0)
    expect(out.stats.fileBytes).toBeLessThan(12 * 1024 ** 2)
    expect(out.newestKept).toBe(true)
  }, budget(150_000))

  it('gives clear errors: not a directory, not enough free space, not an archive', async () => {
    const d = tmp()
    writeFileSync(join(d, 'file'), 'x')
    await expect(Archive.open({ dir: join(d, 'file') })).rejects.toMatchObject({ code: 'params', message: expect.stringContaining('not a directory') })
    await expect(Archive.open({ dir: d, minFreeBytes: Number.MAX_SAFE_INTEGER })).rejects.toMatchObject({ code: 'full', message: expect.stringContaining('not enough free disk space') })
    const bad = join(d, 'bad')
    await Archive.open({ dir: bad }).then((a) => a.close())
    writeFileSync(join(bad, ARCHIVE_FILE), 'this is not sqlite, just text that is long enough to have a header.......'.repeat(20))
    rmSync(join(bad, ARCHIVE_FILE + '-wal'), { force: true })
    rmSync(join(bad, ARCHIVE_FILE + '-shm'), { force: true })
    const err = await Archive.open({ dir: bad }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ArchiveError)
    expect((err as ArchiveError).code).toBe('corrupt')
  })

  for (const mode of ['zeroed', 'random'] as const) {
    it(`${mode} pages in the middle: one-line error naming the file and what to do, at open or while running; add, flush and prune never throw`, async () => {
      const dir = tmp()
      const a = await Archive.open({ dir })
      const t = nowSec() - 5000
      for (let i = 0; i < 3000; i++) add(a, rawEnvelope(i % 2 ? 6 : 5, { sent: t + i, data: new Uint8Array(randomBytes(200)) }))
      a.close()
      const file = join(dir, ARCHIVE_FILE)
      corruptPages(file, 0.4, 24, mode)
      const errors: ArchiveError[] = []
      const b = await Archive.open({ dir, onError: (e) => errors.push(e) }).catch((e: unknown) => e as ArchiveError)
      let err: unknown = b
      if (!(b instanceof ArchiveError)) {
        opened.push(b)
        err = await Promise.all([all(b, 5), all(b, 6)]).then(() => null, (e: unknown) => e)
        // the node goes on: envelopes keep coming, the prune timer keeps running
        for (let i = 0; i < 600; i++) add(b, rawEnvelope(6, { data: new Uint8Array(randomBytes(200)) }))
        expect(() => b.flush()).not.toThrow()
        expect(() => b.prune()).not.toThrow()
        expect(errors.length).toBeLessThanOrEqual(1) // said once, not per batch
        await expect(b.page(5, 0, 2 ** 32, null, 10)).rejects.toBeInstanceOf(ArchiveError)
      }
      expect(err).toBeInstanceOf(ArchiveError)
      const e = err as ArchiveError
      expect(e.code).toBe('corrupt')
      expect(e.message).toContain(file)
      expect(e.message).toMatch(/move the file away .* or restore it from a backup$/)
      expect(e.message).not.toContain('\n')
    })
  }

  it('read-only datadir: clear error at open', async () => {
    // root ignores mode bits, so use a file system that is read-only for everyone: /proc
    const err = await Archive.open({ dir: '/proc/self' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ArchiveError)
    expect(['readonly', 'open']).toContain((err as ArchiveError).code)
    expect((err as Error).message).toMatch(/\/proc\/self/)
    if (process.getuid?.() !== 0) {
      const d = tmp()
      chmodSync(d, 0o500)
      await expect(Archive.open({ dir: d })).rejects.toMatchObject({ code: 'readonly', message: expect.stringContaining('read-only') })
      chmodSync(d, 0o700)
    }
  })

  it('kill -9 while archiving loses nothing that was reported archived', async () => {
    ensureBuilt()
    const dir = tmp()
    const child = spawn(process.execPath, [resolve(import.meta.dirname, 'fixtures/archive-child.mjs'), dir], { stdio: ['ignore', 'pipe', 'inherit'] })
    const acked: string[] = []
    const rl = createInterface({ input: child.stdout })
    await new Promise<void>((res, rej) => {
      rl.on('line', (l) => {
        if (l.startsWith('ACK ')) acked.push(l.slice(4))
        if (acked.length >= 2000) res()
      })
      child.on('exit', () => rej(new Error('child exited early')))
    })
    const exited = new Promise((r) => child.on('exit', r))
    // lines still in the pipe were acknowledged before the kill, too: read them all (up to the pipe's end)
    const drained = new Promise((r) => rl.on('close', r))
    child.kill('SIGKILL')
    await exited
    await drained
    const a = await open({ dir })
    const have = new Set([...await all(a, 5), ...await all(a, 6)].map((r) => toHex(r.hash)))
    const missing = acked.filter((h) => !have.has(h))
    expect(acked.length).toBeGreaterThanOrEqual(2000)
    expect(missing).toEqual([])
  }, budget(60_000))
})
