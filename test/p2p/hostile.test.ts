// Peers that break the protocol are dropped (SUBPROTOCOL_ERROR, as geth returning an error from its
// handler) while the other peers stay connected; nothing throws out of the host.
import { RLP } from '@ethereumjs/rlp'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { P2PHost } from '../../src/p2p/host.js'
import { DISCONNECT_REASON, type ShhPeer } from '../../src/p2p/shh-peer.js'
import type { ShhVersion } from '../../src/whisper/envelope.js'
import { fixture, fixtureEnvelopes, rawPeer, type RawPeer, type RawShh, started, waitEvent, waitPeer, within } from './helpers.js'

const { hosts, raws, host, stop } = started()
let h: P2PHost
let good: P2PHost
let goodPeer: ShhPeer

// `h` under test, with one well-behaved peer `good` connected to it
async function startPair(opts: Parameters<typeof host>[0]): Promise<void> {
  h = host(opts)
  good = host()
  await h.start()
  await good.start()
  good.addPeer(h.enode)
  goodPeer = await waitPeer(h, good.id)
}
beforeEach(() => startPair({ statusTimeoutMs: 300 }))
afterEach(stop)

const cap = (shh: ShhVersion) => [{ name: 'shh', version: shh, length: shh === 5 ? 64 : 128 }]
const status = (shh: ShhVersion) => Buffer.from(fixture(shh).status[0].rlp, 'hex')

async function connectRaw(shh: ShhVersion = 6): Promise<{ raw: RawPeer; proto: RawShh }> {
  const raw = rawPeer(h, cap(shh))
  raws.push(raw)
  const proto = await raw.protocol
  await proto.nextMessage(0) // the host's status comes first, unprompted
  return { raw, proto }
}

async function expectDropped(raw: RawPeer, reason: number = DISCONNECT_REASON.SUBPROTOCOL_ERROR): Promise<void> {
  const r = await within(raw.removed, 10_000, 'the host to drop the raw peer')
  expect(r.reason).toBe(reason)
  expect(r.byUs).toBe(false) // the host hung up
  expect(h.peers().map((p) => p.id)).toEqual([good.id]) // the good peer stays
  expect(goodPeer.closed).toBe(false)
}

async function handshaken(shh: ShhVersion = 6): Promise<{ raw: RawPeer; proto: RawShh; peer: ShhPeer }> {
  const { raw, proto } = await connectRaw(shh)
  proto.send(0, status(shh))
  const peer = await waitPeer(h, raw.id)
  return { raw, proto, peer }
}

