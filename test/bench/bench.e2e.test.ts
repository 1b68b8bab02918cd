// The bench machinery on a tiny plan: every figure of `bench --json` is produced, for this node and for
// the pure-JS baseline child process, with its ratio; sealing goes through the node's path and reaches
// the target. Figures are not judged here (speed is for `p2pmessage bench`, not for tests).
import { describe, expect, it } from 'vitest'
import { runBench, type BenchPlan } from '../../src/bench/figures.js'
import { measureSealSeconds, sealBenchEnvelope } from '../../src/bench/seal-bench.js'
import { planSeal } from '../../src/whisper/seal.js'
import { envelopePowBits, rlpWithoutNonce } from '../../src/whisper/envelope.js'
import { searchNonce } from '../../src/whisper/pow.js'
import { SealPool } from '../../src/node/seal-pool.js'
import { median, percentile } from '../../src/bench/stats.js'
import { buildProgram } from '../../src/cli/main.js'
import { budget } from '../support/budget.js'

// seeds whose nonce search is short (a test needs the code path, not a representative sample)
const TINY: BenchPlan = { loopMs: 50, sealSeedsPow02: [14], sealSeedsPow2: [17], ingestEnvelopes: 200, chainMessages: 5 }

const FIGURES = [
  'keccakV5PerSec', 'keccakV6PerSec', 'sealSecondsPow02', 'sealSecondsPow2', 'ingestEnvelopesPerSec',
  'hopLatencyMsP50', 'hopLatencyMsP99', 'e2eLatencyMsP50', 'e2eLatencyMsP99',
] as const

describe('bench', () => {
  it("the CLI has 'bench' with --json and --quick", async () => {
    const cmd = (await buildProgram('bench')).commands.find((c) => c.name() === 'bench')
    expect(cmd).toBeDefined()
    expect(cmd!.options.map((o) => o.long).sort()).toEqual(['--json', '--quick'])
  })

  it('stats helpers', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 2, 3])).toBe(2.5)
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3)
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 99)).toBe(99)
    expect(Number.isNaN(median([]))).toBe(true)
  })

  it('sealing a bench envelope reaches the target, through the pool and inline', async () => {
    const pool = new SealPool({ threads: 2 })
    try {
      for (const p of [undefined, pool]) {
        const m = await measureSealSeconds(2, [17], p)
        expect(m.targetBits).toBe(planSeal(sealBenchEnvelope(17), 2, 300).targetBits)
        expect(m.seconds).toHaveLength(1)
        expect(m.hashes[0]).toBeGreaterThan(0)
      }
    } finally {
      await pool.close()
    }
    // the envelope is deterministic: the nonce a plain search finds has the bits
    const plan = planSeal(sealBenchEnvelope(17), 2, 300)
    const r = searchNonce(6, rlpWithoutNonce(plan.env), { targetBits: plan.targetBits, workTimeMs: 60_000 })
    expect(envelopePowBits({ ...plan.env, nonce: r.nonce })).toBeGreaterThanOrEqual(plan.targetBits)
  })

  it('runBench produces every figure for both sides, the ratios and the targets', async () => {
    const r = await runBench({ plan: TINY })
    for (const k of FIGURES) {
      expect(Number.isFinite(r[k]), k).toBe(true)
      expect(r[k], k).toBeGreaterThan(0)
      expect(Number.isFinite(r.baseline[k]), `baseline ${k}`).toBe(true)
      expect(r.baseline[k], `baseline ${k}`).toBeGreaterThan(0)
    }
    expect(r.keccakV5PerSecAllCores).toBeGreaterThan(0)
    expect(r.keccakV6PerSecAllCores).toBeGreaterThan(0)
    expect(r.details.fast.engine).toBe('wasm')
    expect(r.details.baseline.engine).toBe('js')
    expect(r.details.baseline.sealThreads).toBe(1)
    expect(r.details.fast.ingest.opened).toBe(0) // no room key fits: every envelope costs 10 failed tries
    for (const [k, v] of Object.entries(r.ratios)) expect(Number.isFinite(v), k).toBe(true)
    expect(r.targets.length).toBeGreaterThanOrEqual(4)
    expect(r.machine.nproc).toBeGreaterThan(0)
    expect(JSON.parse(JSON.stringify(r)).baseline.keccakV6PerSec).toBe(r.baseline.keccakV6PerSec)
  }, budget(120_000))
})
