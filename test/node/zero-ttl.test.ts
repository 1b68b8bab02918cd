// Issue 10, finding 5: TTL-0 envelopes have infinite PoW by geth's formula without any work. A peer
// flooding them must not get them pooled, delivered to a room or forwarded; real envelopes stay.
import { RLP } from '@ethereumjs/rlp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WhisperNode } from '../../src/node/whisper-node.js'
import { validateEnvelope } from '../../src/node/validate.js'
import type { DeliveredMessage } from '../../src/node/filter.js'
import { type Envelope } from '../../src/whisper/envelope.js'
import { encodeStatus } from '../../src/whisper/packets.js'
import { encodePlaintext } from '../../src/whisper/message.js'
import { aesGcmEncrypt } from '../../src/whisper/crypto.js'
import { sealEnvelope } from '../../src/whisper/seal.js'
import { concatBytes } from '../../src/whisper/bytes.js'
import { RawShhPeer } from '../fuzz/raw-peer.js'
import { link } from './net-helpers.js'

const TOPIC = Uint8Array.of(1, 2, 3, 4)
const key = new Uint8Array(32).fill(9)
const now = () => Math.floor(Date.now() / 1000)

function roomEnvelope(text: string, ttl: number, pow: number): Envelope {
  const nonce = new Uint8Array(12).fill(ttl + 1)
  const data = concatBytes(aesGcmEncrypt(key, nonce, encodePlaintext(6, { payload: new TextEncoder().encode(text) })), nonce)
  const env: Envelope = { shh: 6, version: new Uint8Array(0), expiry: now() + ttl, ttl, topic: TOPIC, aesNonce: new Uint8Array(0), data, nonce: 0n }
  return pow > 0 ? sealEnvelope(env, pow, 5) : env
}

const u = (n: number | bigint) => (BigInt(n) === 0n ? new Uint8Array(0) : BigInt(n))
const packet = (envs: Envelope[]) => RLP.encode(envs.map((e) => [u(e.expiry), u(e.ttl), e.topic, e.data, u(e.nonce)]) as never)

describe('TTL 0 envelopes', () => {
  it('are dropped by validation whatever their PoW reads', () => {
    const env = roomEnvelope('x', 0, 0)
    const v = validateEnvelope(env, { now: now(), minPow: 0.2, minPowTolerance: 0.2, maxMessageSize: 1 << 20, bloom: null, bloomTolerance: null })
    expect(v).toEqual({ kind: 'drop', reason: 'zero-ttl' })
  })

  let target: WhisperNode
  let watcher: WhisperNode
  const got: DeliveredMessage[] = []
  const watched: DeliveredMessage[] = []
  beforeAll(async () => {
    target = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, shhVersions: [6], minPow: 0.2, verbosity: 0, sealThreads: 1 })
    watcher = new WhisperNode({ shhVersions: [6], minPow: 0.2, verbosity: 0, sealThreads: 1 })
    await target.start()
    await watcher.start()
    target.subscribe({ topics: [TOPIC], symKey: key }, (m) => got.push(m))
    watcher.subscribe({ topics: [TOPIC], symKey: key }, (m) => watched.push(m))
    await link(target, watcher)
  })
  afterAll(async () => {
    await target?.stop()
    await watcher?.stop()
  })

  it('a flood of zero-work TTL-0 envelopes is neither delivered, pooled nor forwarded; a real one is', async () => {
    const a = await RawShhPeer.open(target.enode, 6)
    await a.ready
    a.send(0, encodeStatus(6, { minPow: 0, bloom: null, lightNode: false }))
    // 400 in batches of 50: each would have infinite PoW by geth's formula
    for (let i = 0; i < 8; i++) a.send(1, packet(Array.from({ length: 50 }, (_, j) => roomEnvelope(`spam ${i * 50 + j}`, 0, 0))))
    a.send(1, packet([roomEnvelope('real', 30, 0.3)]))
    const end = Date.now() + 10_000
    while (!(got.length > 0 && watched.length > 0) && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
    await new Promise((r) => setTimeout(r, 300))
    const text = (m: DeliveredMessage) => new TextDecoder().decode(m.payload)
    expect(got.map(text)).toEqual(['real'])
    expect(watched.map(text)).toEqual(['real'])
    expect(a.isOpen).toBe(true) // dropped quietly: a geth peer relaying one is not punished
    a.close()
  })
})
