// The waku/0 and waku/1 capability over a real loopback RLPx connection (two devp2p peers in this
// process): the status handshake with options, status updates, messages with confirmations, p2p
// messages, both history request forms and request-complete, light-node refusal, bad packets; then the
// handshake's refusals against a stand-in devp2p Peer, fed status-go's own status bytes.
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { afterEach, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { newOutboundPeer, type Capabilities, type Peer } from '../../src/p2p/devp2p/index.js'
import { dialSocket } from '../../src/p2p/dial-socket.js'
import { WakuProtocol, wakuCapabilities, type WakuHostContext } from '../../src/p2p/waku-protocol.js'
import type { SendMethod } from '../../src/p2p/subprotocol.js'
import { decodeEnvelope, envelopeHash, type Envelope } from '../../src/whisper/envelope.js'
import { envelopePow } from '../../src/whisper/envelope.js'
import type { WakuVersion } from '../../src/waku/codes.js'
import type { StatusOptions } from '../../src/waku/options.js'
import type { MessagesResponse } from '../../src/waku/confirmations.js'
import { encodeMessagesRequest, type P2PRequest } from '../../src/waku/messages-request.js'
import type { RequestComplete } from '../../src/waku/request-complete.js'
import type { PeerStatus } from '../../src/waku/status.js'
import { topicBloom } from '../../src/whisper/bloom.js'
import { listenRlpx, type RlpxListener } from '../support/rlpx-listener.js'
import { fakePeer } from './devp2p/fake-peer.js'
import * as snappy from 'snappyjs'
import { decodeWakuStatus } from '../../src/waku/status.js'
import { waitEvent } from '../support/wait-event.js'

const vectors = JSON.parse(readFileSync(new URL('../../fixtures/waku1-statusgo.json', import.meta.url), 'utf8'))
const envelopes: Envelope[] = vectors.entries
  .filter((e: { kind: string }) => e.kind === 'envelope')
  .map((e: { rlp: string }) => decodeEnvelope(6, Uint8Array.from(Buffer.from(e.rlp, 'hex'))))
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const deadbeef = Uint8Array.from([0xde, 0xad, 0xbe, 0xef])

/** A WakuProtocol that can also write any packet (bad ones too): the test's hand on the wire. */
class TestWaku extends WakuProtocol {
  raw(code: number, payload: Uint8Array): boolean {
    return this.send(code, payload)
  }
}

interface Side {
  options?: StatusOptions
  versions?: WakuVersion[]
  restrictLightToLight?: boolean
  trusted?: boolean
}

interface End {
  ready: Promise<TestWaku>
  closed: Promise<{ reason: number; byUs: boolean }>
  logs: string[]
}

function capabilities(side: Side, end: { ready: (p: TestWaku) => void; closed: (r: number, byUs: boolean) => void; logs: string[] }): Capabilities[] {
  const ctx: WakuHostContext = {
    ourOptions: () => side.options ?? { powRequirement: 0.2, lightNode: false, confirmations: true },
    restrictLightToLight: () => side.restrictLightToLight ?? false,
    isTrusted: () => side.trusted ?? false,
    isInbound: () => false,
    maxMessageSize: () => 1 << 20,
    statusTimeoutMs: 10_000,
    log: (_l, m) => end.logs.push(m),
    onReady: (p) => end.ready(p as TestWaku),
    onClose: (_p, reason, byUs) => end.closed(reason, byUs),
  }
  // the capability list as wakuCapabilities builds it, with the test subclass
  return wakuCapabilities(side.versions ?? [0, 1], ctx).map((c) => ({
    ...c,
    constructor: class extends TestWaku {
      constructor(v: number, peer: Peer, send: SendMethod) {
        super(v, peer, send, ctx)
      }
    } as unknown as Capabilities['constructor'],
  }))
}

function end(): [End, { ready: (p: TestWaku) => void; closed: (r: number, byUs: boolean) => void; logs: string[] }] {
  let ready!: (p: TestWaku) => void
  let closed!: (r: number, byUs: boolean) => void
  const logs: string[] = []
  const e: End = {
    ready: new Promise((r) => (ready = r)),
    closed: new Promise((r) => (closed = (reason, byUs) => r({ reason, byUs }))),
    logs,
  }
  return [e, { ready, closed, logs }]
}

const listeners: RlpxListener[] = []
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()))
})

