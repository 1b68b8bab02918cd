// Paged mail requests (status-go's whisper mail server: limit, cursor, request-complete on code 125)
// against our mail server over loopback, asked by a raw protocol peer so every packet is seen as sent.
// The archived envelopes all expired long ago: history is served from the archive, not the pool.
import { afterEach, describe, expect, it } from 'vitest'
import { WhisperNode } from '../../src/node/whisper-node.js'
import { Archive } from '../../src/node/archive.js'
import { MailServer } from '../../src/node/mailserver.js'
import { fetchHistory, type HistoryPage } from '../../src/node/mailclient.js'
import { encodeMailRequestPayload, MAIL_CURSOR_LENGTH } from '../../src/whisper/mailrequest.js'
import { buildEnvelope, sealEnvelope } from '../../src/whisper/seal.js'
import { generatePrivateKey, symKeyFromPassword } from '../../src/whisper/crypto.js'
import { concatBytes, toHex } from '../../src/whisper/bytes.js'
import { envelopeHash, type Envelope } from '../../src/whisper/envelope.js'
import { topicBloom } from '../../src/whisper/bloom.js'
import type { RequestComplete, ShhPeer } from '../../src/p2p/shh-peer.js'
import { DEBUG, Net, TOPIC, newKey, seedArchive, until } from './net-helpers.js'
import { tempDirs } from '../support/temp-dirs.js'

const net = new Net()
const dirs = tempDirs('p2pm-paging-', null)
const servers: MailServer[] = []
afterEach(async () => {
  await net.close()
  for (const s of servers.splice(0)) s.close()
  dirs.cleanup()
})

const PASSWORD = 'mail-pw'
const OTHER_TOPIC = Uint8Array.of(1, 2, 3, 4)
const T0 = Math.floor(Date.now() / 1000) - 5000

async function mailNode(o: Partial<ConstructorParameters<typeof MailServer>[1]> = {}, archiveNow?: () => number) {
  const node = new WhisperNode({
    listen: { host: '127.0.0.1', port: 0 }, shhVersions: [6], minPow: 0.001, relay: true, sealThreads: 1,
    verbosity: DEBUG ? 5 : 0, logger: DEBUG ? (l, m) => process.stderr.write(`mail [${l}] ${m}\n`) : () => {},
  })
  const archive = await Archive.open({ dir: dirs.make(), flushMs: 5, ...(archiveNow ? { now: archiveNow } : {}) })
  const server = new MailServer(node, { password: PASSWORD, archive, minPow: 0.001, ...o })
  servers.push(server)
  net.nodes.push(node)
  await node.start()
  return { node, server, archive }
}

/** Archives `perSecond` envelopes in each of `seconds` seconds from T0; returns them in archive order. */
const seed = (archive: Archive, seconds: number, perSecond: number, topicOf?: (i: number) => Uint8Array): Promise<Envelope[]> =>
  seedArchive(archive, T0, seconds, perSecond, topicOf)

const hex = (e: Envelope) => toHex(envelopeHash(e))

/** A raw peer that sends requests and records every p2p message and request-complete it gets. */
async function asker(target: WhisperNode) {
  const { peer } = await net.probe(target, 6)
  peer.trusted = true
  const got: string[] = []
  const completes: RequestComplete[] = []
  peer.on('p2pMessage', (env) => got.push(hex(env)))
  peer.on('requestComplete', (r) => completes.push(r))
  const seal = (payload: Uint8Array) =>
    sealEnvelope(buildEnvelope({ shh: 6, topic: new Uint8Array(4), payload, ttl: 50, pow: 0, workTime: 1, symKey: symKeyFromPassword(PASSWORD), src: generatePrivateKey() }), 0.01, 2)
  /** Sends one request; resolves with what came before its request-complete, and that packet. */
  const ask = async (payload: Uint8Array): Promise<{ envs: string[]; done: RequestComplete }> => {
    const req = seal(payload)
    const id = toHex(envelopeHash(req))
    const from = got.length
    peer.sendP2PRequest(req)
    await until(() => completes.some((c) => toHex(c.requestId) === id), 'request-complete')
    return { envs: got.slice(from), done: completes.find((c) => toHex(c.requestId) === id)! }
  }
  return { peer: peer as ShhPeer, got, completes, ask, seal }
}

