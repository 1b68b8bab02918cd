// Own posts that reach no peer before they expire are reported ('undelivered' event, log, stats) with
// the reason: no peer of their versions, peers requiring more PoW, peers' blooms excluding the topic.
import { afterEach, describe, expect, it } from 'vitest'
import { Net, TOPIC, inbox, link, newKey, post, waitEvent } from './net-helpers.js'
import type { UndeliveredEvent } from '../../src/node/delivery.js'
import { topicBloom } from '../../src/whisper/bloom.js'

const net = new Net()
afterEach(() => net.close())

describe("'undelivered': a post that reached nobody says why", () => {
  it('no peer: event, log line and stats', async () => {
    const logs: string[] = []
    const a = await net.node({ name: 'a', verbosity: 3, logger: (_l, m) => logs.push(m) })
    const r = await post(a, newKey(), 'into the void', { ttl: 1 })
    const [ev] = (await waitEvent(a, 'undelivered', undefined, 8000)) as [UndeliveredEvent]
    expect(ev.reason).toBe('no-peer')
    expect(ev.hashes.sort()).toEqual([...r.hashes].sort()) // one report for both version copies
    expect(ev.message).toMatch(/no peer speaking shh\/5 or shh\/6/)
    expect(a.stats().undeliveredNoPeer).toBe(1)
    expect(logs.some((l) => l.includes('Message expired before reaching any peer') && l.includes('no-peer'))).toBe(true)
  })

  it('peers require more PoW', async () => {
    const a = await net.node({ shhVersions: [6], name: 'a' })
    const b = await net.node({ shhVersions: [6], name: 'b', minPow: 40 })
    await link(a, b)
    await post(a, newKey(), 'too little work', { ttl: 1 })
    const [ev] = (await waitEvent(a, 'undelivered', undefined, 8000)) as [UndeliveredEvent]
    expect(ev.reason).toBe('pow')
    expect(ev.message).toMatch(/require more PoW \(at least 40\)/)
    expect(a.stats().undeliveredPow).toBe(1)
  })

  it("peers' bloom excludes the topic", async () => {
    const a = await net.node({ shhVersions: [6], name: 'a' })
    const b = await net.node({ shhVersions: [6], name: 'b', bloom: topicBloom(Uint8Array.of(1, 2, 3, 4)) })
    await link(a, b)
    await post(a, newKey(), 'not your topic', { ttl: 1 })
    const [ev] = (await waitEvent(a, 'undelivered', undefined, 8000)) as [UndeliveredEvent]
    expect(ev.reason).toBe('bloom')
    expect(a.stats().undeliveredBloom).toBe(1)
  })

  it('a delivered post is not reported', async () => {
    const key = newKey()
    const a = await net.node({ shhVersions: [6], name: 'a' })
    const b = await net.node({ shhVersions: [6], name: 'b' })
    const inB = inbox(b, key)
    await link(a, b)
    let reported = 0
    a.on('undelivered', () => reported++)
    await post(a, key, 'hello', { ttl: 1, topic: TOPIC })
    await new Promise((r) => setTimeout(r, 3000))
    expect(inB.length).toBe(1)
    expect(reported).toBe(0)
  })
})
