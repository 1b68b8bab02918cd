// What enters and leaves a node's pool over real connections: duplicates delivered once; expired and
// under-PoW envelopes neither delivered nor forwarded; peers sending garbage, a future envelope or a
// wrong status dropped while the other peers carry on. shh/5 and shh/6.
import { afterEach, describe, expect, it } from 'vitest'
import { RLP } from '@ethereumjs/rlp'
import { Net, TOPIC, inbox, link, newKey, post, text, until, waitEvent } from './net-helpers.js'
import { rawPeer } from '../p2p/helpers.js'
import type { P2PHost } from '../../src/p2p/host.js'
import { DISCONNECT_REASON } from '../../src/p2p/shh-peer.js'
import type { WhisperNode, EnvelopeEvent } from '../../src/node/whisper-node.js'
import { sealMessage } from '../../src/whisper/seal.js'
import { envelopeHash, envelopePow, type Envelope, type ShhVersion } from '../../src/whisper/envelope.js'
import { encodeStatus } from '../../src/whisper/packets.js'
import { toHex } from '../../src/whisper/bytes.js'

const net = new Net()
afterEach(() => net.close())

const nowSec = () => Math.floor(Date.now() / 1000)

function seal(shh: ShhVersion, key: Uint8Array, msg: string, o: { pow?: number; now?: number; ttl?: number } = {}): Envelope {
  return sealMessage({ shh, topic: TOPIC, payload: new TextEncoder().encode(msg), symKey: key, ttl: o.ttl ?? 50, pow: o.pow ?? 0.1, workTime: 2, now: o.now })
}

/** An envelope whose PoW is below `limit` (sealed with almost no work; resealed in the rare lucky case). */
function weak(shh: ShhVersion, key: Uint8Array, msg: string, limit: number): Envelope {
  for (;;) {
    const env = seal(shh, key, msg, { pow: 1e-9 })
    if (envelopePow(env) < limit) return env
  }
}

const hashOf = (env: Envelope) => toHex(envelopeHash(env))

/** Hashes of every envelope `node` accepts into its pool from now on. */
function pooled(node: WhisperNode): string[] {
  const seen: string[] = []
  node.on('envelope', (e: EnvelopeEvent) => seen.push(e.hash))
  return seen
}

