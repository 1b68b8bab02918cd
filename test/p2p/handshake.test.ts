import { afterEach, describe, expect, it } from 'vitest'
import { failedDials, fixture, hex, logsOf, rawPeer, started, until, waitPeer } from './helpers.js'

const { raws, host, stop } = started()
afterEach(stop)

describe('shh handshake between hosts', () => {
  it('negotiates shh/6 when both offer [5, 6], and each side sees the other status', async () => {
    const a = host({ minPow: 0.5, bloom: new Uint8Array(64).fill(3) })
    const b = host({ lightNode: true })
    await a.start()
    await b.start()
    b.addPeer(a.enode)
    const [pa, pb] = await Promise.all([waitPeer(a, b.id), waitPeer(b, a.id)])
    expect([pa.shh, pb.shh]).toEqual([6, 6])
    expect([pa.inbound, pb.inbound]).toEqual([true, false])
    expect(pb.minPow).toBe(0.5)
    expect(pb.bloom).toEqual(new Uint8Array(64).fill(3))
    expect(pb.lightNode).toBe(false)
    expect(pa.minPow).toBe(0.2)
    expect(pa.bloom).toBeNull() // full node
    expect(pa.lightNode).toBe(true)
    expect(pb.baseProtocolVersion).toBe(5)
    expect(pb.clientId).toMatch(/^p2pmessage\/v\d+\.\d+\.\d+\/\w+-\w+\/nodejs\d+$/)
    expect(pb.remoteAddress).toBe('127.0.0.1')
    expect(a.peers()).toEqual([pa])
  })

  it('negotiates shh/5 when one side offers only 5', async () => {
    const a = host({ shhVersions: [5] })
    const b = host()
    await a.start()
    await b.start()
    a.addPeer(b.enode)
    const [pa, pb] = await Promise.all([waitPeer(a, b.id), waitPeer(b, a.id)])
    expect([pa.shh, pb.shh]).toEqual([5, 5])
    expect(pa.minPow).toBe(0) // v5 has no PoW requirement in its status
    expect(pa.bloom).toBeNull()
  })

  it('a host offering [5, 6] talks 5 to a v5-only host and 6 to a v6-only host at the same time', async () => {
    const both = host()
    const v5 = host({ shhVersions: [5] })
    const v6 = host({ shhVersions: [6] })
    await Promise.all([both.start(), v5.start(), v6.start()])
    v5.addPeer(both.enode)
    v6.addPeer(both.enode)
    const [p5, p6] = await Promise.all([waitPeer(both, v5.id), waitPeer(both, v6.id)])
    expect(p5.shh).toBe(5)
    expect(p6.shh).toBe(6)
    expect(both.peers()).toHaveLength(2)
  })

  it('sends its status byte-for-byte as geth does (v5 bare uint, v6 list with full bloom)', async () => {
    for (const shh of [5, 6] as const) {
      const h = host()
      await h.start()
      const raw = rawPeer(h, [{ name: 'shh', version: shh, length: shh === 5 ? 64 : 128 }])
      raws.push(raw)
      const proto = await raw.protocol
      expect(hex(await proto.nextMessage(0))).toBe(fixture(shh).status[0].rlp)
      // the hello carries the real listening port (never a non-canonical 0x00 for port 0)
      expect(proto.peer.getHelloMessage()!.port).toBe(h.listening!.port)
    }
  })

  it('a host and a peer sharing no shh version never become shh peers (devp2p: USELESS_PEER)', async () => {
    const a = host({ shhVersions: [5] })
    const b = host({ shhVersions: [6] })
    await a.start()
    await b.start()
    let sawPeer = false
    a.on('peer', () => (sawPeer = true))
    b.on('peer', () => (sawPeer = true))
    const raw = rawPeer(a, [{ name: 'eth', version: 68, length: 17 }])
    raws.push(raw)
    const raw2 = rawPeer(b, [{ name: 'shh', version: 5, length: 64 }])
    raws.push(raw2)
    a.addPeer(b.enode)
    await Promise.all([raw.socketClosed, raw2.socketClosed])
    await until(() => failedDials(a).length > 0, 10_000, 'a failed dial from a to b')
    expect(failedDials(a)[0]).toEqual({ id: b.id, kind: 'static', ok: false, error: 'no shared whisper version (it offers shh/6; we offer shh/5)' })
    expect(sawPeer).toBe(false)
    expect(a.peers()).toHaveLength(0)
    expect(b.peers()).toHaveLength(0)
    // why, for the user: in the log, and as the static target's last error (what the chat prints)
    await until(() => a.dialTargets()[0]?.lastError !== undefined, 10_000, 'a reason for the dropped dial')
    expect(a.dialTargets()).toEqual([expect.objectContaining({
      id: b.id, kind: 'static', connected: false,
      lastError: 'no shared whisper version (it offers shh/6; we offer shh/5)',
    })])
    expect(logsOf(a).some((l) => l.startsWith('Peer dropped: no shared whisper version (it offers shh/6; we offer shh/5)'))).toBe(true)
  })
})

describe('failed dials, as a user is told', () => {
  it('a refused static peer: its target says connection refused; the log says it at info once, redials at debug', async () => {
    const { createServer } = await import('node:net')
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port
        srv.close(() => resolve(p))
      })
    })
    const logs: [number, string][] = []
    const a = host({ logger: (level, msg) => logs.push([level, msg]) })
    await a.start()
    const ghost = '1f465ada3edb807037f73cd53a9391aa9ccd2342d257288fe8566825582a395175b58576899ba3628a1e6cdf599ac3087ea4910d2693a72fa7e916b86cd0600d'
    a.addPeer(`enode://${ghost}@127.0.0.1:${port}`)
    await until(() => failedDials(a).length >= 3, 10_000, 'three failed dials')
    expect(a.dialTargets()).toEqual([expect.objectContaining({ id: ghost, kind: 'static', connected: false, failure: 'connection refused' })])
    const said = logs.filter(([, m]) => m.startsWith('Dial failed'))
    expect(said.length).toBeGreaterThanOrEqual(3)
    expect(said.map(([level]) => level)).toEqual([3, ...said.slice(1).map(() => 4)])
    expect(a.discoveryExhausted()).toBe(true) // discovery is off
  })
})
