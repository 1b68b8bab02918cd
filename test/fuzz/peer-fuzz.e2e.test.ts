// Fuzz at the packet-handler level: hostile peers talk to a real WhisperNode over loopback RLPx and
// send garbage, mutated and valid-but-odd packets on every shh code (status, messages, v6 PoW/bloom
// packets, p2p messages, unknown codes; snappy or not; oversized), and envelopes whose encryption is
// right but whose plaintext is mutated, so the node's filters decode hostile plaintexts (padding,
// size fields, signatures). Properties, for every session:
//  - the node never throws, never logs an ERROR (a listener that threw), never hangs: each session ends
//    with the node either dropping the hostile peer or pooling a valid marker envelope sent last;
//  - a well-behaved peer stays connected throughout and still exchanges messages at the end.
// CI runs a moderate number of sessions; `npm run fuzz:long` multiplies them (FUZZ_SCALE), and
// FUZZ_SEED replays a failing seed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { WhisperNode } from '../../src/node/whisper-node.js'
import type { DeliveredMessage } from '../../src/node/filter.js'
import { encodeEnvelope, type Envelope, type ShhVersion } from '../../src/whisper/envelope.js'
import { encodeBloomFilterEx, encodeEnvelopePacket, encodePowRequirement, encodeStatus, float64ToBits } from '../../src/whisper/packets.js'
import { encodePlaintext } from '../../src/whisper/message.js'
import { aesGcmEncrypt, eciesEncrypt, generatePrivateKey, publicKeyOf } from '../../src/whisper/crypto.js'
import { sealEnvelope } from '../../src/whisper/seal.js'
import { keccak256 } from '../../src/whisper/keccak.js'
import { concatBytes, toHex } from '../../src/whisper/bytes.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { RLP } from '@ethereumjs/rlp'
import { fuzzScale, fuzzSeed, mutate, prng, randomRlp, type Rng } from './gen.js'
import { targetWithGoodPeer, until, within } from './node-target.js'
import { RawShhPeer } from './raw-peer.js'

const ROOM_TOPIC = Uint8Array.of(0x44, 0xc7, 0x42, 0x9f)
const MARKER_TOPIC = Uint8Array.of(0x0b, 0xad, 0xf0, 0x0d)
const SESSIONS = 40 * fuzzScale()
const SEED = fuzzSeed()

const roomKey = new Uint8Array(32).fill(7)
const asymKey = generatePrivateKey()
const asymPub = publicKeyOf(asymKey)
const signer = generatePrivateKey()

let target: WhisperNode
let good: WhisperNode
const errors: string[] = []
const pooled = new Set<string>()
const opened: DeliveredMessage[] = []
const goodInbox: DeliveredMessage[] = []

const now = () => Math.floor(Date.now() / 1000)
const hashOf = (env: Envelope) => toHex(keccak256(encodeEnvelope(env)))

function freshEnvelope(r: Rng, shh: ShhVersion, o: { topic?: Uint8Array; data?: Uint8Array; aesNonce?: Uint8Array; pow?: number } = {}): Envelope {
  const ttl = 50
  const env: Envelope = {
    shh, version: shh === 5 ? Uint8Array.of(0) : new Uint8Array(0), expiry: now() + ttl, ttl,
    topic: o.topic ?? ROOM_TOPIC, aesNonce: o.aesNonce ?? (shh === 5 ? r.bytes(12) : new Uint8Array(0)),
    data: o.data ?? r.bytes(16 + r.int(200)), nonce: 0n,
  }
  return sealEnvelope(env, o.pow ?? 0.01, 5)
}

/** Right encryption (room key, or ECIES to the subscribed key), hostile plaintext. */
function hostilePlaintextEnvelope(r: Rng, shh: ShhVersion): Envelope {
  let plain = encodePlaintext(shh, { payload: r.bytes(r.int(300)), src: r.chance(0.5) ? signer : undefined })
  plain = r.chance(0.85) ? mutate(r, plain) : r.bytes(r.int(400))
  if (r.chance(0.5)) {
    const nonce = r.bytes(12)
    const ct = aesGcmEncrypt(roomKey, nonce, plain)
    return shh === 5 ? freshEnvelope(r, 5, { data: ct, aesNonce: nonce }) : freshEnvelope(r, 6, { data: concatBytes(ct, nonce) })
  }
  return freshEnvelope(r, shh, { data: eciesEncrypt(asymPub, plain), aesNonce: new Uint8Array(0) })
}

