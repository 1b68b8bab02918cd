// Waku mail (8/WAKU-MAIL, status-go v0.78.0's WakuMailServer) against our mail server over loopback: a
// raw waku/1 peer asks in both request forms and records every p2p message and request-complete, so the
// paging is seen packet by packet; status-go's own sealed requests (fixtures) go through the server's
// reading of them; our mail client pages over waku by itself.
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { WhisperNode } from '../../src/node/whisper-node.js'
import { Archive } from '../../src/node/archive.js'
import { MailServer } from '../../src/node/mailserver.js'
import { fetchHistory, type HistoryPage } from '../../src/node/mailclient.js'
import { encodeMailRequestPayload } from '../../src/whisper/mailrequest.js'
import { buildEnvelope, sealEnvelope } from '../../src/whisper/seal.js'
import { generatePrivateKey, randomBytes, symKeyFromPassword } from '../../src/whisper/crypto.js'
import { concatBytes, fromHex, toHex } from '../../src/whisper/bytes.js'
import { envelopeHash, type Envelope } from '../../src/whisper/envelope.js'
import { fullBloom, topicBloom } from '../../src/whisper/bloom.js'
import { decodeP2PRequest, encodeMessagesRequestPayload, type MessagesRequestPayload } from '../../src/waku/messages-request.js'
import { checkWakuEnvelopeRequest } from '../../src/waku/mail-query.js'
import { encodeCursor, type RequestComplete } from '../../src/waku/request-complete.js'
import { WakuProtocol } from '../../src/p2p/waku-protocol.js'
import type { P2PHost } from '../../src/p2p/host.js'
import { makeHost } from '../p2p/helpers.js'
import { DEBUG, Net, TOPIC, seedArchive, until, waitEvent } from './net-helpers.js'
import { tempDirs } from '../support/temp-dirs.js'

const net = new Net()
const hosts: P2PHost[] = []
const dirs = tempDirs('p2pm-wakumail-', null)
const servers: MailServer[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()))
  await net.close()
  for (const s of servers.splice(0)) await s.close()
  dirs.cleanup()
})

const PASSWORD = 'mail-pw'
const OTHER_TOPIC = Uint8Array.of(1, 2, 3, 4)
const T0 = Math.floor(Date.now() / 1000) - 5000
const range = { lower: T0 - 10, upper: T0 + 100 }

