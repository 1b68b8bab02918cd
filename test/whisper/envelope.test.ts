import { describe, expect, it } from 'vitest'
import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import {
  decodeEnvelope, encodeEnvelope, envelopeBloom, envelopeFields, envelopeFromFields, envelopeHash, envelopePow,
  envelopePowBits, envelopeSent, envelopeSize, rlpWithoutNonce, type Envelope,
} from '../../src/whisper/envelope.js'
import { code, hex, loadVectors, toHex, type EnvelopeVector } from './helpers.js'

const v5 = loadVectors('shh5-geth.json').envelopes as EnvelopeVector[]
const v6 = loadVectors('shh6-geth.json').envelopes as EnvelopeVector[]

const base5: Envelope = {
  shh: 5, version: Uint8Array.of(0), expiry: 1700000050, ttl: 50, topic: hex('44c7429f'),
  aesNonce: new Uint8Array(12).fill(7), data: new Uint8Array(100).fill(1), nonce: 12345n,
}
const base6: Envelope = { ...base5, shh: 6, version: new Uint8Array(0), aesNonce: new Uint8Array(0) }

describe('envelope codec against geth vectors', () => {
  it.each(v5.map((v) => [v.name, v] as const))('v5 %s: fields, hash, re-encoding', (_n, v) => {
    const env = decodeEnvelope(5, hex(v.rlp))
    expect(toHex(env.version)).toBe(v.version)
    expect(toHex(env.aesNonce)).toBe(v.aesNonce ?? '')
    expect(env.expiry).toBe(v.expiry)
    expect(env.ttl).toBe(v.ttl)
    expect(envelopeSent(env)).toBe(v.sent)
    expect(toHex(env.topic)).toBe(v.topic)
    expect(env.nonce).toBe(BigInt(v.nonce))
    expect(toHex(encodeEnvelope(env))).toBe(v.rlp)
    expect(toHex(envelopeHash(env))).toBe(v.hash)
  })
  it.each(v6.map((v) => [v.name, v] as const))('v6 %s: fields, hash, bloom, re-encoding', (_n, v) => {
    const env = decodeEnvelope(6, hex(v.rlp))
    expect(env.expiry).toBe(v.expiry)
    expect(env.ttl).toBe(v.ttl)
    expect(toHex(env.topic)).toBe(v.topic)
    expect(env.nonce).toBe(BigInt(v.nonce))
    expect(toHex(encodeEnvelope(env))).toBe(v.rlp)
    expect(toHex(envelopeHash(env))).toBe(v.hash)
    expect(toHex(envelopeBloom(env))).toBe(v.bloom)
  })
})

describe('geth PoW formulas', () => {
  const rel = (a: number, b: number) => Math.abs(a - b) / b
  it('v5: 2^FirstBitSet(keccak(keccak(rlp) || 0^24 || nonce)) / (20 + |version| + |aesNonce| + |data|) / ttl', () => {
    for (const v of v5) {
      const env = decodeEnvelope(5, hex(v.rlp))
      const items = RLP.decode(hex(v.rlp)) as Uint8Array[]
      const buf = new Uint8Array(64)
      buf.set(keccak_256(RLP.encode(items.slice(0, 6))))
      new DataView(buf.buffer).setBigUint64(56, BigInt(v.nonce))
      const h = BigInt('0x' + toHex(keccak_256(buf)))
      let tz = 0
      while (h !== 0n && ((h >> BigInt(tz)) & 1n) === 0n) tz++
      const size = 20 + items[0].length + items[4].length + items[5].length
      expect(envelopeSize(env)).toBe(size)
      expect(envelopePowBits(env)).toBe(tz)
      expect(rel(envelopePow(env), 2 ** tz / size / v.ttl)).toBeLessThan(1e-12)
      expect(rel(envelopePow(env), v.pow)).toBeLessThan(1e-9)
    }
  })
  it('v6: 2^leadingZeros(keccak(rlpWithoutNonce || nonce)) / len(rlpWithoutNonce) / ttl; size() = 20 + |data|', () => {
    for (const v of v6) {
      const env = decodeEnvelope(6, hex(v.rlp))
      const items = RLP.decode(hex(v.rlp)) as Uint8Array[]
      const rlp = RLP.encode(items.slice(0, 4))
      expect(toHex(rlpWithoutNonce(env))).toBe(toHex(rlp))
      const buf = new Uint8Array(rlp.length + 8)
      buf.set(rlp)
      new DataView(buf.buffer).setBigUint64(rlp.length, BigInt(v.nonce))
      const h = keccak_256(buf)
      const lz = 256 - BigInt('0x' + toHex(h)).toString(2).length
      expect(envelopeSize(env)).toBe(20 + items[3].length)
      expect(envelopePowBits(env)).toBe(lz)
      expect(rel(envelopePow(env), 2 ** lz / rlp.length / v.ttl)).toBeLessThan(1e-12)
      expect(rel(envelopePow(env), v.pow)).toBeLessThan(1e-9)
    }
  })
  it('diff is added to ttl (receiver clock-skew allowance)', () => {
    const env = decodeEnvelope(5, hex(v5[0].rlp))
    expect(envelopePow(env, 10)).toBeCloseTo((v5[0].pow * v5[0].ttl) / (v5[0].ttl + 10), 12)
  })
})

