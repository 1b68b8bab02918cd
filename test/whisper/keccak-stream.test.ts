// createKeccak256 (WebAssembly-backed incremental keccak) agrees with noble for any way of cutting
// the input, digests taken along the way included, and streams do not disturb each other.
import { describe, expect, it } from 'vitest'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { createKeccak256, keccak256 } from '../../src/whisper/keccak.js'
import { prng } from './helpers.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe('createKeccak256', () => {
  it('matches noble for random cuts and intermediate digests', () => {
    const r = prng(42)
    for (let t = 0; t < 500; t++) {
      const s = createKeccak256()
      const n = keccak_256.create()
      for (let p = 0; p < 1 + r.int(8); p++) {
        const d = r.bytes(r.int(t % 4 === 0 ? 70_000 : 300))
        s.update(d)
        n.update(d)
        expect(hex(s.digest())).toBe(hex(n.clone().digest()))
      }
    }
  })

  it('block boundaries: 0..3 blocks byte by byte', () => {
    const data = Uint8Array.from({ length: 136 * 3 + 1 }, (_, i) => i & 0xff)
    const s = createKeccak256()
    for (let i = 0; i <= data.length; i++) {
      expect(hex(s.digest())).toBe(hex(keccak256(data.subarray(0, i))))
      if (i < data.length) s.update(data.subarray(i, i + 1))
    }
  })

  it('interleaved streams keep their own state', () => {
    const a = createKeccak256()
    const b = createKeccak256()
    a.update(new Uint8Array(200).fill(1))
    b.update(new Uint8Array(50).fill(2))
    a.update(new Uint8Array(100).fill(3))
    expect(hex(a.digest())).toBe(hex(keccak256(Uint8Array.from([...new Uint8Array(200).fill(1), ...new Uint8Array(100).fill(3)]))))
    expect(hex(b.digest())).toBe(hex(keccak256(new Uint8Array(50).fill(2))))
  })
})
