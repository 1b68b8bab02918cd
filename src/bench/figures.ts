// The figures of `p2pmessage bench`: this implementation (WebAssembly keccak, all cores where the node
// uses them) next to the baseline (pure-JS keccak, one thread) measured in the same run. The baseline
// runs the very same code in a child process started with --no-expose-wasm: without WebAssembly every
// keccak (envelope hash, PoW check, sealing loop, RLPx frame MACs) falls back to noble's pure JS, and
// it seals on one thread. Everything else is shared (e.g. AES-GCM through OpenSSL in both).
// go-ethereum's figures (measured once, elsewhere, per core) are shown as a reference, never judged.
import { execFile } from 'node:child_process'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { keccakWasm } from '../whisper/wasm/keccak-engine.js'
import { SealPool } from '../node/seal-pool.js'
import { benchEnvelopeRlp, GO_REFERENCE, measureSealLoop, measureSealLoopAllCores, type Engine } from './pow-bench.js'
import { measureSealSeconds, type SealMeasurement } from './seal-bench.js'
import { measureIngest, type IngestMeasurement } from './ingest-bench.js'
import { measureChainLatency, type ChainMeasurement } from './chain-bench.js'
import { benchScript } from './scripts.js'

/** What one side (this implementation or the baseline) measures; sizes differ between quick and full. */
export interface BenchPlan {
  /** milliseconds per keccak loop measurement */
  loopMs: number
  sealSeedsPow02: number[]
  sealSeedsPow2: number[]
  ingestEnvelopes: number
  chainMessages: number
}

export interface SideFigures {
  keccakV5PerSec: number
  keccakV6PerSec: number
  sealSecondsPow02: number
  sealSecondsPow2: number
  ingestEnvelopesPerSec: number
  hopLatencyMsP50: number
  hopLatencyMsP99: number
  e2eLatencyMsP50: number
  e2eLatencyMsP99: number
}

export interface SideDetails {
  engine: Engine
  /** threads the sealing uses */
  sealThreads: number
  seal: { pow02: SealMeasurement; pow2: SealMeasurement }
  ingest: IngestMeasurement
  chain: Omit<ChainMeasurement, 'hopMs' | 'e2eMs'>
}

export interface SideResult {
  figures: SideFigures
  details: SideDetails
}

export interface BenchReport extends SideFigures {
  keccakV5PerSecAllCores: number
  keccakV6PerSecAllCores: number
  baseline: SideFigures
  ratios: Record<string, number>
  go: { keccakV5PerSec: number; keccakV6PerSec: number; forwardIntervalMs: number; hopLatencyMsP50: number; hopLatencyMsP99: number }
  targets: { name: string; value: number; target: number; met: boolean }[]
  machine: { nproc: number; cpuModel: string; node: string; platform: string; arch: string; loadAvg1Start: number; loadAvg1End: number }
  quick: boolean
  threads: number
  durationSeconds: number
  details: { fast: SideDetails & { allCores: { v5: number; v6: number; threads: number } }; baseline: SideDetails }
}

// --quick promises under 30 s on a 2-core machine: about half of what the first quick plan took there
const QUICK_PLAN: BenchPlan = { loopMs: 200, sealSeedsPow02: [0, 1, 2], sealSeedsPow2: [0, 1, 2], ingestEnvelopes: 800, chainMessages: 25 }
const FULL_PLAN: BenchPlan = {
  loopMs: 2000, sealSeedsPow02: [0, 1, 2, 3, 4, 5, 6], sealSeedsPow2: [0, 1, 2, 3, 4, 5, 6], ingestEnvelopes: 10_000, chainMessages: 300,
}

/** geth re-sends its pool every 300 ms: a message waits 0..300 ms per hop, uniformly (a model, not a run). */
const GO_FORWARD_INTERVAL_MS = 300

export type Progress = (line: string) => void

/**
 * One side's figures, on this process's keccak engine: WebAssembly with the node's SealPool (all
 * cores), or pure JS on one thread when WebAssembly is absent (the baseline child).
 */
