// PeerLimits on a fake clock: the CPU budget pauses and resumes a peer's connection, the useless
// budget drops and bans a flooder (doubling), budgets refill, a reconnection gets a fresh budget.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PeerLimits, type LimitedPeer } from '../../src/node/peer-limits.js'

class FakePeer implements LimitedPeer {
  paused = false
  pauses = 0
  dropped: string | null = null
  constructor(readonly id: string) {}
  pauseReading(): void {
    this.paused = true
    this.pauses++
  }
  resumeReading(): void {
    this.paused = false
  }
  drop(why: string): void {
    this.dropped = why
  }
}

let clock = 0
const now = () => clock

beforeEach(() => {
  vi.useFakeTimers()
  clock = 0
})
afterEach(() => {
  vi.useRealTimers()
})

describe('PeerLimits', () => {
  it('rejects nonsense options', () => {
    expect(() => new PeerLimits({ cpuShare: 0 })).toThrow(RangeError)
    expect(() => new PeerLimits({ uselessBurst: -1 })).toThrow(RangeError)
    expect(() => new PeerLimits({ banMs: Number.NaN })).toThrow(RangeError)
  })

  it('within the CPU burst nothing happens; beyond it the connection pauses until the bucket refills', () => {
    const l = new PeerLimits({ cpuShare: 0.5, cpuBurstMs: 100, maxPauseMs: 1000 }, undefined, now)
    const p = new FakePeer('a')
    l.add(p)
    expect(l.charge('a', 60, 0)).toBe('ok')
    expect(l.charge('a', 40, 0)).toBe('ok') // exactly the burst
    expect(p.paused).toBe(false)
    expect(l.charge('a', 50, 0)).toBe('paused') // 50 ms over at 0.5 ms/ms: 100 ms pause
    expect(p.paused).toBe(true)
    vi.advanceTimersByTime(99)
    expect(p.paused).toBe(true)
    vi.advanceTimersByTime(1)
    expect(p.paused).toBe(false)
    expect(l.stats.pauses).toBe(1)
    // time refills the bucket
    clock += 1000
    expect(l.charge('a', 90, 0)).toBe('ok')
  })

  it('a peer budgeted under its own key (the node keys peers by network and id) is resumed too', () => {
    const l = new PeerLimits({ cpuShare: 0.5, cpuBurstMs: 100, maxPauseMs: 1000 }, undefined, now)
    const p = new FakePeer('a')
    l.add(p, 'shh/5:a')
    expect(l.charge('shh/5:a', 150, 0)).toBe('paused')
    expect(p.paused).toBe(true)
    vi.advanceTimersByTime(100)
    expect(p.paused).toBe(false)
  })

  it('a pause never exceeds maxPauseMs', () => {
    const l = new PeerLimits({ cpuShare: 0.1, cpuBurstMs: 10, maxPauseMs: 250 }, undefined, now)
    const p = new FakePeer('a')
    l.add(p)
    l.charge('a', 5000, 0)
    expect(p.paused).toBe(true)
    vi.advanceTimersByTime(250)
    expect(p.paused).toBe(false)
  })

  it('a peer that cannot pause is only counted on', () => {
    const l = new PeerLimits({ cpuBurstMs: 10 }, undefined, now)
    l.add({ id: 'x', drop: () => {} })
    expect(l.charge('x', 1000, 0)).toBe('ok')
  })

  it('too many useless envelopes: dropped and banned; the ban doubles for a repeat offence', () => {
    const l = new PeerLimits({ uselessPerSec: 10, uselessBurst: 100, banMs: 1000 }, undefined, now)
    const p = new FakePeer('f')
    l.add(p)
    expect(l.charge('f', 0, 100)).toBe('ok')
    expect(l.charge('f', 0, 1)).toBe('drop')
    expect(p.dropped).toMatch(/flooding/)
    expect(l.stats.floodDrops).toBe(1)
    expect(l.charge('f', 0, 1000)).toBe('ok') // no budget left to charge: it is gone
    const realNow = Date.now()
    vi.setSystemTime(realNow)
    expect(l.refuse('f')).toBe(true)
    expect(l.stats.bansRefused).toBe(1)
    vi.setSystemTime(realNow + 1001)
    expect(l.refuse('f')).toBe(false)
    // second offence: 2 s
    const again = new FakePeer('f')
    l.add(again)
    expect(l.charge('f', 0, 101)).toBe('drop')
    vi.setSystemTime(realNow + 1001 + 1500)
    expect(l.refuse('f')).toBe(true)
    vi.setSystemTime(realNow + 1001 + 2001)
    expect(l.refuse('f')).toBe(false)
  })

  it('useless budget refills over time: a steady trickle below the rate is never dropped', () => {
    const l = new PeerLimits({ uselessPerSec: 100, uselessBurst: 100 }, undefined, now)
    const p = new FakePeer('t')
    l.add(p)
    for (let i = 0; i < 100; i++) {
      clock += 100 // 10 per 100 ms = exactly the rate
      expect(l.charge('t', 0, 10)).toBe('ok')
    }
    expect(p.dropped).toBeNull()
  })

  it("removing an old connection's budget leaves a newer connection of the same peer alone", () => {
    const l = new PeerLimits({ uselessBurst: 10 }, undefined, now)
    const old = new FakePeer('r')
    const fresh = new FakePeer('r')
    l.add(old)
    l.add(fresh)
    l.remove('r', old)
    expect(l.charge('r', 0, 11)).toBe('drop')
    expect(fresh.dropped).not.toBeNull()
    expect(old.dropped).toBeNull()
  })

  it('close() cancels pending resumes', () => {
    const l = new PeerLimits({ cpuBurstMs: 1 }, undefined, now)
    const p = new FakePeer('c')
    l.add(p)
    l.charge('c', 100, 0)
    expect(p.paused).toBe(true)
    l.close()
    expect(vi.getTimerCount()).toBe(0)
  })
})