async function pair(server: Side, client: Side): Promise<{ server: End; client: End }> {
  const serverKey = secp256k1.utils.randomSecretKey()
  const serverId = hex(secp256k1.getPublicKey(serverKey, false).subarray(1))
  const [s, sHooks] = end()
  const [c, cHooks] = end()
  const listener = await listenRlpx(serverKey, { capabilities: capabilities(server, sHooks), clientId: 'waku-test-server/v1', maxPeers: 5 })
  listeners.push(listener)
  const target = { id: serverId, host: '127.0.0.1', port: listener.port }
  const socket = await dialSocket(target, 10_000)
  const peer = newOutboundPeer({
    socket, remoteId: serverId, privateKey: secp256k1.utils.randomSecretKey(), timeoutMs: 10_000, clientId: 'waku-test-client/v1',
    capabilities: capabilities(client, cHooks),
  })
  peer.events.on('error', () => undefined)
  return { server: s, client: c }
}

describe('waku capability over loopback RLPx', () => {
  it('waku/1 handshake: each side reads the other status options, with WithDefaults for what is left out', async () => {
    const { server, client } = await pair(
      { options: { powRequirement: 0.002, topicInterest: [deadbeef], confirmations: true, packetRateLimits: { ip: 10, peerId: 5, topic: 0 } } },
      { options: { lightNode: true, bloomFilter: topicBloom(deadbeef) } },
    )
    const [s, c] = await Promise.all([server.ready, client.ready])
    expect([s.cap, c.cap]).toEqual(['waku/1', 'waku/1'])
    expect(c.status.powRequirement).toBe(0.002)
    expect(c.status.confirmations).toBe(true)
    expect(c.status.packetRateLimits).toEqual({ ip: 10, peerId: 5, topic: 0 })
    expect(c.status.interest).toEqual({ kind: 'topics', topics: new Set(['deadbeef']) })
    expect(s.status.powRequirement).toBe(0.001) // left out: status-go's default
    expect(s.status.lightNode).toBe(true)
    expect(s.status.interest).toEqual({ kind: 'bloom', bloom: topicBloom(deadbeef) })
    // what each would forward to the other
    const [one, two] = envelopes // topics deadbeef and 01020304
    expect(c.wants(one, 0.5)).toBe(true)
    expect(c.wants(one, 0.001)).toBe(false) // under the peer's 0.002
    expect(c.wants(two, 0.5)).toBe(false) // not among its topics
    expect(s.wants(two, 0.5)).toBe(false) // not in its bloom
    s.disconnect()
    await Promise.all([server.closed, client.closed])
  })

  it('the highest shared version runs: waku/0 when one side offers only that', async () => {
    const { server, client } = await pair({ versions: [0, 1] }, { versions: [0], options: { powRequirement: 0.5 } })
    const [s, c] = await Promise.all([server.ready, client.ready])
    expect([s.cap, c.cap]).toEqual(['waku/0', 'waku/0'])
    expect(s.status.powRequirement).toBe(0.5)
    c.disconnect()
    await server.closed
  })

  it('messages, then a message response and a batch acknowledgement naming keccak of the batch as sent', async () => {
    const { server, client } = await pair({}, {})
    const [s, c] = await Promise.all([server.ready, client.ready])
    const got = waitEvent<[Envelope[], Uint8Array]>(s, 'envelopes')
    const sentBatch = c.sendBatch(envelopes)
    expect(sentBatch).not.toBeNull()
    const [envs, batch] = await got
    expect(envs.map((e) => hex(envelopeHash(e)))).toEqual(envelopes.map((e) => hex(envelopeHash(e))))
    expect(envelopePow(envs[0])).toBe(envelopePow(envelopes[0]))
    expect(hex(batch)).toBe(hex(sentBatch!))
    // the vectors' messages packet carries the same two envelopes: same batch hash as status-go's
    expect(hex(batch)).toBe(vectors.entries.find((e: { kind: string }) => e.kind === 'messages').fields.batchHash)
    const response = waitEvent<[MessagesResponse]>(c, 'messageResponse')
    const ack = waitEvent<[Uint8Array]>(c, 'batchAcknowledged')
    expect(s.sendConfirmation(batch, [{ hash: envelopeHash(envs[1]), code: 21, description: 'envelope from future' }])).toBe(true)
    const [r] = await response
    expect(hex(r.batchHash)).toBe(hex(batch))
    expect(r.errors.map((e) => [hex(e.hash), e.code, e.description])).toEqual([[hex(envelopeHash(envs[1])), 21, 'envelope from future']])
    expect(hex((await ack)[0])).toBe(hex(batch))
    c.disconnect()
    await server.closed
  })

  it('a status update changes only what it carries: topic interest replaces the bloom', async () => {
    const { server, client } = await pair({}, {})
    const [s, c] = await Promise.all([server.ready, client.ready])
    expect(s.wants(envelopes[1], 1)).toBe(true) // full node by default
    const update = waitEvent<[PeerStatus, StatusOptions]>(s, 'statusUpdate')
    expect(c.sendStatusUpdate({ topicInterest: [deadbeef] })).toBe(true)
    const [status, changed] = await update
    expect(changed).toEqual({ topicInterest: [deadbeef] })
    expect(status.powRequirement).toBe(0.2)
    expect(s.wants(envelopes[0], 1)).toBe(true)
    expect(s.wants(envelopes[1], 1)).toBe(false)
    c.disconnect()
    await server.closed
  })

  it('p2p messages and request-complete only from a trusted peer; requests only by a mail server (a listener)', async () => {
    const { server, client } = await pair({}, { trusted: true })
    const [s, c] = await Promise.all([server.ready, client.ready])
    // the server does not trust the client and runs no mail server: both packets are ignored, the peer stays
    const untrustedDirect: Envelope[] = []
    s.on('p2pMessage', (env: Envelope) => untrustedDirect.push(env))
    const ignored = waitEvent(s, 'statusUpdate')
    c.sendP2PMessages([envelopes[0]])
    c.sendMessagesRequest({ id: new Uint8Array(32).fill(1), from: 1, to: 2, limit: 10, cursor: new Uint8Array(0), bloom: topicBloom(deadbeef), topics: [] })
    c.sendStatusUpdate({ confirmations: false })
    await ignored // handled after the two packets before it
    expect(untrustedDirect).toEqual([])
    const requests: P2PRequest[] = []
    s.on('messagesRequest', (r: P2PRequest) => requests.push(r))
    const req = { id: new Uint8Array(32).fill(2), from: 1, to: 2, limit: 10, cursor: new Uint8Array(0), bloom: topicBloom(deadbeef), topics: [] }
    const first = waitEvent<[P2PRequest]>(s, 'messagesRequest')
    c.sendMessagesRequest(req)
    const [r1] = await first
    expect(r1.form).toBe('request')
    expect(r1.form === 'request' && hex(encodeMessagesRequest(r1.request))).toBe(hex(encodeMessagesRequest(req)))
    const second = waitEvent<[P2PRequest]>(s, 'messagesRequest')
    c.sendMessagesRequest(envelopes[0])
    const [r2] = await second
    expect(r2.form === 'envelope' && hex(envelopeHash(r2.envelope))).toBe(hex(envelopeHash(envelopes[0])))
    expect(requests).toHaveLength(2) // only the two sent once the server listened
    // the client trusts the server: answers reach it
    const direct: Envelope[] = []
    const both = new Promise<void>((resolve) => c.on('p2pMessage', (env: Envelope) => direct.push(env) === 2 && resolve()))
    s.sendP2PMessages(envelopes)
    await both // one packet of two envelopes, one event each
    expect(direct.map((e) => hex(envelopeHash(e)))).toEqual(envelopes.map((e) => hex(envelopeHash(e))))
    const done = waitEvent<[RequestComplete]>(c, 'requestComplete')
    s.sendRequestComplete({ ok: true, requestId: req.id, lastEnvelopeHash: envelopeHash(envelopes[1]), cursor: null })
    const [complete] = await done
    expect(complete.ok && [hex(complete.requestId), hex(complete.lastEnvelopeHash), complete.cursor]).toEqual([hex(req.id), hex(envelopeHash(envelopes[1])), null])
    expect(s.closed || c.closed).toBe(false)
    c.disconnect()
    await server.closed
  })

  it('two light nodes refuse each other when the host restricts it', async () => {
    const { server, client } = await pair({ options: { lightNode: true }, restrictLightToLight: true }, { options: { lightNode: true } })
    const closed = await client.closed
    expect(closed.reason).toBe(0x10) // SUBPROTOCOL_ERROR from the server
    await server.closed
    expect(server.logs.some((l) => l.includes('two light client communication restricted'))).toBe(true)
  })

  it('a malformed packet drops the peer; an unknown code is ignored', async () => {
    const { server, client } = await pair({}, {})
    const [s, c] = await Promise.all([server.ready, client.ready])
    c.raw(42, Uint8Array.of(0x01)) // unknown: ignored
    const update = waitEvent(s, 'statusUpdate')
    c.sendStatusUpdate({ lightNode: true })
    await update // the unknown code before it did not end the session
    c.raw(22, Uint8Array.of(0xc3, 0xc2, 0x02, 0x05)) // [[2, 5]]: light node flag 5 is not a Go bool
    expect((await client.closed).reason).toBe(0x10)
    await server.closed
    expect(server.logs.some((l) => /invalid status update: .*invalid boolean/.test(l))).toBe(true)
  })
})

