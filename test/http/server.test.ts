// The HTTP server the bridge and JSON-RPC run on (and mount on: JSON-RPC under /rpc): routing, errors, body limits
// and the access rules, exercised over real sockets.
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { createAccessPolicy, isLoopbackHost, hostOnly } from '../../src/http/access.js'
import { HttpError, readJsonBody, sendJson } from '../../src/http/json.js'
import { resolveHttpLimits } from '../../src/http/limits.js'
import { HttpServer } from '../../src/http/server.js'
import { http } from '../bridge/http-client.js'

const MAX_BODY_BYTES = 100
const servers: HttpServer[] = []
const logged: string[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

async function start(opts: { token?: string; bindHost?: string; allowedOrigins?: string[]; limits?: object } = {}): Promise<HttpServer> {
  const limits = resolveHttpLimits(opts.limits ?? {})
  const policy = createAccessPolicy({ bindHost: opts.bindHost ?? '127.0.0.1', token: opts.token, allowedOrigins: opts.allowedOrigins })
  const s = new HttpServer({ host: '127.0.0.1', port: 0, policy, limits, log: (level, msg) => logged.push(`${level} ${msg}`) })
  s.route('GET', '/hello/:name', (_req, res, p) => sendJson(res, 200, { hi: p.name }))
  s.route('POST', '/echo', async (req, res) => sendJson(res, 200, { got: await readJsonBody(req, MAX_BODY_BYTES) }))
  s.route('GET', '/page', (_req, res) => sendJson(res, 200, { page: true }), { public: true })
  s.route('GET', '/boom', () => {
    throw new Error('secret internals')
  })
  s.route('GET', '/teapot', () => {
    throw new HttpError(418, 'teapot', 'short and stout')
  })
  s.mount('/rpc', (req, res, _p, url) => sendJson(res, 200, { method: req.method, path: url.pathname }))
  s.upgrade('/sock', (req, socket, head) => {
    const wss = new WebSocketServer({ noServer: true })
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send('welcome')
      ws.on('close', () => wss.close())
    })
  })
  await s.listen()
  servers.push(s)
  return s
}

describe('HttpServer routing', () => {
  it('routes by method and path, with params, mounts and JSON errors', async () => {
    const s = await start()
    expect((await http(s.url, '/hello/w%C3%B6rld')).json).toEqual({ hi: 'wörld' })
    const notFound = await http(s.url, '/nothing')
    expect(notFound.status).toBe(404)
    expect(notFound.json.error.code).toBe('not-found')
    const wrongMethod = await http(s.url, '/hello/x', { method: 'DELETE' })
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.allow).toBe('GET')
    expect((await http(s.url, '/rpc', { method: 'POST' })).json).toEqual({ method: 'POST', path: '/rpc' })
    expect((await http(s.url, '/rpc/x/y', { method: 'PUT' })).json).toEqual({ method: 'PUT', path: '/rpc/x/y' })
    expect((await http(s.url, '/rpcx')).status).toBe(404)
    const boom = await http(s.url, '/boom')
    expect(boom.status).toBe(500)
    expect(boom.json).toEqual({ error: { code: 'internal', message: 'internal error' } })
    expect(logged).toContain('1 GET /boom: secret internals')
    expect((await http(s.url, '/teapot')).json).toEqual({ error: { code: 'teapot', message: 'short and stout' } })
  })

  it('reads JSON bodies with type, size and syntax checks', async () => {
    const s = await start()
    expect((await http(s.url, '/echo', { method: 'POST', json: { a: 1 } })).json).toEqual({ got: { a: 1 } })
    const noType = await http(s.url, '/echo', { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'text/plain' } })
    expect(noType.status).toBe(415)
    const big = await http(s.url, '/echo', { method: 'POST', json: { a: 'x'.repeat(200) } })
    expect(big.status).toBe(413)
    expect(big.json.error.code).toBe('payload-too-large')
    // a body that lies about its length (chunked) is cut off while streaming
    const chunked = await http(s.url, '/echo', { method: 'POST', body: JSON.stringify({ a: 'x'.repeat(200) }), headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } })
    expect(chunked.status).toBe(413)
    const bad = await http(s.url, '/echo', { method: 'POST', body: '{"a":', headers: { 'content-type': 'application/json' } })
    expect(bad.status).toBe(400)
    expect(bad.json.error.code).toBe('bad-json')
    const empty = await http(s.url, '/echo', { method: 'POST', body: '', headers: { 'content-type': 'application/json' } })
    expect(empty.status).toBe(400)
  })

  it('limits the request rate per client address', async () => {
    const s = await start({ limits: { requestRate: { burst: 3, perSecond: 0.001 } } })
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await http(s.url, '/hello/a')).status)
    expect(statuses).toEqual([200, 200, 200, 429, 429])
    expect((await http(s.url, '/hello/a')).json.error.code).toBe('rate-limited')
  })
})

