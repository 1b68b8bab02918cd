// Slow HTTP connections (issue 25 item 7): connections that never finish a request head are closed at
// the header timeout, and at a connection cap the oldest waiting one is closed so that a client sending
// a whole request is served. Event-driven: the test waits for sockets to close, it does not time them.
import { afterEach, describe, expect, it } from 'vitest'
import net from 'node:net'
import { createAccessPolicy } from '../../src/http/access.js'
import { sendJson } from '../../src/http/json.js'
import { resolveHttpLimits } from '../../src/http/limits.js'
import { HttpServer } from '../../src/http/server.js'
import { http } from '../bridge/http-client.js'

const servers: HttpServer[] = []
const sockets: net.Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  for (const s of servers.splice(0)) await s.close()
})

async function start(limits: { maxHttpConnections: number; maxHttpConnectionsPerAddress: number }, headersTimeoutMs = 60_000) {
  const s = new HttpServer({
    host: '127.0.0.1',
    port: 0,
    policy: createAccessPolicy({ bindHost: '127.0.0.1' }),
    limits: resolveHttpLimits({ ...limits, requestRate: { burst: 1000, perSecond: 1000 } }),
    headersTimeoutMs,
    log: () => {},
  })
  let release: () => void = () => {}
  const held = new Promise<void>((r) => (release = r))
  s.route('GET', '/status', (_req, res) => sendJson(res, 200, { ok: true }))
  s.route('GET', '/hold', async (_req, res) => {
    await held
    sendJson(res, 200, { held: true })
  })
  const { port } = await s.listen()
  servers.push(s)
  return { s, port, base: `http://127.0.0.1:${port}`, release }
}

/** A connection that sends half a request head and then nothing. */
async function slowClient(port: number, localAddress = '127.0.0.1'): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress })
  sockets.push(socket)
  socket.on('error', () => {})
  const closed = new Promise<void>((r) => socket.once('close', () => r()))
  await new Promise<void>((r, j) => {
    socket.once('connect', () => r())
    socket.once('error', j)
  })
  socket.write('GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n')
  return { socket, closed }
}

const until = async (cond: () => boolean): Promise<void> => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5))
}

describe('slow HTTP connections', () => {
  it('at the per-address cap, the oldest incomplete connection makes room for a whole request', async () => {
    const { s, port, base } = await start({ maxHttpConnections: 100, maxHttpConnectionsPerAddress: 4 })
    const slow = []
    for (let i = 0; i < 4; i++) slow.push(await slowClient(port))
    await until(() => s.connections.counts().open === 4)
    const r = await http(base, '/status')
    expect(r.status).toBe(200)
    await slow[0].closed // the oldest went
    expect(slow.slice(1).every((c) => !c.socket.destroyed)).toBe(true)
    expect(s.connections.closed).toMatchObject({ evicted: 1, refused: 0 })
  })

  it('at the total cap, too (the incomplete ones from another address make room)', async () => {
    const { s, port, base } = await start({ maxHttpConnections: 3, maxHttpConnectionsPerAddress: 3 })
    const slow = []
    for (let i = 0; i < 3; i++) slow.push(await slowClient(port, '127.0.0.2'))
    await until(() => s.connections.counts().open === 3)
    expect((await http(base, '/status')).status).toBe(200)
    await slow[0].closed
    expect(s.connections.closed.evicted).toBe(1)
  })

  it('never closes a connection busy with a request: with all of them busy a newcomer is refused', async () => {
    const { s, base, release } = await start({ maxHttpConnections: 100, maxHttpConnectionsPerAddress: 2 })
    const holds = [http(base, '/hold'), http(base, '/hold')]
    await until(() => s.connections.counts().open === 2 && s.connections.counts().waiting === 0)
    await expect(http(base, '/status')).rejects.toThrow()
    expect(s.connections.closed).toMatchObject({ refused: 1, evicted: 0 })
    release()
    for (const h of holds) expect((await h).status).toBe(200)
  })

  it('closes connections that have not sent a whole request head at the header timeout', async () => {
    const { s, port } = await start({ maxHttpConnections: 100, maxHttpConnectionsPerAddress: 10 }, 200)
    const slow = []
    for (let i = 0; i < 5; i++) slow.push(await slowClient(port))
    // each one closes by the server's hand (Node's own check alone runs every 30 s, far past the 10 s test budget)
    await Promise.all(slow.map((c) => c.closed))
    expect(s.connections.closed.timeout).toBe(5)
    await until(() => s.connections.counts().open === 0) // the server's side of the sockets closes a moment later
  })
})
