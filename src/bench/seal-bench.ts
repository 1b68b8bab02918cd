// Seconds to seal a ~1 KB shh/6 envelope at a given PoW, the way WhisperNode.post seals (planSeal,
// SealPool.sealNonce: inline up to INLINE_MAX_BITS, else every core; completeSeal), or on the calling
// thread alone (geth's Seal loop: the baseline). Envelopes are deterministic per seed, so a baseline run
// in another process searches exactly the same nonces.
import { completeSeal, planSeal } from '../whisper/seal.js'
import { rlpWithoutNonce, type Envelope } from '../whisper/envelope.js'
import { searchNonce } from '../whisper/pow.js'
import type { SealPool } from '../node/seal-pool.js'
import { median, seededBytes } from './stats.js'

const SEAL_BENCH_DATA_BYTES = 1000
const SEAL_BENCH_TOPIC = Uint8Array.of(0x44, 0xc7, 0x42, 0x9f)
/** Long enough never to fail a measurement: the pure-JS baseline needs ~5 s on average at PoW 2. */
const WORK_TIME_S = 300

/** A v6 envelope of ~1 KB (1000 data bytes, ttl 50) whose content depends only on `seed`. */
export function sealBenchEnvelope(seed: number): Envelope {
  return {
    shh: 6, version: new Uint8Array(0), expiry: 1_700_000_050, ttl: 50, topic: SEAL_BENCH_TOPIC.slice(),
    aesNonce: new Uint8Array(0), data: seededBytes(seed + 1, SEAL_BENCH_DATA_BYTES), nonce: 0n,
  }
}

export interface SealMeasurement {
  pow: number
  targetBits: number
  /** Seeds of the envelopes sealed (see sealBenchEnvelope), in order. */
  seeds: number[]
  seconds: number[]
  hashes: number[]
  medianSeconds: number
  medianHashes: number
}

/** Seal one bench envelope per seed at `pow`; with `pool` as the node does, else on this thread. */
export async function measureSealSeconds(pow: number, seeds: number[], pool?: SealPool): Promise<SealMeasurement> {
  const seconds: number[] = []
  const hashes: number[] = []
  let targetBits = 0
  for (const seed of seeds) {
    const t0 = performance.now()
    const plan = planSeal(sealBenchEnvelope(seed), pow, WORK_TIME_S)
    targetBits = plan.targetBits
    const rlp = rlpWithoutNonce(plan.env)
    const found = pool
      ? await pool.sealNonce(6, rlp, { targetBits: plan.targetBits, workTimeMs: plan.workTimeMs })
      : searchNonce(6, rlp, { targetBits: plan.targetBits, workTimeMs: plan.workTimeMs })
    completeSeal(plan, found) // throws when the target was missed: no figure from a failed seal
    seconds.push((performance.now() - t0) / 1000)
    hashes.push(found.hashes)
  }
  return { pow, targetBits, seeds, seconds, hashes, medianSeconds: median(seconds), medianHashes: median(hashes) }
}
