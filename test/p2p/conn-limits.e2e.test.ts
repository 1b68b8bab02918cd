// The attacks of the adversarial review on the RLPx port (issue 10, findings 1-4 and 8), each replayed
// on loopback against a P2PHost with small, bounded attackers; see src/p2p/conn-limits.ts.
import { RLP } from '@ethereumjs/rlp'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { afterEach, describe, expect, it } from 'vitest'
import type { P2PHost } from '../../src/p2p/host.js'
import { DISCONNECT_REASON } from '../../src/p2p/shh-peer.js'
import { RawShhPeer, rawTcp } from '../fuzz/raw-peer.js'
import { fixture, logsOf, makeHost, rawPeer, until, waitPeer, within } from './helpers.js'
import { budget } from '../support/budget.js'

const hosts: P2PHost[] = []
const raws: RawShhPeer[] = []
const sockets: { destroy(): void }[] = []
afterEach(async () => {
  for (const r of raws.splice(0)) r.close()
  for (const s of sockets.splice(0)) s.destroy()
  await Promise.all(hosts.splice(0).map((x) => x.stop()))
})

async function started(opts: Parameters<typeof makeHost>[0] = {}): Promise<P2PHost> {
  const h = makeHost(opts)
  hosts.push(h)
  await h.start()
  return h
}

const status6 = () => Buffer.from(fixture(6).status[0].rlp, 'hex')

async function session(h: P2PHost, opts: Parameters<typeof RawShhPeer.open>[3] = {}): Promise<RawShhPeer> {
  const r = await RawShhPeer.open(h.enode, 6, undefined, opts)
  raws.push(r)
  return r
}

async function whisperPeer(h: P2PHost, opts: Parameters<typeof RawShhPeer.open>[3] = {}): Promise<RawShhPeer> {
  const r = await session(h, opts)
  await within(r.ready, 5000, 'the host status')
  r.send(0, status6())
  await waitPeer(h, r.id)
  return r
}

describe('finding 1: a DISCONNECT always frees the slot', () => {
  it.each([
    ['reason 2^64-1', RLP.encode([2n ** 64n - 1n])],
    ['reason a list', RLP.encode([[1, 2]])],
    ['reason bare 2^64-1', RLP.encode(2n ** 64n - 1n)],
  ])('%s: the socket is closed and a good peer gets the slot', async (_name, payload) => {
    const h = await started({ maxPeers: 2 })
    const attackers = [await whisperPeer(h), await whisperPeer(h)]
    // the attackers say goodbye and keep their sockets open
    for (const a of attackers) a.sendBase(1, payload)
    await Promise.all(attackers.map((a) => within(a.closed, 5000, 'the host to close the attacker')))
    const good = await started()
    good.addPeer(h.enode)
    await waitPeer(h, good.id, 5000)
  })

  it('a session that sends no complete frame within the read deadline is closed; pinging peers are not', async () => {
    const limits = { frameReadTimeoutMs: 800 }
    const h = await started({ limits })
    const friend = await started({ limits })
    friend.addPeer(h.enode)
    await waitPeer(h, friend.id)
    const silent = await whisperPeer(h)
    silent.pauseReading() // reads nothing, so answers no PING and sends nothing
    // (the paused attacker does not even see the close: watch the host)
    await until(() => !h.peers().some((p) => p.id === silent.id), 3000, 'the read deadline')
    // pings every 400 ms kept the healthy peer well inside its deadline all along
    expect(h.peers().map((p) => p.id)).toEqual([friend.id])
  })
})

