// The REST API over real WhisperNodes peered over RLPx on 127.0.0.1: every endpoint, its errors, the
// token rule and the limits.
import { afterEach, describe, expect, it } from 'vitest'
import { generatePrivateKey, publicKeyOf, addressOf } from '../../src/whisper/crypto.js'
import { toHex } from '../../src/whisper/bytes.js'
import { Harness, eventually } from './harness.js'
import { http } from './http-client.js'

const TOPIC = 'a1b2c3d4'
const PASSWORD = 'api test room'

let h: Harness
afterEach(async () => {
  await h?.close()
})

describe('REST API', () => {
  it('status, rooms, posting and history across two peered bridges', async () => {
    h = new Harness()
    const { a, b, nodeA, nodeB } = await h.pair()

    const status = await http(a.url, '/api/status')
    expect(status.status).toBe(200)
    expect(status.json).toMatchObject({ enode: nodeA.enode, address: a.rooms.address, peers: 1, rooms: [], wsClients: 0 })
    expect(typeof status.json.poolSize).toBe('number')

    // join: 201 when new, 200 when already joined, same id on both bridges (same topic and password)
    const joinA = await http(a.url, '/api/rooms', { method: 'POST', json: { topic: TOPIC, password: PASSWORD } })
    expect(joinA.status).toBe(201)
    expect(joinA.json).toEqual({ room: expect.stringMatching(/^[0-9a-f]{32}$/), topic: TOPIC, messages: 0 })
    const room = joinA.json.room
    expect((await http(a.url, '/api/rooms', { method: 'POST', json: { topic: `0x${TOPIC.toUpperCase()}`, password: PASSWORD } })).status).toBe(200)
    const joinB = await http(b.url, '/api/rooms', { method: 'POST', json: { topic: TOPIC, password: PASSWORD } })
    expect(joinB.json.room).toBe(room)
    const otherRoom = await http(a.url, '/api/rooms', { method: 'POST', json: { topic: TOPIC, password: 'another password' } })
    expect(otherRoom.json.room).not.toBe(room)

    expect((await http(a.url, '/api/rooms')).json.rooms.map((r: any) => r.room).sort()).toEqual([room, otherRoom.json.room].sort())
    expect((await http(a.url, `/api/rooms/${room}`)).json).toEqual({ room, topic: TOPIC, messages: 0, joined: true })

    // post on A, read on A (mine) and on B (from A's address)
    const post = await http(a.url, `/api/rooms/${room}/messages`, { method: 'POST', json: { text: 'hello from A' } })
    expect(post.status).toBe(201)
    expect(post.json).toEqual({ room, hash: expect.stringMatching(/^[0-9a-f]{64}$/), sent: expect.any(Number) })
    const onA = await http(a.url, `/api/rooms/${room}/messages`)
    expect(onA.json.messages).toEqual([
      expect.objectContaining({ room, text: 'hello from A', from: a.rooms.address, mine: true, sent: post.json.sent, truncated: false }),
    ])
    const onB = await eventually(async () => {
      const r = await http(b.url, `/api/rooms/${room}/messages`)
      return r.json.messages.length > 0 && r.json.messages
    }, 'message from A reaches B')
    expect(onB).toEqual([expect.objectContaining({ text: 'hello from A', from: a.rooms.address, mine: false, sent: post.json.sent })])

    // and back, B -> A
    await http(b.url, `/api/rooms/${room}/messages`, { method: 'POST', json: { text: 'hello from B' } })
    const both = await eventually(async () => {
      const r = await http(a.url, `/api/rooms/${room}/messages`)
      return r.json.messages.length === 2 && r.json.messages
    }, 'message from B reaches A')
    expect(both.map((m: any) => [m.text, m.mine])).toEqual([['hello from A', true], ['hello from B', false]])
    expect(both[1].from).toBe(b.rooms.address)

    // the other room (other password) saw nothing
    expect((await http(a.url, `/api/rooms/${otherRoom.json.room}/messages`)).json.messages).toEqual([])

    // paging
    const last = await http(a.url, `/api/rooms/${room}/messages?limit=1`)
    expect(last.json.messages.map((m: any) => m.text)).toEqual(['hello from B'])
    const earlier = await http(a.url, `/api/rooms/${room}/messages?limit=1&before=${last.json.messages[0].seq}`)
    expect(earlier.json.messages.map((m: any) => m.text)).toEqual(['hello from A'])
    for (const q of ['limit=0', 'limit=-1', 'limit=abc', 'before=x']) {
      const r = await http(a.url, `/api/rooms/${room}/messages?${q}`)
      expect(r.status, q).toBe(400)
      expect(r.json.error.code).toBe('bad-request')
    }

    // status reflects rooms and traffic
    const after = (await http(a.url, '/api/status')).json
    expect(after.rooms).toEqual(expect.arrayContaining([{ room, topic: TOPIC, messages: 2 }]))
    expect(after.envelopesIn).toBeGreaterThan(0)
    expect(nodeB.stats().peers).toBe(1)

    // leaving keeps the history readable; posting needs the room joined
    expect((await http(a.url, `/api/rooms/${room}`, { method: 'DELETE' })).json).toEqual({ room, left: true })
    expect((await http(a.url, `/api/rooms/${room}`, { method: 'DELETE' })).status).toBe(404)
    expect((await http(a.url, `/api/rooms/${room}`)).json).toMatchObject({ room, joined: false, messages: 2 })
    expect((await http(a.url, `/api/rooms/${room}/messages`)).json.messages).toHaveLength(2)
    const notJoined = await http(a.url, `/api/rooms/${room}/messages`, { method: 'POST', json: { text: 'x' } })
    expect(notJoined.status).toBe(404)
    expect(notJoined.json.error.code).toBe('unknown-room')
  })

  it('rejects bad room and message input with clear JSON errors', async () => {
    h = new Harness()
    const node = await h.node()
    const a = await h.bridge(node, { limits: { maxTextBytes: 10, maxRooms: 2 } })
    const join = (body: unknown) => http(a.url, '/api/rooms', { method: 'POST', json: body })
    const cases: [unknown, number, string][] = [
      [{ topic: 'xyz', password: 'p' }, 400, 'bad-topic'],
      [{ topic: '44c7429f00', password: 'p' }, 400, 'bad-topic'],
      [{ password: 'p' }, 400, 'bad-topic'],
      [{ topic: '44c7429f' }, 400, 'bad-password'],
      [{ topic: '44c7429f', password: '' }, 400, 'bad-password'],
      [{ topic: '44c7429f', password: 'x'.repeat(1025) }, 400, 'bad-password'],
      [[1, 2], 400, 'bad-request'],
      ['just a string', 400, 'bad-request'],
    ]
    for (const [body, status, code] of cases) {
      const r = await join(body)
      expect(r.status, JSON.stringify(body)).toBe(status)
      expect(r.json.error.code, JSON.stringify(body)).toBe(code)
      expect(typeof r.json.error.message).toBe('string')
    }
    const wrongType = await http(a.url, '/api/rooms', { method: 'POST', body: 'topic=44c7429f', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(wrongType.status).toBe(415)

    const room = (await join({ topic: '44c7429f', password: 'one' })).json.room
    await join({ topic: '44c7429f', password: 'two' })
    const third = await join({ topic: '44c7429f', password: 'three' })
    expect(third.status).toBe(409)
    expect(third.json.error.code).toBe('too-many-rooms')

    const post = (body: unknown) => http(a.url, `/api/rooms/${room}/messages`, { method: 'POST', json: body })
    expect((await post({ text: '' })).json.error.code).toBe('bad-text')
    expect((await post({ text: '   ' })).json.error.code).toBe('bad-text')
    expect((await post({ text: 42 })).json.error.code).toBe('bad-text')
    const long = await post({ text: 'ééééééé' }) // 14 bytes in UTF-8
    expect(long.status).toBe(413)
    expect(long.json.error.code).toBe('text-too-long')
    expect((await post({ text: 'short' })).status).toBe(201)

    const unknown = await http(a.url, '/api/rooms/00000000000000000000000000000000/messages')
    expect(unknown.status).toBe(404)
    expect(unknown.json.error.code).toBe('unknown-room')
    expect((await http(a.url, '/api/rooms/nope')).status).toBe(404)
    expect((await http(a.url, '/api/nothing')).status).toBe(404)
    expect((await http(a.url, '/api/status', { method: 'POST' })).status).toBe(405)
  })

  it('lists, adds and removes peers', async () => {
    h = new Harness()
    const nodeA = await h.node()
    const nodeB = await h.node()
    const a = await h.bridge(nodeA)
    expect((await http(a.url, '/api/peers')).json).toEqual({ peers: [] })

    for (const enode of ['', 'enode://nothex@127.0.0.1:1', 'http://example.com', 'enode://' + 'ab'.repeat(64) + '@127.0.0.1:1']) {
      const r = await http(a.url, '/api/peers', { method: 'POST', json: { enode } })
      expect(r.status, enode).toBe(400)
      expect(r.json.error.code).toBe('bad-enode')
    }
    expect((await http(a.url, '/api/peers', { method: 'POST', json: {} })).json.error.code).toBe('bad-enode')

    const add = await http(a.url, '/api/peers', { method: 'POST', json: { enode: nodeB.enode } })
    expect(add.status).toBe(202)
    const idB = nodeB.enode.slice('enode://'.length, 'enode://'.length + 128)
    expect(add.json).toEqual({ id: idB, enode: nodeB.enode, status: 'dialing' })
    const peers = await eventually(async () => {
      const r = await http(a.url, '/api/peers')
      return r.json.peers.length === 1 && r.json.peers
    }, 'peer B connects')
    expect(peers[0]).toMatchObject({ id: idB, shh: 6, inbound: false, address: expect.stringContaining('127.0.0.1') })
    expect(typeof peers[0].clientId).toBe('string')
    expect(peers[0].clientId.length).toBeGreaterThan(0)

    const unknownPeer = await http(a.url, `/api/peers/${'cd'.repeat(64)}`, { method: 'DELETE' })
    expect(unknownPeer.status).toBe(404)
    expect(unknownPeer.json.error.code).toBe('unknown-peer')
    const del = await http(a.url, `/api/peers/${encodeURIComponent(nodeB.enode)}`, { method: 'DELETE' })
    expect(del.status).toBe(200)
    expect(del.json).toEqual({ id: idB, removed: true })
    await eventually(async () => (await http(a.url, '/api/peers')).json.peers.length === 0, 'peer B removed')
  })

  it('gives enode null (status, hello, the node\'s start log line) when the node does not listen', async () => {
    h = new Harness()
    const lines: string[] = []
    const node = await h.node({ listen: false, log: (_level, line) => lines.push(line) })
    expect(node.enode).toMatch(/@127\.0\.0\.1:0$/) // what used to leak out
    const a = await h.bridge(node)
    expect((await http(a.url, '/api/status')).json.enode).toBeNull()
    const ws = await h.client(a)
    expect((await ws.next((m) => m.type === 'hello')).enode).toBeNull()
    const started = lines.find((l) => l.includes('Started P2P networking'))
    expect(started).toContain(`id=${node.id}`)
    expect(started).toContain('listening=no')
    expect(started).not.toContain('enode://')
    expect(lines.find((l) => l.includes('Started whisper node'))).toContain('self=none')
    expect(lines.join('\n')).not.toMatch(/@127\.0\.0\.1:0\b/)

    const listening = await h.node({ log: (_level, line) => lines.push(line) })
    expect(lines.filter((l) => l.includes('Started P2P networking')).at(-1)).toContain(`self=${listening.enode}`)
    expect((await http((await h.bridge(listening)).url, '/api/status')).json.enode).toBe(listening.enode)
  })

  it('keeps room history across a bridge restart, with `mine` for the same identity', async () => {
    h = new Harness()
    const node = await h.node()
    const dataDir = h.tempDir()
    const identity = generatePrivateKey()
    const first = await h.bridge(node, { dataDir, identity })
    const room = (await http(first.url, '/api/rooms', { method: 'POST', json: { topic: TOPIC, password: PASSWORD } })).json.room
    await http(first.url, `/api/rooms/${room}/messages`, { method: 'POST', json: { text: 'before the restart' } })
    await first.stop()

    const second = await h.bridge(node, { dataDir, identity })
    // readable before joining again (the room is known from the file) ...
    const kept = await http(second.url, `/api/rooms/${room}/messages`)
    expect(kept.json.messages).toEqual([
      expect.objectContaining({ text: 'before the restart', mine: true, from: toHex(addressOf(publicKeyOf(identity))) }),
    ])
    // ... and after joining, new messages add to it
    expect((await http(second.url, '/api/rooms', { method: 'POST', json: { topic: TOPIC, password: PASSWORD } })).json).toEqual({ room, topic: TOPIC, messages: 1 })
    await http(second.url, `/api/rooms/${room}/messages`, { method: 'POST', json: { text: 'after the restart' } })
    expect((await http(second.url, `/api/rooms/${room}/messages`)).json.messages.map((m: any) => m.text)).toEqual(['before the restart', 'after the restart'])
  })
})

describe('REST API safety', () => {
  it('enforces a configured token on every API route, header or query', async () => {
    h = new Harness()
    const node = await h.node()
    const token = 'rest-token-0123456789'
    // 20 refusals below: more than the default failure burst (that limit has its own test)
    const a = await h.bridge(node, { token, limits: { authFailureRate: { burst: 100, perSecond: 1 } } })
    expect(a.token).toBe(token)
    expect(a.pageUrl).toBe(`${a.url}/#token=${token}`)
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/status'], ['GET', '/api/peers'], ['POST', '/api/peers', { enode: node.enode }], ['DELETE', `/api/peers/${'ab'.repeat(64)}`],
      ['GET', '/api/rooms'], ['POST', '/api/rooms', { topic: TOPIC, password: PASSWORD }], ['GET', '/api/rooms/x'], ['DELETE', '/api/rooms/x'],
      ['GET', '/api/rooms/x/messages'], ['POST', '/api/rooms/x/messages', { text: 'hi' }],
    ]
    for (const [method, path, json] of routes) {
      const none = await http(a.url, path, { method, json })
      expect(none.status, `${method} ${path}`).toBe(401)
      expect(none.json.error.code).toBe('unauthorized')
      const wrong = await http(a.url, path, { method, json, headers: { authorization: 'Bearer not-the-right-token' } })
      expect(wrong.status, `${method} ${path}`).toBe(401)
    }
    expect((await http(a.url, '/api/status', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
    expect((await http(a.url, `/api/status?token=${token}`)).status).toBe(200)
    // the page itself carries no data and loads without the token (it reads it from the URL fragment)
    const page = await http(a.url, '/')
    expect(page.status).toBe(200)
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
  })

  it('requires a token when bound beyond loopback (generated when not given)', async () => {
    // The rule is decided from the bind address; the test binds loopback but shows the decision the
    // CLI gets for 0.0.0.0, so nothing listens beyond this machine.
    const { createAccessPolicy } = await import('../../src/http/access.js')
    const open = createAccessPolicy({ bindHost: '0.0.0.0' })
    expect(open.token).toMatch(/^[0-9a-f]{48}$/)
    expect(open.generatedToken).toBe(true)
    expect(createAccessPolicy({ bindHost: '192.168.1.10', token: 'chosen-token-123456' })).toMatchObject({ token: 'chosen-token-123456', generatedToken: false })
    expect(createAccessPolicy({ bindHost: '127.0.0.1' }).token).toBeNull()
    expect(createAccessPolicy({ bindHost: '::1' }).token).toBeNull()
  })

  it('refuses foreign origins and hosts, big bodies and request floods', async () => {
    h = new Harness()
    const node = await h.node()
    const a = await h.bridge(node, { limits: { maxBodyBytes: 256, requestRate: { burst: 5, perSecond: 0.001 } }, allowedOrigins: ['https://app.example'] })
    const port = new URL(a.url).port
    const evil = await http(a.url, '/api/rooms', { method: 'POST', json: { topic: TOPIC, password: PASSWORD }, headers: { origin: 'https://evil.example' } })
    expect(evil.status).toBe(403)
    expect(evil.json.error.code).toBe('forbidden-origin')
    expect((await http(a.url, '/api/status', { headers: { origin: 'https://app.example' } })).status).toBe(200)
    expect((await http(a.url, '/api/status', { headers: { origin: `http://127.0.0.1:${port}` } })).status).toBe(200)
    const rebinding = await http(a.url, '/api/status', { headers: { host: `attacker.example:${port}` } })
    expect(rebinding.status).toBe(403)
    expect(rebinding.json.error.code).toBe('forbidden-host')
    const big = await http(a.url, '/api/rooms', { method: 'POST', json: { topic: TOPIC, password: 'x'.repeat(300) } })
    expect(big.status).toBe(413)
    expect(big.json.error.code).toBe('payload-too-large')
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await http(a.url, '/api/status')).status)
    expect(statuses.slice(0, 2)).toEqual([200, 200])
    expect(statuses.slice(2)).toEqual([429, 429, 429])
    const limited = await http(a.url, '/api/status')
    expect(limited.json.error).toEqual({ code: 'rate-limited', message: expect.any(String) })
  })

  it('limits the sending rate per client', async () => {
    h = new Harness()
    const node = await h.node()
    const a = await h.bridge(node, { limits: { sendRate: { burst: 2, perSecond: 0.001 } } })
    const room = (await http(a.url, '/api/rooms', { method: 'POST', json: { topic: TOPIC, password: PASSWORD } })).json.room
    const post = () => http(a.url, `/api/rooms/${room}/messages`, { method: 'POST', json: { text: 'hi' } })
    expect((await post()).status).toBe(201)
    expect((await post()).status).toBe(201)
    const third = await post()
    expect(third.status).toBe(429)
    expect(third.json.error.code).toBe('rate-limited')
  })
})
