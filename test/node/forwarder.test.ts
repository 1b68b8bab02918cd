import { randomBytes } from 'node:crypto'
import { describe, it, expect } from 'vitest'
import { Forwarder, TURN_BYTES } from '../../src/node/forwarder.js'
import { PeerState, type ForwardTarget } from '../../src/node/peer-state.js'
import { Logger } from '../../src/log/log.js'
import type { Envelope } from '../../src/whisper/envelope.js'
import { bloomMatch, topicBloom } from '../../src/whisper/bloom.js'
import { shhNetOf, type Net } from '../../src/p2p/net-peer.js'
import { rawEnvelope, entryOf } from './helpers.js'

// A recording stand-in for a connected shh peer: the forwarder calls wants and sendEnvelopes.
class RecordingPeer implements ForwardTarget {
  packets: Envelope[][] = []
  readonly net: Net
  constructor(readonly id: string, readonly shh: 5 | 6, public minPow = 0, public bloom: Uint8Array | null = null) {
    this.net = shhNetOf(shh)
  }
  wants(env: Envelope, pow: number, bloom?: Uint8Array): boolean {
    return env.shh === this.shh && pow >= this.minPow && bloomMatch(this.bloom, bloom ?? topicBloom(env.topic))
  }
  sendEnvelopes(envs: Envelope[]): void {
    this.packets.push(envs)
  }
}

const log = new Logger({ verbosity: 0 })
const tick = () => new Promise((r) => setImmediate(r))

describe('PeerState', () => {
  it('wants what it does not know and what meets its PoW requirement and bloom', () => {
    const p = new RecordingPeer('a', 6, 1, topicBloom(new Uint8Array([1, 2, 3, 4])))
    const s = new PeerState(p)
    const good = entryOf(rawEnvelope(6), { pow: 2 })
    expect(s.wants(good)).toBe(true)
    expect(s.wants(entryOf(rawEnvelope(6), { pow: 0.5 }))).toBe(false)
    expect(s.wants(entryOf(rawEnvelope(6, { topic: new Uint8Array([7, 7, 7, 7]) }), { pow: 2 }))).toBe(false)
    expect(s.wants(entryOf(rawEnvelope(5), { pow: 2 }))).toBe(false)
    s.mark(good.key)
    expect(s.wants(good)).toBe(false)
  })
})

