// Poll filters over a real WhisperNode: geth's 5-minute timeout (with a stepped clock), the bound on
// unpolled messages (count and bytes), and the node subscription going away with the filter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WhisperNode } from '../../src/node/index.js'
import { PollFilters, FILTER_TIMEOUT_MS, messageBytes } from '../../src/rpc/filters.js'
import { NodeShhBackend } from '../../src/rpc/node-backend.js'
import { symKeyFromPassword } from '../../src/whisper/crypto.js'

const TOPIC = Uint8Array.of(1, 2, 3, 4)
const KEY = symKeyFromPassword('filters test')

describe('poll filters', () => {
  let node: WhisperNode
  beforeAll(async () => {
    node = new WhisperNode({ verbosity: 0, sealThreads: 1, minPow: 0 })
    await node.start()
  })
  afterAll(() => node.stop())

  const post = (text: string) =>
    node.post({ shh: 6, topic: TOPIC, payload: new TextEncoder().encode(text), ttl: 60, pow: 0, workTime: 0, symKey: KEY })

  it('removes a filter not polled for 5 minutes (geth filterTimeout), polling keeps it alive', () => {
    let now = 1_000_000
    const filters = new PollFilters(new NodeShhBackend(node), { now: () => now, autoSweep: false })
    const id = filters.create({ topics: [TOPIC], symKey: KEY })
    now += 4 * 60_000
    expect(filters.sweep()).toBe(0)
    expect(filters.retrieve(id)).toEqual([])
    now += 4 * 60_000
    expect(filters.sweep()).toBe(0)
    now += 60_000
    expect(filters.sweep()).toBe(1)
    expect(() => filters.retrieve(id)).toThrow('filter not found')
    expect(node.unsubscribe(id)).toBe(false) // the node subscription went with it
    expect(FILTER_TIMEOUT_MS).toBe(300_000)
    filters.close()
  })

  it('delivers matching messages once each and bounds the unpolled backlog', async () => {
    const filters = new PollFilters(new NodeShhBackend(node), { maxMessages: 2, autoSweep: false })
    const id = filters.create({ topics: [TOPIC], symKey: KEY })
    const other = filters.create({ topics: [Uint8Array.of(9, 9, 9, 9)], symKey: KEY })
    await post('one')
    await post('two')
    await post('three')
    const got = filters.retrieve(id).map((m) => new TextDecoder().decode(m.payload))
    expect(got).toEqual(['two', 'three'])
    expect(filters.retrieve(id)).toEqual([])
    expect(filters.retrieve(other)).toEqual([])
    filters.delete(id)
    expect(() => filters.delete(id)).toThrow('Unsubscribe: Invalid ID')
    filters.close()
    expect(filters.size).toBe(0)
    expect(node.unsubscribe(other)).toBe(false)
  })

  it('caps the number of filters', () => {
    const filters = new PollFilters(new NodeShhBackend(node), { maxFilters: 1, autoSweep: false })
    filters.create({ topics: [], symKey: KEY })
    expect(() => filters.create({ topics: [], symKey: KEY })).toThrow('too many message filters (1)')
    filters.close()
  })

  it('bounds the bytes of unpolled messages per filter and in all, dropping the oldest and counting it (issue 25 item 3)', async () => {
    const KiB = 1024
    const logged: string[] = []
    // two unpolled filters on one topic, 24 distinct 64 KiB messages (1.5 MiB each filter without a byte bound)
    const filters = new PollFilters(new NodeShhBackend(node), { maxBytes: 512 * KiB, maxTotalBytes: 768 * KiB, autoSweep: false, log: (_l, m) => logged.push(m) })
    const a = filters.create({ topics: [TOPIC], symKey: KEY })
    const b = filters.create({ topics: [TOPIC], symKey: KEY })
    const big = (i: number) => {
      const p = new Uint8Array(64 * KiB).fill(i)
      p[0] = i
      return node.post({ shh: 6, topic: TOPIC, payload: p, ttl: 60, pow: 0, workTime: 0, symKey: KEY })
    }
    let most = 0
    for (let i = 0; i < 24; i++) {
      await big(i)
      most = Math.max(most, filters.bytes)
    }
    expect(most).toBeLessThanOrEqual(768 * KiB)
    const gotA = filters.retrieve(a)
    const gotB = filters.retrieve(b)
    // what was held is what the buffers of the returned messages add up to
    const held = [...gotA, ...gotB].reduce((n, m) => n + messageBytes(m), 0)
    expect(held).toBeLessThanOrEqual(768 * KiB)
    for (const got of [gotA, gotB]) {
      expect(got.reduce((n, m) => n + messageBytes(m), 0)).toBeLessThanOrEqual(512 * KiB)
      expect(got.length).toBeGreaterThan(0)
      // the newest are kept, in order
      expect(got.map((m) => m.payload[0])).toEqual(Array.from({ length: got.length }, (_, i) => 24 - got.length + i))
    }
    expect(filters.dropped).toBe(48 - gotA.length - gotB.length)
    expect(filters.droppedBy(a)! + filters.droppedBy(b)!).toBe(filters.dropped)
    expect(filters.bytes).toBe(0)
    // said once per filter, not once per message
    expect(logged.filter((l) => l.includes('not polled fast enough'))).toHaveLength(2)
    filters.close()
  })

  it('the sweep timer stops on close', () => {
    const filters = new PollFilters(new NodeShhBackend(node), { sweepIntervalMs: 10 })
    filters.create({ topics: [], symKey: KEY })
    filters.close()
    expect(filters.size).toBe(0)
  })
})
