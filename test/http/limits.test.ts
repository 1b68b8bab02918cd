import { describe, expect, it } from 'vitest'
import { KeyedRateLimiter, RateLimiter } from '../../src/http/limits.js'

describe('RateLimiter', () => {
  it('allows a burst, then refills at the given rate', () => {
    let now = 1_000_000
    const r = new RateLimiter({ burst: 3, perSecond: 2 }, () => now)
    expect([r.take(), r.take(), r.take(), r.take()]).toEqual([true, true, true, false])
    now += 499 // 0.998 tokens
    expect(r.take()).toBe(false)
    now += 2 // 1.002 tokens
    expect(r.take()).toBe(true)
    expect(r.take()).toBe(false)
    now += 60_000 // refills to the burst, not beyond
    expect([r.take(), r.take(), r.take(), r.take()]).toEqual([true, true, true, false])
  })

  it('does not refill when the clock goes backwards', () => {
    let now = 5000
    const r = new RateLimiter({ burst: 1, perSecond: 1 }, () => now)
    expect(r.take()).toBe(true)
    now -= 10_000
    expect(r.take()).toBe(false)
  })
})

describe('KeyedRateLimiter', () => {
  it('keeps one bucket per key', () => {
    const now = 0
    const k = new KeyedRateLimiter({ burst: 1, perSecond: 0.001 }, 10, () => now)
    expect(k.take('a')).toBe(true)
    expect(k.take('a')).toBe(false)
    expect(k.take('b')).toBe(true)
  })

  it('forgets the least recently used key when full', () => {
    const now = 0
    const k = new KeyedRateLimiter({ burst: 1, perSecond: 0.001 }, 2, () => now)
    k.take('a')
    k.take('b')
    k.take('a') // a is now the most recent
    k.take('c') // evicts b
    expect(k.take('a')).toBe(false)
    expect(k.take('b')).toBe(true) // fresh bucket
  })
})