export async function runSide(plan: BenchPlan, progress: Progress = () => {}): Promise<SideResult> {
  const engine: Engine = keccakWasm() ? 'wasm' : 'js'
  const rlp1k = benchEnvelopeRlp(1000)
  progress(`keccak loops (${engine})`)
  if (engine === 'wasm') measureSealLoop(5, rlp1k, engine, Math.min(200, plan.loopMs)) // tier-up
  const v5 = measureSealLoop(5, rlp1k, engine, plan.loopMs)
  const v6 = measureSealLoop(6, rlp1k, engine, plan.loopMs)
  const pool = engine === 'wasm' ? new SealPool() : undefined
  try {
    if (pool) await pool.sealNonce(6, rlp1k, { targetBits: 0, workTimeMs: 50 }) // start the workers, as a running node has
    progress('sealing at PoW 0.2')
    const pow02 = await measureSealSeconds(0.2, plan.sealSeedsPow02, pool)
    progress('sealing at PoW 2.0')
    const pow2 = await measureSealSeconds(2, plan.sealSeedsPow2, pool)
    progress(`ingest (${plan.ingestEnvelopes} envelopes, 10 room keys)`)
    const ingest = await measureIngest({ envelopes: plan.ingestEnvelopes })
    progress(`latency across 5 nodes (${plan.chainMessages} messages)`)
    const { hopMs: _h, e2eMs: _e, ...chain } = await measureChainLatency({ messages: plan.chainMessages })
    return {
      figures: {
        keccakV5PerSec: v5.hashesPerSec, keccakV6PerSec: v6.hashesPerSec,
        sealSecondsPow02: pow02.medianSeconds, sealSecondsPow2: pow2.medianSeconds,
        ingestEnvelopesPerSec: ingest.envelopesPerSec,
        hopLatencyMsP50: chain.hopMsP50, hopLatencyMsP99: chain.hopMsP99, e2eLatencyMsP50: chain.e2eMsP50, e2eLatencyMsP99: chain.e2eMsP99,
      },
      details: { engine, sealThreads: pool?.threads ?? 1, seal: { pow02, pow2 }, ingest, chain },
    }
  } finally {
    await pool?.close()
  }
}

/** Runs `runSide` in a child process without WebAssembly (see the file comment) and returns its result. */
function runBaselineChild(plan: BenchPlan, timeoutMs = 15 * 60_000): Promise<SideResult> {
  const script = fileURLToPath(benchScript('baseline-child'))
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--no-expose-wasm', script, JSON.stringify(plan)],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`baseline run failed: ${stderr.trim().split('\n').pop() || err.message}`))
        try {
          const r = JSON.parse(stdout) as SideResult
          if (r.details?.engine !== 'js') throw new Error('the baseline child had WebAssembly')
          resolve(r)
        } catch (e) {
          reject(new Error(`baseline run: unreadable result (${(e as Error).message})`))
        }
      },
    )
  })
}

export interface BenchOptions {
  quick?: boolean
  plan?: BenchPlan
  progress?: Progress
}

