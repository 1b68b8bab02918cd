// npm run bench: PoW/keccak throughput, WebAssembly engine vs pure JS measured in the same run, and
// the multi-core seal pool.   node dist/bench/pow.js [ms-per-measurement]
import { keccak256, keccak256Js } from '../src/whisper/keccak.js'
import type { PowShh } from '../src/whisper/pow.js'
import { INLINE_MAX_BITS, SealPool } from '../src/node/seal-pool.js'
import { benchEnvelopeRlp, GO_REFERENCE, measureSealLoop, type Engine, type LoopMeasurement } from '../src/bench/pow-bench.js'

interface HashMeasurement { bytes: number; engine: Engine; nsPerHash: number; hashesPerSec: number }

/** keccak256 of one input of `bytes` repeatedly for about `ms` milliseconds (call overhead included). */
function measureKeccak(bytes: number, engine: Engine, ms: number): HashMeasurement {
  const f = engine === 'wasm' ? keccak256 : keccak256Js
  const data = new Uint8Array(bytes).fill(0x5a)
  let n = 0
  const t0 = performance.now()
  let dt = 0
  do {
    for (let i = 0; i < 16; i++) f(data)
    n += 16
    dt = performance.now() - t0
  } while (dt < ms)
  return { bytes, engine, nsPerHash: (dt * 1e6) / n, hashesPerSec: (n / dt) * 1000 }
}

interface PowBenchReport {
  loops: { name: string; fast: LoopMeasurement; js: LoopMeasurement; go?: number }[]
  hashes: { fast: HashMeasurement; js: HashMeasurement }[]
}

interface PowBenchOptions {
  /** Milliseconds per measurement (default 2000 for the loops, a fifth of it per keccak size). */
  ms?: number
  /** Input sizes for the plain keccak256 measurement. */
  keccakSizes?: number[]
}

function runPowBench(opts: PowBenchOptions = {}): PowBenchReport {
  const ms = opts.ms ?? 2000
  const rlp1k = benchEnvelopeRlp(1000)
  const loop = (name: string, shh: PowShh, rlp: Uint8Array, go?: number) => {
    measureSealLoop(shh, rlp, 'wasm', Math.min(200, ms)) // warm up (tier-up of the WASM code)
    return { name, fast: measureSealLoop(shh, rlp, 'wasm', ms), js: measureSealLoop(shh, rlp, 'js', ms), go }
  }
  const loops = [
    loop('v5 seal loop (64 B)', 5, rlp1k, GO_REFERENCE.v5),
    loop(`v6 seal loop (${rlp1k.length + 8} B envelope)`, 6, rlp1k, GO_REFERENCE.v6_1k),
  ]
  const hashes = (opts.keccakSizes ?? [32, 64, 136, 300, 1024, 16384]).map((bytes) => {
    measureKeccak(bytes, 'wasm', Math.min(50, ms / 5))
    return { fast: measureKeccak(bytes, 'wasm', ms / 5), js: measureKeccak(bytes, 'js', ms / 5) }
  })
  return { loops, hashes }
}

const mps = (x: number) => `${(x / 1e6).toFixed(3)} M/s`

function formatPowBench(r: PowBenchReport): string {
  const lines = ['PoW sealing loops (keccak of the whole work input per second, one thread):']
  for (const l of r.loops) {
    const vsGo = l.go ? `   Go ref ${mps(l.go)} -> x${(l.fast.hashesPerSec / l.go).toFixed(2)}` : ''
    lines.push(`  ${l.name.padEnd(30)} wasm ${mps(l.fast.hashesPerSec).padStart(12)}   pure JS ${mps(l.js.hashesPerSec).padStart(12)}` +
      `   x${(l.fast.hashesPerSec / l.js.hashesPerSec).toFixed(1)}${vsGo}`)
  }
  lines.push('keccak256(data), call overhead included:')
  for (const h of r.hashes) {
    lines.push(`  ${String(h.fast.bytes).padStart(6)} B   wasm ${h.fast.nsPerHash.toFixed(0).padStart(8)} ns   pure JS ${h.js.nsPerHash.toFixed(0).padStart(8)} ns` +
      `   x${(h.js.nsPerHash / h.fast.nsPerHash).toFixed(1)}`)
  }
  lines.push('(Go reference: geth keccak loops measured separately on the development machine, per core.)')
  return lines.join('\n')
}

interface PoolMeasurement {
  threads: number
  /** First job on a new pool: worker start-up (module + WebAssembly load) plus a 1-bit search. */
  coldStartMs: number
  /** Median hand-over cost on warm workers: a 1-bit job's round trip. */
  warmRoundTripMs: number
  /** Expected time of an inline search at the inline threshold (2^INLINE_MAX_BITS hashes, one thread). */
  inlineMsAtThreshold: number
  /** All threads together, v6 ~1 KB envelope, no target. */
  hashesPerSec: number
}

/** Seal pool costs and multi-core throughput (for choosing the inline threshold). */
async function measureSealPool(ms: number, threads?: number): Promise<PoolMeasurement> {
  const rlp = benchEnvelopeRlp(1000)
  const pool = new SealPool({ threads, inlineMaxBits: 0 }) // everything through the workers
  try {
    let t0 = performance.now()
    await pool.sealNonce(6, rlp, { targetBits: 1, workTimeMs: 10_000 })
    const coldStartMs = performance.now() - t0
    const trips: number[] = []
    for (let i = 0; i < 41; i++) {
      t0 = performance.now()
      await pool.sealNonce(6, rlp, { targetBits: 1, workTimeMs: 10_000 })
      trips.push(performance.now() - t0)
    }
    trips.sort((a, b) => a - b)
    t0 = performance.now()
    const r = await pool.sealNonce(6, rlp, { targetBits: 0, workTimeMs: ms })
    const hashesPerSec = (r.hashes / (performance.now() - t0)) * 1000
    const one = measureSealLoop(6, rlp, 'wasm', Math.min(ms, 500))
    return {
      threads: pool.threads, coldStartMs, warmRoundTripMs: trips[trips.length >> 1],
      inlineMsAtThreshold: (2 ** INLINE_MAX_BITS / one.hashesPerSec) * 1000, hashesPerSec,
    }
  } finally {
    await pool.close()
  }
}

function formatPoolMeasurement(p: PoolMeasurement, inlineMaxBits = INLINE_MAX_BITS): string {
  return [
    `Seal pool (${p.threads} worker threads, v6 ~1 KB envelope):`,
    `  all threads                    ${mps(p.hashesPerSec)}`,
    `  cold start (first job)         ${p.coldStartMs.toFixed(1)} ms`,
    `  warm hand-over (1-bit job)     ${p.warmRoundTripMs.toFixed(2)} ms (median)`,
    `  inline 2^${inlineMaxBits} hashes (threshold) ${p.inlineMsAtThreshold.toFixed(2)} ms expected: targets <= ${inlineMaxBits} bits seal inline`,
  ].join('\n')
}

const arg = Number(process.argv[2] ?? 2000)
const ms = Number.isFinite(arg) && arg > 0 ? arg : 2000
console.log(formatPowBench(runPowBench({ ms })))
console.log(formatPoolMeasurement(await measureSealPool(ms)))
