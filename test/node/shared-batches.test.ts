// Per-peer work once: a relay forwarding one list of envelopes to N receivers compresses its packet
// once (the RLPx framing and encryption stay per peer), and what each receiver reads off the wire
// decodes to the very envelopes the sender sent. Waku peers share the same format-6 payload, and the
// batch hash their confirmations name is the one the shared batch gives.
import { afterEach, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { Net } from './net-helpers.js'
import { compressionCount } from '../../src/p2p/devp2p/index.js'
import { sealMessage } from '../../src/whisper/seal.js'
import { envelopeHash, type Envelope } from '../../src/whisper/envelope.js'
import { toHex } from '../../src/whisper/bytes.js'
import { waitEvent } from '../support/wait-event.js'
import { budget } from '../support/budget.js'
import { makeHost } from '../p2p/helpers.js'
import type { P2PHost } from '../../src/p2p/host.js'
import { WakuProtocol } from '../../src/p2p/waku-protocol.js'
import { EnvelopeBatch } from '../../src/p2p/envelope-batch.js'
import type { WhisperNode } from '../../src/node/whisper-node.js'

const net = new Net()
const hosts: P2PHost[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()))
  await net.close()
})

async function wakuClient(node: WhisperNode, bloom: Uint8Array | null = null): Promise<WakuProtocol> {
  const h = makeHost({ protocols: ['waku/1'], minPow: 0, bloom })
  hosts.push(h)
  await h.start()
  const ready = waitEvent<[unknown]>(h, 'peer')
  h.addPeer(node.enode)
  const [p] = await ready
  if (!(p instanceof WakuProtocol)) throw new Error('not a waku peer')
  return p
}

function sealed(n: number): Envelope[] {
  const symKey = randomBytes(32)
  const envs: Envelope[] = []
  for (let i = 0; i < n; i++) {
    envs.push(sealMessage({ shh: 6, topic: Uint8Array.of(1, 2, 3, 4), payload: randomBytes(200), symKey, ttl: 60, pow: 0.01, workTime: 5 }))
  }
  return envs
}

const N = 4

describe('forwarding one batch to many peers', () => {
  it(`${N} receivers of the same list cost one compression, and each reads the envelopes sent`, async () => {
    const relay = await net.node({ relay: true, shhVersions: [6] })
    const receivers = []
    for (let i = 0; i < N; i++) receivers.push((await net.probe(relay, 6)).peer)
    // the sender asks for nothing back (an empty bloom), as the load generator's senders do
    const { peer: sender } = await net.probe(relay, 6, { minPow: 0, bloom: new Uint8Array(64), lightNode: false })
    while (relay.peers().length < N + 1) await waitEvent(relay, 'peer')
    const symKey = randomBytes(32)
    const envs: Envelope[] = []
    for (let i = 0; i < 20; i++) {
      envs.push(sealMessage({ shh: 6, topic: Uint8Array.of(1, 2, 3, 4), payload: randomBytes(200), symKey, ttl: 60, pow: 0.01, workTime: 5 }))
    }
    const want = envs.map((e) => toHex(envelopeHash(e))).sort()
    const got = receivers.map((r) => {
      const hashes: string[] = []
      const all = new Promise<void>((resolve) => {
        r.on('envelopes', (list) => {
          for (const e of list) hashes.push(toHex(envelopeHash(e)))
          if (hashes.length >= envs.length) resolve()
        })
      })
      return { hashes, all }
    })
    const before = compressionCount()
    expect(sender.sendEnvelopes(envs)).toBe(true)
    await Promise.race([
      Promise.all(got.map((g) => g.all)),
      new Promise((_, reject) => setTimeout(() => reject(new Error('receivers did not get the batch')), budget(10_000))),
    ])
    // one for the sender's packet (same process), one for the relay's forwarded list: not one per receiver
    expect(compressionCount() - before).toBe(2)
    for (const g of got) expect([...g.hashes].sort()).toEqual(want)
  }, budget(20_000))

  it(`${N} Waku receivers of the same list cost one compression, read the envelopes sent, and name one batch hash`, async () => {
    const relay = await net.node({ relay: true, protocols: ['waku/1'] })
    const receivers: WakuProtocol[] = []
    for (let i = 0; i < N; i++) receivers.push(await wakuClient(relay))
    const sender = await wakuClient(relay, new Uint8Array(64))
    while (relay.peers().length < N + 1) await waitEvent(relay, 'peer')
    const envs = sealed(20)
    const want = envs.map((e) => toHex(envelopeHash(e))).sort()
    const got = receivers.map((r) => {
      const hashes: string[] = []
      const batches: { envs: Envelope[]; hash: string }[] = []
      const all = new Promise<void>((resolve) => {
        r.on('envelopes', (list: Envelope[], hash: Uint8Array) => {
          batches.push({ envs: list, hash: toHex(hash) })
          for (const e of list) hashes.push(toHex(envelopeHash(e)))
          if (hashes.length >= envs.length) resolve()
        })
      })
      return { hashes, batches, all }
    })
    const before = compressionCount()
    expect(sender.sendBatch(envs)).not.toBeNull()
    await Promise.race([
      Promise.all(got.map((g) => g.all)),
      new Promise((_, reject) => setTimeout(() => reject(new Error('receivers did not get the batch')), budget(10_000))),
    ])
    // one for the sender's packet, one for the relay's forwarded list: not one per receiver
    expect(compressionCount() - before).toBe(2)
    for (const g of got) expect([...g.hashes].sort()).toEqual(want)
    // what each receiver's confirmations would name (keccak of the packet as read) is the shared batch's hash
    const named = got.flatMap((g) => g.batches.map((b) => b.hash))
    const rebuilt = got.flatMap((g) => g.batches.map((b) => toHex(new EnvelopeBatch(b.envs).batchHash())))
    expect(named).toEqual(rebuilt)
    expect(new Set(named).size).toBe(got[0].batches.length)
  }, budget(20_000))
})
