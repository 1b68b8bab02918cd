// The bridge and the version gateway: a joined room is carried between a shh/5-only and a shh/6-only
// node, messages show their original sender and `relayedBy`; an own message that reaches no peer is
// marked undelivered in REST and over the WebSocket.
import { afterEach, describe, expect, it } from 'vitest'
import { WhisperNode } from '../../src/node/index.js'
import { addressOf, generatePrivateKey, publicKeyOf, symKeyFromPassword } from '../../src/whisper/crypto.js'
import { toHex } from '../../src/whisper/bytes.js'
import { parseTopic } from '../../src/whisper/topic.js'
import { Harness, TEST_POW, eventually } from './harness.js'
import { http } from './http-client.js'

const TOPIC = 'a1b2c3d4'
const PASSWORD = 'gateway room'

let h: Harness
const extra: WhisperNode[] = []
afterEach(async () => {
  for (const n of extra.splice(0)) await n.stop()
  await h?.close()
})

async function side(shh: 5 | 6, enode: string): Promise<WhisperNode> {
  const n = new WhisperNode({ shhVersions: [shh], staticPeers: [enode], minPow: TEST_POW, verbosity: 0, sealThreads: 1 })
  extra.push(n)
  await n.start()
  await n.waitForPeer(20_000)
  return n
}

describe('bridge rooms across versions', () => {
  it('a joined room is gatewayed: shh/5 and shh/6 nodes see each other, the page sees the original sender', async () => {
    h = new Harness()
    const node = await h.node()
    const bridge = await h.bridge(node)
    const join = await http(bridge.url, '/api/rooms', { method: 'POST', json: { topic: TOPIC, password: PASSWORD } })
    const room = join.json.room
    const v5 = await side(5, node.enode)
    const v6 = await side(6, node.enode)
    const symKey = symKeyFromPassword(PASSWORD)
    const topic = parseTopic(TOPIC)
    const got6: string[] = []
    v6.subscribe({ topics: [topic], symKey }, (m) => got6.push(Buffer.from(m.payload).toString()))
    const alice = generatePrivateKey()
    await v5.post({ topic, symKey, payload: Buffer.from('from v5 via the bridge'), src: alice, ttl: 30, pow: TEST_POW, workTime: 1 })
    await eventually(() => got6.includes('from v5 via the bridge'), 'v6 gets the v5 line')
    const msgs = (await http(bridge.url, `/api/rooms/${room}/messages`)).json.messages
    expect(msgs).toHaveLength(1)
    expect(msgs[0].from).toBe(toHex(addressOf(publicKeyOf(alice))))
    expect(msgs[0].relayedBy).toBeUndefined() // the bridge got the original itself
    const got5: string[] = []
    v5.subscribe({ topics: [topic], symKey }, (m) => got5.push(Buffer.from(m.payload).toString()))
    const bob = generatePrivateKey()
    await v6.post({ topic, symKey, payload: Buffer.from('from v6'), src: bob, ttl: 30, pow: TEST_POW, workTime: 1 })
    await eventually(async () => (await http(bridge.url, `/api/rooms/${room}/messages`)).json.messages.length === 2, 'bridge stores it')
    await eventually(() => got5.includes('from v6'), 'v5 gets the v6 line')
    expect(node.stats().gatewayCrossed).toBe(2)
  })

  it('behind another gateway, a relayed message is stored from its original sender with relayedBy', async () => {
    h = new Harness()
    const symKey = symKeyFromPassword(PASSWORD)
    const topic = parseTopic(TOPIC)
    const gw = new WhisperNode({ relay: true, listen: { host: '127.0.0.1', port: 0 }, minPow: TEST_POW, verbosity: 0, sealThreads: 1, gatewayRooms: [{ topic, symKey }] })
    extra.push(gw)
    await gw.start()
    const bridgeNode = await side(6, gw.enode)
    const bridge = await h.bridge(bridgeNode)
    const room = (await http(bridge.url, '/api/rooms', { method: 'POST', json: { topic: TOPIC, password: PASSWORD } })).json.room
    const v5 = await side(5, gw.enode)
    const alice = generatePrivateKey()
    await v5.post({ topic, symKey, payload: Buffer.from('crossed once'), src: alice, ttl: 30, pow: TEST_POW, workTime: 1 })
    const [m] = await eventually(async () => {
      const msgs = (await http(bridge.url, `/api/rooms/${room}/messages`)).json.messages
      return msgs.length > 0 ? msgs : undefined
    }, 'the bridge stores the relayed line')
    expect(m.from).toBe(toHex(addressOf(publicKeyOf(alice))))
    expect(m.relayedBy).toBe(toHex(addressOf(gw.publicKey)))
  })

  it('an own message that reached no peer is marked undelivered (REST and WebSocket)', async () => {
    h = new Harness()
    const node = await h.node()
    const bridge = await h.bridge(node, { post: { ttl: 1, pow: TEST_POW, workTime: 1 } })
    const ws = await h.client(bridge)
    const joined = await ws.request({ type: 'join', topic: TOPIC, password: PASSWORD })
    const room = joined.room
    const sent = await ws.request({ type: 'send', room, text: 'into the void' })
    const note = await ws.next((m) => m.type === 'undelivered', 10_000)
    expect(note).toMatchObject({ room, hash: sent.hash, reason: expect.stringMatching(/no peer/) })
    const msgs = (await http(bridge.url, `/api/rooms/${room}/messages`)).json.messages
    expect(msgs).toHaveLength(1)
    expect(msgs[0].undelivered).toMatch(/no peer speaking shh\/5 or shh\/6/)
  })
})