const range = { lower: T0 - 10, upper: T0 + 100 }

describe('paged mail requests (shh/6, status-go whisper)', () => {
  it('pages at `limit` across seconds with many envelopes each: in order, nothing twice, nothing skipped; the last page has no cursor', async () => {
    // a small bucket: without the follow-up a page hands out, pages 3.. would be rate limited
    const m = await mailNode({ burst: 2, refillMs: 600_000, batchEnvelopes: 4 })
    // 3 seconds x 10, every third of another topic (the bloom leaves them out)
    const all = await seed(m.archive, 3, 10, (i) => (i % 3 === 2 ? OTHER_TOPIC : TOPIC))
    const want = all.filter((_, i) => i % 3 !== 2).map(hex)
    const a = await asker(m.node)
    const pages: string[][] = []
    let cursor: Uint8Array | undefined
    for (;;) {
      const { envs, done } = await a.ask(encodeMailRequestPayload(6, { ...range, topic: TOPIC, limit: 7, cursor }))
      expect(done.ok).toBe(true)
      if (!done.ok) break
      pages.push(envs)
      expect(toHex(done.lastEnvelopeHash)).toBe(envs[envs.length - 1])
      if (done.cursor === null) break
      // the cursor is the last envelope's sent time and hash (status-go's DBKey.Cursor())
      expect(done.cursor.length).toBe(MAIL_CURSOR_LENGTH)
      expect(toHex(done.cursor.subarray(4))).toBe(envs[envs.length - 1])
      cursor = Uint8Array.from(done.cursor)
    }
    expect(pages.map((p) => p.length)).toEqual([7, 7, 6]) // 20 match; no empty page after the last
    expect(pages.flat()).toEqual(want)
    expect(m.server.stats()).toMatchObject({ pages: 3, rateLimited: 0 })
  })

  it('takes the 40-byte DB key (cursor | topic) as the 36-byte cursor', async () => {
    const m = await mailNode()
    const all = await seed(m.archive, 2, 6)
    const a = await asker(m.node)
    const first = await a.ask(encodeMailRequestPayload(6, { ...range, limit: 5 }))
    expect(first.envs).toEqual(all.slice(0, 5).map(hex))
    if (!first.done.ok || !first.done.cursor) throw new Error('expected a cursor')
    const c36 = Uint8Array.from(first.done.cursor)
    const c40 = concatBytes(c36, TOPIC)
    const by36 = await a.ask(encodeMailRequestPayload(6, { ...range, limit: 5, cursor: c36 }))
    // another limit: the same request again would be dropped as answered already (a 40-byte key is the same cursor)
    const by40 = await a.ask(encodeMailRequestPayload(6, { ...range, limit: 4, cursor: c40 }))
    expect(by36.envs).toEqual(all.slice(5, 10).map(hex))
    expect(by40.envs).toEqual(all.slice(5, 9).map(hex))
  })

  it('a cursor whose envelope was pruned since goes on with what is left of the archive, nothing twice', async () => {
    let now = T0 + 100
    const m = await mailNode({}, () => now)
    const all = await seed(m.archive, 3, 4)
    const a = await asker(m.node)
    const first = await a.ask(encodeMailRequestPayload(6, { ...range, limit: 3 }))
    if (!first.done.ok || !first.done.cursor) throw new Error('expected a cursor')
    // retention now drops the first second, the cursor's envelope with it
    now = T0 + 1 + 30 * 24 * 3600
    expect(await m.archive.prune()).toBe(4)
    const next = await a.ask(encodeMailRequestPayload(6, { ...range, limit: 100, cursor: Uint8Array.from(first.done.cursor) }))
    expect(next.envs).toEqual(all.slice(4).map(hex))
    expect(next.done).toMatchObject({ ok: true, cursor: null })
  })

  it('a bad cursor or a limit over 1000 gets an error answer; the peer stays and a good request is answered', async () => {
    const m = await mailNode()
    await seed(m.archive, 1, 3)
    const a = await asker(m.node)
    const paged = encodeMailRequestPayload(6, { ...range, limit: 10 })
    const short = await a.ask(concatBytes(paged, new Uint8Array(20)))
    expect(short.done).toMatchObject({ ok: false })
    expect(!short.done.ok && short.done.error).toBe('request is invalid: cursor of 20 bytes in p2p request, expected 36 (or a 40-byte key)')
    const big = await a.ask(encodeMailRequestPayload(6, { ...range, limit: 1001 }))
    expect(!big.done.ok && big.done.error).toBe('request is invalid: limit exceeds the maximum allowed value')
    expect(short.envs.length + big.envs.length).toBe(0)
    const good = await a.ask(paged)
    expect(good.envs).toHaveLength(3)
    expect(good.done).toMatchObject({ ok: true, cursor: null })
    expect(a.peer.closed).toBe(false)
    expect(m.server.stats()).toMatchObject({ refused: 2, answered: 1 })
  })

  it('a request without a limit (geth\'s wnode) is answered whole with no request-complete', async () => {
    const m = await mailNode()
    const all = await seed(m.archive, 2, 5)
    const a = await asker(m.node)
    a.peer.sendP2PRequest(a.seal(encodeMailRequestPayload(6, range)))
    await until(() => a.got.length === 10, 'whole answer')
    // the next request's complete is the first one: the unpaged answer sent none before it
    const paged = await a.ask(encodeMailRequestPayload(6, { ...range, bloom: topicBloom(TOPIC), limit: 1000 }))
    expect(a.completes).toHaveLength(1)
    expect(a.got.slice(0, 10)).toEqual(all.map(hex))
    expect(paged.envs).toEqual(all.map(hex))
  })

  it('our mail client pages by itself, counting each envelope once', async () => {
    const m = await mailNode({ burst: 1, refillMs: 600_000 })
    const all = await seed(m.archive, 5, 9)
    const client = await net.node({ shhVersions: [6], name: 'client' })
    const got: string[] = []
    client.subscribe({ topics: [TOPIC], symKey: newKey(), allowP2P: true }, () => {})
    client.on('p2pMessage', (_from: string, env: Envelope) => got.push(hex(env)))
    client.addPeer(m.node.enode)
    await until(() => client.peers().length === 1, 'connected')
    const pages: HistoryPage[] = []
    const r = await fetchHistory(client, { mailserver: m.node.enode, password: PASSWORD, ...range, pow: 0.001, pageLimit: 10, onPage: (p) => pages.push(p) })
    expect(r).toMatchObject({ status: 'complete', envelopes: 45, pages: 5, shh: 6 })
    expect(pages.map((p) => [p.envelopes, p.more])).toEqual([[10, true], [10, true], [10, true], [10, true], [5, false]])
    expect(got).toEqual(all.map(hex))
  })
})

describe('paging against another server', () => {
  it('a server whose cursor does not move on (status-go\'s whisper, this payload form) ends the answer as failed, not a loop', async () => {
    const client = await net.node({ shhVersions: [6], name: 'client' })
    const { peer: server } = await net.probe(client, 6)
    const archive = await Archive.open({ dir: dirs.make() })
    const envs = await seed(archive, 1, 2)
    await archive.close()
    let asked = 0
    // every request gets the same first page and the same cursor back
    server.on('p2pRequest', (req) => {
      asked++
      for (const e of envs) server.sendP2PMessage(e)
      server.sendRequestComplete!({ ok: true, requestId: envelopeHash(req), lastEnvelopeHash: envelopeHash(envs[1]), cursor: concatBytes(Uint8Array.of(0, 0, 0, 1), envelopeHash(envs[1])) })
    })
    const id = client.peers()[0].id
    const r = await fetchHistory(client, { mailserver: id, password: PASSWORD, ...range, pow: 0.001, pageLimit: 2 })
    expect(r).toMatchObject({ status: 'failed', envelopes: 2, pages: 2 })
    expect(r.error).toMatch(/^page 2 brought nothing new/)
    expect(asked).toBe(2)
  })
})