/** The whole bench: this implementation, then the baseline, then the ratios and the targets. */
export async function runBench(opts: BenchOptions = {}): Promise<BenchReport> {
  const quick = opts.quick ?? false
  const plan = opts.plan ?? (quick ? QUICK_PLAN : FULL_PLAN)
  const progress = opts.progress ?? (() => {})
  if (!keccakWasm()) throw new Error('WebAssembly is not available: nothing to compare with the baseline')
  const t0 = performance.now()
  const loadAvg1Start = loadavg()[0]

  progress('keccak loops on all cores')
  const rlp1k = benchEnvelopeRlp(1000)
  const pool = new SealPool()
  let allCores: { v5: number; v6: number; threads: number }
  try {
    await pool.sealNonce(5, rlp1k, { targetBits: 0, workTimeMs: 100 }) // start the workers and tier up
    const v5 = await measureSealLoopAllCores(pool, 5, rlp1k, plan.loopMs)
    const v6 = await measureSealLoopAllCores(pool, 6, rlp1k, plan.loopMs)
    allCores = { v5: v5.hashesPerSec, v6: v6.hashesPerSec, threads: pool.threads }
  } finally {
    await pool.close()
  }
  const fast = await runSide(plan, progress)

  // The baseline seals 1 KB at PoW 2 in ~5 s per envelope: the quick run seals one, the envelope
  // whose seal took the median time here, so both sides do the same search.
  // (at PoW 0.2 too: its seals dominated the quick run's time)
  const basePlan: BenchPlan = quick
    ? { ...plan, sealSeedsPow02: [medianSeed(fast.details.seal.pow02)], sealSeedsPow2: [medianSeed(fast.details.seal.pow2)] }
    : plan
  progress('baseline (pure-JS keccak, one thread) in a child process')
  const base = await runBaselineChild(basePlan)

  const f = fast.figures
  const b = base.figures
  const goHop = { p50: GO_FORWARD_INTERVAL_MS / 2, p99: GO_FORWARD_INTERVAL_MS * 0.99 }
  const ratios: Record<string, number> = {
    keccakV5: f.keccakV5PerSec / b.keccakV5PerSec,
    keccakV6: f.keccakV6PerSec / b.keccakV6PerSec,
    keccakV5AllCoresVsOneThread: allCores.v5 / f.keccakV5PerSec,
    keccakV6AllCoresVsOneThread: allCores.v6 / f.keccakV6PerSec,
    sealPow02: b.sealSecondsPow02 / f.sealSecondsPow02,
    sealPow2: b.sealSecondsPow2 / f.sealSecondsPow2,
    ingest: f.ingestEnvelopesPerSec / b.ingestEnvelopesPerSec,
    hopLatencyP50: b.hopLatencyMsP50 / f.hopLatencyMsP50,
    hopLatencyP99: b.hopLatencyMsP99 / f.hopLatencyMsP99,
  }
  const threads = allCores.threads
  // Targets are judged on figures of this run only. go-ethereum's keccak figures were measured on another
  // machine on another day: they are shown as a reference, never turned into a verdict.
  const targets = [
    ...(threads >= 2
      ? [
          { name: `keccak v5 loop, ${threads} threads vs one (x)`, value: ratios.keccakV5AllCoresVsOneThread, target: 1.7, met: ratios.keccakV5AllCoresVsOneThread >= 1.7 },
          { name: `keccak v6 loop, ${threads} threads vs one (x)`, value: ratios.keccakV6AllCoresVsOneThread, target: 1.7, met: ratios.keccakV6AllCoresVsOneThread >= 1.7 },
        ]
      : []),
    { name: 'per-hop latency p50 (ms)', value: f.hopLatencyMsP50, target: 10, met: f.hopLatencyMsP50 < 10 },
    { name: 'per-hop latency p99 (ms)', value: f.hopLatencyMsP99, target: 10, met: f.hopLatencyMsP99 < 10 },
  ]
  return {
    ...f,
    keccakV5PerSecAllCores: allCores.v5,
    keccakV6PerSecAllCores: allCores.v6,
    baseline: b,
    ratios,
    go: {
      keccakV5PerSec: GO_REFERENCE.v5, keccakV6PerSec: GO_REFERENCE.v6_1k, forwardIntervalMs: GO_FORWARD_INTERVAL_MS,
      hopLatencyMsP50: goHop.p50, hopLatencyMsP99: goHop.p99,
    },
    targets,
    machine: {
      nproc: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, platform: process.platform, arch: process.arch,
      loadAvg1Start, loadAvg1End: loadavg()[0],
    },
    quick,
    threads,
    durationSeconds: (performance.now() - t0) / 1000,
    details: { fast: { ...fast.details, allCores }, baseline: base.details },
  }
}

function medianSeed(m: SealMeasurement): number {
  const order = m.seconds.map((s, i) => [s, m.seeds[i]] as const).sort((a, b) => a[0] - b[0])
  return order[(order.length - 1) >> 1][1]
}

// ---- text output ----

const rate = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M/s` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k/s` : `${x.toFixed(0)}/s`)
const secs = (x: number) => (x >= 1 ? `${x.toFixed(2)} s` : `${(x * 1000).toFixed(1)} ms`)
const ms = (x: number) => `${x.toFixed(2)} ms`
const times = (x: number) => `x${x >= 100 ? x.toFixed(0) : x.toFixed(1)}`

