// The adversarial review's attacks on the bridge's HTTP side (issue 10, findings 6, 7, 11, 13),
// replayed on loopback with small, bounded clients.
import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveLimits } from '../../src/bridge/limits.js'
import { createAccessPolicy, hostOnly, isLoopbackHost } from '../../src/http/access.js'
import { readJsonBody, sendJson } from '../../src/http/json.js'
import { HttpServer } from '../../src/http/server.js'
import { messageView } from '../../src/bridge/views.js'
import { Harness } from './harness.js'
import { http } from './http-client.js'

const servers: HttpServer[] = []
const sockets: Socket[] = []
let h: Harness | undefined
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  for (const s of servers.splice(0)) await s.close()
  await h?.close()
  h = undefined
})

async function start(opts: { token?: string; limits?: object } = {}): Promise<HttpServer> {
  const limits = resolveLimits({ maxBodyBytes: 100, ...(opts.limits ?? {}) })
  const policy = createAccessPolicy({ bindHost: '127.0.0.1', token: opts.token })
  const s = new HttpServer({ host: '127.0.0.1', port: 0, policy, limits, log: () => {} })
  s.route('GET', '/hello', (_req, res) => sendJson(res, 200, { hi: true }))
  s.route('POST', '/echo', async (req, res) => sendJson(res, 200, { got: await readJsonBody(req, limits.maxBodyBytes) }))
  await s.listen()
  servers.push(s)
  return s
}

/** A raw TCP client; allowHalfOpen so that only the server can close the connection. `closed`: the server ended it. */
function raw(s: HttpServer): Promise<{ socket: Socket; closed: Promise<void>; data: () => string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: s.address().port, allowHalfOpen: true })
    sockets.push(socket)
    let got = ''
    socket.on('data', (d) => (got += d.toString('latin1')))
    socket.on('error', () => {})
    // the server's FIN (we keep our side open: only the server can end this)
    const closed = new Promise<void>((r) => {
      socket.once('end', () => r())
      socket.once('close', () => r())
    })
    socket.once('connect', () => resolve({ socket, closed, data: () => got }))
    socket.once('error', reject)
  })
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined
  return Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`timed out: ${what}`)), ms)))]).finally(() => clearTimeout(t))
}

const serverConnections = (s: HttpServer): Promise<number> =>
  new Promise((r, j) => (s as unknown as { server: import('node:http').Server }).server.getConnections((e, n) => (e ? j(e) : r(n))))

describe('finding 6: sockets and descriptors', () => {
  it('a malformed request is answered and its socket destroyed, though the client keeps its side open', async () => {
    const s = await start()
    const c = await raw(s)
    c.socket.write('GARBAGE\r\n\r\n')
    await within(c.closed, 4000, 'the server to end the socket')
    expect(c.data()).toMatch(/^HTTP\/1.1 400/)
    // ended is not enough: a half-closed socket stays open (and holds a descriptor) until the client closes
    const end = Date.now() + 3000
    while ((await serverConnections(s)) > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
    expect(await serverConnections(s)).toBe(0)
  })

  it('connections over the per-address cap are closed as they arrive', async () => {
    const s = await start({ limits: { maxHttpConnectionsPerAddress: 8 } })
    const clients = []
    for (let i = 0; i < 12; i++) clients.push(await raw(s))
    let closed = 0
    for (const c of clients) void c.closed.then(() => closed++)
    const end = Date.now() + 3000
    while (closed < 4 && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
    expect(closed).toBe(4)
    expect(await serverConnections(s)).toBe(8)
    // when they go, others get in again
    for (const c of clients) c.socket.destroy()
    const until = Date.now() + 3000
    while ((await serverConnections(s)) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20))
    expect((await http(s.url, '/hello')).status).toBe(200)
  })

  it('413: answered without reading the body, then the connection is closed', async () => {
    const s = await start()
    const c = await raw(s)
    const host = `127.0.0.1:${s.address().port}`
    c.socket.write(`POST /echo HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ncontent-length: 100000000\r\n\r\n`)
    c.socket.write(Buffer.alloc(1000, 0x20))
    await within(c.closed, 4000, 'the server to close after the 413')
    expect(c.data()).toMatch(/^HTTP\/1.1 413/)
  })

  it('413 on a body that grows past the limit (no declared length): closed too', async () => {
    const s = await start()
    const c = await raw(s)
    const host = `127.0.0.1:${s.address().port}`
    c.socket.write(`POST /echo HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`)
    c.socket.write(`3e8\r\n${' '.repeat(1000)}\r\n`)
    await within(c.closed, 4000, 'the server to close after the 413')
    expect(c.data()).toMatch(/^HTTP\/1.1 413/)
  })
})

describe('finding 11: wrong tokens are rate limited per address', () => {
  it('after the burst of failures even the right token waits', async () => {
    const token = 'right-token-0123456789'
    const s = await start({ token, limits: { authFailureRate: { burst: 5, perSecond: 0.01 } } })
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) statuses.push((await http(s.url, '/hello', { headers: { authorization: `Bearer wrong-token-${i}-xxxxxxxx` } })).status)
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429])
    // a guess that happens to be right is not even checked while the address is limited
    expect((await http(s.url, '/hello', { headers: { authorization: `Bearer ${token}` } })).status).toBe(429)
  })
})

