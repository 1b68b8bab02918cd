import { describe, expect, it } from 'vitest'
import { RLP } from '@ethereumjs/rlp'
import {
  bitsToFloat64, decodeBloomFilterEx, decodeEnvelopePacket, decodeMessages, decodePowRequirement, decodeStatus,
  encodeBloomFilterEx, encodeEnvelopePacket, encodeMessages, encodePowRequirement, encodeStatus, float64ToBits,
} from '../../src/whisper/packets.js'
import { decodeEnvelope, encodeEnvelope } from '../../src/whisper/envelope.js'
import { topicBloom } from '../../src/whisper/bloom.js'
import { code, hex, loadVectors, toHex } from './helpers.js'

const f5 = loadVectors('shh5-geth.json')
const f6 = loadVectors('shh6-geth.json')

describe('status', () => {
  it('v5: bare uint 5', () => {
    expect(toHex(encodeStatus(5))).toBe(f5.status[0].rlp)
    expect(decodeStatus(5, hex('05')).version).toBe(5)
    expect(code(() => decodeStatus(5, hex('06')))).toBe('version')
    expect(code(() => decodeStatus(5, hex('c105')))).toBe('packet')
    expect(code(() => decodeStatus(5, new Uint8Array(0)))).toBe('rlp')
  })
  it.each(f6.status.map((s: any, i: number) => [i, s]) as [number, any][])('v6 vector %i', (_i, s) => {
    const bloom = hex(s.bloom)
    expect(toHex(encodeStatus(6, { minPow: s.minPow, bloom, lightNode: s.lightNode }))).toBe(s.rlp)
    const d = decodeStatus(6, hex(s.rlp))
    expect(d).toEqual({ version: 6, minPow: s.minPow, bloom, lightNode: s.lightNode })
  })
  it('v6: only the version is mandatory; optional fields as geth', () => {
    expect(decodeStatus(6, RLP.encode([6]))).toEqual({ version: 6, lightNode: false })
    expect(decodeStatus(6, RLP.encode([6, float64ToBits(0.5)]))).toEqual({ version: 6, minPow: 0.5, lightNode: false })
    expect(decodeStatus(6, RLP.encode([6, float64ToBits(0.5), new Uint8Array(0), 1]))).toEqual({ version: 6, minPow: 0.5, bloom: null, lightNode: true })
    expect(decodeStatus(6, RLP.encode([6, [], new Uint8Array(3)])).minPow).toBeUndefined() // bad pow is ignored (and the bloom with it)
    expect(code(() => decodeStatus(6, RLP.encode([6, float64ToBits(0.5), new Uint8Array(3)])))).toBe('packet')
    expect(code(() => decodeStatus(6, RLP.encode([6, float64ToBits(NaN)])))).toBe('packet')
    expect(code(() => decodeStatus(6, RLP.encode([6, float64ToBits(-1)])))).toBe('packet')
    expect(code(() => decodeStatus(6, RLP.encode([6, float64ToBits(Infinity)])))).toBe('packet')
    expect(code(() => decodeStatus(6, RLP.encode([5])))).toBe('version')
    expect(code(() => decodeStatus(6, RLP.encode([])))).toBe('packet')
    expect(code(() => decodeStatus(6, hex('06')))).toBe('packet')
    expect(code(() => decodeStatus(6, RLP.encode([[6]])))).toBe('packet')
  })
})

describe('PoW requirement and bloom exchange', () => {
  it('vectors', () => {
    expect(toHex(encodePowRequirement(f6.powRequirementPacket.pow))).toBe(f6.powRequirementPacket.rlp)
    expect(decodePowRequirement(hex(f6.powRequirementPacket.rlp))).toBe(1.5)
    const b = topicBloom(hex(f6.bloomFilterExPacket.topic))
    expect(toHex(encodeBloomFilterEx(b))).toBe(f6.bloomFilterExPacket.rlp)
    expect(decodeBloomFilterEx(hex(f6.bloomFilterExPacket.rlp))).toEqual(b)
  })
  it('float64 bits', () => {
    for (const x of [0, 0.2, 1.5, 1e-300, 12345.678]) expect(bitsToFloat64(float64ToBits(x))).toBe(x)
    expect(float64ToBits(0.2)).toBe(0x3fc999999999999an)
    expect(decodePowRequirement(hex('80'))).toBe(0)
  })
  it('typed errors', () => {
    expect(code(() => decodePowRequirement(RLP.encode(float64ToBits(NaN))))).toBe('packet')
    expect(code(() => decodePowRequirement(RLP.encode(float64ToBits(-0.5))))).toBe('packet')
    expect(code(() => decodePowRequirement(hex('c0')))).toBe('packet')
    expect(code(() => decodePowRequirement(hex('890100000000000000ff')))).toBe('packet')
    expect(code(() => encodePowRequirement(NaN))).toBe('packet')
    expect(code(() => decodeBloomFilterEx(RLP.encode(new Uint8Array(63))))).toBe('packet')
    expect(code(() => decodeBloomFilterEx(hex('c0')))).toBe('packet')
    expect(code(() => decodeBloomFilterEx(hex('b840')))).toBe('rlp')
  })
})

describe('messages packets', () => {
  it('v5 vector: one envelope per packet', () => {
    const envs = decodeMessages(5, hex(f5.messagesPacket.rlp))
    expect(envs.length).toBe(1)
    const named = f5.envelopes.find((e: any) => e.name === f5.messagesPacket.envelopeNames[0])
    expect(toHex(encodeEnvelope(envs[0]))).toBe(named.rlp)
    expect(toHex(encodeMessages(5, envs))).toBe(f5.messagesPacket.rlp)
  })
  it('v6 vector: a list', () => {
    const envs = decodeMessages(6, hex(f6.messagesPacket.rlp))
    expect(envs.map((e) => toHex(encodeEnvelope(e)))).toEqual(
      f6.messagesPacket.envelopeNames.map((n: string) => f6.envelopes.find((e: any) => e.name === n).rlp))
    expect(toHex(encodeMessages(6, envs))).toBe(f6.messagesPacket.rlp)
    expect(decodeMessages(6, hex('c0'))).toEqual([])
  })
  it('single-envelope packets (p2p)', () => {
    const env = decodeEnvelope(6, hex(f6.envelopes[0].rlp))
    expect(decodeEnvelopePacket(6, encodeEnvelopePacket(env))).toEqual(env)
  })
  it('typed errors', () => {
    expect(code(() => decodeMessages(6, hex(f5.messagesPacket.rlp)))).toBe('rlp') // items are not lists
    expect(code(() => decodeMessages(6, RLP.encode([RLP.decode(hex(f5.messagesPacket.rlp)) as Uint8Array[]])))).toBe('field-count')
    expect(code(() => decodeMessages(6, hex('820102')))).toBe('rlp')
    expect(code(() => decodeMessages(5, hex('c0')))).toBe('field-count')
    expect(code(() => decodeMessages(6, hex('c3820102')))).toBe('rlp')
    expect(code(() => encodeMessages(5, []))).toBe('params')
  })
})
