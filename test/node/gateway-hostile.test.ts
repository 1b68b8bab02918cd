// The version gateway against a peer asking an absurd PoW (issue 25 item 2): the crossings still reach
// the others. The flood of one sender (item 6) is in gateway-flood.e2e.test.ts (it runs ~10 s).
import { afterEach, describe, expect, it } from 'vitest'
import { Net, TOPIC, TEST_POW, inbox, link, newKey, text, until } from './net-helpers.js'
import { addressOf, generatePrivateKey, publicKeyOf } from '../../src/whisper/crypto.js'
import { toHex } from '../../src/whisper/bytes.js'
import type { Envelope } from '../../src/whisper/envelope.js'

const net = new Net()
afterEach(() => net.close())

const enc = (s: string) => new TextEncoder().encode(s)

describe('gateway against one hostile peer', () => {
  it('keeps crossing to the other peers when one shh/6 peer asks PoW > 50 (status and PoW-requirement packet), and says so once', async () => {
    const key = newKey()
    const lines: string[] = []
    const gw = await net.node({
      relay: true, name: 'gw', gatewayRooms: [{ topic: TOPIC, symKey: key }], gateway: { minDelayMs: 0, maxDelayMs: 30 },
      verbosity: 3, logger: (_l, msg) => lines.push(msg),
    })
    const a = await net.node({ shhVersions: [5], name: 'a5' })
    const b = await net.node({ shhVersions: [6], name: 'b6' })
    const inB = inbox(b, key)
    await link(gw, a)
    await link(gw, b)
    // one outlier announces 60 in its status, another asks 75 with a PoW-requirement packet after connecting
    const high = await net.probe(gw, 6, { minPow: 60, bloom: null, lightNode: false })
    const later = await net.probe(gw, 6, { minPow: 0.001, bloom: null, lightNode: false })
    later.peer.sendPowRequirement(75)
    await until(() => gw.peers().some((p) => p.minPow === 75), 'the gateway has the PoW requirement')
    const received = { high: 0, later: 0 }
    high.peer.on('envelopes', (envs: Envelope[]) => (received.high += envs.length))
    later.peer.on('envelopes', (envs: Envelope[]) => (received.later += envs.length))

    const alice = generatePrivateKey()
    for (let i = 0; i < 3; i++) await a.post({ topic: TOPIC, payload: enc(`line ${i}`), symKey: key, src: alice, ttl: 30, pow: TEST_POW, workTime: 2 })
    await until(() => inB.length === 3, 'b receives the 3 crossings')
    expect(inB.map(text).sort()).toEqual(['line 0', 'line 1', 'line 2'])
    expect(toHex(inB[0].relayed!.address!)).toBe(toHex(addressOf(publicKeyOf(alice))))
    expect(gw.stats()).toMatchObject({ gatewayCrossed: 3, gatewayFailed: 0 })
    // the outliers got nothing below what they asked for
    expect(received).toEqual({ high: 0, later: 0 })
    const skipped = lines.filter((l) => l.includes('peer asks too much PoW'))
    expect(skipped).toHaveLength(2) // once per peer, not once per crossing
    expect(skipped.some((l) => l.includes('asks=60') && l.includes('cap'))).toBe(true)
    expect(skipped.some((l) => l.includes('asks=75'))).toBe(true)
  })
})