describe('finding 13: Host headers', () => {
  it('a Host that only starts like a loopback address is not loopback', async () => {
    for (const h of ['127.0.0.1:80@evil.example', '127.0.0.1:80/x', 'localhost:abc', '127.0.0.1:80:90', '[::1]:80@evil']) {
      expect(isLoopbackHost(hostOnly(h)), h).toBe(false)
    }
    for (const h of ['127.0.0.1:8080', 'localhost', '[::1]:80', '::1']) expect(isLoopbackHost(hostOnly(h)), h).toBe(true)
    const s = await start()
    const r = await http(s.url, '/hello', { headers: { host: `127.0.0.1:${s.address().port}@evil.example` } })
    expect(r.status).toBe(403)
  })
})

describe('finding 13: bidi controls in messages', () => {
  it('pages and scripts get U+202E and the isolates escaped', () => {
    const stored = { seq: 1, room: 'r', hash: 'h', from: null, sent: 1, received: 1, text: 'pay \u202Eoof\u2066x\u2069 עברית', truncated: false, history: false }
    expect(messageView(stored, 'ab'.repeat(20)).text).toBe('pay \\u{202e}oof\\u{2066}x\\u{2069} עברית')
  })
})

describe('finding 7: room joins and key derivation', () => {
  it('derivations run off the event loop, at most 2 at once per client; a full bridge refuses before deriving', async () => {
    h = new Harness()
    const node = await h.node()
    const b = await h.bridge(node, { limits: { maxRooms: 3 } })
    const join = (pw: string) => http(b.url, '/api/rooms', { method: 'POST', json: { topic: '44c7429f', password: pw } })
    const order: string[] = []
    const joins = ['a', 'b', 'c'].map((pw) => join(`pw-${pw}`).then((r) => (order.push(`join:${r.status}`), r.status)))
    // while the keys are derived, the bridge keeps answering
    const status = http(b.url, '/api/status').then((r) => (order.push('status'), r.status))
    const results = await Promise.all([...joins, status])
    expect(results.slice(0, 3).sort()).toEqual([201, 201, 429]) // the third ran into the per-client bound
    expect(order.indexOf('status')).toBeLessThan(order.indexOf('join:201'))
    expect(await join('pw-c').then((r) => r.status)).toBe(201)
    // full: a new password is refused at once, the joined ones still answer
    expect((await join('pw-d')).json.error.code).toBe('too-many-rooms')
    expect((await join('pw-a')).status).toBe(200)
  })
})
