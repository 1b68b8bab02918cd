// Hostile and malformed input against a real node's RPC endpoint: every request gets a JSON-RPC
// answer (or geth's HTTP status), nothing crashes, and the endpoint keeps serving afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { httpClient, startRpcNode, type RpcNode } from './harness.js'

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const METHODS = ['shh_post', 'shh_newMessageFilter', 'shh_setBloomFilter', 'shh_addPrivateKey', 'shh_markTrustedPeer', 'admin_addPeer', 'shh_subscribe', 'shh_getFilterMessages', 'web3_sha3', 'shh_setMinPoW']
const VALUES: unknown[] = [null, true, 0, -1, 1e308, 4294967296, 0.5, '', '0x', '0xzz', '0x123', 'abc', '0x' + 'ff'.repeat(64), [], {}, [[[]]], { symKeyID: 'x' }, { pubKey: '0x04' }, { topics: [1, '0x12', null] }, 'enode://x@y:z', 'enr:###']

function randomRequest(r: () => number): string {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]
  const params = Array.from({ length: Math.floor(r() * 3) }, () => pick(VALUES))
  const body = JSON.stringify({ jsonrpc: '2.0', id: Math.floor(r() * 1000), method: pick(METHODS), params: r() < 0.1 ? pick(VALUES) : params })
  if (r() < 0.3) {
    // byte-level damage: cut, duplicate or replace a character
    const i = Math.floor(r() * body.length)
    const k = Math.floor(r() * 3)
    return k === 0 ? body.slice(0, i) : k === 1 ? body.slice(0, i) + body.slice(i - 1) : body.slice(0, i) + pick(['{', '"', ']', '\\', '\u0000', 'é']) + body.slice(i + 1)
  }
  return body
}

describe('malformed and abusive requests', () => {
  let n: RpcNode
  beforeAll(async () => {
    // hundreds of requests in a few seconds from one address: past the per-address request rate
    // (its own test is in transport.test.ts), so the rate is raised here to reach the RPC behind it
    n = await startRpcNode({}, { limits: { requestRate: { burst: 10_000, perSecond: 10_000 } } })
  })
  afterAll(() => n.close())

  const post = async (body: string): Promise<{ status: number; text: string }> => {
    const r = await fetch(n.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    return { status: r.status, text: await r.text() }
  }

  it('seeded fuzz over HTTP: always 200 with JSON-RPC errors or results', async () => {
    const r = rng(7)
    for (let i = 0; i < 300; i++) {
      const body = randomRequest(r)
      const res = await post(body)
      expect(res.status, body).toBe(200)
      if (res.text === '') continue // a notification or an empty body: geth writes nothing
      const msg = JSON.parse(res.text)
      for (const m of Array.isArray(msg) ? msg : [msg]) {
        expect(m.jsonrpc).toBe('2.0')
        expect('result' in m || (typeof m.error?.code === 'number' && typeof m.error?.message === 'string'), body).toBe(true)
      }
    }
    expect((await httpClient(n.url).call('shh_version')).result).toBe('6.0')
  })

  it('bad JSON, deep nesting, non-objects, oversize batches', async () => {
    expect(JSON.parse((await post('{"id":1,')).text).error).toEqual({ code: -32700, message: 'parse error' })
    expect(JSON.parse((await post('['.repeat(200_000))).text).error).toEqual({ code: -32700, message: 'parse error' })
    expect(JSON.parse((await post('[' + '1,'.repeat(50) + '1]')).text).every((m: any) => m.error.message === 'invalid request')).toBe(true)
    const big = JSON.stringify(Array.from({ length: 5000 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'shh_version' })))
    expect(JSON.parse((await post(big)).text)).toEqual([{ jsonrpc: '2.0', id: 0, error: { code: -32600, message: 'batch too large' } }])
    const pw = JSON.stringify(Array.from({ length: 101 }, (_, i) => ({ id: i, method: 'shh_generateSymKeyFromPassword', params: ['x'] })))
    expect(JSON.parse((await post(pw)).text)[0].error.message).toBe('batch too large')
    const tooLarge = await fetch(n.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(5 * 1024 * 1024 + 1) })
    expect(tooLarge.status).toBe(413)
    expect((await httpClient(n.url).call('net_listening')).result).toBe(true)
  })

  it('WebSocket: garbage frames get parse errors and the connection keeps working', async () => {
    const ws = new WebSocket(n.wsUrl)
    await new Promise((r) => ws.once('open', r))
    const answers: any[] = []
    ws.on('message', (d) => answers.push(JSON.parse(d.toString())))
    const r = rng(11)
    for (let i = 0; i < 100; i++) ws.send(randomRequest(r))
    ws.send(Buffer.from([0xff, 0xfe, 0x00]))
    ws.send('{"jsonrpc":"2.0","id":"last","method":"shh_version"}')
    for (let i = 0; i < 300 && !answers.some((a) => a.id === 'last'); i++) await new Promise((res) => setTimeout(res, 20))
    expect(answers.find((a) => a.id === 'last')).toEqual({ jsonrpc: '2.0', id: 'last', result: '6.0' })
    for (const a of answers.flat()) expect(a.jsonrpc).toBe('2.0')
    await new Promise<void>((res) => {
      ws.once('close', () => res())
      ws.close()
    })
  })
})
