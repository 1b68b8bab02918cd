// Fuzz below the shh protocol: raw TCP garbage to the listening port (random bytes, EIP-8-sized
// prefixes, legacy 0x04 auth lengths, many connections at once) and garbage inside an established
// RLPx session (bytes past the framing and its MACs, forged frame headers). Properties: the node never
// throws or logs an ERROR, ends every broken session (closes the socket) instead of keeping it, and
// keeps serving a well-behaved peer. Sizes scale with FUZZ_SCALE (`npm run fuzz:long`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WhisperNode } from '../../src/node/whisper-node.js'
import type { DeliveredMessage } from '../../src/node/filter.js'
import { encodeStatus } from '../../src/whisper/packets.js'
import { fuzzScale, fuzzSeed, prng, type Rng } from './gen.js'
import { targetWithGoodPeer, until, within } from './node-target.js'
import { RawShhPeer, rawTcp } from './raw-peer.js'

const TOPIC = Uint8Array.of(0x44, 0xc7, 0x42, 0x9f)
const KEY = new Uint8Array(32).fill(9)
const SCALE = fuzzScale()
const SEED = fuzzSeed()

let target: WhisperNode
let good: WhisperNode
const errors: string[] = []
const inbox: DeliveredMessage[] = []



/** Garbage that looks like the start of an RLPx auth message more or less closely. */
function handshakeGarbage(r: Rng): Uint8Array {
  switch (r.int(5)) {
    case 0: return r.bytes(1 + r.int(2000))
    case 1: { // EIP-8: 2-byte big-endian size, then that many (or fewer/more) bytes
      const size = r.pick([0, 1, 100, 307, 400, 1000, 65535])
      return Uint8Array.from([size >> 8, size & 0xff, ...r.bytes(Math.min(2000, Math.max(0, size + r.int(64) - 32)))])
    }
    case 2: return Uint8Array.from([0x04, ...r.bytes(306)]) // legacy (pre-EIP-8) auth: 307 bytes, starts with a pubkey prefix
    case 3: return new Uint8Array(r.pick([307, 1000, 4096])) // zeros
    default: return new Uint8Array(r.pick([307, 1000])).fill(0xff)
  }
}

let nextMsg = 0
async function goodPeerStillServed(): Promise<void> {
  const text = `still there ${nextMsg++}`
  const before = inbox.length
  await target.post({ topic: TOPIC, payload: new TextEncoder().encode(text), symKey: KEY, ttl: 50, pow: 0.01, workTime: 5, shh: 6 })
  await until(() => inbox.slice(before).some((m) => Buffer.from(m.payload).toString() === text), 10_000, 'the good peer to receive')
}

beforeAll(async () => {
  ;({ target, good } = await targetWithGoodPeer(errors, (_, good) => {
    good.subscribe({ topics: [TOPIC], symKey: KEY }, (m) => inbox.push(m))
  }))
})

afterAll(async () => {
  await Promise.all([good?.stop(), target?.stop()])
})

describe('fuzz: RLPx-level and raw TCP garbage', () => {
  it('garbage instead of an RLPx handshake: connections are refused or cut, the node carries on', async () => {
    const r = prng(SEED)
    const rounds = 30 * SCALE
    let closedByNode = 0
    for (let i = 0; i < rounds; i++) {
      const { socket, closed } = await rawTcp(target.enode)
      const g = handshakeGarbage(r)
      // in one write or dribbled in pieces
      if (r.chance(0.7)) socket.write(g)
      else for (let off = 0; off < g.length; off += 1 + r.int(64)) socket.write(g.subarray(off, off + 1 + r.int(64)))
      // garbage that a handshake could still be waiting for the rest of stays open: we hang up after a while
      const cut = await Promise.race([closed.then(() => true), new Promise<boolean>((res) => setTimeout(() => res(false), 100))])
      if (cut) closedByNode++
      socket.destroy()
      await closed
      expect(errors).toEqual([])
    }
    // a complete auth message that does not decrypt is refused on the spot
    expect(closedByNode).toBeGreaterThan(0)
    expect(target.peers().map((p) => p.id)).toEqual([good.id])
    await goodPeerStillServed()
  }, 60_000 + SCALE * 10_000)

  it('many garbage connections at once', async () => {
    const r = prng(SEED + 1)
    const conns = await Promise.all(Array.from({ length: 25 * SCALE }, () => rawTcp(target.enode)))
    for (const c of conns) c.socket.write(handshakeGarbage(r))
    await new Promise((res) => setTimeout(res, 100))
    for (const c of conns) c.socket.destroy()
    await Promise.all(conns.map((c) => c.closed))
    expect(errors).toEqual([])
    await goodPeerStillServed()
  }, 60_000 + SCALE * 10_000)

  it('garbage inside an established RLPx session (past framing and MACs): the session is cut', async () => {
    const r = prng(SEED + 2)
    const rounds = 12 * SCALE
    for (let i = 0; i < rounds; i++) {
      const shh = r.chance(0.5) ? 5 : 6
      const raw = await RawShhPeer.open(target.enode, shh)
      await within(Promise.race([raw.ready, raw.closed]), 10_000, 'session start')
      if (r.chance(0.5)) raw.send(0, shh === 5 ? encodeStatus(5) : encodeStatus(6, { minPow: 0, bloom: null, lightNode: false }))
      switch (r.int(3)) {
        case 0: raw.writeRaw(r.bytes(1 + r.int(3000))); break
        case 1: raw.writeRaw(r.bytes(32)); raw.writeRaw(r.bytes(16 * (1 + r.int(64)))); break // a forged header, then a body
        default: for (let k = 0; k < 1 + r.int(20); k++) raw.writeRaw(r.bytes(1 + r.int(40)))
      }
      raw.writeRaw(r.bytes(32)) // at least one whole (forged) frame header
      // a forged header fails its MAC: the node must hang up
      await within(raw.closed, 10_000, `seed ${SEED + 2} round ${i}: the node kept a session with a broken MAC`)
      expect(errors).toEqual([])
    }
    expect(target.peers().map((p) => p.id)).toEqual([good.id])
    await goodPeerStillServed()
  }, 60_000 + SCALE * 20_000)
})
