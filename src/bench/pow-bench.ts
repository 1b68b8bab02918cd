// PoW sealing-loop throughput, shared by `p2pmessage bench` (figures.ts) and `npm run bench`
// (bench/pow.ts). Unit: keccak hashes of the whole work input per second ("effective" for v6,
// where the midstate makes one nonce cost one or two permutations instead of a full rehash).
import { RLP } from '@ethereumjs/rlp'
import { searchNonce, searchNonceJs, type PowShh } from '../whisper/pow.js'
import type { SealPool } from '../node/seal-pool.js'

export type Engine = 'wasm' | 'js'

export interface LoopMeasurement {
  shh: PowShh
  engine: Engine
  /** Bytes keccak'd per nonce: 64 for v5, len(rlpWithoutNonce) + 8 for v6. */
  inputBytes: number
  hashes: number
  ms: number
  hashesPerSec: number
}

/** go-ethereum's loops measured separately on the development machine (per core), for comparison. */
export const GO_REFERENCE = { v5: 1.46e6, v6_1k: 0.32e6 } as const

/** A v6 rlpWithoutNonce with `dataBytes` of data (1000 gives a ~1 KB envelope, the usual bench case). */
export function benchEnvelopeRlp(dataBytes: number): Uint8Array {
  const data = new Uint8Array(dataBytes)
  for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff
  return RLP.encode([1_700_000_000, 50, new Uint8Array([0x44, 0xc7, 0x42, 0x9f]), data])
}

/** Run the sealing loop with no target for about `ms` milliseconds and count hashes. */
export function measureSealLoop(shh: PowShh, rlpWithoutNonce: Uint8Array, engine: Engine, ms: number): LoopMeasurement {
  const search = engine === 'wasm' ? searchNonce : searchNonceJs
  const t0 = performance.now()
  const r = search(shh, rlpWithoutNonce, { targetBits: 0, workTimeMs: ms })
  const dt = performance.now() - t0
  return {
    shh, engine, inputBytes: shh === 5 ? 64 : rlpWithoutNonce.length + 8,
    hashes: r.hashes, ms: dt, hashesPerSec: (r.hashes / dt) * 1000,
  }
}

/**
 * The same sealing loop on every thread of `pool` (no target, about `ms` milliseconds), counted over
 * the wall-clock time of the job as the caller sees it (hand-over to the workers included). Warm the
 * pool first: the first job also starts the workers.
 */
export async function measureSealLoopAllCores(pool: SealPool, shh: PowShh, rlpWithoutNonce: Uint8Array, ms: number): Promise<LoopMeasurement & { threads: number }> {
  const t0 = performance.now()
  const r = await pool.sealNonce(shh, rlpWithoutNonce, { targetBits: 0, workTimeMs: ms })
  const dt = performance.now() - t0
  return {
    shh, engine: 'wasm', inputBytes: shh === 5 ? 64 : rlpWithoutNonce.length + 8,
    hashes: r.hashes, ms: dt, hashesPerSec: (r.hashes / dt) * 1000, threads: pool.threads,
  }
}
