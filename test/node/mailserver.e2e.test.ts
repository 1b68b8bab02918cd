// Our mail server and mail client over real loopback sockets, per protocol version: archive, restart,
// answer ranges per geth's rules, and drop hostile requests quietly.
import { afterEach, describe, expect, it } from 'vitest'
import { WhisperNode } from '../../src/node/whisper-node.js'
import { Archive } from '../../src/node/archive.js'
import { MailServer } from '../../src/node/mailserver.js'
import { fetchHistory } from '../../src/node/mailclient.js'
import { encodeMailRequestPayload } from '../../src/whisper/mailrequest.js'
import { buildEnvelope, sealEnvelope } from '../../src/whisper/seal.js'
import { generatePrivateKey, symKeyFromPassword } from '../../src/whisper/crypto.js'
import { MESSAGE_CODES } from '../../src/whisper/packets.js'
import { envelopeHash, type ShhVersion } from '../../src/whisper/envelope.js'
import { DEBUG, Net, TOPIC, link, newKey, post, text, until } from './net-helpers.js'
import type { DeliveredMessage } from '../../src/node/filter.js'
import { tempDirs } from '../support/temp-dirs.js'

const net = new Net()
// removed after the nodes and archives that write in them are gone
const dirs = tempDirs('p2pm-mail-', null)
const servers: MailServer[] = []
afterEach(async () => {
  await net.close()
  for (const s of servers.splice(0)) s.close()
  dirs.cleanup()
})

const PASSWORD = 'mail-pw'

async function mailNode(shh: ShhVersion, dir?: string, o: Partial<ConstructorParameters<typeof MailServer>[1]> = {}) {
  const d = dir ?? dirs.make()
  const node = new WhisperNode({
    listen: { host: '127.0.0.1', port: 0 }, shhVersions: [shh], minPow: 0.001, relay: true, sealThreads: 1,
    verbosity: DEBUG ? 5 : 0, logger: DEBUG ? (l, m) => process.stderr.write(`mail [${l}] ${m}\n`) : () => {},
  })
  const archive = await Archive.open({ dir: d, flushMs: 5 })
  const server = new MailServer(node, { password: PASSWORD, archive, minPow: 0.001, ...o })
  servers.push(server)
  net.nodes.push(node)
  await node.start()
  return { node, server, archive, dir: d }
}

function p2pInbox(node: WhisperNode, symKey: Uint8Array): DeliveredMessage[] {
  const got: DeliveredMessage[] = []
  node.subscribe({ topics: [TOPIC], symKey, allowP2P: true }, (m) => got.push(m))
  return got
}

const nowSec = () => Math.floor(Date.now() / 1000)