describe('Forwarder', () => {
  it('sends a new envelope on the next turn to every peer of its version that does not know it', async () => {
    const alive = new Set<string>()
    const f = new Forwarder({ log, alive: (e) => alive.has(e.key) })
    const [a, b, c, v5] = [new RecordingPeer('a', 6), new RecordingPeer('b', 6), new RecordingPeer('c', 6), new RecordingPeer('d', 5)]
    const states = [a, b, c, v5].map((p) => new PeerState(p))
    states.forEach((s) => f.add(s))
    const e = entryOf(rawEnvelope(6))
    alive.add(e.key)
    states[1].mark(e.key) // b sent it to us
    expect(f.announce(e)).toBe(2)
    expect(a.packets).toEqual([])
    await tick()
    expect(a.packets).toEqual([[e.env]])
    expect(c.packets).toEqual([[e.env]])
    expect(b.packets).toEqual([])
    expect(v5.packets).toEqual([])
    expect(f.announce(e)).toBe(0) // now known everywhere
    f.close()
  })

  it('batches a busy turn into one v6 list, split under the packet limit; v5 gets one envelope per send', async () => {
    const alive = () => true
    const envs6 = Array.from({ length: 5 }, () => entryOf(rawEnvelope(6, { data: new Uint8Array(randomBytes(100)) })))
    const limit = envs6[0].size * 2
    const f = new Forwarder({ log, alive, maxPacketBytes: limit })
    const p6 = new RecordingPeer('a', 6)
    const p5 = new RecordingPeer('b', 5)
    f.add(new PeerState(p6))
    f.add(new PeerState(p5))
    envs6.forEach((e) => f.announce(e))
    const envs5 = Array.from({ length: 3 }, () => entryOf(rawEnvelope(5)))
    envs5.forEach((e) => f.announce(e))
    await tick()
    expect(p6.packets.map((p) => p.length)).toEqual([2, 2, 1])
    expect(p6.packets.flat()).toEqual(envs6.map((e) => e.env))
    expect(p5.packets.flat()).toEqual(envs5.map((e) => e.env))
    f.close()
  })

  it('skips queued envelopes that expired before the flush, and offers the pool to a new peer', async () => {
    const alive = new Set<string>()
    const f = new Forwarder({ log, alive: (e) => alive.has(e.key) })
    const p = new RecordingPeer('a', 5)
    const s = new PeerState(p)
    f.add(s)
    const [x, y] = [entryOf(rawEnvelope(5)), entryOf(rawEnvelope(5))]
    alive.add(x.key)
    f.announce(x)
    f.announce(y) // not alive any more when flushed
    await tick()
    expect(p.packets).toEqual([[x.env]])
    const late = new RecordingPeer('b', 5)
    const ls = new PeerState(late)
    f.add(ls)
    alive.add(y.key)
    expect(f.offerAll(ls, [x, y])).toBe(2)
    f.flush()
    expect(late.packets.flat()).toEqual([x.env, y.env])
    f.close()
  })

  it('a peer whose send throws loses its queue without affecting the others', async () => {
    const f = new Forwarder({ log, alive: () => true })
    const bad = new RecordingPeer('bad', 6)
    bad.sendEnvelopes = () => { throw new Error('socket closed') }
    const good = new RecordingPeer('good', 6)
    f.add(new PeerState(bad))
    f.add(new PeerState(good))
    f.announce(entryOf(rawEnvelope(6)))
    await tick()
    expect(good.packets.length).toBe(1)
    f.close()
  })

  it('does not send back an envelope the peer sent us while it was queued for it', async () => {
    const f = new Forwarder({ log, alive: () => true })
    const p = new RecordingPeer('a', 6)
    const s = new PeerState(p)
    f.add(s)
    const [x, y] = [entryOf(rawEnvelope(6)), entryOf(rawEnvelope(6))]
    f.announce(x)
    f.announce(y)
    s.mark(x.key) // the peer's own copy of x arrived before the flush
    await tick()
    expect(p.packets).toEqual([[y.env]])
    expect(s.wants(x)).toBe(false)
    f.close()
  })

  it('spreads a backlog bigger than TURN_BYTES over several event-loop turns, losing nothing', async () => {
    const entries = Array.from({ length: 40 }, () => entryOf(rawEnvelope(6, { data: new Uint8Array(randomBytes(20_000)) })))
    const total = entries.reduce((n, e) => n + e.size, 0)
    expect(total).toBeGreaterThan(3 * TURN_BYTES)
    const f = new Forwarder({ log, alive: () => true })
    const p = new RecordingPeer('a', 6)
    f.add(new PeerState(p))
    entries.forEach((e) => f.announce(e))
    f.flush() // one turn's worth, synchronously
    const firstTurn = p.packets.flat().reduce((n, env) => n + (entries.find((e) => e.env === env)?.size ?? 0), 0)
    expect(firstTurn).toBeGreaterThan(0)
    expect(firstTurn).toBeLessThan(TURN_BYTES + 20_100)
    for (let i = 0; i < 20 && p.packets.flat().length < entries.length; i++) await tick()
    expect(p.packets.flat()).toEqual(entries.map((e) => e.env))
    f.close()
  })

  it('leaves a busy peer to drain, then sends what piled up in one list', async () => {
    const f = new Forwarder({ log, alive: () => true })
    const p = new RecordingPeer('a', 6) as RecordingPeer & { bufferedBytes: number }
    p.bufferedBytes = 10 * 1024 * 1024
    f.add(new PeerState(p))
    const envs = [entryOf(rawEnvelope(6)), entryOf(rawEnvelope(6)), entryOf(rawEnvelope(6))]
    f.announce(envs[0])
    await tick()
    f.announce(envs[1])
    f.announce(envs[2])
    await tick()
    expect(p.packets).toEqual([])
    p.bufferedBytes = 0
    for (let i = 0; i < 200 && p.packets.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    expect(p.packets).toEqual([envs.map((e) => e.env)])
    f.close()
  })
})
