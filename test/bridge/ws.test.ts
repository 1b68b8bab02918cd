// The WebSocket protocol over real WhisperNodes: join/leave/send/message/peers/ping, errors, and the
// per-connection limits (frame size, message rate, send rate, slow readers, missing pongs).
import { afterEach, describe, expect, it } from 'vitest'
import { Harness, eventually } from './harness.js'

const TOPIC = '0badc0de'
const PASSWORD = 'websocket room'

let h: Harness
afterEach(async () => {
  await h?.close()
})

describe('WebSocket protocol', () => {
  it('greets, joins, sends and delivers between two peered bridges', async () => {
    h = new Harness()
    const { a, b, nodeA } = await h.pair()
    const ca = await h.client(a)
    const hello = await ca.next((m) => m.type === 'hello')
    expect(hello).toEqual({ type: 'hello', protocol: 1, address: a.rooms.address, enode: nodeA.enode, rooms: [] })
    const peers = await ca.next((m) => m.type === 'peers')
    expect(peers.peers).toHaveLength(1)
    expect(peers.peers[0]).toMatchObject({ shh: 6, inbound: true })

    const joined = await ca.request({ type: 'join', topic: TOPIC, password: PASSWORD })
    expect(joined).toMatchObject({ type: 'joined', topic: TOPIC, history: [] })
    const room = joined.room
    const cb = await h.client(b)
    expect((await cb.request({ type: 'join', topic: TOPIC, password: PASSWORD })).room).toBe(room)

    const sent = await ca.request({ type: 'send', room, text: 'over the socket' })
    expect(sent).toMatchObject({ type: 'sent', room, hash: expect.stringMatching(/^[0-9a-f]{64}$/) })
    const own = await ca.next((m) => m.type === 'message')
    expect(own).toMatchObject({ room, text: 'over the socket', mine: true, from: a.rooms.address, sent: sent.sent })
    const theirs = await cb.next((m) => m.type === 'message')
    expect(theirs).toMatchObject({ room, text: 'over the socket', mine: false, from: a.rooms.address })

    await cb.request({ type: 'send', room, text: 'and back' })
    expect(await cb.next((m) => m.type === 'message')).toMatchObject({ text: 'and back', mine: true })
    expect(await ca.next((m) => m.type === 'message')).toMatchObject({ text: 'and back', mine: false, from: b.rooms.address })

    // a later join gets the history, oldest first; `history: 1` limits it
    const again = await h.client(b)
    const hist = await again.request({ type: 'join', topic: TOPIC, password: PASSWORD })
    expect(hist.history.map((m: any) => m.text)).toEqual(['over the socket', 'and back'])
    const one = await again.request({ type: 'join', topic: TOPIC, password: PASSWORD, history: 1 })
    expect(one.history.map((m: any) => m.text)).toEqual(['and back'])

    // leave: this connection stops getting the room; the bridge keeps listening for the others
    expect(await cb.request({ type: 'leave', room })).toEqual({ type: 'left', id: expect.any(Number), room })
    await ca.request({ type: 'send', room, text: 'after leave' })
    await eventually(() => again.received.some((m) => m.type === 'message' && m.text === 'after leave'), 'still delivered to the other client')
    expect(cb.received.filter((m) => m.type === 'message')).toEqual([])

    // ping / pong and peers on request
    expect(await ca.request({ type: 'ping' })).toEqual({ type: 'pong', id: expect.any(Number) })
    expect((await ca.request({ type: 'peers' })).peers).toHaveLength(1)
  })

  it('joins a room the bridge is already in by its id, without the password; an unknown id is refused', async () => {
    h = new Harness()
    const a = await h.bridge(await h.node())
    const info = await a.rooms.join(TOPIC, PASSWORD) // as REST or --room do
    await a.rooms.send(info.room, 'said before the page came')
    const c = await h.client(a)
    expect((await c.next((m) => m.type === 'hello')).rooms).toEqual([{ room: info.room, topic: TOPIC }])
    const joined = await c.request({ type: 'join', room: info.room })
    expect(joined).toMatchObject({ type: 'joined', room: info.room, topic: TOPIC })
    expect(joined.history.map((m: any) => m.text)).toEqual(['said before the page came'])
    expect(await c.request({ type: 'send', room: info.room, text: 'from the page' })).toMatchObject({ type: 'sent', room: info.room })
    expect((await c.request({ type: 'join', room: 'ab'.repeat(16) }))).toMatchObject({ type: 'error', code: 'unknown-room' })
    a.rooms.leave(info.room)
    expect((await c.request({ type: 'join', room: info.room }))).toMatchObject({ type: 'error', code: 'unknown-room' })
    expect((await c.request({ type: 'join', room: '' }))).toMatchObject({ type: 'error', code: 'bad-request' })
  })

  it('answers bad requests with typed errors and keeps the connection', async () => {
    h = new Harness()
    const node = await h.node()
    const a = await h.bridge(node)
    const c = await h.client(a)
    const err = async (frame: string | Buffer, code: string) => {
      c.ws.send(frame)
      const e = await c.next((m) => m.type === 'error')
      expect(e.code, String(frame)).toBe(code)
      expect(typeof e.message).toBe('string')
      return e
    }
    await err('not json', 'bad-request')
    await err('{"type":"shout"}', 'bad-request')
    await err(Buffer.from([1, 2, 3]), 'bad-request') // binary frame
    expect((await err('{"type":"join","id":"j1","topic":"zz","password":"p"}', 'bad-topic')).id).toBe('j1')
    await err('{"type":"join","topic":"44c7429f","password":""}', 'bad-password')
    await err('{"type":"send","room":"abc","text":"hi"}', 'unknown-room')
    await err('{"type":"leave","room":"abc"}', 'unknown-room')
    const { room } = await c.request({ type: 'join', topic: TOPIC, password: PASSWORD })
    await err(JSON.stringify({ type: 'send', room, text: '' }), 'bad-text')
    await err(JSON.stringify({ type: 'send', room, text: 'x'.repeat(9000) }), 'text-too-long')
    expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'pong' })
  })

  it('shows hostile text as data, unchanged but for bidi controls (shown escaped, issue 10)', async () => {
    h = new Harness()
    const { a, b } = await h.pair()
    const ca = await h.client(a)
    const cb = await h.client(b)
    const { room } = await ca.request({ type: 'join', topic: TOPIC, password: PASSWORD })
    await cb.request({ type: 'join', topic: TOPIC, password: PASSWORD })
    const hostile = '<img src=x onerror=alert(1)>"\'&\u0000\u202e'
    await ca.request({ type: 'send', room, text: hostile })
    expect((await cb.next((m) => m.type === 'message')).text).toBe(hostile.replace('\u202e', '\\u{202e}'))
  })
})