/** An envelope with odd but well-formed fields: past/future times, zero ttl, empty data, max nonce... */
function oddEnvelope(r: Rng, shh: ShhVersion): Envelope {
  const env = freshEnvelope(r, shh)
  switch (r.int(7)) {
    case 0: return { ...env, expiry: now() - r.int(100) }
    case 1: return { ...env, expiry: now() + 1000 + r.int(10_000) }
    case 2: return { ...env, ttl: 0 }
    case 3: return { ...env, data: new Uint8Array(0) }
    case 4: return { ...env, nonce: (1n << 64n) - 1n }
    case 5: return shh === 5 ? { ...env, aesNonce: r.bytes(r.pick([1, 11, 13, 32])) } : { ...env, expiry: 0xffffffff, ttl: 0xffffffff }
    default: return { ...env, version: shh === 5 ? r.bytes(r.int(8)) : env.version }
  }
}

/** The RLP items of an envelope, without our encoder's field checks (odd envelopes must go out too). */
function fields(env: Envelope): unknown[] {
  const u = (n: number | bigint) => (BigInt(n) === 0n ? new Uint8Array(0) : BigInt(n))
  return env.shh === 5
    ? [env.version, u(env.expiry), u(env.ttl), env.topic, env.aesNonce, env.data, u(env.nonce)]
    : [u(env.expiry), u(env.ttl), env.topic, env.data, u(env.nonce)]
}

function messages(shh: ShhVersion, envs: Envelope[]): Uint8Array {
  return shh === 5 ? RLP.encode(fields(envs[0]) as never) : RLP.encode(envs.map(fields) as never)
}

function validStatus(r: Rng, shh: ShhVersion): Uint8Array {
  if (shh === 5) return encodeStatus(5)
  return encodeStatus(6, { minPow: r.pick([0, 0.001, 0.2]), bloom: r.chance(0.5) ? null : r.bytes(64), lightNode: r.chance(0.2) })
}

/** One hostile packet: [code, payload, snappy?]. */
function hostilePacket(r: Rng, shh: ShhVersion): [number, Uint8Array, boolean] {
  const p2pCode = shh === 5 ? 2 : 127
  const compress = !r.chance(0.05)
  const k = r.int(14)
  switch (k) {
    case 0: return [1, messages(shh, Array.from({ length: 1 + r.int(4) }, () => freshEnvelope(r, shh))), compress]
    case 1:
    case 2: return [1, messages(shh, Array.from({ length: 1 + r.int(3) }, () => hostilePlaintextEnvelope(r, shh))), compress]
    case 3: return [1, mutate(r, messages(shh, [freshEnvelope(r, shh), freshEnvelope(r, shh)])), compress]
    case 4: return [1, messages(shh, [oddEnvelope(r, shh)]), compress]
    case 5: return [r.pick([0, 1, 2, 3, 126, 127]), randomRlp(r), compress]
    case 6: return [r.int(shh === 5 ? 64 : 128), r.bytes(r.int(600)), compress]
    case 7: return [2, r.chance(0.5) ? encodePowRequirement(r.pick([0, 0.2, 1e-300, 1e300, 12.5])) : RLP.encode(float64ToBits(r.next() * 1e6) ^ BigInt(r.int(2 ** 31))), compress]
    case 8: return [3, r.chance(0.6) ? encodeBloomFilterEx(r.bytes(64)) : RLP.encode(r.bytes(r.pick([0, 1, 63, 65, 128]))), compress]
    case 9: return [p2pCode, encodeEnvelopePacket(hostilePlaintextEnvelope(r, shh)), compress]
    case 10: return [p2pCode, mutate(r, encodeEnvelopePacket(freshEnvelope(r, shh))), compress]
    case 11: return [0, r.chance(0.5) ? validStatus(r, shh) : mutate(r, validStatus(r, shh)), compress] // a second status
    case 12: return [1, r.chance(0.02) ? new Uint8Array(1024 * 1024 + 16) : mutate(r, RLP.encode([[r.bytes(4), r.bytes(4)]])), compress]
    default: return [1, RLP.encode(Array.from({ length: 1 + r.int(50) }, () => RLP.decode(randomRlp(r))) as never), compress]
  }
}



type Outcome = 'dropped' | 'survived'

