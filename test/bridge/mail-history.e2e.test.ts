// A bridge room gets what was said before it joined from a mail server, stored and served marked
// `history`, merged with what the room store already had (one copy per message).
import { afterEach, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { WhisperNode } from '../../src/node/index.js'
import { Archive } from '../../src/node/archive.js'
import { MailServer } from '../../src/node/mailserver.js'
import { fetchChatHistory } from '../../src/cli/chat-history.js'
import { symKeyFromPassword } from '../../src/whisper/crypto.js'
import { Harness, TEST_POW, eventually } from './harness.js'
import { http } from './http-client.js'
import { budget } from '../support/budget.js'

const TOPIC = 'a1b2c3d4'
const PASSWORD = 'history room'
let h: Harness
let ms: { node: WhisperNode; server: MailServer; dir: string } | null = null
afterEach(async () => {
  await h?.close()
  if (ms) {
    await ms.node.stop()
    ms.server.close()
    rmSync(ms.dir, { recursive: true, force: true })
    ms = null
  }
})

it('a room joined later shows the mail server\'s history, marked, once', async () => {
  h = new Harness()
  const dir = mkdtempSync(join(tmpdir(), 'p2pm-bridge-ms-'))
  const node = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, bootnodes: [], minPow: TEST_POW, relay: true, verbosity: 0 })
  const server = new MailServer(node, { password: 'mailpw', archive: await Archive.open({ dir, flushMs: 5 }), minPow: TEST_POW })
  await node.start()
  ms = { node, server, dir }
  // said while the bridge was away, with a TTL short enough to be gone from every pool
  const talker = await h.node({ staticPeers: [node.enode] })
  await talker.waitForPeer(10_000)
  await talker.post({ topic: Buffer.from(TOPIC, 'hex'), payload: new TextEncoder().encode('said earlier'), symKey: symKeyFromPassword(PASSWORD), ttl: 2, pow: TEST_POW, workTime: 2 })
  await eventually(async () => (server.archive.stats().envelopes === 1 && node.stats().poolSize === 0 ? true : undefined), 'archived and expired', 15_000)

  const bridgeNode = await h.node({ staticPeers: [node.enode] })
  bridgeNode.markTrusted(node.enode)
  await bridgeNode.waitForPeer(10_000)
  const bridge = await h.bridge(bridgeNode)
  const room = (await http(bridge.url, '/api/rooms', { method: 'POST', json: { topic: TOPIC, password: PASSWORD } })).json.room
  const lines = await fetchChatHistory(bridgeNode, { mailservers: [node.enode], password: 'mailpw', seconds: 3600 }, { topic: Buffer.from(TOPIC, 'hex'), pow: TEST_POW, work: 2 }, 10_000)
  // asked in pages (shh/6): one page, ended by the server's request-complete
  expect(lines[0]).toMatch(/^history: complete from mail server [0-9a-f]{16} \(1 envelope\(s\) received over shh\/6 in 1 page\(s\)\)$/)
  const msgs = (await http(bridge.url, `/api/rooms/${room}/messages`)).json.messages
  expect(msgs).toEqual([expect.objectContaining({ text: 'said earlier', history: true, mine: false })])
  // asked again: the same envelope is not stored twice
  await fetchChatHistory(bridgeNode, { mailservers: [node.enode], password: 'mailpw', seconds: 3600 }, { topic: Buffer.from(TOPIC, 'hex'), pow: TEST_POW, work: 2 }, 10_000)
  expect((await http(bridge.url, `/api/rooms/${room}/messages`)).json.messages).toHaveLength(1)
  // a live message is not marked
  await talker.post({ topic: Buffer.from(TOPIC, 'hex'), payload: new TextEncoder().encode('live now'), symKey: symKeyFromPassword(PASSWORD), ttl: 50, pow: TEST_POW, workTime: 2 })
  const live = await eventually(async () => {
    const m = (await http(bridge.url, `/api/rooms/${room}/messages`)).json.messages
    return m.length === 2 ? m[1] : undefined
  }, 'live message', 15_000)
  expect(live).toMatchObject({ text: 'live now', history: false })
}, budget(60_000))