for (const shh of [5, 6] as const) {
  describe(`shh/${shh}`, () => {
    it('archives what it forwards and answers a history request, across a restart', async () => {
      const room = newKey()
      const m = await mailNode(shh)
      const talker = await net.node({ shhVersions: [shh], name: 'talker' })
      await link(m.node, talker)
      for (const s of ['one', 'two', 'three']) await post(talker, room, s)
      await until(() => m.archive.stats().envelopes === 3, 'archived')
      await net.close()
      m.server.close()
      // restart on the same datadir
      const m2 = await mailNode(shh, m.dir)
      expect(m2.archive.stats().envelopes).toBe(3)
      const client = await net.node({ shhVersions: [shh], name: 'client' })
      const got = p2pInbox(client, room)
      await link(m2.node, client)
      const r = await fetchHistory(client, { mailserver: m2.node.enode, password: PASSWORD, lower: nowSec() - 600, upper: nowSec() + 10, pow: 0.001, quietMs: 500 })
      expect(r).toMatchObject({ status: 'complete', envelopes: 3, shh })
      // in the order said, though said in the same second (geth's key would order them by hash)
      expect(got.map(text)).toEqual(['one', 'two', 'three'])
      expect(got.every((x) => x.p2p)).toBe(true)
      expect(m2.server.stats()).toMatchObject({ requests: 1, answered: 1, delivered: 3 })
    })

    it('range and topic rules: an empty range and another topic get nothing; a wrong password is refused', async () => {
      const room = newKey()
      const m = await mailNode(shh)
      const talker = await net.node({ shhVersions: [shh], name: 'talker' })
      await link(m.node, talker)
      await post(talker, room, 'x')
      await until(() => m.archive.stats().envelopes === 1, 'archived')
      const client = await net.node({ shhVersions: [shh], name: 'client' })
      await link(m.node, client)
      const base = { mailserver: m.node.enode, pow: 0.001, quietMs: 300, timeoutMs: 1500 }
      const t = nowSec()
      // shh/6 pages: the server's request-complete says "none" where geth's protocol can only stay silent
      const empty = shh === 5 ? { status: 'no-answer', pages: 0 } : { status: 'complete', envelopes: 0, pages: 1 }
      expect(await fetchHistory(client, { ...base, password: PASSWORD, lower: t + 100, upper: t + 200 })).toMatchObject(empty)
      expect(await fetchHistory(client, { ...base, password: PASSWORD, lower: t - 100, upper: t + 10, topic: Uint8Array.of(9, 9, 9, 9) })).toMatchObject(empty)
      expect((await fetchHistory(client, { ...base, password: 'wrong', lower: t - 100, upper: t + 10 })).status).toBe('no-answer')
      expect((await fetchHistory(client, { ...base, password: PASSWORD, lower: t - 100, upper: t + 10, topic: TOPIC })).envelopes).toBe(1)
      expect(m.server.stats()).toMatchObject({ requests: 4, refused: 1, delivered: 1 })
      expect(client.peers()).toHaveLength(1) // nothing above disconnected anybody
    })

    it('hostile requests are dropped quietly; a request that is not an envelope drops the peer as geth does', async () => {
      const m = await mailNode(shh, undefined, { burst: 3, refillMs: 60_000 })
      const { peer, conn } = await net.probe(m.node, shh)
      const code = MESSAGE_CODES[shh].p2pRequest
      const mk = (payload: Uint8Array, o: { src?: Uint8Array; key?: Uint8Array } = {}) =>
        sealEnvelope(buildEnvelope({ shh, topic: new Uint8Array(4), payload, ttl: 50, pow: 0, workTime: 1, symKey: o.key ?? symKeyFromPassword(PASSWORD), src: o.src }), 0.01, 2)
      const good = encodeMailRequestPayload(shh, { lower: 0, upper: 100 })
      peer.sendP2PRequest(mk(good)) // unsigned
      peer.sendP2PRequest(mk(good, { key: newKey(), src: generatePrivateKey() })) // wrong key
      peer.sendP2PRequest(mk(good.subarray(0, 5), { src: generatePrivateKey() })) // short payload
      // then a flood: the bucket (3) is already empty
      for (let i = 0; i < 20; i++) peer.sendP2PRequest(mk(good, { src: generatePrivateKey() }))
      await until(() => m.server.stats().requests === 23, 'requests seen')
      expect(m.server.stats()).toMatchObject({ refused: 3, rateLimited: 20, delivered: 0 })
      expect(peer.closed).toBe(false)
      // garbage in a request packet: geth's "invalid p2p request" disconnect
      ;(peer as unknown as { send(c: number, d: Uint8Array): boolean }).send(code, Uint8Array.of(0xc3, 1, 2, 3))
      await until(() => peer.closed, 'peer dropped')
      void conn
    })

    it('the same request resent by one peer is answered once, while it runs and just after; a new one is answered', async () => {
      const room = newKey()
      const m = await mailNode(shh, undefined, { dedupeMs: 60_000 })
      const now = nowSec()
      for (let i = 0; i < 50; i++) {
        const env = sealEnvelope(buildEnvelope({ shh, topic: TOPIC, payload: new TextEncoder().encode(`m${i}`), ttl: 50, pow: 0, workTime: 1, symKey: room, now: now - 100 + i }), 0.0001, 1)
        m.archive.add(env, envelopeHash(env))
      }
      await m.archive.flush()
      const client = await net.node({ shhVersions: [shh], name: 'client' })
      await link(m.node, client)
      const request = (lower: number) => client.wrap({ shh, topic: new Uint8Array(4), payload: encodeMailRequestPayload(shh, { lower, upper: now + 10, topic: shh === 5 ? TOPIC : undefined }), symKey: symKeyFromPassword(PASSWORD), src: client.privateKey, ttl: 50, pow: 0.001, workTime: 5 })
      const sealed = await request(0)
      for (let i = 0; i < 3; i++) client.requestHistory(m.node.id, sealed) // one sealed request, resent
      await until(() => m.server.stats().answered === 1 && m.server.stats().duplicates === 2, 'answered once')
      client.requestHistory(m.node.id, await request(0)) // sealed again: the same request all the same
      await until(() => m.server.stats().duplicates === 3, 'resealed duplicate dropped')
      client.requestHistory(m.node.id, await request(now - 60)) // another range (the last 10): answered
      await until(() => m.server.stats().answered === 2, 'second request answered')
      await until(() => m.server.stats().delivered === 60, 'all answers sent')
      expect(m.server.stats()).toMatchObject({ requests: 5, answered: 2, duplicates: 3, delivered: 60 })
    })

    it('without a window after the answer, the same request sealed anew is answered again; the same envelope resent is not', async () => {
      const m = await mailNode(shh, undefined, { dedupeMs: 0 })
      const client = await net.node({ shhVersions: [shh], name: 'client' })
      await link(m.node, client)
      const seal = () => client.wrap({ shh, topic: new Uint8Array(4), payload: encodeMailRequestPayload(shh, { lower: 0, upper: nowSec() }), symKey: symKeyFromPassword(PASSWORD), src: client.privateKey, ttl: 50, pow: 0.001, workTime: 5 })
      const sealed = await seal()
      client.requestHistory(m.node.id, sealed)
      await until(() => m.server.stats().answered === 1, 'answered')
      client.requestHistory(m.node.id, sealed) // the very envelope again: dropped by its hash until it expires
      await until(() => m.server.stats().duplicates === 1, 'resent envelope dropped')
      client.requestHistory(m.node.id, await seal())
      await until(() => m.server.stats().answered === 2, 'answered again')
      expect(m.server.stats()).toMatchObject({ requests: 3, answered: 2, duplicates: 1 })
    })

    it('answers a large range in small paced batches (16 envelopes / 4 KiB per turn), in (sent, arrival) order', async () => {
      const room = newKey()
      const m = await mailNode(shh, undefined, { batchEnvelopes: 16, batchBytes: 4096 })
      const now = nowSec()
      for (let i = 0; i < 400; i++) {
        const env = sealEnvelope(buildEnvelope({ shh, topic: TOPIC, payload: new TextEncoder().encode(`m${i}`), ttl: 50, pow: 0, workTime: 1, symKey: room, now: now - 1000 + i }), 0.0001, 1)
        m.archive.add(env, envelopeHash(env))
      }
      await m.archive.flush()
      const client = await net.node({ shhVersions: [shh], name: 'client' })
      const got = p2pInbox(client, room)
      await link(m.node, client)
      const r = await fetchHistory(client, { mailserver: m.node.enode, password: PASSWORD, lower: 0, upper: now + 10, pow: 0.001, quietMs: 800 })
      expect(r.envelopes).toBe(400)
      expect(got).toHaveLength(400)
      // key order is sent order here (one envelope per second)
      expect(got.map((x) => x.sent)).toEqual([...got.map((x) => x.sent)].sort((a, b) => a - b))
    })
  })
}
