import { keccak_256 } from '@noble/hashes/sha3.js'

/** Pure-JS Keccak-256 (the original, pre-NIST padding Ethereum uses). Baseline for benchmarks. */
export function keccak256Js(data: Uint8Array): Uint8Array {
  return keccak_256(data)
}

/** Keccak-256 of `data`. */
export function keccak256(data: Uint8Array): Uint8Array {
  return keccak_256(data)
}
