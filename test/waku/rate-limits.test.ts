// status-go's limiter rules with time passed in: tb's buckets (capacity = rate, +round(rate/10) per 100 ms),
// the packet and byte buckets per IP and per peer, and the drop tolerance.
import { describe, expect, it } from 'vitest'
import { announcedLimits, RateLimiter, STATUS_GO_DEFAULT_RATE_LIMITS, TokenBucket } from '../../src/waku/rate-limits.js'

describe('TokenBucket (tb)', () => {
  it('starts full, refills round(rate / 10) per whole 100 ms tick, never above the rate', () => {
    const b = new TokenBucket(25, 1000)
    for (let i = 0; i < 25; i++) expect(b.take(1, 1000)).toBe(true)
    expect(b.take(1, 1099)).toBe(false)
    // 2.5 rounds to 3 per tick
    expect(b.take(3, 1100)).toBe(true)
    expect(b.take(1, 1150)).toBe(false)
    expect(b.take(25, 10_000)).toBe(true)
    expect(b.take(1, 10_000)).toBe(false)
  })
  it('a short bucket keeps what it had (Halt puts the spilled tokens back)', () => {
    const b = new TokenBucket(10, 0)
    expect(b.take(11, 0)).toBe(false)
    expect(b.take(10, 0)).toBe(true)
  })
})

describe('RateLimiter', () => {
  const cfg = { packetsPerSecIp: 10, packetsPerSecPeer: 5, bytesPerSecIp: 1000, bytesPerSecPeer: 1000, tolerance: 3 }
  it('over the per-peer packet limit: over, then dropped at the tolerance', () => {
    const r = new RateLimiter(cfg)
    const got = Array.from({ length: 8 }, () => r.admit('127.0.0.1', 'a', 10, 0))
    expect(got).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'over', 'over', 'drop'])
  })
  it('the IP limit covers all peers of one address; another address is apart', () => {
    const r = new RateLimiter({ ...cfg, tolerance: 0 })
    const got = Array.from({ length: 11 }, (_, i) => r.admit('10.0.0.1', `p${i}`, 1, 0))
    expect(got.slice(0, 10).every((d) => d === 'ok')).toBe(true)
    expect(got[10]).toBe('over')
    expect(r.admit('10.0.0.2', 'q', 1, 0)).toBe('ok')
  })
  it('bytes: one packet bigger than the per-second byte limit is always over', () => {
    const r = new RateLimiter({ ...cfg, tolerance: 0 })
    expect(r.admit('127.0.0.1', 'a', 1001, 0)).toBe('over')
    expect(r.admit('127.0.0.1', 'a', 1000, 0)).toBe('ok')
  })
  it('a limit of 0 is no limit; tolerance 0 never drops', () => {
    const r = new RateLimiter({ packetsPerSecIp: 0, packetsPerSecPeer: 0, bytesPerSecIp: 0, bytesPerSecPeer: 1, tolerance: 0 })
    for (let i = 0; i < 100; i++) expect(r.admit('127.0.0.1', 'a', 0, 0)).toBe('ok')
    for (let i = 0; i < 100; i++) expect(r.admit('127.0.0.1', 'a', 5, 0)).toBe('over')
  })
  it('refills with time; forget() starts a peer over', () => {
    const r = new RateLimiter(cfg)
    for (let i = 0; i < 5; i++) r.admit('127.0.0.1', 'a', 1, 0)
    expect(r.admit('127.0.0.1', 'a', 1, 50)).toBe('over')
    expect(r.admit('127.0.0.1', 'a', 1, 100)).toBe('ok')
    r.admit('127.0.0.1', 'a', 1, 100)
    r.forget('127.0.0.1', 'a')
    expect(r.admit('127.0.0.1', 'a', 1, 100)).toBe('ok')
  })
  it('what we announce: status-go sends topic 0 (it never limits topics)', () => {
    expect(announcedLimits(STATUS_GO_DEFAULT_RATE_LIMITS)).toEqual({
      packets: { ip: 10, peerId: 5, topic: 0 }, bytes: { ip: 1048576, peerId: 1048576, topic: 0 },
    })
  })
})