describe('waku capability handshake against a stand-in devp2p Peer (no sockets)', () => {
  const statusOf = (name: string, protocol: string) =>
    Uint8Array.from(Buffer.from(vectors.entries.find((e: any) => e.kind === 'status' && e.name === name && e.protocol === protocol).rlp, 'hex'))

  function setup(version: WakuVersion) {
    const { peer, events, disconnects } = fakePeer({ protocolVersion: 5, clientId: 'statusd/v0.78.0', id: new Uint8Array(64).fill(0xcd), remoteAddress: '10.0.0.2', remotePort: 30305 })
    const sent: [number, Uint8Array][] = []
    const ready: WakuProtocol[] = []
    const ctx: WakuHostContext = {
      ourOptions: () => ({ powRequirement: 0.002, lightNode: false, confirmations: true, topicInterest: [deadbeef] }),
      restrictLightToLight: () => false,
      isTrusted: () => false,
      isInbound: () => true,
      maxMessageSize: () => 1 << 20,
      statusTimeoutMs: 60_000,
      log: () => {},
      onReady: (p) => ready.push(p),
      onClose: () => {},
    }
    const [cap] = wakuCapabilities([version], ctx)
    const Ctor = cap.constructor as unknown as new (v: number, p: Peer, s: SendMethod) => WakuProtocol
    const proto = new Ctor(version, peer, (code, data) => sent.push([code, data]))
    return { proto, sent, ready, events, disconnects, finish: () => events.emit('close', 8, true) }
  }

  it.each([0, 1] as const)('waku/%i: our status goes out snappy-compressed as that version encodes it; a status-go status makes us ready', (v) => {
    const { proto, sent, ready, events, finish } = setup(v)
    events.emit('connect')
    expect(sent).toHaveLength(1)
    expect(sent[0][0]).toBe(0)
    const ours = snappy.uncompress(sent[0][1])
    expect(decodeWakuStatus(v, ours)).toEqual({ powRequirement: 0.002, lightNode: false, confirmations: true, topicInterest: [deadbeef] })
    proto._handleMessage(0, statusOf('all-fields', `waku/${v}`))
    expect(ready).toEqual([proto])
    expect(proto.status.powRequirement).toBe(0.002)
    expect(proto.status.lightNode).toBe(true)
    finish()
  })

  it.each([
    ['a packet before the status', 1, Uint8Array.of(0xc0)],
    ['the other version’s status (waku/0 [version, options] read as waku/1 options)', 0, statusOf('light-node-true', 'waku/0')],
    ['a status that is not RLP', 0, Uint8Array.of(0xff, 0xff)],
  ] as const)('waku/1 drops the peer for %s', (_what, code, payload) => {
    const { proto, disconnects, ready, events, finish } = setup(1)
    events.emit('connect')
    proto._handleMessage(code, payload)
    expect(disconnects).toEqual([0x10])
    expect(ready).toEqual([])
    finish()
  })

  it('waku/0 refuses a status with another version number', () => {
    const { proto, disconnects, events, finish } = setup(0)
    events.emit('connect')
    proto._handleMessage(0, Uint8Array.of(0xc2, 0x01, 0xc0))
    expect(disconnects).toEqual([0x10])
    finish()
  })
})
