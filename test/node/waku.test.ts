// Waku as the node's third protocol family, over real loopback sockets: waku/1 and waku/0 pairs of our
// nodes, one connection running shh/6 and waku/1 at once, light nodes, topic interest and status
// updates, confirmations, our rate limits, and the shh/6 <-> Waku bridge. Every negative ("not sent")
// is proved by order on one connection: a later envelope arrived, the earlier one would have been first.
import { afterEach, describe, expect, it } from 'vitest'
import { Net, TOPIC, TEST_POW, inbox, link, newKey, text, until, waitEvent } from './net-helpers.js'
import type { WhisperNode } from '../../src/node/whisper-node.js'
import type { Net as Network } from '../../src/p2p/net-peer.js'
import { makeHost } from '../p2p/helpers.js'
import type { P2PHost } from '../../src/p2p/host.js'
import { WakuProtocol } from '../../src/p2p/waku-protocol.js'
import { sealMessage } from '../../src/whisper/seal.js'
import { envelopeHash } from '../../src/whisper/envelope.js'
import { topicBloom } from '../../src/whisper/bloom.js'
import { toHex } from '../../src/whisper/bytes.js'
import type { MessagesResponse } from '../../src/waku/confirmations.js'

const net = new Net()
const hosts: P2PHost[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()))
  await net.close()
})

const OTHER = new Uint8Array([0xaa, 0xbb, 0xcc, 0xdd])
const say = (node: WhisperNode, key: Uint8Array, msg: string, o: { topic?: Uint8Array; net?: Network } = {}) =>
  node.post({ topic: o.topic ?? TOPIC, payload: new TextEncoder().encode(msg), symKey: key, ttl: 50, pow: TEST_POW, workTime: 2, net: o.net })

/** Resolves once `node` has `id` as a peer on `on`. */
async function peerOn(node: WhisperNode, id: string, on: Network): Promise<void> {
  if (node.peers().some((p) => p.id === id && p.net === on)) return
  await waitEvent(node, 'peer:added', (p: { id: string; net: Network }) => p.id === id && p.net === on)
}

/** A raw waku/1 host dialling `node`: the test's hand on the Waku wire. */
async function wakuClient(node: WhisperNode): Promise<WakuProtocol> {
  const h = makeHost({ protocols: ['waku/1'], minPow: 0 })
  hosts.push(h)
  await h.start()
  const ready = waitEvent<[unknown]>(h, 'peer')
  h.addPeer(node.enode)
  const [p] = await ready
  if (!(p instanceof WakuProtocol)) throw new Error('not a waku peer')
  return p
}

const envelope = (key: Uint8Array, msg: string) =>
  sealMessage({ shh: 6, topic: TOPIC, payload: new TextEncoder().encode(msg), symKey: key, ttl: 60, pow: TEST_POW, workTime: 2 })

