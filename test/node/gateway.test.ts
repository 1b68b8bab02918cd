// Version gateway (src/node/gateway.ts): one room across shh/5-only and shh/6-only nodes, both ways,
// signed and unsigned, the original sender verified; two gateways deliver each line once; floods shed.
import { afterEach, describe, expect, it } from 'vitest'
import { Net, TOPIC, TEST_POW, inbox, link, newKey, text, until } from './net-helpers.js'
import type { WhisperNode } from '../../src/node/whisper-node.js'
import { addressOf, generatePrivateKey, publicKeyOf } from '../../src/whisper/crypto.js'
import { sealMessage } from '../../src/whisper/seal.js'
import { encodeRelayed } from '../../src/whisper/relayed.js'
import { concatBytes, toHex } from '../../src/whisper/bytes.js'
import { rlpEncode } from '../../src/whisper/rlp.js'

const net = new Net()
afterEach(() => net.close())

const FAST = { minDelayMs: 0, maxDelayMs: 30 }
const say = (n: WhisperNode, key: Uint8Array, msg: string, src?: Uint8Array, padding?: Uint8Array) =>
  n.post({ topic: TOPIC, payload: new TextEncoder().encode(msg), symKey: key, src, padding, ttl: 30, pow: TEST_POW, workTime: 2 })