describe('WebSocket limits', () => {
  it('closes a connection that sends a frame over the size limit (1009)', async () => {
    h = new Harness()
    const a = await h.bridge(await h.node(), { limits: { maxWsMessageBytes: 1024 } })
    const c = await h.client(a)
    c.send({ type: 'ping', pad: 'x'.repeat(2000) })
    expect((await c.waitClosed()).code).toBe(1009)
  })

  it('refuses messages over the rate, then closes a client that keeps flooding (1008)', async () => {
    h = new Harness()
    const a = await h.bridge(await h.node(), { limits: { wsMessageRate: { burst: 3, perSecond: 0.001 }, maxWsViolations: 2 } })
    const c = await h.client(a)
    for (let i = 0; i < 3; i++) expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'pong' })
    expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'error', code: 'rate-limited' })
    expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'error', code: 'rate-limited' })
    c.send({ type: 'ping' })
    expect(await c.waitClosed()).toEqual({ code: 1008, reason: 'rate limit exceeded' })
  })

  it('limits the sending rate per connection', async () => {
    h = new Harness()
    const a = await h.bridge(await h.node(), { limits: { sendRate: { burst: 1, perSecond: 0.001 } } })
    const c = await h.client(a)
    const { room } = await c.request({ type: 'join', topic: TOPIC, password: PASSWORD })
    expect(await c.request({ type: 'send', room, text: 'one' })).toMatchObject({ type: 'sent' })
    expect(await c.request({ type: 'send', room, text: 'two' })).toMatchObject({ type: 'error', code: 'rate-limited' })
  })

  it('caps the number of connections', async () => {
    h = new Harness()
    const a = await h.bridge(await h.node(), { limits: { maxWsConnections: 2 } })
    await h.client(a)
    await h.client(a)
    await expect(h.client(a)).rejects.toThrow(/503/)
  })

  it('drops a client that stops answering pings, keeps one that answers', async () => {
    h = new Harness()
    const a = await h.bridge(await h.node(), { limits: { heartbeatMs: 50 } })
    const silent = await h.client(a, { autoPong: false })
    const alive = await h.client(a)
    let pings = 0
    alive.ws.on('ping', () => pings++)
    expect((await silent.waitClosed()).code).toBe(1006) // terminated: no close frame
    await eventually(() => pings >= 3, 'answering client keeps being pinged')
    expect(alive.closed).toBeNull()
    expect(await alive.request({ type: 'ping' })).toMatchObject({ type: 'pong' })
  })

  it('drops a client that stops reading instead of buffering without bound', async () => {
    h = new Harness()
    const a = await h.bridge(await h.node(), { limits: { maxWsBufferedBytes: 64 * 1024, maxHistoryPage: 500 } })
    const c = await h.client(a)
    const { room } = await c.request({ type: 'join', topic: TOPIC, password: PASSWORD })
    // a long history (stored directly: it is what a busy room leaves behind) makes each join answer ~4 MB
    for (let i = 0; i < 500; i++) {
      a.history.add({ room, key: `k${i}`, hash: `h${i}`, from: null, sent: 1, received: 1, text: 'x'.repeat(8000), truncated: false })
    }
    const socket = (c.ws as any)._socket as import('node:net').Socket
    socket.pause() // stop reading: the bridge's writes pile up
    for (let i = 0; i < 20; i++) c.send({ type: 'join', topic: TOPIC, password: PASSWORD, history: 500 })
    await eventually(async () => {
      const s = (await fetch(`${a.url}/api/status`).then((r) => r.json())) as { wsClients: number }
      return s.wsClients === 0
    }, 'slow client dropped')
    socket.resume()
    await c.waitClosed()
  })
})