describe('access rules', () => {
  it('needs no token on loopback, but only loopback Host names (DNS rebinding)', async () => {
    const s = await start()
    expect(s.policy.token).toBeNull()
    const port = s.address().port
    expect((await http(s.url, '/hello/a', { headers: { host: `localhost:${port}` } })).status).toBe(200)
    expect((await http(s.url, '/hello/a', { headers: { host: `[::1]:${port}` } })).status).toBe(200)
    const rebound = await http(s.url, '/hello/a', { headers: { host: `evil.example:${port}` } })
    expect(rebound.status).toBe(403)
    expect(rebound.json.error.code).toBe('forbidden-host')
    // even the public page is refused to a foreign Host
    expect((await http(s.url, '/page', { headers: { host: 'evil.example' } })).status).toBe(403)
  })

  it('accepts same-origin and configured origins only', async () => {
    const s = await start({ allowedOrigins: ['https://app.example:8443'] })
    const port = s.address().port
    expect((await http(s.url, '/hello/a', { headers: { origin: `http://127.0.0.1:${port}` } })).status).toBe(200)
    expect((await http(s.url, '/hello/a', { headers: { origin: 'https://app.example:8443' } })).status).toBe(200)
    for (const origin of ['https://evil.example', `http://127.0.0.1:${port + 1}`, 'null', 'file://']) {
      const r = await http(s.url, '/hello/a', { headers: { origin } })
      expect(r.status, origin).toBe(403)
      expect(r.json.error.code).toBe('forbidden-origin')
    }
  })

  it('requires a token (generated) when bound beyond loopback, on every route but the page', async () => {
    const s = await start({ bindHost: '0.0.0.0' })
    const token = s.policy.token!
    expect(s.policy.generatedToken).toBe(true)
    expect(token).toMatch(/^[0-9a-f]{48}$/)
    const none = await http(s.url, '/hello/a')
    expect(none.status).toBe(401)
    expect(none.json.error.code).toBe('unauthorized')
    expect((await http(s.url, '/hello/a', { headers: { authorization: 'Bearer wrong-token-000000' } })).status).toBe(401)
    expect((await http(s.url, '/hello/a', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
    expect((await http(s.url, `/hello/a?token=${token}`)).status).toBe(200)
    expect((await http(s.url, `/nothing?token=${token}`)).status).toBe(404)
    expect(logged.join('\n')).not.toContain(token) // the token never reaches the log
    expect((await http(s.url, '/rpc', { method: 'POST' })).status).toBe(401)
    expect((await http(s.url, '/page')).status).toBe(200)
    // with a token the Host name is free (the bridge is meant to be reached by name)
    expect((await http(s.url, '/hello/a', { headers: { authorization: `Bearer ${token}`, host: 'bridge.lan' } })).status).toBe(200)
  })

  it('enforces a given token on loopback too, and refuses weak tokens', async () => {
    const s = await start({ token: 'a-token-of-enough-length' })
    expect(s.policy.generatedToken).toBe(false)
    expect((await http(s.url, '/hello/a')).status).toBe(401)
    expect((await http(s.url, '/hello/a', { headers: { authorization: 'Bearer a-token-of-enough-length' } })).status).toBe(200)
    expect(() => createAccessPolicy({ bindHost: '127.0.0.1', token: 'short' })).toThrow(/16 to 256/)
    expect(() => createAccessPolicy({ bindHost: '127.0.0.1', token: 'has spaces in it, bad' })).toThrow()
  })

  it('applies the same rules to WebSocket upgrades', async () => {
    const s = await start({ bindHost: '0.0.0.0' })
    const wsUrl = s.url.replace('http', 'ws')
    const outcome = (url: string, headers: Record<string, string> = {}): Promise<string> =>
      new Promise((resolve) => {
        const ws = new WebSocket(url, { headers })
        ws.on('message', (d) => {
          ws.close()
          resolve(`message:${d.toString()}`)
        })
        ws.on('unexpected-response', (_req, res) => {
          resolve(`status:${res.statusCode}`)
          res.resume()
          ws.terminate()
        })
        ws.on('error', () => undefined)
      })
    expect(await outcome(`${wsUrl}/sock`)).toBe('status:401')
    expect(await outcome(`${wsUrl}/sock?token=${s.policy.token}`)).toBe('message:welcome')
    expect(await outcome(`${wsUrl}/sock`, { authorization: `Bearer ${s.policy.token}` })).toBe('message:welcome')
    expect(await outcome(`${wsUrl}/sock?token=${s.policy.token}`, { origin: 'https://evil.example' })).toBe('status:403')
    expect(await outcome(`${wsUrl}/elsewhere?token=${s.policy.token}`)).toBe('status:404')
  })
})

describe('address helpers', () => {
  it('recognises loopback hosts and strips ports', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true)
    for (const h of ['0.0.0.0', '192.168.1.2', '::', 'example.com', '128.0.0.1']) expect(isLoopbackHost(h), h).toBe(false)
    expect(hostOnly('localhost:8080')).toBe('localhost')
    expect(hostOnly('[::1]:8080')).toBe('::1')
    expect(hostOnly('127.0.0.1')).toBe('127.0.0.1')
  })
})
