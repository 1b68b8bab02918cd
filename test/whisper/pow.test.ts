import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { RLP } from '@ethereumjs/rlp'
import { hexToBytes } from '@noble/hashes/utils.js'
import {
  powBitsV5, powBitsV6, powToFirstBit, powValue, searchNonce, searchNonceJs, workHashV5, workHashV6, workInputV5,
} from '../../src/whisper/pow.js'
import { keccak256Js } from '../../src/whisper/keccak.js'

interface Vector { name: string; rlp: string; nonce: string; ttl: number; pow: number; powTarget: number }
const load = (f: string): Vector[] =>
  JSON.parse(readFileSync(new URL(`../../fixtures/${f}`, import.meta.url), 'utf8')).envelopes

function split(rlpHex: string): { items: Uint8Array[]; rlpWithoutNonce: Uint8Array } {
  const items = RLP.decode(hexToBytes(rlpHex)) as Uint8Array[]
  return { items, rlpWithoutNonce: RLP.encode(items.slice(0, -1)) }
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b)

describe('geth v5 PoW (whisperv5 v1.7.3)', () => {
  for (const v of load('shh5-geth.json')) {
    it(v.name, () => {
      const { items, rlpWithoutNonce } = split(v.rlp)
      expect(items.length).toBe(7)
      const [version, , , , aesNonce, data] = items
      const size = 20 + version.length + aesNonce.length + data.length
      const bits = powBitsV5(workHashV5(rlpWithoutNonce, BigInt(v.nonce)))
      expect(rel(powValue(bits, size, v.ttl), v.pow)).toBeLessThan(1e-9)
      // the sender reached its target
      expect(bits).toBeGreaterThanOrEqual(powToFirstBit(v.powTarget, size, v.ttl))
    })
  }
})

describe('geth v6 PoW (whisperv6 v1.9.7)', () => {
  for (const v of load('shh6-geth.json')) {
    it(v.name, () => {
      const { items, rlpWithoutNonce } = split(v.rlp)
      expect(items.length).toBe(5)
      const bits = powBitsV6(workHashV6(rlpWithoutNonce, BigInt(v.nonce)))
      expect(rel(powValue(bits, rlpWithoutNonce.length, v.ttl), v.pow)).toBeLessThan(1e-9)
      expect(bits).toBeGreaterThanOrEqual(powToFirstBit(v.powTarget, 20 + items[3].length, v.ttl))
    })
  }
})

describe('bit counting', () => {
  it('v5 counts trailing zero bits of the big-endian number (FirstBitSet)', () => {
    const h = new Uint8Array(32)
    expect(powBitsV5(h)).toBe(0) // FirstBitSet(0) = 0
    h[31] = 1; expect(powBitsV5(h)).toBe(0)
    h[31] = 0x80; expect(powBitsV5(h)).toBe(7)
    h[31] = 0; h[30] = 0x04; expect(powBitsV5(h)).toBe(10)
    h.fill(0); h[0] = 0x80; expect(powBitsV5(h)).toBe(255)
  })
  it('v6 counts leading zero bits (256 - BitLen)', () => {
    const h = new Uint8Array(32)
    expect(powBitsV6(h)).toBe(256)
    h[0] = 0x80; expect(powBitsV6(h)).toBe(0)
    h[0] = 0x01; expect(powBitsV6(h)).toBe(7)
    h[0] = 0; h[1] = 0x20; expect(powBitsV6(h)).toBe(10)
    h.fill(0); h[31] = 1; expect(powBitsV6(h)).toBe(255)
  })
  it('v5 work input layout', () => {
    const rlp = new Uint8Array([0xc1, 0x80])
    const buf = workInputV5(rlp, 0x0102030405060708n)
    expect(buf.length).toBe(64)
    expect(buf.subarray(0, 32)).toEqual(keccak256Js(rlp))
    expect(buf.subarray(32, 56).every((b) => b === 0)).toBe(true)
    expect(Array.from(buf.subarray(56))).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })
})

describe('powToFirstBit', () => {
  it('is ceil(log2(pow*size*ttl)), at least 1', () => {
    expect(powToFirstBit(0.2, 300, 50)).toBe(Math.ceil(Math.log2(0.2 * 300 * 50)))
    expect(powToFirstBit(0.0001, 1, 1)).toBe(1)
    expect(powToFirstBit(1, 1, 2)).toBe(1)
    expect(powToFirstBit(1, 1, 4)).toBe(2)
  })
})

describe('searchNonce', () => {
  const rlp = RLP.encode([new Uint8Array([0]), 1700000000, 50, new Uint8Array(4), new Uint8Array(12), new Uint8Array(300).fill(7)])
  for (const shh of [5, 6] as const) {
    it(`v${shh} reaches its target and the nonce verifies`, () => {
      const r = searchNonce(shh, rlp, { targetBits: 12, workTimeMs: 60_000 })
      expect(r.bits).toBeGreaterThanOrEqual(12)
      const h = shh === 5 ? workHashV5(rlp, r.nonce) : workHashV6(rlp, r.nonce)
      expect(shh === 5 ? powBitsV5(h) : powBitsV6(h)).toBe(r.bits)
      expect(r.hashes).toBeGreaterThan(0)
    })
    it(`v${shh} honours start and stride`, () => {
      const r = searchNonce(shh, rlp, { targetBits: 8, workTimeMs: 60_000, startNonce: 3n, stride: 4n })
      expect(r.bits).toBeGreaterThanOrEqual(8)
      expect(r.nonce % 4n).toBe(3n)
    })
  }
  it('with no target keeps the best nonce found in the time', () => {
    const r = searchNonce(6, rlp, { targetBits: 0, workTimeMs: 20 })
    expect(r.hashes).toBeGreaterThanOrEqual(1024)
    expect(powBitsV6(workHashV6(rlp, r.nonce))).toBe(r.bits)
  })
})

describe('searchNonce (WebAssembly) agrees with the pure-JS loop', () => {
  for (const len of [10, 127, 128, 135, 136, 1000]) {
    for (const shh of [5, 6] as const) {
      it(`v${shh}, rlp of ${len} bytes`, () => {
        const rlp = RLP.encode([1700000000, 50, new Uint8Array(4), new Uint8Array(Math.max(0, len - 12)).fill(len)])
        const opts = { targetBits: 11, workTimeMs: 60_000, startNonce: 1000n, stride: 3n }
        expect(searchNonce(shh, rlp, opts)).toEqual(searchNonceJs(shh, rlp, opts))
      })
    }
  }
  it('stops when cancelled', () => {
    const rlp = new Uint8Array(100)
    let polls = 0
    const r = searchNonce(6, rlp, { targetBits: 0, workTimeMs: 60_000, cancelled: () => ++polls > 3 })
    expect(r.hashes).toBe(3 * 1024)
  })
})
