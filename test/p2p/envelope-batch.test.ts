// One EnvelopeBatch to peers of mixed base-protocol versions (stand-in devp2p Peers, no sockets): geth
// 1.6 (base protocol 4) reads raw packets, geth >= 1.7.3 (5) snappy; the compression is done once for
// every base-5 peer, and each version's bytes are geth's messages packet (the fixture).
import type { Peer } from '../../src/p2p/devp2p/index.js'
import * as snappy from 'snappyjs'
import { describe, expect, it } from 'vitest'
import { shhCapabilities, type ShhHostContext, type ShhProtocol } from '../../src/p2p/shh-protocol.js'
import { EnvelopeBatch } from '../../src/p2p/envelope-batch.js'
import { compressionCount } from '../../src/p2p/devp2p/index.js'
import { fixture, fixtureEnvelopes, hex } from './helpers.js'
import { fakePeer } from './devp2p/fake-peer.js'

function readyPeer(shh: 5 | 6, baseProtocolVersion: number, n: number) {
  const { peer, events } = fakePeer({ protocolVersion: baseProtocolVersion, clientId: 'Geth', id: new Uint8Array(64).fill(n), remoteAddress: '10.0.0.1', remotePort: 30303 })
  const sent: [number, Uint8Array][] = []
  const ctx: ShhHostContext = {
    ourStatus: () => ({ minPow: 0.2, bloom: null, lightNode: false }),
    isTrusted: () => false, isInbound: () => false, maxMessageSize: () => 1 << 20, statusTimeoutMs: 60_000,
    log: () => {}, onReady: () => {}, onClose: () => {},
  }
  const Ctor = shhCapabilities([shh], ctx)[0].constructor as unknown as new (v: number, p: Peer, s: (c: number, d: Uint8Array) => void) => ShhProtocol
  const proto = new Ctor(shh, peer, (code, data) => sent.push([code, data]))
  events.emit('connect')
  proto._handleMessage(0, Buffer.from(fixture(shh).status[0].rlp, 'hex'))
  sent.length = 0 // our status
  return { proto, sent, finish: () => events.emit('close', 8, true) }
}

describe('EnvelopeBatch', () => {
  it.each([5, 6] as const)('shh/%i: base-4 peers get the raw packets, base-5 peers share one compression per packet', (shh) => {
    const names = fixture(shh).messagesPacket.envelopeNames
    const envs = fixtureEnvelopes(shh).filter((f) => names.includes(f.name)).map((f) => f.env)
    const peers = [readyPeer(shh, 4, 1), readyPeer(shh, 5, 2), readyPeer(shh, 5, 3), readyPeer(shh, 4, 4), readyPeer(shh, 5, 5)]
    const batch = new EnvelopeBatch(envs)
    const before = compressionCount()
    for (const p of peers) expect(p.proto.sendEnvelopeBatch(batch)).toBe(true)
    // shh/6: one list packet; shh/5: one packet per envelope (the fixture's packet is the first one)
    const packets = shh === 6 ? 1 : envs.length
    expect(compressionCount() - before).toBe(packets)
    for (const p of peers) {
      expect(p.sent).toHaveLength(packets)
      const raw = p.proto.baseProtocolVersion >= 5 ? snappy.uncompress(p.sent[0][1]) : p.sent[0][1]
      expect(p.sent[0][0]).toBe(1)
      expect(hex(raw)).toBe(fixture(shh).messagesPacket.rlp)
      p.finish()
    }
    // the base-5 peers got the very same compressed bytes
    expect(peers[2].sent[0][1]).toBe(peers[1].sent[0][1])
  })
})