describe('hostile or broken peers', () => {
  it('a messages packet before the status: dropped', async () => {
    const { raw, proto } = await connectRaw(6)
    proto.send(1, Buffer.from(fixture(6).messagesPacket.rlp, 'hex'))
    await expectDropped(raw)
  })

  it.each([
    ['v6 status with version 5', 6, RLP.encode([5, 0, new Uint8Array(0), new Uint8Array(0)])],
    ['v6 status as a bare uint 6', 6, RLP.encode(6)],
    ['v6 status with an infinite PoW', 6, RLP.encode([6, 0x7ff0000000000000n, new Uint8Array(0)])],
    ['v6 status with a 10-byte bloom', 6, RLP.encode([6, 0, new Uint8Array(10)])],
    ['v5 status with version 6', 5, RLP.encode(6)],
    ['v5 status as a list', 5, RLP.encode([5])],
    ['status that is not RLP', 6, Uint8Array.of(0xf8)],
  ] as const)('%s: dropped', async (_name, shh, payload) => {
    const { raw, proto } = await connectRaw(shh)
    proto.send(0, payload)
    await expectDropped(raw)
  })

  it('no status at all: dropped on the status deadline (TIMEOUT)', async () => {
    const { raw } = await connectRaw(6)
    await expectDropped(raw, DISCONNECT_REASON.TIMEOUT)
  })

  it.each([
    ['v6: garbage instead of a list', 6, 1, Uint8Array.of(0x01, 0x02, 0x03)],
    ['v6: a list holding a non-envelope', 6, 1, RLP.encode([[1, 2, 3]])],
    ['v6: a bare envelope instead of a list', 6, 1, null],
    ['v5: a list of envelopes instead of one', 5, 1, null],
    ['v5: an envelope with a bad aesNonce size', 5, 1, RLP.encode([Uint8Array.of(0), 1, 1, new Uint8Array(4), new Uint8Array(5), new Uint8Array(1), 0])],
    ['v6: PoW requirement NaN', 6, 2, RLP.encode(0x7ff8000000000000n)],
    ['v6: PoW requirement a list', 6, 2, RLP.encode([1])],
    ['v6: bloom of 63 bytes', 6, 3, RLP.encode(new Uint8Array(63))],
  ] as const)('%s: dropped', async (_name, shh, code, payload) => {
    const { raw, proto } = await handshaken(shh)
    let body = payload as Uint8Array | null
    if (body === null) {
      const envs = fixtureEnvelopes(shh).slice(0, 2).map((f) => f.rlp)
      // v6 gets one envelope where a list of envelopes belongs; v5 gets a list where one envelope belongs
      body = shh === 6 ? envs[0] : RLP.encode(envs.map((e) => RLP.decode(e) as Uint8Array[]))
    }
    proto.send(code, body)
    await expectDropped(raw)
  })

  it('a payload that is not snappy-compressed although the host speaks base protocol 5: dropped', async () => {
    const { raw, proto } = await handshaken(6)
    proto.send(1, Buffer.from(fixture(6).messagesPacket.rlp, 'hex'), false)
    await expectDropped(raw)
  })

  it('an oversized packet: dropped', async () => {
    await Promise.all(hosts.splice(0).map((x) => x.stop()))
    await startPair({ maxMessageSize: 1000 })
    const { raw, proto } = await handshaken(6)
    const big = fixtureEnvelopes(6).find((f) => f.name === 'sym-password-b1000-true')!.rlp
    proto.send(1, RLP.encode([RLP.decode(big) as Uint8Array[]]))
    await expectDropped(raw)
  })

  it('ignores unknown codes, a second status, p2p requests and untrusted p2p messages (even garbage); the peer stays', async () => {
    const { raw, proto, peer } = await handshaken(6)
    proto.send(0, status(6)) // second status
    proto.send(5, Uint8Array.of(0xde, 0xad)) // unknown code
    proto.send(100, Uint8Array.of(0xde, 0xad)) // unknown, code >= 0x80 on the wire
    proto.send(126, Uint8Array.of(0xde, 0xad)) // p2p request: no mail server here
    proto.send(127, Uint8Array.of(0xde, 0xad)) // p2p message from an untrusted peer: not even decoded
    const got = waitEvent(peer, 'envelopes')
    proto.send(1, Buffer.from(fixture(6).messagesPacket.rlp, 'hex'))
    await got
    expect(peer.closed).toBe(false)
    expect(h.peers()).toHaveLength(2)
    await raw.close()
  })

  it('a trusted peer sending a garbage p2p message: dropped', async () => {
    const { raw, proto } = await connectRaw(6)
    h.addTrustedPeer(raw.id)
    proto.send(0, status(6))
    await waitPeer(h, raw.id)
    proto.send(127, Uint8Array.of(0x01, 0x02))
    await expectDropped(raw)
  })

  it('a node listener that throws does not drop the peer or escape', async () => {
    const { proto, peer } = await handshaken(6)
    peer.on('envelopes', () => {
      throw new Error('bug in the node')
    })
    const second = new Promise<void>((resolve) => {
      let n = 0
      peer.on('envelopes', () => ++n === 2 && resolve())
    })
    proto.send(1, Buffer.from(fixture(6).messagesPacket.rlp, 'hex'))
    proto.send(1, Buffer.from(fixture(6).messagesPacket.rlp, 'hex'))
    await second
    expect(peer.closed).toBe(false)
  })

  it('a peer that disconnects mid-handshake or just closes the socket leaves no trace', async () => {
    const { raw } = await connectRaw(6)
    await raw.close()
    const raw2 = rawPeer(h, cap(6))
    raws.push(raw2)
    await raw2.close()
    expect(h.peers().map((p) => p.id)).toEqual([good.id])
  })
})
