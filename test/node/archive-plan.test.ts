// Every statement the archive runs is an index range scan: no full SCAN, no temp B-tree for ORDER BY,
// and every equality of its WHERE is a constraint of the index it searches (a topic request over the
// whole time range once walked every row of its version, because topic was filtered row by row).
import { afterEach, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { Archive } from '../../src/node/archive.js'
import { QUERIES } from '../../src/node/archive-schema.js'
import { envelopeHash } from '../../src/whisper/envelope.js'
import { tempDirs } from '../support/temp-dirs.js'
import { nowSec, rawEnvelope } from './helpers.js'

const dirs = tempDirs('p2pm-plan-', null)
afterEach(() => dirs.cleanup())

it('each archive query searches an index with all of its equalities, never a scan or a temp B-tree', async () => {
  const a = await Archive.open({ dir: dirs.make() })
  const t = nowSec()
  for (let i = 0; i < 500; i++) {
    const env = rawEnvelope(i % 2 ? 6 : 5, { sent: t - i, topic: Uint8Array.of(0, 0, i % 7, 1) })
    a.add(env, envelopeHash(env))
  }
  a.flush()
  const file = a.file
  a.close()
  const db = new Database(join(file), { readonly: true })
  try {
    for (const [name, q] of Object.entries(QUERIES)) {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.sample) as { detail: string }[]).map((r) => r.detail)
      const where = /\bWHERE\b(.*?)(?:\bORDER\b|\bLIMIT\b|$)/s.exec(q.sql)?.[1] ?? ''
      const equalities = [...where.matchAll(/\b(\w+) = \?/g)].map((m) => m[1])
      const scope = `${name}: ${plan.join(' | ')}`
      expect(plan.filter((d) => /^SCAN\b/.test(d)), scope).toEqual([])
      expect(plan.filter((d) => /TEMP B-TREE/.test(d)), scope).toEqual([])
      for (const col of equalities) expect(plan.some((d) => /^SEARCH\b/.test(d) && d.includes(`${col}=?`)), `${scope} (${col})`).toBe(true)
    }
  } finally {
    db.close()
  }
})