for (const shh of [5, 6] as const) {
  describe(`shh/${shh}`, () => {
    it('the same envelope arriving twice, and from two peers, is delivered once', async () => {
      const key = newKey()
      const b = await net.node({ shhVersions: [shh], name: 'b' })
      const inB = inbox(b, key)
      const p1 = await net.probe(b, shh)
      const p2 = await net.probe(b, shh)
      const back: string[] = []
      p1.peer.on('envelopes', (envs: Envelope[]) => back.push(...envs.map(hashOf)))
      const env = seal(shh, key, 'once')
      p1.peer.sendEnvelopes([env])
      p1.peer.sendEnvelopes([env])
      // a sentinel: packets of one connection are handled in order, so it arrives after the copies
      p1.peer.sendEnvelopes([seal(shh, key, 'end1')])
      await until(() => inB.length === 2, 'first deliveries')
      p2.peer.sendEnvelopes([env])
      p2.peer.sendEnvelopes([seal(shh, key, 'end2')])
      await until(() => inB.length === 3, 'second deliveries')
      expect(inB.map(text)).toEqual(['once', 'end1', 'end2'])
      expect(b.stats().envelopesIn).toBe(3)
      // and it is never echoed back to the peer that sent it
      await post(b, key, 'from b')
      await until(() => back.length >= 2, 'b forwards end2 and its own post to p1')
      expect(back).not.toContain(hashOf(env))
    })

    it('expired and under-PoW envelopes are neither delivered nor forwarded', async () => {
      const key = newKey()
      const relay = await net.node({ shhVersions: [shh], relay: true, minPow: 0.05, name: 'relay' })
      const b = await net.node({ shhVersions: [shh], noListen: true, name: 'b' })
      const inB = inbox(b, key)
      const atB = pooled(b)
      await link(relay, b)
      const p = await net.probe(relay, shh)
      const expired = seal(shh, key, 'expired', { now: nowSec() - 60 }) // expired 10 s ago: dropped quietly
      const low = weak(shh, key, 'low pow', 0.05)
      const good = seal(shh, key, 'good')
      p.peer.sendEnvelopes([expired])
      if (shh === 5) p.peer.sendEnvelopes([low]) // v5 drops it quietly; v6 hangs up (next test)
      p.peer.sendEnvelopes([good])
      await until(() => inB.length === 1, 'good arrives')
      expect(text(inB[0])).toBe('good')
      expect(atB).toEqual([hashOf(good)])
      expect(relay.stats()).toMatchObject({ poolSize: 1, envelopesDropped: shh === 5 ? 2 : 1, peersDropped: 0 })
      expect(p.conn.isOpen).toBe(true)
    })

    it('a peer sending a future envelope is dropped, the others carry on', async () => {
      const key = newKey()
      const a = await net.node({ shhVersions: [shh], name: 'a' })
      const b = await net.node({ shhVersions: [shh], name: 'b' })
      const inB = inbox(b, key)
      await link(a, b)
      const p = await net.probe(a, shh)
      p.peer.sendEnvelopes([seal(shh, key, 'from the future', { now: nowSec() + 60 })])
      const closed = await p.conn.closed
      expect(closed).toEqual({ reason: DISCONNECT_REASON.SUBPROTOCOL_ERROR, byUs: false })
      expect(a.stats().peersDropped).toBe(1)
      await post(a, key, 'still here')
      await until(() => inB.length === 1, 'b still gets messages')
      expect(text(inB[0])).toBe('still here')
      expect(inB.map(text)).not.toContain('from the future')
    })

    it('a peer sending garbage, or a wrong status, is dropped, the others carry on', async () => {
      const key = newKey()
      const a = await net.node({ shhVersions: [shh], name: 'a' })
      const b = await net.node({ shhVersions: [shh], name: 'b' })
      const inB = inbox(b, key)
      await link(a, b)
      const target = { enode: a.enode } as unknown as P2PHost
      const cap = [{ name: 'shh', version: shh, length: shh === 5 ? 64 : 128 }]
      const garbage = rawPeer(target, cap)
      const wrong = rawPeer(target, cap)
      try {
        const g = await garbage.protocol
        g.send(0, shh === 5 ? encodeStatus(5) : encodeStatus(6, { minPow: 0, bloom: null, lightNode: false }))
        await waitEvent(a, 'peer:added', (s: { id: string }) => s.id === garbage.id)
        g.send(1, Uint8Array.of(0xf8, 0xff, 0x01)) // not RLP
        const w = await wrong.protocol
        w.send(0, shh === 5 ? RLP.encode(6) : RLP.encode([5, 0, new Uint8Array(0), new Uint8Array(0)]))
        expect((await garbage.removed).reason).toBe(DISCONNECT_REASON.SUBPROTOCOL_ERROR)
        expect((await wrong.removed).reason).toBe(DISCONNECT_REASON.SUBPROTOCOL_ERROR)
        expect(a.peers().map((x) => x.id)).toEqual([b.id])
        await post(a, key, 'carry on')
        await until(() => inB.length === 1, 'b still gets messages')
      } finally {
        await garbage.close()
        await wrong.close()
      }
    })
  })
}

describe('shh/6 PoW rules', () => {
  it('an envelope under our PoW requirement drops the peer (whisperv6 add errors)', async () => {
    const key = newKey()
    const a = await net.node({ shhVersions: [6], minPow: 0.05, name: 'a' })
    const p = await net.probe(a, 6)
    expect(p.peer.minPow).toBe(0.05) // announced in our status
    p.peer.sendEnvelopes([weak(6, key, 'low', 0.05)])
    expect((await p.conn.closed).reason).toBe(DISCONNECT_REASON.SUBPROTOCOL_ERROR)
    expect(a.stats()).toMatchObject({ poolSize: 0, peersDropped: 1 })
  })
})
