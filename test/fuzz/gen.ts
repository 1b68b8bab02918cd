// Seeded generators for the fuzz tests: a small PRNG (mulberry32), byte-level mutations that favour
// RLP boundaries and length prefixes, random RLP trees. Seeded, so any failure is reproducible from
// the seed printed with it.
import { RLP } from '@ethereumjs/rlp'

export interface Rng {
  next(): number
  int(n: number): number
  bytes(n: number): Uint8Array
  pick<T>(xs: readonly T[]): T
  chance(p: number): boolean
}

export function prng(seed: number): Rng {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number): number => Math.floor(next() * n)
  return {
    next,
    int,
    bytes: (n) => {
      const b = new Uint8Array(n)
      for (let i = 0; i < n; i++) b[i] = int(256)
      return b
    },
    pick: (xs) => xs[int(xs.length)],
    chance: (p) => next() < p,
  }
}

/** How many times the CI-sized loops run: FUZZ_SCALE (the long run, `npm run fuzz:long`) or 1. */
export function fuzzScale(): number {
  const n = Number(process.env.FUZZ_SCALE ?? 1)
  return Number.isFinite(n) && n >= 1 ? Math.floor(n) : 1
}

/** Base seed: FUZZ_SEED to replay a failure, else fixed (CI runs are reproducible). */
export function fuzzSeed(): number {
  const n = Number(process.env.FUZZ_SEED ?? 0x5eed)
  return Number.isFinite(n) ? n >>> 0 : 0x5eed
}

const RLP_BOUNDARIES = [0x00, 0x7f, 0x80, 0x81, 0xb7, 0xb8, 0xbf, 0xc0, 0xf7, 0xf8, 0xff]

/** 1..4 random edits: bit flips, RLP-boundary bytes, truncation, deletion, insertion, huge length prefixes. */
export function mutate(r: Rng, input: Uint8Array): Uint8Array {
  let b: Uint8Array = input.slice()
  const n = 1 + r.int(4)
  for (let k = 0; k < n; k++) {
    const op = r.int(8)
    if (b.length === 0) {
      b = r.bytes(1 + r.int(8))
      continue
    }
    const i = r.int(b.length)
    switch (op) {
      case 0:
        b[i] ^= 1 << r.int(8)
        break
      case 1:
        b[i] = r.int(256)
        break
      case 2:
        b[i] = r.pick(RLP_BOUNDARIES)
        break
      case 3:
        b = b.slice(0, i)
        break
      case 4:
        b = Uint8Array.from([...b.subarray(0, i), ...b.subarray(i + 1 + r.int(16))])
        break
      case 5:
        b = Uint8Array.from([...b.subarray(0, i), ...r.bytes(1 + r.int(16)), ...b.subarray(i)])
        break
      case 6:
        b = Uint8Array.from([...b, ...r.bytes(1 + r.int(8))])
        break
      default: {
        const j = Math.min(b.length - 1, r.int(6))
        b[j] = r.pick([0xbb, 0xbf, 0xfb, 0xff])
        for (let x = j + 1; x < Math.min(b.length, j + 9); x++) b[x] = 0xff
      }
    }
  }
  return b
}

type Tree = Uint8Array | bigint | Tree[]

export function randomTree(r: Rng, depth = 0): Tree {
  if (depth > 3 || r.chance(0.55)) {
    const k = r.int(10)
    if (k < 3) return r.bytes(r.int(4))
    if (k < 5) return r.bytes(r.pick([4, 8, 12, 64, 65]))
    if (k < 7) return BigInt(r.int(2 ** 31)) * BigInt(1 + r.int(2 ** 31))
    return r.bytes(r.int(300))
  }
  return Array.from({ length: r.int(9) }, () => randomTree(r, depth + 1))
}

export function randomRlp(r: Rng): Uint8Array {
  return RLP.encode(randomTree(r) as never)
}
