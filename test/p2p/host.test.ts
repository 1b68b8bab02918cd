import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { P2PHost, P2PHostError } from '../../src/p2p/host.js'
import { parseEnode } from '../../src/p2p/enode.js'
import { generateNodeKey, nodeIdOf } from '../../src/p2p/nodekey.js'
import { DISCONNECT_REASON, type ShhPeer } from '../../src/p2p/shh-peer.js'
import { dialsOf, failedDials, makeHost, rawPeer, started, until, waitEvent, waitPeer, within } from './helpers.js'

const { raws, host, stop } = started()
const servers: Server[] = []
const conns = new Set<Socket>()
afterEach(async () => {
  await stop()
  for (const c of conns) c.destroy()
  conns.clear()
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

describe('P2PHost', () => {
  it('redials a static peer after the remote restarts (same key, same port)', async () => {
    const keyB = generateNodeKey()
    const b1 = host({ privateKey: keyB })
    await b1.start()
    const port = b1.listening!.port
    const a = host({ staticPeers: [b1.enode] })
    await a.start()
    const first = await waitPeer(a, b1.id)
    const removed = waitEvent<[ShhPeer, number]>(a, 'peer:removed')
    await b1.stop()
    const [gone, reason] = await removed
    expect(gone).toBe(first)
    expect(reason).toBe(DISCONNECT_REASON.CLIENT_QUITTING) // b said goodbye politely, and a understood it
    expect(a.peers()).toHaveLength(0)
    // the dial fails while b is down (connection refused), then succeeds once b is back
    await until(() => failedDials(a).length >= 1, 10_000, 'a failed redial')
    const b2 = host({ privateKey: keyB, listen: { host: '127.0.0.1', port } })
    await b2.start()
    const second = await waitPeer(a, b2.id)
    expect(second).not.toBe(first)
    expect(second.inbound).toBe(false)
  })

  it('backs off exponentially on an unreachable static peer without crashing, and stop() ends it', async () => {
    // a port that refuses: bind, learn the port, close
    const tmp = createServer()
    await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r))
    const port = (tmp.address() as { port: number }).port
    await new Promise((r) => tmp.close(r))
    const ghost = `enode://${nodeIdOf(generateNodeKey())}@127.0.0.1:${port}`
    const a = host({ staticPeers: [ghost], redialMinMs: 20, redialMaxMs: 160 })
    await a.start()
    await until(() => failedDials(a).length >= 5, 10_000, 'five failed dials')
    expect(failedDials(a).slice(0, 5).map((r) => r.error)).toEqual(Array(5).fill(expect.stringMatching(/ECONNREFUSED/)))
    const delays = dialsOf(a).scheduled.map((s) => s.inMs)
    expect(delays.slice(0, 5)).toEqual([20, 40, 80, 160, 160])
    await a.stop()
    const n = failedDials(a).length
    const started = dialsOf(a).started.length
    await new Promise((r) => setTimeout(r, 300))
    expect(failedDials(a).length).toBe(n) // no dial after stop
    expect(dialsOf(a).started.length).toBe(started)
  })

  it('gives up on a peer that accepts TCP but never completes the RLPx handshake (handshake deadline)', async () => {
    const silent = createServer((socket) => {
      conns.add(socket) // swallows the auth, never answers
    })
    servers.push(silent)
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    const port = (silent.address() as { port: number }).port
    const a = host({ staticPeers: [`enode://${nodeIdOf(generateNodeKey())}@127.0.0.1:${port}`], handshakeTimeoutMs: 200 })
    await a.start()
    await until(() => failedDials(a).filter((r) => r.error === 'RLPx handshake timeout').length >= 2, 10_000, 'two handshake timeouts (dial, then redial)')
  })

  it('enforces maxPeers, but lets trusted peers in over the limit (marked trusted)', async () => {
    const hub = host({ maxPeers: 1 })
    await hub.start()
    const p1 = host()
    const p2 = host()
    const t = host()
    hub.addTrustedPeer(t.id)
    await Promise.all([p1.start(), p2.start(), t.start()])
    p1.addPeer(hub.enode)
    await waitPeer(hub, p1.id)
    const raw = rawPeer(hub) // a second ordinary peer: over the limit
    raws.push(raw)
    expect((await within(raw.removed, 10_000, 'TOO_MANY_PEERS')).reason).toBe(DISCONNECT_REASON.TOO_MANY_PEERS)
    t.addPeer(hub.enode)
    const pt = await waitPeer(hub, t.id)
    expect(pt.trusted).toBe(true)
    expect(hub.peers().map((p) => p.id).sort()).toEqual([p1.id, t.id].sort())
    expect(hub.peers().find((p) => p.id === p1.id)!.trusted).toBe(false)
  })

  it('removePeer disconnects (DISCONNECT_REQUESTED) and does not redial', async () => {
    const a = host()
    const b = host()
    await a.start()
    await b.start()
    a.addPeer(b.enode)
    await waitPeer(a, b.id)
    const atB = waitEvent<[ShhPeer, number]>(b, 'peer:removed')
    expect(a.removePeer(b.enode)).toBe(true)
    expect((await atB)[1]).toBe(DISCONNECT_REASON.DISCONNECT_REQUESTED)
    await new Promise((r) => setTimeout(r, 300)) // several redial periods (50 ms)
    expect(a.peers()).toHaveLength(0)
    expect(dialsOf(a).started).toEqual([{ id: b.id, host: '127.0.0.1', port: b.listening!.port, kind: 'static' }])
    expect(dialsOf(a).results).toEqual([{ id: b.id, kind: 'static', ok: true }])
    expect(a.removePeer(b.id)).toBe(false)
  })

  it('without a listen address: no listening socket, enode port 0, still dials out', async () => {
    const b = host()
    await b.start()
    const a = host({ listen: undefined, staticPeers: [b.enode] })
    await a.start()
    expect(a.listening).toBeNull()
    expect(parseEnode(a.enode)).toEqual({ id: a.id, host: '127.0.0.1', port: 0 })
    const pb = await waitPeer(b, a.id)
    expect(pb.inbound).toBe(true)
    expect(() => b.addPeer(a.enode)).toThrow(/port 0/)
  })

  it('reports its enode with the real listening port', async () => {
    const a = host()
    await a.start()
    const e = parseEnode(a.enode)
    expect(e.id).toBe(a.id)
    expect(e.port).toBe(a.listening!.port)
    expect(e.port).toBeGreaterThan(0)
  })

  it('start() rejects with a clear error when the port is in use, and leaves nothing open', async () => {
    const a = host()
    await a.start()
    const b = host({ listen: { host: '127.0.0.1', port: a.listening!.port } })
    const err = await b.start().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(P2PHostError)
    expect((err as P2PHostError).code).toBe('EADDRINUSE')
    expect((err as Error).message).toMatch(/cannot listen on 127\.0\.0\.1:\d+: address already in use/)
    await b.stop() // no-op
  })

  it('rejects bad configuration and peers clearly', () => {
    expect(() => makeHost({ shhVersions: [4 as 5] })).toThrow(/shhVersions/)
    expect(() => makeHost({ shhVersions: [] })).toThrow(/shhVersions/)
    expect(() => makeHost({ staticPeers: ['enode://nope'] })).toThrow(/invalid enode URL/)
    expect(() => makeHost({ privateKey: new Uint8Array(32) })).toThrow(/private key/)
    const a = makeHost()
    expect(() => a.addPeer(`enode://${a.id}@127.0.0.1:30303`)).toThrow(/own id/)
    expect(() => a.setMinPow(-1)).toThrow(/PoW/)
    expect(() => a.setBloom(new Uint8Array(3))).toThrow(/64 bytes/)
  })

  it('stop() disconnects every peer with CLIENT_QUITTING and is idempotent', async () => {
    const a = host()
    const b = host()
    const c = host()
    await Promise.all([a.start(), b.start(), c.start()])
    b.addPeer(a.enode)
    c.addPeer(a.enode)
    await Promise.all([waitPeer(a, b.id), waitPeer(a, c.id)])
    const atB = waitEvent<[ShhPeer, number]>(b, 'peer:removed')
    const atC = waitEvent<[ShhPeer, number]>(c, 'peer:removed')
    await a.stop()
    expect((await atB)[1]).toBe(DISCONNECT_REASON.CLIENT_QUITTING)
    expect((await atC)[1]).toBe(DISCONNECT_REASON.CLIENT_QUITTING)
    expect(a.peers()).toHaveLength(0)
    await a.stop()
  })

  it('dials bootnodes and finds other nodes through discv4', async () => {
    const boot = host({ discovery: true })
    await boot.start()
    expect(boot.discoveryPort).toBeGreaterThan(0)
    const c = host({ discovery: true, bootnodes: [boot.enode] })
    await c.start()
    await waitPeer(boot, c.id) // bootnodes are dialled directly too
    // wait until the bootnode's table knows c, then b asks it for neighbours and dials c
    await until(() => (boot as unknown as { discovery: { peers(): unknown[] } }).discovery.peers().length > 0, 10_000, 'c in the bootnode table')
    const b = host({ discovery: true, bootnodes: [boot.enode] })
    await b.start()
    const pc = await waitPeer(b, c.id, 20_000)
    expect(pc.inbound).toBe(false)
    expect(dialsOf(b).started).toContainEqual(expect.objectContaining({ id: c.id, kind: 'discovered' }))
    expect(dialsOf(b).results).toContainEqual({ id: c.id, kind: 'discovered', ok: true })
  })
})
