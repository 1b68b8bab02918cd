// Poll filters over a real WhisperNode: geth's 5-minute timeout (with a stepped clock), the bound on
// unpolled messages, and the node subscription going away with the filter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WhisperNode } from '../../src/node/index.js'
import { PollFilters, FILTER_TIMEOUT_MS } from '../../src/rpc/filters.js'
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

  it('the sweep timer stops on close', () => {
    const filters = new PollFilters(new NodeShhBackend(node), { sweepIntervalMs: 10 })
    filters.create({ topics: [], symKey: KEY })
    filters.close()
    expect(filters.size).toBe(0)
  })
})
