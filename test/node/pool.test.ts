import { randomBytes } from 'node:crypto'
import { describe, it, expect } from 'vitest'
import { EnvelopePool } from '../../src/node/pool.js'
import { MinHeap } from '../../src/node/heap.js'
import { BoundedSet } from '../../src/node/bounded-set.js'
import { rawEnvelope, entryOf, nowSec } from './helpers.js'

describe('MinHeap', () => {
  it('pops in order and filters', () => {
    const h = new MinHeap<number>((a, b) => a < b)
    for (const n of [5, 3, 9, 1, 7, 3]) h.push(n)
    h.filter((n) => n !== 7)
    const out: number[] = []
    for (let n = h.pop(); n !== undefined; n = h.pop()) out.push(n)
    expect(out).toEqual([1, 3, 3, 5, 9])
  })
})

describe('BoundedSet', () => {
  it('forgets the oldest past its bound', () => {
    const s = new BoundedSet<string>(2)
    s.add('a'); s.add('b'); s.add('a'); s.add('c')
    expect([s.has('a'), s.has('b'), s.has('c'), s.size]).toEqual([false, true, true, 2])
  })
})

describe('EnvelopePool', () => {
  it('deduplicates by hash', () => {
    const pool = new EnvelopePool()
    const e = entryOf(rawEnvelope(6))
    expect(pool.add(e).status).toBe('added')
    const again = pool.add(entryOf(e.env))
    expect(again.status).toBe('known')
    expect(pool.count).toBe(1)
    expect(pool.bytes).toBe(e.size)
  })

  it('expires entries whose expiry is before now, and only those', () => {
    const pool = new EnvelopePool()
    const now = nowSec()
    const a = entryOf(rawEnvelope(5, { sent: now - 10, ttl: 5 })) // expiry now-5
    const b = entryOf(rawEnvelope(5, { sent: now - 10, ttl: 10 })) // expiry now
    const c = entryOf(rawEnvelope(5, { sent: now, ttl: 10 }))
    for (const e of [c, a, b]) pool.add(e)
    expect(pool.expire(now).map((e) => e.key)).toEqual([a.key])
    expect(pool.expire(now + 1).map((e) => e.key)).toEqual([b.key])
    expect(pool.count).toBe(1)
    expect(pool.bytes).toBe(c.size)
    pool.delete(c.key)
    expect(pool.expire(now + 100)).toEqual([])
    expect(pool.bytes).toBe(0)
  })

  it('when full evicts the weakest PoW, refuses a newcomer no stronger than the weakest, keeps local posts', () => {
    const pool = new EnvelopePool({ maxEnvelopes: 3 })
    const [w1, w2, w3] = [1, 2, 3].map((pow) => entryOf(rawEnvelope(6), { pow }))
    for (const e of [w2, w1, w3]) expect(pool.add(e).status).toBe('added')
    expect(pool.add(entryOf(rawEnvelope(6), { pow: 1 })).status).toBe('full')
    expect(pool.count).toBe(3)
    const strong = entryOf(rawEnvelope(6), { pow: 5 })
    const r = pool.add(strong)
    expect(r.status === 'added' && r.evicted.map((e) => e.key)).toEqual([w1.key])
    expect(pool.has(w1.key)).toBe(false)
    const mine = entryOf(rawEnvelope(6), { pow: 0.001, local: true })
    const r2 = pool.add(mine)
    expect(r2.status === 'added' && r2.evicted.map((e) => e.key)).toEqual([w2.key])
    expect(pool.count).toBe(3)
  })

  it('bounds bytes too', () => {
    const a = entryOf(rawEnvelope(6, { data: new Uint8Array(randomBytes(100)) }), { pow: 1 })
    const pool = new EnvelopePool({ maxBytes: a.size * 2 })
    pool.add(a)
    pool.add(entryOf(rawEnvelope(6, { data: new Uint8Array(randomBytes(100)) }), { pow: 2 }))
    const big = entryOf(rawEnvelope(6, { data: new Uint8Array(randomBytes(100)) }), { pow: 3 })
    const r = pool.add(big)
    expect(r.status === 'added' && r.evicted.map((e) => e.key)).toEqual([a.key])
    expect(pool.bytes).toBeLessThanOrEqual(a.size * 2)
  })
})
