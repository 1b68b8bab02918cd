// The archive answers a second's envelopes in the order they arrived (geth's key orders them by hash,
// which shuffled three piped lines of one sender), across batches, pages and a reopen; an archive
// written before the order was kept opens and keeps answering its rows.
import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Archive, ARCHIVE_FILE } from '../../src/node/archive.js'
import { envelopeHash, encodeEnvelope, type Envelope } from '../../src/whisper/envelope.js'
import { toHex } from '../../src/whisper/bytes.js'
import { tempDirs } from '../support/temp-dirs.js'
import { nowSec, rawEnvelope } from './helpers.js'

const dirs = tempDirs('p2pm-archive-order-', null)
const opened: Archive[] = []
afterEach(() => {
  for (const a of opened.splice(0)) a.close()
  dirs.cleanup()
})
async function open(dir: string): Promise<Archive> {
  const a = await Archive.open({ dir })
  opened.push(a)
  return a
}
const hex = (envs: Envelope[]) => envs.map((e) => toHex(envelopeHash(e)))
const hashesOf = (rows: { hash: Uint8Array }[]) => rows.map((r) => toHex(r.hash))

describe('archive order', () => {
  it('answers envelopes of the same second in arrival order, across batches, pages and a reopen', async () => {
    const dir = join(dirs.make(), 'data')
    const a = await open(dir)
    const t = nowSec()
    // 12 in one second: a hash order equal to arrival order by chance is 1 in 12!
    const envs = Array.from({ length: 12 }, () => rawEnvelope(5, { sent: t }))
    for (const e of envs.slice(0, 5)) a.add(e, envelopeHash(e))
    a.flush()
    for (const e of envs.slice(5, 8)) a.add(e, envelopeHash(e))
    a.add(envs[0], envelopeHash(envs[0])) // a duplicate keeps its first place
    a.close()
    const b = await open(dir)
    for (const e of envs.slice(8)) b.add(e, envelopeHash(e))
    b.flush()
    expect(hashesOf(await b.page(5, t, t + 1, null, 100))).toEqual(hex(envs))
    const pages: { sent: number; seq: number; hash: Uint8Array }[] = []
    for (let after = null as (typeof pages)[number] | null; ;) {
      const p = await b.page(5, t, t + 1, after, 5)
      if (p.length === 0) break
      pages.push(...p)
      after = p[p.length - 1]
    }
    expect(hashesOf(pages)).toEqual(hex(envs))
    // sent time still comes first
    const earlier = rawEnvelope(5, { sent: t - 1 })
    b.add(earlier, envelopeHash(earlier))
    b.flush()
    expect(hashesOf(await b.page(5, 0, 2 ** 32, null, 100))).toEqual(hex([earlier, ...envs]))
  })

  it('opens an archive written before arrival order was kept: its rows in hash order, new ones after', async () => {
    const dir = dirs.make()
    const t = nowSec()
    const old = Array.from({ length: 4 }, () => rawEnvelope(6, { sent: t }))
    const db = new Database(join(dir, ARCHIVE_FILE))
    db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE envelopes (shh INTEGER NOT NULL, sent INTEGER NOT NULL, hash BLOB NOT NULL,
        topic BLOB NOT NULL, size INTEGER NOT NULL, rlp BLOB NOT NULL, PRIMARY KEY (shh, sent, hash)) WITHOUT ROWID;
      CREATE INDEX envelopes_by_sent ON envelopes (sent);
      INSERT INTO meta (key, value) VALUES ('format', '1');`)
    const ins = db.prepare('INSERT INTO envelopes (shh, sent, hash, topic, size, rlp) VALUES (6, ?, ?, ?, ?, ?)')
    for (const e of old) {
      const rlp = encodeEnvelope(e)
      ins.run(t, Buffer.from(envelopeHash(e)), Buffer.from(e.topic), rlp.length, Buffer.from(rlp))
    }
    db.close()
    const a = await open(dir)
    const fresh = rawEnvelope(6, { sent: t })
    a.add(fresh, envelopeHash(fresh))
    a.flush()
    expect(hashesOf(await a.page(6, t, t + 1, null, 100))).toEqual([...hex(old).sort(), ...hex([fresh])])
    expect(a.stats().envelopes).toBe(5)
  })
})