async function mailNode(o: Partial<ConstructorParameters<typeof MailServer>[1]> = {}) {
  const node = new WhisperNode({
    listen: { host: '127.0.0.1', port: 0 }, protocols: ['waku/1'], minPow: 0.001, relay: true, sealThreads: 1,
    verbosity: DEBUG ? 5 : 0, logger: DEBUG ? (l, m) => process.stderr.write(`mail [${l}] ${m}\n`) : () => {},
  })
  const archive = await Archive.open({ dir: dirs.make(), flushMs: 5 })
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

/** A raw waku/1 peer that asks in either form and records every p2p message and request-complete. */
async function asker(target: WhisperNode) {
  const h = makeHost({ protocols: ['waku/1'], minPow: 0 })
  hosts.push(h)
  await h.start()
  const ready = waitEvent<[unknown]>(h, 'peer')
  h.addPeer(target.enode)
  const [p] = await ready
  if (!(p instanceof WakuProtocol)) throw new Error('not a waku peer')
  const peer = p
  peer.trusted = true
  const got: string[] = []
  const completes: RequestComplete[] = []
  peer.on('p2pMessage', (env: Envelope) => got.push(hex(env)))
  peer.on('requestComplete', (r: RequestComplete) => completes.push(r))
  const wait = async (id: Uint8Array, from: number) => {
    await until(() => completes.some((c) => toHex(c.requestId) === toHex(id)), 'request-complete')
    return { envs: got.slice(from), done: completes.find((c) => toHex(c.requestId) === toHex(id))! }
  }
  /** The envelope form, as status-go's wakuext_requestMessages seals it: signed, the mail password's key. */
  const sealed = (payload: Uint8Array, password = PASSWORD) =>
    sealEnvelope(buildEnvelope({ shh: 6, topic: new Uint8Array(4), payload, ttl: 50, pow: 0, workTime: 1, symKey: symKeyFromPassword(password), src: generatePrivateKey() }), 0.01, 2)
  const askEnvelope = (payload: Uint8Array, password?: string) => {
    const env = sealed(payload, password)
    const from = got.length
    peer.sendMessagesRequest(env)
    return wait(envelopeHash(env), from)
  }
  const payload = (p: Partial<MessagesRequestPayload>): Uint8Array =>
    encodeMessagesRequestPayload({ ...range, bloom: fullBloom(), topics: [], limit: 0, cursor: new Uint8Array(0), batch: true, ...p })
  /** The MessagesRequest form: neither sealed nor signed, answered under its id. */
  const askRequest = (p: Partial<MessagesRequestPayload>) => {
    const id = randomBytes(32)
    const from = got.length
    peer.sendMessagesRequest({ id, from: p.lower ?? range.lower, to: p.upper ?? range.upper, limit: p.limit ?? 0, cursor: p.cursor ?? new Uint8Array(0), bloom: p.bloom ?? fullBloom(), topics: p.topics ?? [] })
    return wait(id, from)
  }
  return { peer, got, completes, askEnvelope, askRequest, payload }
}

type Ask = (p: Partial<MessagesRequestPayload>) => Promise<{ envs: string[]; done: RequestComplete }>

/** Pages through with `ask` until the cursor is empty; returns each page's envelopes. */
async function pageThrough(ask: Ask, p: Partial<MessagesRequestPayload>): Promise<string[][]> {
  const pages: string[][] = []
  let cursor = new Uint8Array(0)
  for (;;) {
    const { envs, done } = await ask({ ...p, cursor })
    if (!done.ok) throw new Error(`page ${pages.length + 1} failed: ${done.error}`)
    pages.push(envs)
    expect(toHex(done.lastEnvelopeHash)).toBe(envs[envs.length - 1])
    if (done.cursor === null) return pages
    expect(done.cursor.length).toBe(36)
    expect(toHex(done.cursor.subarray(4))).toBe(envs[envs.length - 1])
    cursor = Uint8Array.from(done.cursor)
  }
}

describe('Waku mail server (status-go v0.78.0 WakuMailServer)', () => {
  it('pages 1,000 archived envelopes by limit 100 in both request forms: every envelope once, in order', async () => {
    const m = await mailNode()
    const all = (await seed(m.archive, 40, 25)).map(hex)
    const a = await asker(m.node)
    const byEnvelope = await pageThrough((p) => a.askEnvelope(a.payload(p)), { limit: 100 })
    expect(byEnvelope.map((p) => p.length)).toEqual(Array(10).fill(100))
    expect(byEnvelope.flat()).toEqual(all)
    const byRequest = await pageThrough(a.askRequest, { limit: 100 })
    expect(byRequest.map((p) => p.length)).toEqual(Array(10).fill(100))
    expect(byRequest.flat()).toEqual(all)
    expect(m.server.stats()).toMatchObject({ pages: 20, rateLimited: 0, refused: 0 })
  })

  it('matches by bloom, takes a 40-byte DB key as the cursor, and reads limit 0 as 1000', async () => {
    const m = await mailNode()
    const all = await seed(m.archive, 3, 10, (i) => (i % 3 === 2 ? OTHER_TOPIC : TOPIC))
    const want = all.filter((_, i) => i % 3 !== 2).map(hex)
    const a = await asker(m.node)
    const first = await a.askRequest({ bloom: topicBloom(TOPIC), topics: [TOPIC], limit: 5 })
    expect(first.envs).toEqual(want.slice(0, 5))
    if (!first.done.ok || !first.done.cursor) throw new Error('expected a cursor')
    const rest = await a.askEnvelope(a.payload({ bloom: topicBloom(TOPIC), cursor: concatBytes(first.done.cursor, TOPIC) }))
    expect(rest.envs).toEqual(want.slice(5))
    expect(rest.done).toMatchObject({ ok: true, cursor: null })
  })

  it('answers a bad request with status-go\'s error in a request-complete, stays connected and answers the next', async () => {
    const m = await mailNode()
    await seed(m.archive, 1, 3)
    const a = await asker(m.node)
    const errorOf = (r: { done: RequestComplete }) => (r.done.ok ? 'ok' : r.done.error)
    expect(errorOf(await a.askRequest({ cursor: new Uint8Array(20) }))).toBe('request is invalid: cursor of 20 bytes, expected 36 (or a 40-byte key)')
    expect(errorOf(await a.askRequest({ limit: 1001 }))).toBe('request is invalid: limit exceeds the maximum allowed value')
    expect(errorOf(await a.askRequest({ lower: range.upper, upper: range.lower }))).toBe('request is invalid: query range is invalid: lower > upper')
    expect(errorOf(await a.askEnvelope(a.payload({}), 'wrong password'))).toBe('failed to decrypt p2p request')
    // the whisper server's byte form, which statusd's Waku mail server refuses the same way
    expect(errorOf(await a.askEnvelope(encodeMailRequestPayload(6, { ...range, limit: 10 })))).toMatch(/^failed to decode data: /)
    expect(errorOf(await a.askEnvelope(a.payload({ bloom: new Uint8Array(0) })))).toBe('request is invalid: bloom filter is empty')
    const good = await a.askEnvelope(a.payload({ limit: 10 }))
    expect(good.envs).toHaveLength(3)
    expect(good.done).toMatchObject({ ok: true, cursor: null })
    expect(a.peer.closed).toBe(false)
    expect(m.server.stats()).toMatchObject({ refused: 6, answered: 1 })
  })

  it('a peer over the request rate gets "rate limit exceeded" under its request id', async () => {
    const m = await mailNode({ burst: 1, refillMs: 600_000 })
    await seed(m.archive, 1, 2)
    const a = await asker(m.node)
    expect((await a.askRequest({ limit: 10 })).done).toMatchObject({ ok: true, cursor: null })
    const over = await a.askRequest({ limit: 10 })
    expect(over.done).toMatchObject({ ok: false, error: 'rate limit exceeded' })
    expect(over.envs).toEqual([])
  })

  it('reads status-go\'s own sealed requests (fixtures/waku1-statusgo.json) as it does', () => {
    const vectors = JSON.parse(readFileSync(new URL('../../fixtures/waku1-statusgo.json', import.meta.url), 'utf8')) as { entries: Array<{ kind: string; protocol: string; name: string; rlp: string; fields: Record<string, any> }> }
    const sealedByStatusGo = vectors.entries.filter((e) => e.kind === 'messages-request-envelope' && e.protocol === 'waku/1')
    expect(sealedByStatusGo.length).toBeGreaterThanOrEqual(2)
    for (const e of sealedByStatusGo) {
      const req = decodeP2PRequest(fromHex(e.rlp))
      if (req.form !== 'envelope') throw new Error(`${e.name}: not read as an envelope`)
      const f = e.fields
      const c = checkWakuEnvelopeRequest(req.envelope, { symKey: symKeyFromPassword(f.sealInputs.symKeyPassword), minPow: 0, now: f.sealInputs.now })
      if (!c.ok) throw new Error(`${e.name}: ${c.message}`)
      const p = f.requestPayload
      expect(toHex(c.requestId)).toBe(f.requestId)
      expect(c.query).toMatchObject({ shh: 6, lower: p.lower, upper: p.upper, limit: p.limit === 0 ? 1000 : p.limit })
      expect(toHex(c.query.bloom!)).toBe(p.bloom)
      expect(c.payload.topics.map(toHex)).toEqual(p.topics)
      expect(c.query.cursor ? toHex(encodeCursor(c.query.cursor.sent, c.query.cursor.hash)) : '').toBe(p.cursor)
    }
  })

  it('our mail client pages over waku by itself in the envelope form, each envelope once, in order', async () => {
    const m = await mailNode({ burst: 1, refillMs: 600_000 })
    const all = await seed(m.archive, 5, 9)
    const client = await net.node({ protocols: ['waku/1'], name: 'client' })
    const got: string[] = []
    client.on('p2pMessage', (_from: string, env: Envelope) => got.push(hex(env)))
    client.addPeer(m.node.enode)
    await until(() => client.peers().length === 1, 'connected')
    const pages: HistoryPage[] = []
    const r = await fetchHistory(client, { mailserver: m.node.enode, password: PASSWORD, ...range, pow: 0.001, pageLimit: 10, onPage: (p) => pages.push(p) })
    expect(r).toMatchObject({ status: 'complete', envelopes: 45, pages: 5, net: 'waku' })
    expect(pages.map((p) => [p.envelopes, p.more])).toEqual([[10, true], [10, true], [10, true], [10, true], [5, false]])
    expect(got).toEqual(all.map(hex))
  })
})
