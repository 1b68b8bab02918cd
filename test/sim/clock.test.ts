// The simulation's clock: while installed, timers, Date.now and performance.now run on simulated
// time, in time order (FIFO among equals), and uninstalling gives the real ones back.
import { afterEach, describe, expect, it } from 'vitest'
import { VirtualClock, VirtualTimer } from '../../src/sim/clock.js'

describe('VirtualClock', () => {
  let undo: (() => void) | null = null
  afterEach(() => {
    undo?.()
    undo = null
  })

  it('runs timers in simulated-time order, equal times in the order they were set, immediates after what is due', async () => {
    const clock = new VirtualClock(1_000_000)
    undo = clock.install()
    const seen: string[] = []
    setTimeout(() => seen.push(`b@${performance.now()}`), 20)
    setTimeout(() => {
      seen.push(`a@${performance.now()}`)
      setImmediate(() => seen.push(`a-immediate@${performance.now()}`))
    }, 10)
    setTimeout(() => seen.push(`a2@${performance.now()}`), 10)
    const gone = setTimeout(() => seen.push('cancelled'), 15)
    clearTimeout(gone)
    await clock.run()
    expect(seen).toEqual(['a@10', 'a2@10', 'a-immediate@10', 'b@20'])
    expect(Date.now()).toBe(1_000_020)
  })

  it('intervals repeat until cleared; run stops the clock at untilMs', async () => {
    const clock = new VirtualClock()
    undo = clock.install()
    const ticks: number[] = []
    const t = setInterval(() => ticks.push(performance.now()), 300)
    expect(t).toBeInstanceOf(VirtualTimer)
    await clock.run({ untilMs: 1000 })
    expect(ticks).toEqual([300, 600, 900])
    expect(clock.now).toBe(1000)
    clearInterval(t)
    expect(clock.pending).toBe(0)
    await clock.run()
    expect(ticks).toHaveLength(3)
  })

  it('an hour of simulated waiting is driven without waiting an hour', async () => {
    const clock = new VirtualClock()
    undo = clock.install()
    const slept = new Promise<string>((resolve) => setTimeout(() => resolve('woke'), 3_600_000).unref())
    expect(await clock.drive(slept)).toBe('woke')
    expect(clock.now).toBe(3_600_000)
  })

  it('promise continuations made at a time run before anything due later', async () => {
    const clock = new VirtualClock()
    undo = clock.install()
    const seen: string[] = []
    setTimeout(() => {
      void Promise.resolve().then(() => seen.push(`then@${performance.now()}`))
    }, 5)
    setTimeout(() => seen.push(`later@${performance.now()}`), 6)
    await clock.run()
    expect(seen).toEqual(['then@5', 'later@6'])
  })

  it('uninstalling gives back the real timers and clocks', async () => {
    const realSetTimeout = globalThis.setTimeout
    const realNow = Date.now
    const clock = new VirtualClock(0)
    undo = clock.install()
    expect(globalThis.setTimeout).not.toBe(realSetTimeout)
    expect(Date.now()).toBe(0)
    undo()
    undo = null
    expect(globalThis.setTimeout).toBe(realSetTimeout)
    expect(Date.now).toBe(realNow)
    expect(Date.now()).toBeGreaterThan(1_600_000_000_000)
    await new Promise((r) => setTimeout(r, 1)) // a real timer fires
  })
})
