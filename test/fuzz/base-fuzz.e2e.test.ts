// Fuzz below the shh layer: hostile peers with real session keys send base-protocol frames that pass
// the MAC but carry mutated contents (HELLO before or after the handshake, DISCONNECT with any reason,
// PING/PONG with payloads, every base code 0..15 and codes past the capabilities), frame headers that
// announce huge frames, and floods of PINGs while never reading. Properties, for every session:
//  - the host never throws, never logs an ERROR; each session ends with the host closing the hostile
//    connection or still taking a marker packet sent after the hostile frames;
//  - a good peer stays connected throughout;
//  - resources stay bounded: no socket the host tracks holds more unwritten bytes than the queue bound,
//    and once every hostile session is over the host tracks no socket but the good peer's.
// CI runs a moderate number of sessions; `npm run fuzz:long` multiplies them (FUZZ_SCALE), and
// FUZZ_SEED replays a failing seed.
import { asShhPeer } from '../../src/p2p/shh-protocol.js'
import { RLP } from '@ethereumjs/rlp'
import type { Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { P2PHost } from '../../src/p2p/host.js'
import type { ShhPeer } from '../../src/p2p/shh-peer.js'
import { encodeStatus } from '../../src/whisper/packets.js'
import { fixture, makeHost, trackedSockets as trackedHostSockets, waitPeer } from '../p2p/helpers.js'
import { fuzzScale, fuzzSeed, mutate, prng, randomRlp, type Rng } from './gen.js'
import { errorsInto } from './node-target.js'
import { RawShhPeer } from './raw-peer.js'

const SESSIONS = 30 * fuzzScale()
const SEED = fuzzSeed()
const QUEUE_BOUND = 64 * 1024
const MAX_MESSAGE = 256 * 1024

let target: P2PHost
let good: P2PHost
const errors: string[] = []
const markers = new Set<string>()
let worstQueued = 0

const trackedSockets = (): Set<Socket> => trackedHostSockets(target)

function sampleQueues(): void {
  for (const s of trackedSockets()) worstQueued = Math.max(worstQueued, s.writableLength)
}

function helloPayload(r: Rng, id: Uint8Array): Uint8Array {
  const items: unknown[] = [5, r.chance(0.5) ? 'fuzz/v0' : r.bytes(r.int(64)), [['shh', 6]], r.chance(0.5) ? 0 : r.int(65536), id]
  const valid = RLP.encode(items as never)
  return r.chance(0.7) ? mutate(r, valid) : randomRlp(r)
}

type Kind = 'hello-before' | 'hello-after' | 'disconnect' | 'ping' | 'base-code' | 'big-frame' | 'non-reader'
const KINDS: Kind[] = ['hello-before', 'hello-after', 'disconnect', 'ping', 'base-code', 'big-frame', 'non-reader']

/** Hostile base-protocol frames after the handshake, per kind; each passes the MAC. */
function hostileFrames(r: Rng, kind: Kind, id: Uint8Array): [number, Uint8Array, boolean][] {
  const compress = r.chance(0.85)
  switch (kind) {
    case 'hello-after': return [[0, helloPayload(r, id), false]]
    case 'disconnect': {
      const reason = r.pick([RLP.encode([r.int(256)]), RLP.encode([2n ** 64n - 1n]), RLP.encode([[1, 2]]), RLP.encode(r.int(20)), randomRlp(r), r.bytes(r.int(40))])
      return [[1, reason, compress]]
    }
    case 'ping': return Array.from({ length: 1 + r.int(20) }, () => [r.pick([2, 3]), r.chance(0.5) ? RLP.encode([]) : randomRlp(r), compress] as [number, Uint8Array, boolean])
    default: return Array.from({ length: 1 + r.int(4) }, () => [r.int(16), r.chance(0.5) ? randomRlp(r) : r.bytes(r.int(200)), compress] as [number, Uint8Array, boolean])
  }
}

function marker(seed: number): { text: string; packet: Uint8Array } {
  const envs = RLP.decode(Buffer.from(fixture(6).messagesPacket.rlp, 'hex')) as Uint8Array[][]
  // a fixture envelope, its data changed to name the seed: a valid messages packet the host decodes
  const e = [...envs[0]]
  const text = `marker-${seed}-${Math.random()}`
  e[3] = new TextEncoder().encode(text)
  return { text, packet: RLP.encode([e]) }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function session(seed: number): Promise<'dropped' | 'survived'> {
  const r = prng(seed)
  const kind = r.pick(KINDS)
  const raw = await RawShhPeer.open(target.enode, 6, undefined, { noHello: kind === 'hello-before' || kind === 'big-frame' && r.chance(0.5) })
  const id = Uint8Array.from(Buffer.from(raw.id, 'hex'))
  try {
    const end = Date.now() + 5000
    while (!raw.keysReady && raw.isOpen && Date.now() < end) await sleep(5)
    if (!raw.isOpen) return 'dropped'
    if (kind === 'hello-before') {
      raw.sendBase(0, helloPayload(r, id), false)
    } else if (kind === 'big-frame') {
      raw.writeRaw(raw.frameHeader(MAX_MESSAGE * 2 + r.int(16 * 1024 * 1024 - MAX_MESSAGE * 2)))
      raw.writeRaw(r.bytes(r.int(64 * 1024)))
    } else {
      await Promise.race([raw.ready, raw.closed])
      if (!raw.isOpen) return 'dropped'
      raw.send(0, encodeStatus(6, { minPow: 0, bloom: null, lightNode: false }))
      if (kind === 'non-reader') {
        raw.pauseReading()
        for (let i = 0; i < 20 * fuzzScale() && raw.isOpen; i++) {
          raw.batch(() => {
            for (let j = 0; j < 500; j++) raw.sendBase(2, RLP.encode([]))
          })
          sampleQueues()
          await sleep(10)
        }
      } else {
        for (const [code, payload, compress] of hostileFrames(r, kind, id)) raw.sendBase(code, payload, compress)
      }
    }
    const m = marker(seed)
    raw.send(1, m.packet)
    const deadline = Date.now() + 3000
    while (raw.isOpen && !markers.has(m.text) && Date.now() < deadline) {
      sampleQueues()
      await sleep(10)
    }
    sampleQueues()
    return markers.has(m.text) ? 'survived' : 'dropped'
  } finally {
    raw.close()
    await raw.closed
  }
}

beforeAll(async () => {
  const logger = errorsInto(errors)
  target = makeHost({ maxMessageSize: MAX_MESSAGE, limits: { maxQueuedBytes: QUEUE_BOUND }, logger })
  good = makeHost({ logger })
  target.on('peer', (np) => {
    const p = asShhPeer(np) // an shh-only host
    p.on('envelopes', (envs: { data: Uint8Array }[]) => {
      for (const e of envs) markers.add(new TextDecoder().decode(e.data))
    })
  })
  await target.start()
  await good.start()
  good.addPeer(target.enode)
  await waitPeer(target, good.id)
})

afterAll(async () => {
  await Promise.all([good?.stop(), target?.stop()])
})

describe('fuzz: hostile base-protocol frames, huge frames and non-reading peers (loopback RLPx)', () => {
  it(`${SESSIONS} sessions: each hostile connection is closed or harmless, the host and its good peer carry on, nothing piles up`, async () => {
    const outcomes = { dropped: 0, survived: 0 }
    for (let i = 0; i < SESSIONS; i++) {
      const seed = (SEED + i * 104_729) >>> 0
      outcomes[await session(seed)]++
      expect(errors, `seed ${seed}: host logged errors`).toEqual([])
      expect(target.peers().map((p) => p.id), `seed ${seed}: the good peer was lost`).toContain(good.id)
    }
    if (process.env.FUZZ_VERBOSE) console.log(outcomes, { worstQueued })
    expect(outcomes.dropped).toBeGreaterThan(0)
    expect(outcomes.survived).toBeGreaterThan(0)
    // a PONG (64 bytes) over the bound at most: the bound is checked before each write
    expect(worstQueued).toBeLessThanOrEqual(QUEUE_BOUND + 4096)
    // every hostile socket is gone: only the good peer's remains
    const end = Date.now() + 10_000
    while (trackedSockets().size > 1 && Date.now() < end) await sleep(50)
    expect(trackedSockets().size).toBe(1)
  }, 60_000 + SESSIONS * 4000)
})