export function formatBench(r: BenchReport): string {
  const fd = r.details.fast
  const bd = r.details.baseline
  const rows: [string, string, string, string, string][] = [
    ['keccak/s, v5 seal loop (64 B), 1 thread', rate(r.keccakV5PerSec), rate(r.baseline.keccakV5PerSec), times(r.ratios.keccakV5), rate(r.go.keccakV5PerSec)],
    ['keccak/s, v6 seal loop (1 KB), 1 thread', rate(r.keccakV6PerSec), rate(r.baseline.keccakV6PerSec), times(r.ratios.keccakV6), rate(r.go.keccakV6PerSec)],
    [`keccak/s, v5 seal loop, ${r.threads} threads`, rate(r.keccakV5PerSecAllCores), '-', `${times(r.ratios.keccakV5AllCoresVsOneThread)} vs 1 thread`, '-'],
    [`keccak/s, v6 seal loop, ${r.threads} threads`, rate(r.keccakV6PerSecAllCores), '-', `${times(r.ratios.keccakV6AllCoresVsOneThread)} vs 1 thread`, '-'],
    [`seal 1 KB at PoW 0.2 (${fd.seal.pow02.targetBits} bits), median`, secs(r.sealSecondsPow02), secs(r.baseline.sealSecondsPow02), times(r.ratios.sealPow02), '-'],
    [`seal 1 KB at PoW 2.0 (${fd.seal.pow2.targetBits} bits), median`, secs(r.sealSecondsPow2), secs(r.baseline.sealSecondsPow2), times(r.ratios.sealPow2), '-'],
    ['ingest, envelopes/s (1 KB, 10 room keys)', rate(r.ingestEnvelopesPerSec), rate(r.baseline.ingestEnvelopesPerSec), times(r.ratios.ingest), '-'],
    ['per-hop latency p50, 5-node chain', ms(r.hopLatencyMsP50), ms(r.baseline.hopLatencyMsP50), times(r.ratios.hopLatencyP50), `~${r.go.hopLatencyMsP50} ms (300 ms tick)`],
    ['per-hop latency p99, 5-node chain', ms(r.hopLatencyMsP99), ms(r.baseline.hopLatencyMsP99), times(r.ratios.hopLatencyP99), `~${r.go.hopLatencyMsP99.toFixed(0)} ms (300 ms tick)`],
    ['end-to-end latency p50 (4 hops + open)', ms(r.e2eLatencyMsP50), ms(r.baseline.e2eLatencyMsP50), '-', '-'],
    ['end-to-end latency p99 (4 hops + open)', ms(r.e2eLatencyMsP99), ms(r.baseline.e2eLatencyMsP99), '-', '-'],
  ]
  const head: [string, string, string, string, string] = ['figure', 'p2pmessage', 'baseline', 'ratio', 'go-ethereum (reference)']
  const w = [0, 1, 2, 3, 4].map((i) => Math.max(head[i].length, ...rows.map((row) => row[i].length)))
  const line = (row: string[]) => row.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ')
  const m = r.machine
  const out = [
    `p2pmessage bench${r.quick ? ' --quick' : ''}: ${m.nproc} cores (${m.cpuModel}), node ${m.node}, load average ${m.loadAvg1Start.toFixed(2)} at start, ${m.loadAvg1End.toFixed(2)} at end`,
    `p2pmessage: WebAssembly keccak, sealing on ${fd.sealThreads} threads (inline up to 14 bits); baseline: pure-JS keccak, one thread, same code (node --no-expose-wasm)`,
    '',
    line(head),
    line(w.map((n) => '-'.repeat(n))),
    ...rows.map(line),
    '',
    `seal medians over ${fd.seal.pow2.seeds.length} envelopes (baseline: ${bd.seal.pow02.seeds.length} at PoW 0.2, ${bd.seal.pow2.seeds.length} at PoW 2.0, the same envelopes); ` +
      `ingest: ${fd.ingest.envelopes} envelopes of ${fd.ingest.envelopeBytes} B; chain: ${fd.chain.messages} messages (${bd.chain.messages} baseline).`,
    'go-ethereum (reference only, not compared): keccak loops measured once on another machine, per core; latency modelled from its 300 ms broadcast tick.',
    'targets (this run):',
    ...r.targets.map((t) => `  ${t.met ? 'met    ' : 'not met'}  ${t.name}: ${t.value.toFixed(2)} (target ${t.name.includes('(ms)') ? '<' : '>='} ${t.target})`),
    `(${r.durationSeconds.toFixed(1)} s)`,
  ]
  return out.join('\n')
}