describe('Waku in the node', () => {
  it('a waku/1 pair of our nodes exchanges chat messages both ways', async () => {
    const key = newKey()
    const a = await net.node({ protocols: ['waku/1'], name: 'a' })
    const b = await net.node({ protocols: ['waku/1'], name: 'b' })
    const [inA, inB] = [inbox(a, key), inbox(b, key)]
    await link(a, b)
    expect(a.peers().map((p) => [p.net, p.cap, p.shh])).toEqual([['waku', 'waku/1', 6]])
    await say(a, key, 'hello from a')
    await until(() => inB.length === 1, 'b hears a')
    await say(b, key, 'hello from b')
    await until(() => inA.length === 2, 'a hears b') // its own post is delivered to it too
    expect(inB.map(text)).toEqual(['hello from a', 'hello from b'])
    expect(inA.map(text)).toEqual(['hello from a', 'hello from b'])
  })

  it('waku/0 against waku/0+waku/1 runs waku/0 (its [version, options] status) and carries messages', async () => {
    const key = newKey()
    const a = await net.node({ protocols: ['waku/0', 'waku/1'], name: 'a' })
    const b = await net.node({ protocols: ['waku/0'], name: 'b', minPow: 0.5 })
    const inB = inbox(b, key)
    await link(a, b)
    expect(a.peers().map((p) => p.cap)).toEqual(['waku/0'])
    expect(b.peers().map((p) => p.cap)).toEqual(['waku/0'])
    // the waku/0 status was read: a knows b's PoW requirement
    expect(a.peers()[0].minPow).toBe(0.5)
    await a.post({ topic: TOPIC, payload: new TextEncoder().encode('over waku/0'), symKey: key, ttl: 50, pow: 1, workTime: 5 })
    await until(() => inB.length === 1, 'b hears a over waku/0')
  })

  it('one connection runs shh/6 and waku/1 at once: two peers with one id, each network its own traffic', async () => {
    const key = newKey()
    const a = await net.node({ protocols: ['shh/6', 'waku/1'], name: 'a' })
    const b = await net.node({ protocols: ['shh/6', 'waku/1'], name: 'b' })
    const onWaku: string[] = []
    const onShh: string[] = []
    b.subscribe({ topics: [TOPIC], symKey: key, net: 'waku' }, (m) => onWaku.push(text(m)))
    b.subscribe({ topics: [TOPIC], symKey: key, net: 'shh/6' }, (m) => onShh.push(text(m)))
    b.addPeer(a.enode)
    await Promise.all([peerOn(a, b.id, 'shh/6'), peerOn(a, b.id, 'waku'), peerOn(b, a.id, 'shh/6'), peerOn(b, a.id, 'waku')])
    expect(a.peers().map((p) => `${p.cap}@${p.id}`).sort()).toEqual([`shh/6@${b.id}`, `waku/1@${b.id}`])
    await say(a, key, 'waku only', { net: 'waku' })
    await say(a, key, 'shh only', { net: 'shh/6' })
    await until(() => onWaku.length === 1 && onShh.length === 1, 'each network carries its own post')
    expect([onWaku, onShh]).toEqual([['waku only'], ['shh only']])
    // one post to both networks: one envelope, pooled in both, heard on both
    const r = await say(a, key, 'both')
    expect(r.nets).toEqual(['shh/6', 'waku'])
    expect(r.envelopes).toHaveLength(1)
    await until(() => onWaku.length === 2 && onShh.length === 2, 'the shared post on both networks')
    expect(b.envelopes('waku')).toHaveLength(2)
    expect(b.envelopes('shh/6')).toHaveLength(2)
    const removed: string[] = []
    b.on('peer:removed', (p) => removed.push(p.cap))
    a.removePeer(b.id)
    await until(() => removed.length === 2, 'both protocol peers go with the connection')
    expect(removed.sort()).toEqual(['shh/6', 'waku/1'])
  })

  it('a light node forwards only its own posts, and two light nodes refuse each other', async () => {
    const key = newKey()
    const x = await net.node({ protocols: ['waku/1'], name: 'x' })
    const lightLog: string[] = []
    const light = await net.node({ protocols: ['waku/1'], name: 'light', lightNode: true, verbosity: 3, logger: (_l, m) => lightLog.push(m) })
    const y = await net.node({ protocols: ['waku/1'], name: 'y' })
    const [inLight, inY] = [inbox(light, key), inbox(y, key)]
    await link(x, light)
    await link(light, y)
    await say(x, key, 'from x')
    await until(() => inLight.length === 1, 'the light node hears x')
    await say(light, key, 'from light')
    await until(() => inY.map(text).includes('from light'), 'y hears the light node')
    // had the light node forwarded x's post, y would have had it first, on the same connection
    expect(inY.map(text)).toEqual(['from light'])
    const other = await net.node({ protocols: ['waku/1'], name: 'other-light', lightNode: true })
    other.addPeer(light.enode)
    await until(() => lightLog.some((l) => l.includes('two light client communication restricted')), 'the light node refuses the other')
    expect(light.peers().map((p) => p.id)).not.toContain(other.id)
    expect(other.peers()).toEqual([])
  })

  it('topic interest: a light peer gets only the topics it subscribed to; a bloom update changes what is sent', async () => {
    const key = newKey()
    const full = await net.node({ protocols: ['waku/1'], name: 'full' })
    const light = await net.node({ protocols: ['waku/1'], name: 'light', lightNode: true })
    const got = inbox(light, key)
    await link(full, light)
    // the subscription came before the link: the handshake carried the topic interest
    expect(full.peers()[0].topics).toEqual([toHex(TOPIC)])
    await say(full, key, 'other topic', { topic: OTHER })
    await say(full, key, 'subscribed topic')
    await until(() => got.length === 1, 'the subscribed topic arrives')
    expect(light.stats().envelopesIn).toBe(1) // the other topic was posted first and never sent

    // a full peer that announces a bloom: the status update narrows what it gets
    const narrow = await net.node({ protocols: ['waku/1'], name: 'narrow' })
    const seen: string[] = []
    narrow.on('envelope', (e) => seen.push(e.topic))
    await link(full, narrow)
    narrow.setBloom(topicBloom(OTHER))
    await until(() => full.peers().find((p) => p.id === narrow.id)?.bloom === toHex(topicBloom(OTHER)), 'full hears the bloom update')
    await say(full, key, 'not in the bloom')
    await say(full, key, 'in the bloom', { topic: OTHER })
    await until(() => seen.filter((t) => t === toHex(OTHER)).length === 2, 'the bloom topic arrives')
    // before the update it had the pool (both earlier posts); after it, only the bloom's topic
    expect(seen.filter((t) => t === toHex(TOPIC))).toHaveLength(1)
  })

  it('confirmations: a node that announces them answers a batch with a message response, then a batch acknowledgement', async () => {
    const key = newKey()
    const node = await net.node({ protocols: ['waku/1'], name: 'confirming', confirmations: true })
    const client = await wakuClient(node)
    expect(client.status.confirmations).toBe(true)
    const order: number[] = []
    client.on('messageResponse', () => order.push(12))
    const acked = new Promise<Uint8Array>((resolve) => client.on('batchAcknowledged', (h: Uint8Array) => (order.push(11), resolve(h))))
    const response = waitEvent<[MessagesResponse]>(client, 'messageResponse')
    const batch = client.sendBatch([envelope(key, 'confirm me')])!
    const [r] = await response
    const ack = await acked
    expect(order).toEqual([12, 11])
    expect(toHex(r.batchHash)).toBe(toHex(batch))
    expect(r.errors).toEqual([])
    expect(toHex(ack)).toBe(toHex(batch))
  })

  it('a peer over our rate limit is dropped, logged and counted', async () => {
    const key = newKey()
    const lines: string[] = []
    const node = await net.node({ protocols: ['waku/1'], name: 'limited', rateLimits: { packetsPerSecPeer: 2 }, verbosity: 3, logger: (_l, m) => lines.push(m) })
    const client = await wakuClient(node)
    // announced in the status: [ip, peer, topic] packets per second
    expect(client.status.packetRateLimits).toEqual({ ip: 0, peerId: 2, topic: 0 })
    const closed = waitEvent<[number]>(client, 'close')
    // the raw client ignores the announced limits: three packets at once
    for (let i = 0; i < 3; i++) client.sendBatch([envelope(key, `packet ${i}`)])
    expect((await closed)[0]).toBe(0x10) // SUBPROTOCOL_ERROR
    expect(node.stats().rateLimitDrops).toBe(1)
    expect(node.detailedStats().rateLimitDrops.get('waku')).toBe(1)
    expect(lines.some((l) => l.includes('Peer dropped: over our rate limit'))).toBe(true)
  })

  it('honours the limits a peer announced: our node sends it no faster', async () => {
    const key = newKey()
    const limited = await net.node({ protocols: ['waku/1'], name: 'limited', rateLimits: { packetsPerSecPeer: 20, tolerance: 1 } })
    const sender = await net.node({ protocols: ['waku/1'], name: 'sender' })
    const got = inbox(limited, key)
    await link(sender, limited)
    // 25 posts, each its own packet as it is posted: the sender keeps under 20 a second instead of being dropped
    for (let i = 0; i < 25; i++) await say(sender, key, `line ${i}`)
    await until(() => got.length === 25, 'every line arrives', 20_000)
    expect(limited.stats().rateLimitDrops).toBe(0)
    expect(limited.peers()).toHaveLength(1)
  })
})