const nodeAddress = (n: WhisperNode) => toHex(addressOf(n.publicKey))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('version gateway', () => {
  it('joins a shh/5-only and a shh/6-only node in one room, both ways, signed and unsigned', async () => {
    const key = newKey()
    const gw = await net.node({ relay: true, name: 'gw', gatewayRooms: [{ topic: TOPIC, symKey: key }], gateway: FAST })
    const a = await net.node({ shhVersions: [5], name: 'a5' })
    const b = await net.node({ shhVersions: [6], name: 'b6' })
    const inA = inbox(a, key)
    const inB = inbox(b, key)
    await link(gw, a)
    await link(gw, b)
    const alice = generatePrivateKey()
    const bob = generatePrivateKey()

    await say(a, key, 'signed from v5', alice)
    await until(() => inB.length === 1, 'b receives the v5 line')
    expect(text(inB[0])).toBe('signed from v5')
    expect(inB[0].shh).toBe(6)
    expect(toHex(inB[0].address!)).toBe(nodeAddress(gw)) // what a geth client sees: the gateway
    expect(toHex(inB[0].relayed!.address!)).toBe(toHex(addressOf(publicKeyOf(alice))))
    expect(toHex(inB[0].relayed!.by)).toBe(nodeAddress(gw))
    expect(inB[0].relayed!.shh).toBe(5)

    await say(b, key, 'signed from v6', bob)
    await say(b, key, 'unsigned from v6')
    await say(a, key, 'unsigned from v5')
    await until(() => inA.length === 4 && inB.length === 4, 'all lines on both sides')
    const other = (msgs: typeof inA) => msgs.filter((m) => !m.mine)
    expect(other(inA).map(text).sort()).toEqual(['signed from v6', 'unsigned from v6'])
    expect(toHex(other(inA).find((m) => text(m) === 'signed from v6')!.relayed!.address!)).toBe(toHex(addressOf(publicKeyOf(bob))))
    const anon = other(inA).find((m) => text(m) === 'unsigned from v6')!
    expect(anon.relayed).toBeDefined()
    expect(anon.relayed!.address).toBeUndefined()
    expect(other(inB).map(text).sort()).toEqual(['signed from v5', 'unsigned from v5'])
    // nothing crosses back
    await sleep(500)
    expect(inA.length).toBe(4)
    expect(inB.length).toBe(4)
    expect(gw.stats().gatewayCrossed).toBe(4)
  })

  it('two gateways in a triangle deliver each line exactly once', async () => {
    const key = newKey()
    const rooms = [{ topic: TOPIC, symKey: key }]
    const g1 = await net.node({ relay: true, name: 'g1', gatewayRooms: rooms, gateway: { minDelayMs: 0, maxDelayMs: 200 } })
    const g2 = await net.node({ relay: true, name: 'g2', gatewayRooms: rooms, gateway: { minDelayMs: 0, maxDelayMs: 200 } })
    const a = await net.node({ shhVersions: [5], name: 'a5' })
    const b = await net.node({ shhVersions: [6], name: 'b6' })
    const both = await net.node({ name: 'both' }) // a node of ours on both versions sees originals and re-seals
    const inA = inbox(a, key)
    const inB = inbox(b, key)
    const inBoth = inbox(both, key)
    await link(g1, g2)
    for (const g of [g1, g2]) {
      await link(g, a)
      await link(g, b)
    }
    await link(g1, both)
    const lines: string[] = []
    for (let i = 0; i < 4; i++) {
      lines.push(`a${i}`, `b${i}`)
      await say(a, key, `a${i}`, i % 2 ? generatePrivateKey() : undefined)
      await say(b, key, `b${i}`, i % 2 ? generatePrivateKey() : undefined)
    }
    await until(() => inA.length === 8 && inB.length === 8 && inBoth.length === 8, 'every line everywhere', 15_000)
    await sleep(1500)
    for (const box of [inA, inB, inBoth]) expect(box.map(text).sort()).toEqual([...lines].sort())
    const s1 = g1.stats()
    const s2 = g2.stats()
    expect(s1.gatewayCrossed + s2.gatewayCrossed).toBeGreaterThanOrEqual(8)
  })

  it('a forged carried original shows as the signer\'s own message, never as the named sender', async () => {
    const key = newKey()
    const a = await net.node({ shhVersions: [6], name: 'a' })
    const mallory = await net.node({ shhVersions: [6], name: 'mallory' })
    const inA = inbox(a, key)
    await link(a, mallory)
    const alice = generatePrivateKey()
    const mal = generatePrivateKey()
    // Alice's genuine signed envelope of another text, carried under Mallory's payload
    const original = sealMessage({ shh: 5, topic: TOPIC, payload: new TextEncoder().encode('pay 1 eth'), symKey: key, src: alice, ttl: 30, pow: TEST_POW, workTime: 2 })
    const padding = encodeRelayed(original)
    await say(mallory, key, 'pay 100 eth', mal, padding)
    await until(() => inA.length === 1, 'a receives')
    expect(inA[0].relayed).toBeUndefined()
    expect(inA[0].relayInvalid).toMatch(/payload/)
    expect(toHex(inA[0].address!)).toBe(toHex(addressOf(publicKeyOf(mal))))
  })

  it('never crosses a relay padding it cannot verify (format 1 of an older gateway): no back-and-forth between formats', async () => {
    const key = newKey()
    const lines: string[] = []
    const gw = await net.node({ relay: true, name: 'gw', gatewayRooms: [{ topic: TOPIC, symKey: key }], gateway: FAST, verbosity: 5, logger: (_l, m) => lines.push(m) })
    const a = await net.node({ shhVersions: [5], name: 'a5' })
    const b = await net.node({ shhVersions: [6], name: 'b6' })
    const inB = inbox(b, key)
    await link(gw, a)
    await link(gw, b)
    const v1 = concatBytes(Uint8Array.of(0x57, 0x52, 0x4c, 0x59, 1), rlpEncode([6, 1_700_000_000, new Uint8Array(0), Uint8Array.of(1, 2, 0x68, 0x69)]))
    await say(a, key, 'hi', generatePrivateKey(), v1)
    await until(() => lines.some((l) => l.includes('relayed message not verified, not crossed')), 'the gateway passes on it')
    await say(a, key, 'plain line')
    await until(() => inB.length === 1, 'the plain line crosses')
    expect(text(inB[0])).toBe('plain line')
    expect(gw.stats().gatewayCrossed).toBe(1)
  })

  it('sheds crossings beyond its bound under a flood, with a count', async () => {
    const key = newKey()
    const gw = await net.node({ relay: true, name: 'gw', gatewayRooms: [{ topic: TOPIC, symKey: key }], gateway: { maxPending: 2, minDelayMs: 300, maxDelayMs: 300 } })
    const a = await net.node({ shhVersions: [5], name: 'a5' })
    const b = await net.node({ shhVersions: [6], name: 'b6' })
    const inB = inbox(b, key)
    await link(gw, a)
    await link(gw, b)
    await Promise.all(Array.from({ length: 12 }, (_, i) => say(a, key, `flood ${i}`)))
    await until(() => gw.stats().gatewayShed + gw.stats().gatewayCrossed === 12, 'every crossing accounted for')
    expect(gw.stats().gatewayShed).toBeGreaterThanOrEqual(8)
    await until(() => inB.length === gw.stats().gatewayCrossed, 'crossed ones arrive')
    expect(gw.stats().gatewayCrossed).toBeLessThanOrEqual(4)
  })
})
