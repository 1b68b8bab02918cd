import { request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createAccessPolicy } from '../../src/http/access.js'
import { resolveHttpLimits } from '../../src/http/limits.js'
import { HttpServer } from '../../src/http/server.js'
import { mountRpc, RpcEndpoint } from '../../src/rpc/endpoint.js'
import { T } from '../../src/rpc/gotypes.js'
import { RpcServer } from '../../src/rpc/jsonrpc.js'

function makeServer(): { s: RpcServer; push: (v: unknown) => void } {
  const s = new RpcServer()
  const listeners = new Set<(v: unknown) => void>()
  s.register('test', 'echo', { params: [T.string], call: ([x]) => x })
  s.registerSubscription('test', 'feed', {
    params: [],
    subscribe: (_a, notify) => {
      listeners.add(notify)
      return () => listeners.delete(notify)
    },
  })
  return { s, push: (v) => listeners.forEach((l) => l(v)) }
}

async function post(url: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<{ status: number; text: string; type: string | null }> {
  const r = await fetch(url, { method: 'POST', body, headers })
  return { status: r.status, text: await r.text(), type: r.headers.get('content-type') }
}

function rawRequest(url: string, method: string, headers: Record<string, string | number>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c) => (text += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.on('error', reject)
    if (body !== undefined) req.write(body)
    req.end()
  })
}

class WsClient {
  readonly ws: WebSocket
  private readonly inbox: unknown[] = []
  private waiters: (() => void)[] = []
  closeCode: number | null = null
  constructor(url: string, opts?: WebSocket.ClientOptions) {
    this.ws = new WebSocket(url, opts)
    this.ws.on('message', (d) => {
      this.inbox.push(JSON.parse(d.toString()))
      this.waiters.splice(0).forEach((w) => w())
    })
    this.ws.on('close', (code) => {
      this.closeCode = code
      this.waiters.splice(0).forEach((w) => w())
    })
  }
  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve())
      this.ws.once('error', reject)
    })
  }
  async next(): Promise<any> {
    while (this.inbox.length === 0) {
      if (this.closeCode !== null) throw new Error(`closed ${this.closeCode}`)
      await new Promise<void>((r) => this.waiters.push(r))
    }
    return this.inbox.shift()
  }
  async closed(): Promise<number> {
    while (this.closeCode === null) await new Promise<void>((r) => this.waiters.push(r))
    return this.closeCode
  }
  close(): void {
    this.ws.close()
  }
}