describe('envelope encode/decode round trips', () => {
  it('v5 and v6 with edge values', () => {
    for (const env of [
      base5, base6,
      { ...base5, aesNonce: new Uint8Array(0), nonce: (1n << 64n) - 1n, expiry: 0xffffffff, ttl: 0, data: new Uint8Array(0) },
      { ...base6, nonce: 0n, expiry: 0, ttl: 1, data: new Uint8Array(70000) },
      { ...base5, version: new Uint8Array(0) }, { ...base5, version: Uint8Array.of(1, 2, 3, 4) },
    ] as Envelope[]) {
      const rlp = encodeEnvelope(env)
      expect(decodeEnvelope(env.shh, rlp)).toEqual(env)
      expect(toHex(envelopeHash(env))).toBe(toHex(keccak_256(rlp)))
      expect(envelopeFromFields(env.shh, RLP.decode(rlp))).toEqual(env)
      expect(toHex(RLP.encode(envelopeFields(env)))).toBe(toHex(rlp))
    }
  })
  it('sent is expiry - ttl in uint32', () => {
    expect(envelopeSent({ ...base6, expiry: 100, ttl: 40 })).toBe(60)
  })
})

describe('envelope decoding rejects malformed input with typed errors', () => {
  const enc = (items: unknown[]) => RLP.encode(items as Uint8Array[])
  const f5 = envelopeFields(base5)
  const f6 = envelopeFields(base6)
  it('bad RLP', () => {
    expect(code(() => decodeEnvelope(5, new Uint8Array(0)))).toBe('rlp')
    expect(code(() => decodeEnvelope(5, hex('f9ffff00')))).toBe('rlp') // length beyond input
    expect(code(() => decodeEnvelope(6, hex(v6[0].rlp).subarray(0, 100)))).toBe('rlp') // truncated
    expect(code(() => decodeEnvelope(6, Uint8Array.from([...hex(v6[0].rlp), 0])))).toBe('rlp') // trailing
    expect(code(() => decodeEnvelope(6, hex('8105')))).toBe('rlp') // non-canonical single byte
    expect(code(() => decodeEnvelope(6, hex('b80105')))).toBe('rlp') // long form for a short string
    expect(code(() => decodeEnvelope(6, hex('b9000105')))).toBe('rlp') // leading zero in length
    expect(code(() => decodeEnvelope(6, hex('ffffffffffffffffff')))).toBe('rlp') // 2^64-sized list
    expect(code(() => decodeEnvelope(6, hex('85aabbccdd00')))).toBe('rlp')
    expect(code(() => decodeEnvelope(6, Uint8Array.from([0xc3, 0xc2, 0xc1, 0xc0])))).toBe('field-count')
    let nested: unknown = []
    for (let i = 0; i < 40; i++) nested = [nested]
    expect(code(() => decodeEnvelope(6, RLP.encode(nested as Uint8Array[])))).toBe('rlp') // nested too deep
  })
  it('not a list / wrong field count', () => {
    expect(code(() => decodeEnvelope(5, hex('820102')))).toBe('rlp')
    expect(code(() => decodeEnvelope(5, enc(f5.slice(0, 6))))).toBe('field-count')
    expect(code(() => decodeEnvelope(5, enc([...f5, new Uint8Array(0)])))).toBe('field-count')
    expect(code(() => decodeEnvelope(6, enc(f5)))).toBe('field-count')
    expect(code(() => decodeEnvelope(5, enc(f6)))).toBe('field-count')
  })
  it('wrong field sizes and types', () => {
    const with6 = (i: number, v: unknown) => enc(f6.map((x, j) => (j === i ? v : x)))
    const with5 = (i: number, v: unknown) => enc(f5.map((x, j) => (j === i ? v : x)))
    expect(code(() => decodeEnvelope(6, with6(2, hex('44c742'))))).toBe('field-size') // topic 3 bytes
    expect(code(() => decodeEnvelope(6, with6(2, hex('44c7429f00'))))).toBe('field-size') // topic 5 bytes
    expect(code(() => decodeEnvelope(6, with6(0, hex('0100000000'))))).toBe('field-size') // expiry > uint32
    expect(code(() => decodeEnvelope(6, with6(1, hex('0032'))))).toBe('field-size') // non-canonical uint
    expect(code(() => decodeEnvelope(6, with6(4, hex('010000000000000000'))))).toBe('field-size') // nonce > uint64
    expect(code(() => decodeEnvelope(6, with6(3, [])))).toBe('field-size') // data is a list
    expect(code(() => decodeEnvelope(5, with5(0, hex('0000000000'))))).toBe('version') // oversized version
    expect(code(() => decodeEnvelope(5, with5(4, new Uint8Array(11))))).toBe('aes-nonce')
    expect(code(() => decodeEnvelope(5, with5(4, new Uint8Array(13))))).toBe('aes-nonce')
  })
  it('unsupported shh version', () => {
    expect(code(() => decodeEnvelope(4 as 5, encodeEnvelope(base5)))).toBe('version')
  })
  it('refuses to encode out-of-range fields', () => {
    expect(code(() => encodeEnvelope({ ...base6, expiry: 2 ** 32 }))).toBe('params')
    expect(code(() => encodeEnvelope({ ...base6, ttl: -1 }))).toBe('params')
    expect(code(() => encodeEnvelope({ ...base6, nonce: 1n << 64n }))).toBe('params')
    expect(code(() => encodeEnvelope({ ...base6, topic: new Uint8Array(3) }))).toBe('field-size')
  })
})
