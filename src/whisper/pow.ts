// Whisper proof of work, as go-ethereum computes it.
//  v5 (whisperv5, geth 1.6/1.7): work hash = keccak256(keccak256(rlpWithoutNonce) || 24 zero bytes || nonce BE8),
//     bits = math.FirstBitSet(hash as big-endian integer) = trailing zero bits (counting from the LEAST
//     significant bit), size = 20 + len(version) + len(aesNonce) + len(data).
//  v6 (whisperv6, geth 1.9.7): work hash = keccak256(rlpWithoutNonce || nonce BE8),
//     bits = 256 - BitLen(hash) = leading zero bits; the PoW value divides by len(rlpWithoutNonce)
//     while the sealing target uses size = 20 + len(data).
import { keccak256, keccak256Js } from './keccak.js'
import { keccakWasm } from './wasm/keccak-engine.js'

export type PowShh = 5 | 6

function writeNonceBE(buf: Uint8Array, offset: number, nonce: bigint): void {
  const n = BigInt.asUintN(64, nonce)
  const hi = Number(n >> 32n)
  const lo = Number(n & 0xffffffffn)
  buf[offset] = hi >>> 24
  buf[offset + 1] = (hi >>> 16) & 0xff
  buf[offset + 2] = (hi >>> 8) & 0xff
  buf[offset + 3] = hi & 0xff
  buf[offset + 4] = lo >>> 24
  buf[offset + 5] = (lo >>> 16) & 0xff
  buf[offset + 6] = (lo >>> 8) & 0xff
  buf[offset + 7] = lo & 0xff
}

/** The 64-byte v5 work buffer: keccak256(rlp) || 24 zero bytes || nonce. */
export function workInputV5(rlpWithoutNonce: Uint8Array, nonce: bigint): Uint8Array {
  const buf = new Uint8Array(64)
  buf.set(keccak256(rlpWithoutNonce), 0)
  writeNonceBE(buf, 56, nonce)
  return buf
}

/** v5 work hash: keccak256(keccak256(rlpWithoutNonce) || 24 zero bytes || nonce BE8). */
export function workHashV5(rlpWithoutNonce: Uint8Array, nonce: bigint): Uint8Array {
  return keccak256(workInputV5(rlpWithoutNonce, nonce))
}

/** v6 work hash: keccak256(rlpWithoutNonce || nonce BE8). */
export function workHashV6(rlpWithoutNonce: Uint8Array, nonce: bigint): Uint8Array {
  const buf = new Uint8Array(rlpWithoutNonce.length + 8)
  buf.set(rlpWithoutNonce, 0)
  writeNonceBE(buf, rlpWithoutNonce.length, nonce)
  return keccak256(buf)
}

/** geth's math.FirstBitSet on the hash read as a big-endian integer: trailing zero bits; 0 for an all-zero hash. */
export function powBitsV5(workHash: Uint8Array): number {
  for (let i = workHash.length - 1, bits = 0; i >= 0; i--, bits += 8) {
    const b = workHash[i]
    if (b !== 0) return bits + (31 - Math.clz32(b & -b))
  }
  return 0 // FirstBitSet(0) = BitLen(0) = 0
}

/** geth v6: 256 - BitLen(hash) = leading zero bits of the 32-byte hash. */
export function powBitsV6(workHash: Uint8Array): number {
  for (let i = 0; i < workHash.length; i++) {
    const b = workHash[i]
    if (b !== 0) return i * 8 + Math.clz32(b) - 24
  }
  return workHash.length * 8
}

export function powBits(shh: PowShh, workHash: Uint8Array): number {
  return shh === 5 ? powBitsV5(workHash) : powBitsV6(workHash)
}

export function workHash(shh: PowShh, rlpWithoutNonce: Uint8Array, nonce: bigint): Uint8Array {
  return shh === 5 ? workHashV5(rlpWithoutNonce, nonce) : workHashV6(rlpWithoutNonce, nonce)
}

/** 2^bits / size / (ttl + diff), in float64 as geth. */
export function powValue(bits: number, size: number, ttl: number, diff = 0): number {
  let x = Math.pow(2, bits)
  x /= size
  x /= ttl + diff
  return x
}

/** Target bits for a requested PoW: ceil(log2(pow * size * ttl)), at least 1 (geth's powToFirstBit). */
export function powToFirstBit(pow: number, size: number, ttl: number): number {
  let x = pow
  x *= size
  x *= ttl
  const bits = Math.ceil(Math.log2(x))
  return Number.isFinite(bits) && bits >= 1 ? bits : 1
}

