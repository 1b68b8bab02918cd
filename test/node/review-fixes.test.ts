// Behaviours fixed after review: stop during start, zero-work TTL-0 envelopes in a full pool, one sent
// time per 'both' post, all-or-nothing posts, per-version filters of own posts, a live packet cap.
import { afterEach, describe, expect, it } from 'vitest'
import { WhisperNode } from '../../src/node/whisper-node.js'
import { EnvelopePool, evictionRank } from '../../src/node/pool.js'
import { envelopeSent } from '../../src/whisper/envelope.js'
import { entryOf, rawEnvelope } from './helpers.js'
import { Net, TOPIC, newKey, post, text } from './net-helpers.js'
import type { DeliveredMessage } from '../../src/node/filter.js'

const net = new Net()
afterEach(() => net.close())

describe('review fixes', () => {
  it('stop() while start() is still running leaves nothing running', async () => {
    const n = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, verbosity: 0, logger: () => {} })
    const starting = n.start()
    await n.stop()
    await starting
    expect(n.running).toBe(false)
    // a node that was stopped does not come back
    await expect(n.start()).rejects.toThrow(/cannot start/)
  })

  it('a TTL-0 envelope (infinite PoW for no work) ranks lowest and cannot push real envelopes out', () => {
    const real = entryOf(rawEnvelope(6), { pow: 0.5 })
    const free = entryOf(rawEnvelope(6, { ttl: 0 }), { pow: Infinity })
    expect(evictionRank(free)).toBe(0)
    const pool = new EnvelopePool({ maxEnvelopes: 1 })
    expect(pool.add(real).status).toBe('added')
    expect(pool.add(free).status).toBe('full')
    expect(pool.count).toBe(1)
  })

  it("a 'both' post: one sent time for both copies, and a shh/6-only filter gets its copy", async () => {
    const key = newKey()
    const a = await net.node({ name: 'a' })
    const got6: DeliveredMessage[] = []
    a.subscribe({ topics: [TOPIC], symKey: key, shh: 6 }, (m) => got6.push(m))
    const all: DeliveredMessage[] = []
    a.subscribe({ topics: [TOPIC], symKey: key }, (m) => all.push(m))
    const r = await post(a, key, 'twice sealed, once shown', { shh: 'both' })
    expect(r.envelopes.map((e) => e.shh)).toEqual([5, 6])
    expect(envelopeSent(r.envelopes[0])).toBe(envelopeSent(r.envelopes[1]))
    expect(got6.map(text)).toEqual(['twice sealed, once shown'])
    expect(got6[0].shh).toBe(6)
    expect(all.map(text)).toEqual(['twice sealed, once shown'])
  })

  it('a post rejected on one version pools no copy at all', async () => {
    const a = await net.node({ minPow: 0.2, name: 'a' })
    // pow 0: v5 searches for the best nonce within workTime, v6 does no work at all and is refused
    await expect(a.post({ topic: TOPIC, payload: new Uint8Array([1]), symKey: newKey(), ttl: 50, pow: 0, workTime: 1, shh: 'both' }))
      .rejects.toThrow(/not accepted/)
    expect(a.stats().poolSize).toBe(0)
  })

  it('setMaxMessageSize reaches the packet check of connected peers', async () => {
    const a = await net.node({ name: 'a' })
    a.setMaxMessageSize(4 * 1024 * 1024)
    expect(a.info().maxMessageSize).toBe(4 * 1024 * 1024)
    expect((a as unknown as { host: { maxMessageSize: number } }).host.maxMessageSize).toBe(4 * 1024 * 1024)
  })
})