describe('standalone RPC endpoint (--rpc-addr), loopback without token', () => {
  let ep: RpcEndpoint
  let push: (v: unknown) => void
  beforeAll(async () => {
    const m = makeServer()
    push = m.push
    ep = await RpcEndpoint.start(m.s, { host: '127.0.0.1', port: 0, http: { maxBodyBytes: 1000 } })
  })
  afterAll(() => ep.close())

  it('HTTP POST: geth framing (application/json, newline-terminated)', async () => {
    const r = await post(ep.url, '{"jsonrpc":"2.0","id":1,"method":"test_echo","params":["x"]}')
    expect(r).toEqual({ status: 200, text: '{"jsonrpc":"2.0","id":1,"result":"x"}\n', type: 'application/json' })
    expect((await post(ep.url + '/any/path', '[]')).text).toBe('{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"empty batch"}}\n')
    expect((await post(ep.url, '{"id":1,"method":"test_echo","params":["y"]}', { 'content-type': 'application/json-rpc; charset=utf-8' })).status).toBe(200)
  })

  it("HTTP rules of geth's validateRequest", async () => {
    expect(await rawRequest(ep.url, 'GET', {})).toEqual({ status: 200, text: '' })
    expect(await rawRequest(ep.url, 'PUT', { 'content-type': 'application/json' }, '{}')).toEqual({ status: 405, text: 'method not allowed\n' })
    expect(await rawRequest(ep.url, 'DELETE', {})).toEqual({ status: 405, text: 'method not allowed\n' })
    expect(await post(ep.url, '{}', { 'content-type': 'text/plain' })).toMatchObject({
      status: 415,
      text: 'invalid content type, only application/json is supported\n',
    })
    expect(await rawRequest(ep.url, 'POST', { 'content-type': 'application/json', 'content-length': 5000 })).toEqual({
      status: 413,
      text: 'content length too large (5000>1000)\n',
    })
    // without a declared length the body is cut at the limit, then read as JSON (parse error here)
    const chunked = await rawRequest(ep.url, 'POST', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, `{"id":1,"method":"test_echo","params":["${'a'.repeat(2000)}"]}`)
    expect(chunked).toEqual({ status: 200, text: '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}\n' })
  })

  it('refuses foreign Host names and browser origins', async () => {
    expect((await rawRequest(ep.url, 'POST', { host: 'evil.example:80', 'content-type': 'application/json' }, '{}')).status).toBe(403)
    expect((await post(ep.url, '{}', { 'content-type': 'application/json', origin: 'http://evil.example' })).status).toBe(403)
  })

  it('WebSocket: calls, subscription notifications after the answer, unsubscribe', async () => {
    const c = new WsClient(ep.wsUrl)
    await c.open()
    c.ws.send('{"jsonrpc":"2.0","id":1,"method":"test_echo","params":["ws"]}')
    expect(await c.next()).toEqual({ jsonrpc: '2.0', id: 1, result: 'ws' })
    c.ws.send('{"jsonrpc":"2.0","id":2,"method":"test_subscribe","params":["feed"]}')
    const sub = (await c.next()).result
    push({ n: 1 })
    expect(await c.next()).toEqual({ jsonrpc: '2.0', method: 'test_subscription', params: { subscription: sub, result: { n: 1 } } })
    c.ws.send(Buffer.from(`{"jsonrpc":"2.0","id":3,"method":"test_unsubscribe","params":["${sub}"]}`)) // binary frames work too
    expect(await c.next()).toEqual({ jsonrpc: '2.0', id: 3, result: true })
    c.ws.send('not json')
    expect((await c.next()).error).toEqual({ code: -32700, message: "invalid character 'o' in literal null (expecting 'u')" })
    c.close()
    await c.closed()
  })

  it('WebSocket: a frame over the limit closes the connection (1009)', async () => {
    const small = makeServer()
    const ep2 = await RpcEndpoint.start(small.s, { host: '127.0.0.1', port: 0, ws: { maxMessageBytes: 100 } })
    const c = new WsClient(ep2.wsUrl)
    await c.open()
    c.ws.send('x'.repeat(200))
    expect(await c.closed()).toBe(1009)
    await ep2.close()
  })
})

describe('RPC endpoint with a token', () => {
  const token = 'rpc-test-token-0123456789'
  let ep: RpcEndpoint
  beforeAll(async () => {
    ep = await RpcEndpoint.start(makeServer().s, { host: '127.0.0.1', port: 0, token })
  })
  afterAll(() => ep.close())

  it('needs the token on HTTP (Bearer or ?token=) and on WebSocket upgrades', async () => {
    const body = '{"id":1,"method":"test_echo","params":["t"]}'
    expect(await post(ep.url, body)).toMatchObject({ status: 401, text: 'access token required\n' })
    expect((await post(ep.url, body, { 'content-type': 'application/json', authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401)
    expect((await post(ep.url, body, { 'content-type': 'application/json', authorization: `Bearer ${token}` })).text).toBe('{"jsonrpc":"2.0","id":1,"result":"t"}\n')
    expect((await post(`${ep.url}/?token=${token}`, body)).status).toBe(200)
    const denied = new WebSocket(ep.wsUrl)
    denied.on('error', () => {})
    const status = await new Promise<number>((resolve) =>
      denied.on('unexpected-response', (req, res) => {
        resolve(res.statusCode ?? 0)
        req.destroy()
      }),
    )
    expect(status).toBe(401)
    const c = new WsClient(`${ep.wsUrl}/?token=${token}`)
    await c.open()
    c.ws.send(body)
    expect((await c.next()).result).toBe('t')
    c.close()
    await c.closed()
  })
})

/** WebSocket upgrade status: 101 when it opened, else the refusal's status. */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url)
    ws.on('error', () => {})
    ws.on('open', () => {
      ws.close()
      resolve(101)
    })
    ws.on('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0)
      req.destroy()
    })
  })
}

