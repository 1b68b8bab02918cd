import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { HistoryStore, type NewMessage } from '../../src/bridge/history.js'
import { tempDirs } from '../support/temp-dirs.js'

const dirs = tempDirs('bridge-history-')

function tempFile(): string {
  return join(dirs.make(), 'sub', 'history.sqlite')
}

function msg(room: string, n: number, extra: Partial<NewMessage> = {}): NewMessage {
  return { room, key: `${room}-${n}`, hash: `h${n}`, from: 'ab'.repeat(20), sent: 1000 + n, received: 2000 + n, text: `text ${n}`, truncated: false, ...extra }
}

describe('HistoryStore', () => {
  it('stores, pages and returns messages oldest first', () => {
    const s = new HistoryStore(':memory:', { perRoom: 100, total: 1000 })
    for (let i = 0; i < 10; i++) expect(s.add(msg('r1', i))).not.toBeNull()
    s.add(msg('r2', 0))
    const last3 = s.list('r1', 3)
    expect(last3.map((m) => m.text)).toEqual(['text 7', 'text 8', 'text 9'])
    const before = s.list('r1', 3, last3[0].seq)
    expect(before.map((m) => m.text)).toEqual(['text 4', 'text 5', 'text 6'])
    expect(s.count('r1')).toBe(10)
    expect(s.count('r2')).toBe(1)
    expect(s.list('nope', 10)).toEqual([])
    s.close()
  })

  it('ignores a second copy of the same message', () => {
    const s = new HistoryStore(':memory:', { perRoom: 100, total: 1000 })
    expect(s.add(msg('r', 1))).not.toBeNull()
    expect(s.add(msg('r', 1, { hash: 'other-envelope' }))).toBeNull()
    expect(s.add(msg('other', 1))).not.toBeNull() // same key in another room is another message
    expect(s.count('r')).toBe(1)
    s.close()
  })

  it('keeps at most perRoom messages per room and total overall, dropping the oldest', () => {
    const s = new HistoryStore(':memory:', { perRoom: 5, total: 8 })
    for (let i = 0; i < 12; i++) s.add(msg('a', i))
    expect(s.list('a', 100).map((m) => m.text)).toEqual(['text 7', 'text 8', 'text 9', 'text 10', 'text 11'])
    for (let i = 0; i < 5; i++) s.add(msg('b', i))
    // 10 in total now: the 2 oldest overall (from a) go
    expect(s.count('a') + s.count('b')).toBe(8)
    expect(s.list('a', 100).map((m) => m.text)).toEqual(['text 9', 'text 10', 'text 11'])
    expect(s.count('b')).toBe(5)
    s.close()
  })

  it('survives closing and reopening the file, rooms included', () => {
    const file = tempFile()
    const s1 = new HistoryStore(file, { perRoom: 100, total: 1000 })
    s1.rememberRoom('r', '44c7429f', 123)
    s1.add(msg('r', 1, { text: '<b>kept</b> ✓', from: null, truncated: true }))
    s1.close()
    const s2 = new HistoryStore(file, { perRoom: 100, total: 1000 })
    expect(s2.room('r')).toEqual({ room: 'r', topic: '44c7429f', created: 123 })
    const [m] = s2.list('r', 10)
    expect(m).toMatchObject({ room: 'r', text: '<b>kept</b> ✓', from: null, truncated: true, sent: 1001 })
    // still de-duplicates after the restart
    expect(s2.add(msg('r', 1))).toBeNull()
    s2.close()
  })
})

// issue 10, findings 9, 10 and 13
describe('HistoryStore hardening', () => {
  it('bounds history in bytes of text too, oldest out, and counts what stays', () => {
    const s = new HistoryStore(':memory:', { perRoom: 1000, total: 50_000, totalBytes: 100_000 })
    const big = '\ufffd'.repeat(8 * 1024) // what 8 KiB of invalid UTF-8 decodes to: 24 KiB
    for (let i = 0; i < 40; i++) s.add(msg('r', i, { text: big }))
    expect(s.bytes).toBeLessThanOrEqual(100_000)
    expect(s.count('r')).toBe(Math.floor(100_000 / Buffer.byteLength(big)))
    expect(s.list('r', 1)[0].seq).toBeGreaterThan(0)
    expect(s.add(msg('r', 99, { text: 'x'.repeat(200_000) }))).toBeNull() // bigger than the whole bound
    expect(s.bytes).toBeLessThanOrEqual(100_000)
    s.close()
  })

  it('recounts the bytes of an existing file when it opens it', () => {
    const f = tempFile()
    const s = new HistoryStore(f, { perRoom: 100, total: 1000 })
    s.add(msg('r', 1, { text: 'héllo' }))
    s.close()
    const again = new HistoryStore(f, { perRoom: 100, total: 1000 })
    expect(again.bytes).toBe(6)
    again.close()
  })

  it('creates its directory 0700 and its files 0600, whatever the umask', () => {
    const f = tempFile()
    const old = process.umask(0)
    try {
      const s = new HistoryStore(f, { perRoom: 100, total: 1000 })
      s.add(msg('r', 1))
      expect(statSync(dirname(f)).mode & 0o777).toBe(0o700)
      for (const name of readdirSync(dirname(f))) expect(statSync(join(dirname(f), name)).mode & 0o777, name).toBe(0o600)
      s.close()
    } finally {
      process.umask(old)
    }
  })

  it('a corrupt database file: the error names the file', () => {
    const f = tempFile()
    mkdirSync(dirname(f), { recursive: true })
    writeFileSync(f, 'this is not a database, just text long enough to look like a header.........................')
    expect(() => new HistoryStore(f, { perRoom: 100, total: 1000 })).toThrow(f)
  })
})
