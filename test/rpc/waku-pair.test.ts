// waku_* between two real nodes over RLPx (loopback): one posts with waku_post, the other reads with
// waku_getFilterMessages and waku_subscribe; the envelope travels on the Waku network, the message
// bytes come back in base64 as statusd writes them, and waku_ filters do not see shh traffic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DeliveredMessage } from '../../src/node/index.js'
import { eventually, httpClient, startPair, WsRpcClient, type RpcClient, type RpcNode } from './harness.js'

const TOPIC = '0x01020304'
const b64 = (s: string): Buffer => Buffer.from(s, 'base64')

describe('waku_* between two nodes speaking shh/6 and waku/1', () => {
  let a: RpcNode
  let b: RpcNode
  let ca: RpcClient
  let cb: RpcClient
  let ws: WsRpcClient
  const ok = async (c: RpcClient, method: string, params: unknown[] = []): Promise<any> => {
    const r = await c.call(method, params)
    if (r.error) throw new Error(`${method}: unexpected error ${JSON.stringify(r.error)}`)
    return r.result
  }

  beforeAll(async () => {
    ;[a, b] = await startPair({ protocols: ['shh/6', 'waku/1'] })
    // both networks up between them (two peers over one connection)
    await eventually(async () => (a.node.peers().filter((p) => p.net === 'waku').length > 0 && b.node.peers().filter((p) => p.net === 'waku').length > 0 ? true : undefined))
    ca = httpClient(a.url)
    cb = httpClient(b.url)
    ws = new WsRpcClient(b.wsUrl)
  })
  afterAll(async () => {
    await ws?.close()
    await Promise.all([a?.close(), b?.close()])
  })

  it('waku_post on one node, waku_getFilterMessages and waku_subscribe on the other: base64 both ways, on the Waku network', async () => {
    const key = await ok(ca, 'waku_generateSymKeyFromPassword', ['pair'])
    const keyB = await ok(cb, 'waku_generateSymKeyFromPassword', ['pair'])
    const filter = await ok(cb, 'waku_newMessageFilter', [{ symKeyID: keyB, topics: [TOPIC] }])
    const sub = await ok(ws, 'waku_subscribe', ['messages', { symKeyID: keyB, topics: [TOPIC] }])
    const onB: DeliveredMessage[] = []
    // a node filter of the Waku network only: what reaches it came on waku
    b.node.subscribe({ net: 'waku', topics: [b64('AQIDBA==')], symKey: Buffer.from((await ok(cb, 'waku_getSymKey', [keyB])).slice(2), 'hex') }, (m) => onB.push(m))

    // "0x68656c6c6f" is base64 text to statusd (9 bytes), and so it is here
    const hash = await ok(ca, 'waku_post', [{ symKeyID: key, topic: TOPIC, payload: '0x68656c6c6f', padding: 'AAEC', powTarget: 0.01, powTime: 2, ttl: 30 }])
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/)
    const msgs = await eventually(async () => {
      const got = await ok(cb, 'waku_getFilterMessages', [filter])
      return got.length > 0 ? got : undefined
    })
    expect(msgs).toHaveLength(1)
    const m = msgs[0]
    expect(Object.keys(m)).toEqual(['ttl', 'timestamp', 'topic', 'payload', 'padding', 'pow', 'hash'])
    expect(m).toMatchObject({ ttl: 30, topic: TOPIC, payload: '0x68656c6c6f', padding: 'AAEC' })
    // the answer of waku_post is hex, the same hash in a message is base64
    expect('0x' + b64(m.hash).toString('hex')).toBe(hash)
    const n = await ws.notification((x) => x.subscription === sub)
    expect(n.result).toEqual(m)
    // the node itself opened 9 bytes, on the Waku network
    const own = await eventually(async () => onB.find((x) => '0x' + Buffer.from(x.hash).toString('hex') === hash))
    expect(own.payload).toEqual(new Uint8Array(b64('0x68656c6c6f')))
    expect(own.payload).toHaveLength(9)
  })

  it('waku_ filters read Waku traffic only; shh_ posts stay on shh/6', async () => {
    const wk = await ok(cb, 'waku_generateSymKeyFromPassword', ['nets'])
    const sk = await ok(cb, 'shh_generateSymKeyFromPassword', ['nets'])
    const wakuFilter = await ok(cb, 'waku_newMessageFilter', [{ symKeyID: wk, topics: [TOPIC] }])
    const shhFilter = await ok(cb, 'shh_newMessageFilter', [{ symKeyID: sk, topics: [TOPIC] }])
    const keyA = await ok(ca, 'shh_generateSymKeyFromPassword', ['nets'])
    const shhHash = await ok(ca, 'shh_post', [{ symKeyID: keyA, topic: TOPIC, payload: '0x01', powTarget: 0.01, powTime: 2 }])
    const viaShh = await eventually(async () => {
      const got = await ok(cb, 'shh_getFilterMessages', [shhFilter])
      return got.length > 0 ? got : undefined
    })
    expect(viaShh.map((x: { hash: string }) => x.hash)).toEqual([shhHash])
    const wakuHash = await ok(ca, 'waku_post', [{ symKeyID: keyA, topic: TOPIC, payload: 'Ag==', powTarget: 0.01, powTime: 2 }])
    // the shh one reached B before this was posted: had the waku filter taken shh traffic, it would hold it now
    const viaWaku = await eventually(async () => {
      const got = await ok(cb, 'waku_getFilterMessages', [wakuFilter])
      return got.length > 0 ? got : undefined
    })
    expect(viaWaku.map((x: { hash: string; payload: string }) => ['0x' + b64(x.hash).toString('hex'), x.payload])).toEqual([[wakuHash, 'Ag==']])
    expect(b.node.peers().map((p) => p.cap).sort()).toEqual(['shh/6', 'waku/1'])
  })

  it('admin_peers lists a peer on both networks once, with both capabilities and protocols, as geth does', async () => {
    const peers = await ok(ca, 'admin_peers')
    expect(peers).toHaveLength(1)
    expect(peers[0].id).toBeTypeOf('string')
    expect(peers[0].caps).toEqual(['shh/6', 'waku/1'])
    // geth keys protocols by each running protocol's name; neither registers a PeerInfo function
    expect(peers[0].protocols).toEqual({ shh: 'unknown', waku: 'unknown' })
    expect(await ok(ca, 'net_peerCount')).toBe('0x1')
  })

  it('admin_nodeInfo names both protocols the node runs, as statusd v0.78.0 does', async () => {
    const info = await ok(ca, 'admin_nodeInfo')
    const shh = { maxMessageSize: a.node.maxMessageSize, minimumPoW: a.node.minPow }
    expect(info.protocols).toEqual({ shh: { ...shh, version: '6.0' }, waku: { ...shh, version: '1' } })
  })
})