describe('standalone RPC endpoint: the limits of the HTTP server it shares with the bridge', () => {
  const body = '{"id":1,"method":"test_echo","params":["r"]}'

  it('answers 429 past the per-address request rate, on HTTP and on WebSocket upgrades', async () => {
    const ep = await RpcEndpoint.start(makeServer().s, { host: '127.0.0.1', port: 0, limits: { requestRate: { burst: 3, perSecond: 0.001 } } })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 3; i++) statuses.push((await post(ep.url, body)).status)
      expect(statuses).toEqual([200, 200, 200])
      // refused as geth's net/http refuses: plain text, the message and a newline
      expect(await post(ep.url, body)).toEqual({ status: 429, text: 'too many requests, slow down\n', type: 'text/plain; charset=utf-8' })
      expect(await upgradeStatus(ep.wsUrl)).toBe(429)
    } finally {
      await ep.close()
    }
  })

  it('caps connections per address', async () => {
    const ep = await RpcEndpoint.start(makeServer().s, { host: '127.0.0.1', port: 0, limits: { maxHttpConnectionsPerAddress: 3 } })
    const sockets: Socket[] = []
    try {
      let closed = 0
      for (let i = 0; i < 5; i++) {
        const socket = connect({ host: '127.0.0.1', port: ep.address().port, allowHalfOpen: true })
        socket.on('error', () => {})
        // the server's FIN (with allowHalfOpen only the server can end the connection)
        let ended = false
        const onEnd = (): void => {
          if (!ended) closed++
          ended = true
        }
        socket.once('end', onEnd)
        socket.once('close', onEnd)
        await new Promise<void>((r) => socket.once('connect', () => r()))
        sockets.push(socket)
      }
      const end = Date.now() + 3000
      while (closed < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
      await new Promise((r) => setTimeout(r, 200))
      expect(closed).toBe(2)
      // when they go, others get in again
      for (const sk of sockets) sk.destroy()
      await new Promise((r) => setTimeout(r, 200))
      expect((await post(ep.url, body)).status).toBe(200)
    } finally {
      for (const sk of sockets) sk.destroy()
      await ep.close()
    }
  })

  it('limits wrong tokens per address: after the burst even the right token waits', async () => {
    const token = 'rpc-test-token-0123456789'
    const ep = await RpcEndpoint.start(makeServer().s, { host: '127.0.0.1', port: 0, token, limits: { authFailureRate: { burst: 2, perSecond: 0.01 } } })
    try {
      const statuses: number[] = []
      for (let i = 0; i < 4; i++) statuses.push((await post(ep.url, body, { 'content-type': 'application/json', authorization: `Bearer wrong-token-${i}-xxxxxxxx` })).status)
      expect(statuses).toEqual([401, 401, 429, 429])
      expect((await post(ep.url, body, { 'content-type': 'application/json', authorization: `Bearer ${token}` })).status).toBe(429)
      expect(await upgradeStatus(`${ep.wsUrl}/?token=${token}`)).toBe(429)
    } finally {
      await ep.close()
    }
  })
})

describe('mounted on the bridge server under /rpc', () => {
  let bridge: HttpServer
  beforeAll(async () => {
    bridge = new HttpServer({ host: '127.0.0.1', port: 0, policy: createAccessPolicy({ bindHost: '127.0.0.1' }), limits: resolveHttpLimits() })
    mountRpc(bridge, makeServer().s)
    await bridge.listen()
  })
  afterAll(() => bridge.close())

  it('serves HTTP and WebSocket JSON-RPC at /rpc, nothing else', async () => {
    expect((await post(`${bridge.url}/rpc`, '{"id":1,"method":"test_echo","params":["b"]}')).text).toBe('{"jsonrpc":"2.0","id":1,"result":"b"}\n')
    const c = new WsClient(`${bridge.url.replace('http', 'ws')}/rpc`)
    await c.open()
    c.ws.send('{"id":2,"method":"test_echo","params":["w"]}')
    expect((await c.next()).result).toBe('w')
    c.close()
    await c.closed()
    expect((await post(`${bridge.url}/elsewhere`, '{}')).status).toBe(404)
  })
})
