import { afterEach, describe, expect, it } from 'vitest'
import type { P2PHost } from '../../src/p2p/host.js'
import type { ShhPeer } from '../../src/p2p/shh-peer.js'
import { encodeEnvelope, type Envelope, type ShhVersion } from '../../src/whisper/envelope.js'
import { MESSAGE_CODES } from '../../src/whisper/packets.js'
import { fixture, fixtureEnvelopes, hex, makeHost, rawPeer, started, waitEvent, waitPeer } from './helpers.js'

const { raws, host, stop } = started()
afterEach(stop)

async function pair(shh: ShhVersion, opts: Parameters<typeof makeHost>[0] = {}): Promise<{ a: P2PHost; b: P2PHost; pa: ShhPeer; pb: ShhPeer }> {
  const a = host({ shhVersions: [shh], ...opts })
  const b = host({ shhVersions: [shh], ...opts })
  await a.start()
  await b.start()
  b.addPeer(a.enode)
  const [pa, pb] = await Promise.all([waitPeer(a, b.id), waitPeer(b, a.id)])
  return { a, b, pa, pb }
}

// Collects what a peer delivers until `count` envelopes arrived; returns them per 'envelopes' event.
function collect(peer: ShhPeer, count: number): Promise<Envelope[][]> {
  const batches: Envelope[][] = []
  let n = 0
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${n} of ${count} envelopes arrived`)), 15_000)
    peer.on('envelopes', (envs) => {
      batches.push(envs)
      n += envs.length
      if (n >= count) {
        clearTimeout(timer)
        resolve(batches)
      }
    })
  })
}

describe.each([5, 6] as const)('shh/%i envelopes between hosts', (shh) => {
  it('geth fixture envelopes cross in both directions unchanged (incl. a 70 kB one)', async () => {
    const { pa, pb } = await pair(shh)
    const fx = fixtureEnvelopes(shh)
    const envs = fx.map((f) => f.env)
    const atA = collect(pa, envs.length)
    const atB = collect(pb, envs.length)
    expect(pb.sendEnvelopes(envs)).toBe(true)
    expect(pa.sendEnvelopes([...envs].reverse())).toBe(true)
    const [gotA, gotB] = await Promise.all([atA, atB])
    expect(gotA.flat().map((e) => hex(encodeEnvelope(e)))).toEqual(fx.map((f) => hex(f.rlp)))
    expect(gotB.flat().map((e) => hex(encodeEnvelope(e)))).toEqual(fx.map((f) => hex(f.rlp)).reverse())
    if (shh === 6) {
      expect(gotA).toHaveLength(1) // one list packet
    } else {
      expect(gotA).toHaveLength(envs.length) // one packet per envelope
    }
  })
})

describe('packets on the wire, byte for byte (raw peer)', () => {
  it.each([5, 6] as const)('shh/%i messages packet equals geth’s, both ways', async (shh) => {
    const h = host({ shhVersions: [shh] })
    await h.start()
    const raw = rawPeer(h, [{ name: 'shh', version: shh, length: shh === 5 ? 64 : 128 }])
    raws.push(raw)
    const proto = await raw.protocol
    await proto.nextMessage(0)
    proto.send(0, Buffer.from(fixture(shh).status[0].rlp, 'hex'))
    const peer = await waitPeer(h, raw.id)

    const pkt = fixture(shh).messagesPacket
    const byName = new Map(fixtureEnvelopes(shh).map((f) => [f.name, f]))
    const envs = pkt.envelopeNames.map((n) => byName.get(n)!.env)
    // host -> raw: exactly geth's payload
    peer.sendEnvelopes(envs)
    expect(hex(await proto.nextMessage(1))).toBe(pkt.rlp)
    // raw -> host: geth's payload decodes to the same envelopes
    const got = waitEvent<[Envelope[]]>(peer, 'envelopes')
    proto.send(1, Buffer.from(pkt.rlp, 'hex'))
    const [delivered] = await got
    expect(delivered.map((e) => hex(encodeEnvelope(e)))).toEqual(pkt.envelopeNames.map((n) => hex(byName.get(n)!.rlp)))
  })

  it('v6 PoW requirement and bloom packets equal geth’s and update the remote ShhPeer', async () => {
    const h = host({ shhVersions: [6] })
    await h.start()
    const raw = rawPeer(h)
    raws.push(raw)
    const proto = await raw.protocol
    await proto.nextMessage(0)
    proto.send(0, Buffer.from(fixture(6).status[0].rlp, 'hex'))
    const peer = await waitPeer(h, raw.id)
    const fx = fixture(6)
    const bloom = Buffer.from(fx.bloom!.find((b) => b.topic === fx.bloomFilterExPacket!.topic)!.bloom, 'hex')

    h.setMinPow(fx.powRequirementPacket!.pow)
    expect(hex(await proto.nextMessage(MESSAGE_CODES[6].powRequirement))).toBe(fx.powRequirementPacket!.rlp)
    h.setBloom(bloom)
    expect(hex(await proto.nextMessage(MESSAGE_CODES[6].bloomFilterEx))).toBe(fx.bloomFilterExPacket!.rlp)

    const pow = waitEvent<[number]>(peer, 'powRequirement')
    proto.send(MESSAGE_CODES[6].powRequirement, Buffer.from(fx.powRequirementPacket!.rlp, 'hex'))
    expect((await pow)[0]).toBe(1.5)
    expect(peer.minPow).toBe(1.5)
    const bl = waitEvent<[Uint8Array | null]>(peer, 'bloom')
    proto.send(MESSAGE_CODES[6].bloomFilterEx, Buffer.from(fx.bloomFilterExPacket!.rlp, 'hex'))
    expect(hex((await bl)[0]!)).toBe(hex(bloom))
    expect(hex(peer.bloom!)).toBe(hex(bloom))
    // all ones again: a full node
    const full = waitEvent<[Uint8Array | null]>(peer, 'bloom')
    proto.send(MESSAGE_CODES[6].bloomFilterEx, Buffer.from(`b840${'ff'.repeat(64)}`, 'hex'))
    expect((await full)[0]).toBeNull()
    expect(peer.bloom).toBeNull()
    expect(h.peers()).toHaveLength(1)
  })
})

describe('v6 PoW requirement and bloom between hosts', () => {
  it('setMinPow / setBloom reach connected v6 peers and update their ShhPeer; v5 peers get nothing', async () => {
    const { a, pb } = await pair(6)
    const pow = waitEvent<[number]>(pb, 'powRequirement')
    a.setMinPow(2.25)
    expect((await pow)[0]).toBe(2.25)
    expect(pb.minPow).toBe(2.25)
    const bloom = new Uint8Array(64)
    bloom[7] = 0x80
    const bl = waitEvent<[Uint8Array | null]>(pb, 'bloom')
    a.setBloom(bloom)
    expect((await bl)[0]).toEqual(bloom)
    expect(pb.bloom).toEqual(bloom)

    const v5 = await pair(5)
    expect(v5.pa.sendPowRequirement(1)).toBe(false)
    expect(v5.pa.sendBloom(bloom)).toBe(false)
  })
})

describe.each([5, 6] as const)('shh/%i p2p direct messages', (shh) => {
  it('are delivered from trusted peers only (v6 uses code 127: an RLP code >= 0x80)', async () => {
    const a = host({ shhVersions: [shh] })
    const b = host({ shhVersions: [shh] })
    await a.start()
    await b.start()
    b.addTrustedPeer(a.id)
    b.addPeer(a.enode)
    const [pa, pb] = await Promise.all([waitPeer(a, b.id), waitPeer(b, a.id)])
    expect(pb.trusted).toBe(true)
    expect(pa.trusted).toBe(false)
    const env = fixtureEnvelopes(shh)[1].env

    // untrusted direction: ignored (not even decoded), the peer stays; a normal envelope after it still flows
    let leaked = false
    pa.on('p2pMessage', () => (leaked = true))
    expect(pb.sendP2PMessage(env)).toBe(true)
    const after = waitEvent<[Envelope[]]>(pa, 'envelopes')
    pb.sendEnvelopes([env])
    await after
    expect(leaked).toBe(false)

    const got = waitEvent<[Envelope]>(pb, 'p2pMessage')
    expect(pa.sendP2PMessage(env)).toBe(true)
    expect(hex(encodeEnvelope((await got)[0]))).toBe(hex(encodeEnvelope(env)))
    expect(a.peers()).toHaveLength(1)
    expect(b.peers()).toHaveLength(1)
  })
})

describe('shh/6 request-complete (status-go\'s code 125, paged mail answers)', () => {
  it('is read from trusted peers only; shh/5 cannot send one; one that does not parse drops the peer', async () => {
    const a = host({ shhVersions: [6] })
    const b = host({ shhVersions: [6] })
    await a.start()
    await b.start()
    b.addTrustedPeer(a.id)
    b.addPeer(a.enode)
    const [pa, pb] = await Promise.all([waitPeer(a, b.id), waitPeer(b, a.id)])
    const done = { ok: true as const, requestId: new Uint8Array(32).fill(1), lastEnvelopeHash: new Uint8Array(32).fill(2), cursor: new Uint8Array(36).fill(3) }

    // untrusted direction: ignored, the peer stays
    let leaked = false
    pa.on('requestComplete', () => (leaked = true))
    expect(pb.sendRequestComplete!(done)).toBe(true)
    const after = waitEvent<[Envelope[]]>(pa, 'envelopes')
    pb.sendEnvelopes([fixtureEnvelopes(6)[1].env])
    await after
    expect(leaked).toBe(false)

    const got = waitEvent<[unknown]>(pb, 'requestComplete')
    expect(pa.sendRequestComplete!(done)).toBe(true)
    expect((await got)[0]).toEqual(done)
    const failed = waitEvent<[unknown]>(pb, 'requestComplete')
    expect(pa.sendRequestComplete!({ ok: false, requestId: done.requestId, error: 'rate limit exceeded' })).toBe(true)
    expect((await failed)[0]).toEqual({ ok: false, requestId: done.requestId, error: 'rate limit exceeded' })

    // under 32 bytes: status-go disconnects the mail server
    const gone = waitEvent(pb, 'close')
    ;(pa as unknown as { send(c: number, d: Uint8Array): boolean }).send(125, Uint8Array.of(0x83, 1, 2, 3))
    await gone
    expect(pb.closed).toBe(true)

    const v5 = await pair(5)
    expect(v5.pa.sendRequestComplete!(done)).toBe(false)
  })
})