// Each PING costs the host a 64-byte PONG; kernel buffers on loopback take a few MB of them first.
// Bounded: at most 400,000 PINGs or 80 s (a loaded 2-core machine is slow at it; ~10 s unloaded), whichever comes first.
async function pingFlood(a: RawShhPeer): Promise<void> {
  const ping = RLP.encode([])
  const deadline = Date.now() + 80_000
  for (let i = 0; i < 400 && a.isOpen && Date.now() < deadline; i++) {
    a.batch(() => {
      for (let j = 0; j < 1000; j++) a.sendBase(2, ping)
    })
    // let the host read what we sent before sending more (our own queue would grow otherwise)
    while (a.isOpen && a.unsentBytes > 256 * 1024 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  }
}

describe('finding 2: a peer that does not read cannot make us queue without end', () => {
  it('PINGs from a peer that never reads: dropped at the queue bound', async () => {
    // (the PONG deadline is the handshake timeout: kept long so that only the bound can drop the peer)
    const h = await started({ handshakeTimeoutMs: 120_000, limits: { maxQueuedBytes: 64 * 1024, frameWriteTimeoutMs: 120_000 } })
    // the attacker does not read our PONGs: its own devp2p must not give up on us first
    const a = await whisperPeer(h, { pingTimeoutMs: 120_000 })
    a.pauseReading()
    await pingFlood(a)
    await within(a.closed, 5000, 'the host to drop the non-reader')
    expect(logsOf(h).filter((l) => /Dropping|Removing|disconnect/i.test(l)).join("\n")).toMatch(/not reading/)
  }, budget(100_000))

  it('a write that does not drain within the write deadline: dropped', async () => {
    const h = await started({ handshakeTimeoutMs: 120_000, limits: { frameWriteTimeoutMs: 500 } })
    // the attacker does not read our PONGs: its own devp2p must not give up on us first
    const a = await whisperPeer(h, { pingTimeoutMs: 120_000 })
    a.pauseReading()
    await pingFlood(a)
    await within(a.closed, 5000, 'the write deadline')
    expect(logsOf(h).some((l) => /not drained/.test(l))).toBe(true)
  }, budget(100_000))
})

describe('finding 3: HELLO size', () => {
  it('a HELLO over 2 KiB is refused; its client id is never kept', async () => {
    const h = await started()
    const a = await session(h, { clientId: 'x'.repeat(3000) })
    await within(a.closed, 5000, 'the host to refuse the HELLO')
    expect(h.peers()).toHaveLength(0)
    expect(logsOf(h).join('\n')).not.toContain('x'.repeat(100))
  })

  it('a HELLO just under 2 KiB still connects (geth allows it); its name is kept capped and escaped', async () => {
    const h = await started()
    const a = await session(h, { clientId: 'y'.repeat(1900) + '\u202e' })
    await within(a.ready, 5000, 'the host status')
    a.send(0, status6())
    const p = await waitPeer(h, a.id)
    expect(p.clientId.length).toBeLessThanOrEqual(257)
    expect(p.clientId.startsWith('yyy')).toBe(true)
    const b = await session(h, { clientId: 'evil\u202etxt.exe\n' })
    await within(b.ready, 5000, 'the host status')
    b.send(0, status6())
    expect((await waitPeer(h, b.id)).clientId).toBe('evil\\u{202e}txt.exe\\u{a}')
    expect(logsOf(h).join('\n')).not.toContain('\u202e')
  })
})

describe('finding 4: frame sizes and pending handshakes', () => {
  it('a frame header announcing 8 MiB before the HELLO: closed at the header, nothing buffered', async () => {
    const h = await started({ handshakeTimeoutMs: 20_000 })
    const a = await session(h, { noHello: true })
    await until(() => a.keysReady, 5000, 'the RLPx handshake')
    a.writeRaw(a.frameHeader(8 * 1024 * 1024))
    a.writeRaw(new Uint8Array(64 * 1024))
    await within(a.closed, 3000, 'the host to refuse the frame')
  })

  it('a frame over the max message size after the HELLO: closed at the header', async () => {
    const h = await started({ maxMessageSize: 64 * 1024 })
    const a = await whisperPeer(h)
    a.writeRaw(a.frameHeader(4 * 1024 * 1024))
    a.writeRaw(new Uint8Array(64 * 1024))
    await within(a.closed, 3000, 'the host to refuse the frame')
  })

  it('at most 50 handshakes in progress: more sockets are closed at once', async () => {
    const h = await started({ handshakeTimeoutMs: 20_000 })
    const conns = []
    for (let i = 0; i < 60; i++) {
      const c = await rawTcp(h.enode)
      sockets.push(c.socket)
      conns.push(c)
    }
    let closed = 0
    for (const c of conns) void c.closed.then(() => closed++)
    await until(() => closed >= 10, 3000, '10 sockets closed')
    await new Promise((r) => setTimeout(r, 200))
    expect(closed).toBe(10)
    // a good peer can connect once the pending handshakes go
    for (const s of sockets.splice(0)) s.destroy()
    const good = await started()
    good.addPeer(h.enode)
    await waitPeer(h, good.id, 5000)
  })
})

describe('finding 8: per-address throttle and slots for our own dials', () => {
  it('inbound attempts from one address within the throttle time are refused', async () => {
    const h = await started({ limits: { throttleLan: true, throttleMs: 30_000 } })
    const first = await rawTcp(h.enode)
    sockets.push(first.socket)
    const second = await rawTcp(h.enode)
    sockets.push(second.socket)
    await within(second.closed, 2000, 'the second attempt to be refused')
    expect(first.socket.destroyed).toBe(false)
  })

  it('loopback is exempt by default (like geth), so local tools keep working', async () => {
    const h = await started()
    const a = await whisperPeer(h)
    const b = await whisperPeer(h)
    expect(a.isOpen && b.isOpen).toBe(true)
  })

  it('when we dial on our own, inbound peers get at most two thirds of the slots', async () => {
    const nobody = Buffer.from(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), false).subarray(1)).toString('hex')
    // a bootnode means we dial: one slot of 3 stays ours (this one listens nowhere: the dial fails)
    const h = await started({ maxPeers: 3, bootnodes: [`enode://${nobody}@127.0.0.1:1`] })
    const peers = [rawPeer(h), rawPeer(h), rawPeer(h)]
    const reasons: number[] = []
    for (const p of peers) void p.removed.then((r) => reasons.push(r.reason))
    await until(() => reasons.length > 0, 5000, 'a peer refused')
    await new Promise((r) => setTimeout(r, 300))
    expect(reasons).toEqual([DISCONNECT_REASON.TOO_MANY_PEERS])
    await Promise.all(peers.map((p) => p.close()))
  })
})
