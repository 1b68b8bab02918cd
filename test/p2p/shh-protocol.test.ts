// The sub-protocol against a stand-in devp2p Peer: what goes out for a geth 1.6 peer (base protocol 4,
// no snappy) versus geth >= 1.7.3 (base protocol 5, snappy), without sockets.
import type { Peer } from '../../src/p2p/devp2p/index.js'
import * as snappy from 'snappyjs'
import { describe, expect, it } from 'vitest'
import { shhCapabilities, type ShhHostContext, type ShhProtocol } from '../../src/p2p/shh-protocol.js'
import { fixture, fixtureEnvelopes, hex } from './helpers.js'
import { fakePeer } from './devp2p/fake-peer.js'

function setup(shh: 5 | 6, baseProtocolVersion: number) {
  const { peer, events, disconnects } = fakePeer({
    protocolVersion: baseProtocolVersion,
    clientId: 'Geth/v1.6.6-stable/linux-amd64/go1.8.3',
    id: new Uint8Array(64).fill(0xab),
    remoteAddress: '10.0.0.1',
    remotePort: 30303,
  })
  const sent: [number, Uint8Array][] = []
  const ready: ShhProtocol[] = []
  const ctx: ShhHostContext = {
    ourStatus: () => ({ minPow: 0.2, bloom: new Uint8Array(64).fill(0xff), lightNode: false }),
    isTrusted: () => false,
    isInbound: () => false,
    maxMessageSize: () => 1 << 20,
    statusTimeoutMs: 60_000,
    log: () => {},
    onReady: (p) => ready.push(p),
    onClose: () => {},
  }
  const [cap] = shhCapabilities([shh], ctx)
  const Ctor = cap.constructor as unknown as new (v: number, p: Peer, s: (c: number, d: Uint8Array) => void) => ShhProtocol
  const proto = new Ctor(shh, peer, (code, data) => sent.push([code, data]))
  const finish = () => events.emit('close', 8, true) // clears the status timer
  return { proto, sent, ready, events, disconnects, finish }
}

describe('ShhProtocol wire encoding per base protocol version', () => {
  it.each([5, 6] as const)('shh/%i to a base-protocol-4 peer (geth 1.6): raw payloads', (shh) => {
    const { proto, sent, ready, events, finish } = setup(shh, 4)
    expect(sent).toHaveLength(0) // nothing before both hellos are through
    events.emit('connect')
    expect(sent).toHaveLength(1)
    expect(sent[0][0]).toBe(0)
    expect(hex(sent[0][1])).toBe(fixture(shh).status[0].rlp) // not compressed
    proto._handleMessage(0, Buffer.from(fixture(shh).status[0].rlp, 'hex'))
    expect(ready).toEqual([proto])
    expect(proto.clientId).toMatch(/^Geth\/v1\.6\.6/)
    const names = fixture(shh).messagesPacket.envelopeNames
    const envs = fixtureEnvelopes(shh).filter((f) => names.includes(f.name)).map((f) => f.env)
    expect(proto.sendEnvelopes(envs)).toBe(true)
    expect(hex(sent[1][1])).toBe(fixture(shh).messagesPacket.rlp)
    expect(sent[1][0]).toBe(1)
    finish()
  })

  it('shh/6 to a base-protocol-5 peer (geth >= 1.7.3): snappy-compressed payloads', () => {
    const { proto, sent, events, finish } = setup(6, 5)
    events.emit('connect')
    expect(hex(snappy.uncompress(sent[0][1]))).toBe(fixture(6).status[0].rlp)
    proto._handleMessage(0, Buffer.from(fixture(6).status[0].rlp, 'hex'))
    proto.sendPowRequirement(1.5)
    expect(sent[1][0]).toBe(2)
    expect(hex(snappy.uncompress(sent[1][1]))).toBe(fixture(6).powRequirementPacket!.rlp)
    finish()
  })

  it('holds packets that arrive between the peer status and our own, then delivers them in order', () => {
    const { proto, ready, events, finish } = setup(6, 5)
    proto._handleMessage(0, Buffer.from(fixture(6).status[0].rlp, 'hex')) // peer status first
    proto._handleMessage(1, Buffer.from(fixture(6).messagesPacket.rlp, 'hex'))
    const got: number[] = []
    // the host attaches listeners in onReady, before the held packets are delivered
    const attach = () => proto.on('envelopes', (envs) => got.push(envs.length))
    expect(ready).toHaveLength(0)
    attach()
    events.emit('connect') // our status goes out: ready
    expect(ready).toEqual([proto])
    expect(got).toEqual([3])
    finish()
  })

  it('never throws out of _handleMessage, whatever arrives', () => {
    const { proto, disconnects, finish } = setup(6, 5)
    expect(() => proto._handleMessage(0, Uint8Array.of(0xff, 0xff))).not.toThrow()
    expect(disconnects).toEqual([16])
    finish()
  })
})
