import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { keccak256, keccak256Js } from '../../src/whisper/keccak.js'
import { keccakWasm } from '../../src/whisper/wasm/keccak-engine.js'
import { powBitsV5, powBitsV6, workPrefix } from '../../src/whisper/pow.js'

const hex = (b: Uint8Array) => bytesToHex(b)
const engine = keccakWasm()

function nonceBE(n: bigint): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, n))
  return b
}
const concat = (a: Uint8Array, b: Uint8Array) => { const c = new Uint8Array(a.length + b.length); c.set(a); c.set(b, a.length); return c }

// Lengths around every rate-block boundary up to 2000 bytes, plus the WASM input buffer's edges.
const lengths = new Set<number>()
for (let n = 0; n <= 2000; n += 17) lengths.add(n)
for (let k = 0; k * 136 <= 2100; k++) for (let d = -9; d <= 9; d++) if (k * 136 + d >= 0) lengths.add(k * 136 + d)
for (const n of [65279, 65280, 65281, 130560, 130561, 200_003]) lengths.add(n)

describe('keccak256', () => {
  it('runs on WebAssembly here', () => {
    expect(engine).not.toBeNull()
  })

  it('known answers', () => {
    expect(hex(keccak256(new Uint8Array(0)))).toBe('c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
    expect(hex(keccak256(utf8ToBytes('abc')))).toBe('4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45')
    expect(hex(keccak256Js(utf8ToBytes('abc')))).toBe('4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45')
  })

  it('equals noble on random inputs of many lengths', () => {
    for (const n of lengths) {
      const d = new Uint8Array(randomBytes(n))
      expect(hex(keccak256(d)), `length ${n}`).toBe(hex(keccak_256(d)))
    }
  })

  it('returns a fresh array each call', () => {
    const a = keccak256(utf8ToBytes('a'))
    const b = keccak256(utf8ToBytes('b'))
    expect(hex(a)).not.toBe(hex(b))
    expect(hex(a)).toBe(hex(keccak_256(utf8ToBytes('a'))))
  })
})

describe('WebAssembly nonce search (midstate)', () => {
  // Prefix lengths put the 8-byte nonce at every position relative to a block boundary: inside a
  // block, straddling two blocks (rest 129..135), and the padding spilling into a second block (rest >= 128).
  const prefixLengths = [0, 1, 56, 100, 127, 128, 129, 130, 134, 135, 136, 137, 263, 264, 265, 271, 272, 1017, 65280 + 130, 70_000]

  function best(leading: boolean, prefix: Uint8Array, start: bigint, stride: bigint, count: number, target: number) {
    const bitsOf = leading ? powBitsV6 : powBitsV5
    let bestBits = 0, bestNonce = 0n, done = 0, improved = false
    let nonce = start
    for (let i = 0; i < count; i++) {
      const bits = bitsOf(keccak_256(concat(prefix, nonceBE(nonce))))
      done++
      if (bits > bestBits) {
        bestBits = bits; bestNonce = nonce; improved = true
        if (target > 0 && bits >= target) break
      }
      nonce = BigInt.asUintN(64, nonce + stride)
    }
    return { best: bestBits, nonce: bestNonce, done, improved }
  }

  for (const n of prefixLengths) {
    it(`prefix of ${n} bytes`, () => {
      const prefix = new Uint8Array(randomBytes(n))
      engine!.prepareSearch(prefix)
      for (const leading of [true, false]) {
        // start near 2^64 so nonces wrap and every nonce byte varies
        const start = (1n << 64n) - 37n
        const r = engine!.search(leading, start, 7n, 64, 0, 0)
        expect(r).toEqual(best(leading, prefix, start, 7n, 64, 0))
        const t = engine!.search(leading, 5n, 1n, 400, 5, 0)
        expect(t).toEqual(best(leading, prefix, 5n, 1n, 400, 5))
      }
    })
  }

  it('interleaved one-shot hashing does not disturb a prepared search', () => {
    const prefix = new Uint8Array(randomBytes(1000))
    engine!.prepareSearch(prefix)
    keccak256(new Uint8Array(randomBytes(5000)))
    expect(engine!.search(true, 0n, 1n, 50, 0, 0)).toEqual(best(true, prefix, 0n, 1n, 50, 0))
  })

  it('v5 prefix is keccak256(rlp) || 24 zero bytes', () => {
    const rlp = new Uint8Array(randomBytes(300))
    const p = workPrefix(5, rlp)
    expect(p.length).toBe(56)
    expect(hex(p.subarray(0, 32))).toBe(hex(keccak_256(rlp)))
    expect(p.subarray(32).every((b) => b === 0)).toBe(true)
    expect(workPrefix(6, rlp)).toBe(rlp)
  })
})