async function session(seed: number): Promise<Outcome> {
  const r = prng(seed)
  const shh: ShhVersion = r.chance(0.5) ? 5 : 6
  const key = secp256k1.utils.randomSecretKey()
  const id = Buffer.from(secp256k1.getPublicKey(key, false).subarray(1)).toString('hex')
  if (r.chance(0.3)) target.markTrusted(id) // p2p messages from it reach the filters
  const raw = await RawShhPeer.open(target.enode, shh, key)
  try {
    await within(Promise.race([raw.ready, raw.closed]), 10_000, `seed ${seed}: session start`)
    if (!raw.isOpen) return 'dropped'
    const statusKind = r.int(20)
    if (statusKind < 17) raw.send(0, validStatus(r, shh))
    else if (statusKind < 19) raw.send(0, mutate(r, validStatus(r, shh)))
    else raw.send(r.int(4), randomRlp(r))
    const n = 1 + r.int(8)
    for (let i = 0; i < n; i++) {
      const [code, payload, compress] = hostilePacket(r, shh)
      raw.send(code, payload, compress)
    }
    // Packets are handled in order: once the marker is pooled, everything before it was handled.
    const marker = freshEnvelope(r, shh, { topic: MARKER_TOPIC })
    const markerHash = hashOf(marker)
    raw.send(1, messages(shh, [marker]))
    await within(
      Promise.race([raw.closed, until(() => pooled.has(markerHash), 20_000, 'marker')]),
      20_000,
      `seed ${seed}: the node neither dropped the peer nor took the marker`,
    )
    return pooled.has(markerHash) && raw.isOpen ? 'survived' : 'dropped'
  } finally {
    raw.close()
    await raw.closed
  }
}

beforeAll(async () => {
  ;({ target, good } = await targetWithGoodPeer(errors, (target, good) => {
    target.on('envelope', (ev: { hash: string }) => pooled.add(ev.hash))
    target.subscribe({ topics: [ROOM_TOPIC], symKey: roomKey, allowP2P: true }, (m) => opened.push(m))
    target.subscribe({ topics: [ROOM_TOPIC], privateKey: asymKey, allowP2P: true }, (m) => opened.push(m))
    good.subscribe({ topics: [ROOM_TOPIC], symKey: roomKey }, (m) => goodInbox.push(m))
  }))
})

afterAll(async () => {
  await Promise.all([good?.stop(), target?.stop()])
})

describe('fuzz: hostile shh peers against a running node (loopback RLPx)', () => {
  it(`${SESSIONS} sessions of garbage/mutated/odd packets: the peer is dropped or ignored, the node carries on`, async () => {
    const outcomes: Record<Outcome, number> = { dropped: 0, survived: 0 }
    for (let i = 0; i < SESSIONS; i++) {
      const seed = (SEED + i * 7919) >>> 0
      outcomes[await session(seed)]++
      expect(errors, `seed ${seed}: node logged errors`).toEqual([])
      expect(target.running).toBe(true)
      expect(target.peers().map((p) => p.id), `seed ${seed}: the good peer was lost`).toContain(good.id)
    }
    if (process.env.FUZZ_VERBOSE) console.log(outcomes, opened.length)
    // the generator reaches both ends: sessions the node ends, and sessions whose packets it took
    expect(outcomes.dropped).toBeGreaterThan(0)
    expect(outcomes.survived).toBeGreaterThan(0)
    // hostile plaintexts did get decoded by the filters (some survive mutation and open)
    expect(opened.length).toBeGreaterThan(0)
  }, 60_000 + SESSIONS * 1000)

  it('afterwards the node still serves its good peer both ways', async () => {
    const before = goodInbox.length
    const mark = new TextEncoder().encode(`after the fuzz ${Date.now()}`)
    await target.post({ topic: ROOM_TOPIC, payload: mark, symKey: roomKey, ttl: 50, pow: 0.01, workTime: 5, shh: 6 })
    await until(() => goodInbox.slice(before).some((m) => Buffer.from(m.payload).equals(Buffer.from(mark))), 10_000, 'the good peer to receive')
    const back = new TextEncoder().encode(`back ${Date.now()}`)
    await good.post({ topic: ROOM_TOPIC, payload: back, symKey: roomKey, ttl: 50, pow: 0.01, workTime: 5 })
    await until(() => opened.some((m) => Buffer.from(m.payload).equals(Buffer.from(back))), 10_000, 'the node to receive from the good peer')
    expect(errors).toEqual([])
  })
})