describe('the shh/6 <-> Waku bridge', () => {
  it('carries each envelope unchanged once each way, never back', async () => {
    const key = newKey()
    const relay = await net.node({ protocols: ['shh/6', 'waku/1'], relay: true, name: 'relay' })
    const a = await net.node({ protocols: ['shh/6'], name: 'whisper' })
    const b = await net.node({ protocols: ['waku/1'], name: 'waku' })
    const [inA, inB] = [inbox(a, key), inbox(b, key)]
    await link(relay, a)
    await link(relay, b)
    const fromA = await say(a, key, 'from whisper')
    await until(() => inB.length === 1, 'the waku side hears the whisper side')
    // the same envelope: same hash, no re-seal
    expect(b.envelopes('waku').map((e) => toHex(envelopeHash(e)))).toEqual([fromA.hash])
    await say(b, key, 'from waku')
    await until(() => inA.length === 2, 'the whisper side hears the waku side')
    expect(inA.map(text)).toEqual(['from whisper', 'from waku'])
    expect(inB.map(text)).toEqual(['from whisper', 'from waku'])
    expect(relay.stats().bridged).toEqual({ waku: 1, 'shh/6': 1 })
    // a third line after both: had anything gone back, it would have arrived before it
    await say(a, key, 'third')
    await until(() => inB.length === 3, 'the third line')
    expect(relay.stats().bridged).toEqual({ waku: 2, 'shh/6': 1 })
    expect(a.stats().envelopesIn).toBe(1)
    expect(b.stats().envelopesIn).toBe(2)
  })

  it('with the version gateway, an shh/5 room reaches Waku and back (shh/5 -> gateway -> shh/6 -> bridge -> waku)', async () => {
    const key = newKey()
    const relay = await net.node({ protocols: ['shh/5', 'shh/6', 'waku/1'], relay: true, name: 'relay', gatewayRooms: [{ topic: TOPIC, symKey: key }] })
    const old = await net.node({ protocols: ['shh/5'], name: 'shh5' })
    const b = await net.node({ protocols: ['waku/1'], name: 'waku' })
    const [inOld, inB] = [inbox(old, key), inbox(b, key)]
    await link(relay, old)
    await link(relay, b)
    // no shh/6 peer at all: the gateway crosses for the Waku peer the bridge serves
    await say(old, key, 'from shh/5')
    await until(() => inB.length === 1, 'the waku side hears the shh/5 room')
    expect(inB[0].relayed?.shh).toBe(5)
    await say(b, key, 'from waku')
    await until(() => inOld.length === 2, 'the shh/5 room hears the waku side')
    expect(inOld.map(text)).toEqual(['from shh/5', 'from waku'])
  })
})