export interface SearchOptions {
  /** Stop as soon as a nonce reaches this many bits; 0 = no target: best bits found within workTimeMs. */
  targetBits: number
  /** Time budget in milliseconds (checked every 1024 hashes, as geth). */
  workTimeMs: number
  /** First nonce (default 0n). */
  startNonce?: bigint
  /** Distance between tried nonces (default 1n); parallel searchers use disjoint strides. */
  stride?: bigint
  /** Polled with the clock every 1024 hashes; true ends the search early (another searcher won, or abort). */
  cancelled?: () => boolean
}

export interface SearchResult {
  /** Nonce of the best bits (startNonce when nothing beat 0 bits). */
  nonce: bigint
  /** Best bits found: may fall short of the target when the time ran out or the search was cancelled. */
  bits: number
  /** Number of work hashes computed. */
  hashes: number
}

/** Hashes between two looks at the clock, as geth's Seal. */
const SEARCH_BATCH = 1024

/** The bytes hashed before the nonce: v5 keccak256(rlp) || 24 zero bytes, v6 the rlp itself. */
export function workPrefix(shh: PowShh, rlpWithoutNonce: Uint8Array): Uint8Array {
  if (shh === 6) return rlpWithoutNonce
  const p = new Uint8Array(56)
  p.set(keccak256(rlpWithoutNonce), 0)
  return p
}

/**
 * geth's Seal loop: nonces from startNonce upward by stride (mod 2^64), keep the first nonce that
 * beats the best so far, stop once bits >= targetBits (when > 0) or when the time is up (checked
 * before every 1024 hashes, so at least 1024 are done). The result may fall short of the target;
 * the caller decides whether that is an error (geth 1.7.3+ Seal: "failed to reach the PoW target").
 * Runs in WebAssembly (midstate + whole loop inside) when available, else in pure JS.
 */
export function searchNonce(shh: PowShh, rlpWithoutNonce: Uint8Array, opts: SearchOptions): SearchResult {
  const engine = keccakWasm()
  if (!engine) return searchNonceJs(shh, rlpWithoutNonce, opts)
  const start = BigInt.asUintN(64, opts.startNonce ?? 0n)
  const stride = BigInt.asUintN(64, opts.stride ?? 1n)
  const step = BigInt.asUintN(64, stride * BigInt(SEARCH_BATCH))
  const target = opts.targetBits
  const deadline = Date.now() + opts.workTimeMs
  engine.prepareSearch(workPrefix(shh, rlpWithoutNonce))
  let best = { nonce: start, bits: 0 }
  let hashes = 0
  let nonce = start
  while (Date.now() < deadline && !opts.cancelled?.()) {
    const r = engine.search(shh === 6, nonce, stride, SEARCH_BATCH, target, best.bits)
    hashes += r.done
    if (r.improved) {
      best = { nonce: r.nonce, bits: r.best }
      if (target > 0 && r.best >= target) break
    }
    nonce = BigInt.asUintN(64, nonce + step)
  }
  return { ...best, hashes }
}

/** The same loop in pure JS (noble keccak, whole input rehashed per nonce, as geth does): baseline and fallback. */
export function searchNonceJs(shh: PowShh, rlpWithoutNonce: Uint8Array, opts: SearchOptions): SearchResult {
  const start = BigInt.asUintN(64, opts.startNonce ?? 0n)
  const stride = BigInt.asUintN(64, opts.stride ?? 1n)
  const target = opts.targetBits
  const deadline = Date.now() + opts.workTimeMs
  const prefix = shh === 6 ? rlpWithoutNonce : workPrefixJs(rlpWithoutNonce)
  const buf = new Uint8Array(prefix.length + 8)
  buf.set(prefix, 0)
  const bitsOf = shh === 5 ? powBitsV5 : powBitsV6
  let bestNonce = start
  let bestBits = 0
  let hashes = 0
  let nonce = start
  while (Date.now() < deadline && !opts.cancelled?.()) {
    for (let i = 0; i < SEARCH_BATCH; i++) {
      writeNonceBE(buf, prefix.length, nonce)
      const bits = bitsOf(keccak256Js(buf))
      hashes++
      if (bits > bestBits) {
        bestBits = bits
        bestNonce = nonce
        if (target > 0 && bits >= target) return { nonce: bestNonce, bits: bestBits, hashes }
      }
      nonce = BigInt.asUintN(64, nonce + stride)
    }
  }
  return { nonce: bestNonce, bits: bestBits, hashes }
}

function workPrefixJs(rlpWithoutNonce: Uint8Array): Uint8Array {
  const p = new Uint8Array(56)
  p.set(keccak256Js(rlpWithoutNonce), 0)
  return p
}
