// The end-to-end case: a message posted with shh_post on node A reaches node B (peered over
// RLPx) through a poll filter (HTTP) and a subscription (WebSocket), and a real `p2pmessage` chat
// process connected to B in the same room prints it; a line typed in that chat comes back to A's filter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addressOf, publicKeyOf } from '../../src/whisper/crypto.js'
import { keccak256 } from '../../src/whisper/keccak.js'
import { Cli, CHAT_LINE, ensureBuilt, LOCAL } from '../cli/harness.js'
import { eventually, httpClient, startPair, WsRpcClient, type RpcNode } from './harness.js'

const PASSWORD = 'rpc e2e room'
const TOPIC = 'a1b2c3d4'
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const utf8hex = (s: string): string => '0x' + Buffer.from(s, 'utf8').toString('hex')

describe('shh_post on one node, received on another over RLPx', () => {
  let a: RpcNode
  let b: RpcNode
  let chat: Cli | null = null
  let ws: WsRpcClient | null = null

  beforeAll(async () => {
    ensureBuilt()
    ;[a, b] = await startPair()
  })
  afterAll(async () => {
    await chat?.dispose()
    await ws?.close()
    await Promise.all([a?.close(), b?.close()])
  })

  it('through a filter, a subscription and a CLI chat client in the same room', async () => {
    const ha = httpClient(a.url)
    const hb = httpClient(b.url)
    ws = new WsRpcClient(b.wsUrl)
    const r = async (c: { call: typeof ha.call }, m: string, p: unknown[] = []): Promise<any> => {
      const res = await c.call(m, p)
      if (res.error) throw new Error(`${m}: ${res.error.message}`)
      return res.result
    }

    chat = new Cli([...LOCAL, '--enode', b.node.enode, '--topic', TOPIC, '--password', PASSWORD])
    await chat.waitFor(/^Connected to peer,you can type message now\.$/)

    const keyB = await r(hb, 'shh_generateSymKeyFromPassword', [PASSWORD])
    const filter = await r(hb, 'shh_newMessageFilter', [{ symKeyID: keyB, topics: ['0x' + TOPIC] }])
    const keyBws = await r(ws, 'shh_generateSymKeyFromPassword', [PASSWORD])
    const sub = await r(ws, 'shh_subscribe', ['messages', { symKeyID: keyBws, topics: ['0x' + TOPIC] }])

    const keyA = await r(ha, 'shh_generateSymKeyFromPassword', [PASSWORD])
    const signer = await r(ha, 'shh_newKeyPair')
    const signerPub: string = await r(ha, 'shh_getPublicKey', [signer])
    const address = Buffer.from(addressOf(Buffer.from(signerPub.slice(2), 'hex'))).toString('hex')
    const text = 'hello from shh_post ✓'
    const hash = await r(ha, 'shh_post', [{ symKeyID: keyA, sig: signer, topic: '0x' + TOPIC, payload: utf8hex(text), ttl: 60, powTarget: 0.01, powTime: 2 }])

    const [viaFilter] = await eventually(async () => {
      const got = await r(hb, 'shh_getFilterMessages', [filter])
      return got.length > 0 ? got : undefined
    })
    expect(viaFilter).toMatchObject({ sig: signerPub, ttl: 60, topic: '0x' + TOPIC, payload: utf8hex(text), hash })

    const viaSub = await ws.notification((n) => n.subscription === sub)
    expect(viaSub.result).toEqual(viaFilter)

    const line = await chat.waitFor(new RegExp(`: ${text}$`))
    const m = CHAT_LINE.exec(line)
    expect(m?.[3]).toBe(address)

    // and the other way: a line typed in the chat reaches A's filter
    const filterA = await r(ha, 'shh_newMessageFilter', [{ symKeyID: keyA, topics: ['0x' + TOPIC] }])
    chat.write('hello from the chat\n')
    const fromChat = await eventually(async () => {
      const got: any[] = await r(ha, 'shh_getFilterMessages', [filterA])
      return got.find((x) => x.payload === utf8hex('hello from the chat'))
    })
    expect(fromChat.sig).toMatch(/^0x04[0-9a-f]{128}$/)
    expect(fromChat.sig).not.toBe(signerPub)
  })

  it('shh_post with targetPeer: a direct (p2p) message to a trusted peer, seen by filters allowing p2p', async () => {
    const ha = httpClient(a.url)
    const hb = httpClient(b.url)
    const r = async (c: typeof ha, m: string, p: unknown[] = []): Promise<any> => {
      const res = await c.call(m, p)
      if (res.error) throw new Error(`${m}: ${res.error.message}`)
      return res.result
    }
    expect(await r(hb, 'shh_markTrustedPeer', [a.node.enode])).toBe(true)
    const keyB = await r(hb, 'shh_addSymKey', ['0x' + '11'.repeat(32)])
    const filter = await r(hb, 'shh_newMessageFilter', [{ symKeyID: keyB, topics: ['0x0a0b0c0d'], allowP2P: true }])
    const keyA = await r(ha, 'shh_addSymKey', ['0x' + '11'.repeat(32)])
    // no PoW needed for a direct message (geth skips the minimum check)
    const hash = await r(ha, 'shh_post', [{ symKeyID: keyA, topic: '0x0a0b0c0d', payload: '0x0102', powTarget: 0, targetPeer: b.node.enode }])
    const [m] = await eventually(async () => {
      const got = await r(hb, 'shh_getFilterMessages', [filter])
      return got.length > 0 ? got : undefined
    })
    expect(m).toMatchObject({ payload: '0x0102', hash, topic: '0x0a0b0c0d' })
    const strangerKey = publicKeyOf(new Uint8Array(32).fill(5)).subarray(1)
    const res = await ha.call('shh_post', [{ symKeyID: keyA, topic: '0x0a0b0c0d', payload: '0x01', targetPeer: `enode://${hex(strangerKey)}@127.0.0.1:1` }])
    expect(res.error).toEqual({ code: -32000, message: `Could not find peer with ID: ${hex(keccak256(strangerKey))}` })
  })
})
