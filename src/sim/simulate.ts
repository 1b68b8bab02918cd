// The network simulation: `nodes` WhisperNodes in one process over the in-memory network
// (memory-transport.ts), linked as a random graph of `degree`, each a full node running the real
// forwarding, pool, validation and limits code. Messages are sent one at a time from a random node;
// for each, the simulation records when every node first holds it (the node's own 'envelope' event),
// how many copies reached each node and how many bytes each node sent. Policy 'geth' forwards on a
// 300 ms cycle (geth's broadcast loop) instead of at once; same seed, same graph.
// Time is the simulation's own (clock.ts): link delays and forwarding cycles, never the CPU one core
// spends running every node, which is measured apart (cpuMs, cpuUsPerCopy) with the wall time.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { WhisperNode } from '../node/whisper-node.js'
import { sealMessage } from '../whisper/seal.js'
import type { Envelope } from '../whisper/envelope.js'
import { envelopeHash } from '../whisper/envelope.js'
import { toHex } from '../whisper/bytes.js'
import { prng } from '../bench/stats.js'
import { MemoryNetwork, type MemoryHost } from './memory-transport.js'
import { degrees, randomRegularGraph } from './graph.js'
import { VirtualClock, wallNow } from './clock.js'

export type Policy = 'ours' | 'geth'
const GETH_CYCLE_MS = 300

export interface SimOptions {
  nodes: number
  degree: number
  messages?: number
  /** per-packet loss probability */
  loss?: number
  latencyMs?: number
  /** share of nodes that leave (all links dropped) before each message and join again one link delay later */
  churn?: number
  policy?: Policy
  seed?: number
  payloadBytes?: number
  /** give up on a message after this long without a new holder */
  stallMs?: number
  progress?: (line: string, final: boolean) => void
}

export interface SimResult {
  policy: Policy
  nodes: number
  degree: number
  messages: number
  latencyMs: number
  loss: number
  churn: number
  /** share of (node, message) pairs where the node ended up holding the message */
  deliveredFraction: number
  /**
   * mean over messages of the simulated time (link delays and forwarding cycles; processing counts
   * as instant) until 50 / 99 / 100 % of nodes held it (null: never reached)
   */
  msTo50: number | null
  msTo99: number | null
  msTo100: number | null
  /** envelope copies that reached a node, per node per message (1 = no redundancy) */
  copiesPerNodePerMessage: number
  copiesMin: number
  copiesMax: number
  /** messages-packet bytes sent, per node per message */
  bytesPerNodePerMessage: number
  /** peak JS heap during the run, per node (pool and packets in flight included) */
  heapBytesPerNode: number
  /** heap per node once linked, before any message (an idle node with an empty pool) */
  idleHeapBytesPerNode: number
  poolBytesPerNode: number
  degreeMin: number
  degreeMax: number
  /** simulated time the run covered (linking, messages, draining) */
  simulatedMs: number
  /** CPU this process spent on the run (user + system), and on the messages alone */
  cpuMs: number
  cpuMsMessages: number
  /** CPU per envelope copy a node received, over the messages: what one core paid per hop */
  cpuUsPerCopy: number
  /** real time the run took */
  wallMs: number
  /** the process's peak resident memory so far (both policies when run together) */
  peakRssBytes: number
  /** the machine's 1-minute load average when the run started and ended (it moves wall and CPU, not the times) */
  loadAvg1Start: number
  loadAvg1End: number
  /** [ms, share of nodes holding a message], over all messages */
  curve: [number, number][]
  /** per message: copies that reached each node (index = node), for checks */
  copiesByNode?: number[][]
  degreesByNode?: number[]
  origins?: number[]
}

// Memory per node is a difference of two heap readings: without a full collection before each, the
// second can read lower than the first. `npm run sim` passes --expose-gc; elsewhere (a test runner, a
// plain node) V8's flag is turned on at run time and the collector taken from a fresh context.
const gc: () => void = (globalThis as { gc?: () => void }).gc ?? (() => {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
})()
const heapUsed = (): number => {
  gc()
  return process.memoryUsage().heapUsed
}
const cpuMsSince = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from)
  return (d.user + d.system) / 1000
}

export async function simulate(o: SimOptions, detail = false): Promise<SimResult> {
  const policy = o.policy ?? 'ours'
  const N = o.nodes
  const K = o.messages ?? 5
  const latencyMs = o.latencyMs ?? 50
  const loss = o.loss ?? 0
  const churn = o.churn ?? 0
  const say = o.progress ?? (() => {})
  if (!(loss >= 0 && loss < 1)) throw new Error(`loss must be in [0, 1), got ${loss}`)
  if (!(churn >= 0 && churn < 1)) throw new Error(`churn must be in [0, 1), got ${churn}`)
  if (!Number.isInteger(K) || K < 1) throw new Error(`messages must be a positive integer, got ${K}`)
  const rng = prng(o.seed ?? 1)
  const edges = randomRegularGraph(N, o.degree, rng.next)
  const deg = degrees(N, edges)
  const started = wallNow()
  const load0 = loadavg()[0]
  const cpu0 = process.cpuUsage()

  // the messages, sealed on the real clock before the simulated one starts (unique payloads, one room key)
  const symKey = randomBytes(32)
  const topic = randomBytes(4)
  const envs: Envelope[] = []
  for (let m = 0; m < K; m++) {
    envs.push(sealMessage({ shh: 6, topic, payload: randomBytes(o.payloadBytes ?? 256), symKey, ttl: 600, pow: 0.01, workTime: 10 }))
  }

  const heap0 = heapUsed()
  // every timer the nodes and the links make from here on runs on simulated time
  const clock = new VirtualClock(Date.now())
  const uninstall = clock.install()
  const net = new MemoryNetwork({ latencyMs, loss, random: rng.next })
  const hosts: MemoryHost[] = []
  const factory = net.transport()
  const nodes: WhisperNode[] = []
  let copiesTotal = 0
  try {
    for (let i = 0; i < N; i++) {
      nodes.push(new WhisperNode({
        transport: (opts) => {
          const h = factory(opts) as MemoryHost
          hosts.push(h)
          return h
        },
        shhVersions: [6], minPow: 0.001, verbosity: 0, logger: () => {}, sealThreads: 1,
        forwardIntervalMs: policy === 'geth' ? GETH_CYCLE_MS : 0,
      }))
    }
    const index = new Map<string, number>()
    hosts.forEach((h, i) => index.set(h.id, i))
    await clock.drive(Promise.all(nodes.map((n) => n.start())))
    for (const [a, b] of edges) net.connect(hosts[a], hosts[b])
    await clock.runFor(latencyMs * 2 + 50)
    const idle = (heapUsed() - heap0) / N
    say(`${policy}: ${N} nodes linked (${edges.length} links), idle heap ${(idle / 1024).toFixed(0)} KiB per node`, true)

    const hashOf = new Map<string, number>(envs.map((e, m) => [toHex(envelopeHash(e)), m]))
    const tailOf = new Map<string, number>(envs.map((e, m) => [tail(e), m]))
    const holdAt: Float64Array[] = envs.map(() => new Float64Array(N).fill(NaN))
    const heldCount = new Array<number>(K).fill(0)
    const copies: Uint16Array[] = envs.map(() => new Uint16Array(N))
    const t0s = new Array<number>(K).fill(0)
    let lastHold = 0
    nodes.forEach((node, i) => {
      node.on('envelope', (ev: { hash: string }) => {
        const m = hashOf.get(ev.hash)
        if (m === undefined || !Number.isNaN(holdAt[m][i])) return
        holdAt[m][i] = clock.now - t0s[m]
        heldCount[m]++
        lastHold = clock.now
      })
    })
    net.onDeliver = (host, env) => {
      const m = tailOf.get(tail(env))
      if (m !== undefined) {
        copies[m][index.get(host.id)!]++
        copiesTotal++
      }
    }
    let peakHeap = 0
    let steps = 0
    // heap readings without a collection: the high-water mark of what was live and not yet collected
    const sample = () => {
      if ((++steps & 1023) === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)
    }
    const origins: number[] = []
    const bytes0 = hosts.reduce((a, h) => a + h.bytesSent, 0)
    const stallMs = o.stallMs ?? Math.max(2000, latencyMs * 10 + (policy === 'geth' ? GETH_CYCLE_MS * 3 : 0))
    const cpuRun0 = process.cpuUsage()
    for (let m = 0; m < K; m++) {
      const origin = rng.int(N)
      origins.push(origin)
      if (churn > 0) churnOnce(net, hosts, origin, churn, o.degree, rng)
      t0s[m] = clock.now
      lastHold = t0s[m]
      nodes[origin].send(envs[m])
      await clock.run({ done: () => heldCount[m] === N || clock.now - lastHold > stallMs, everyStep: sample })
      // let the last redundant copies land before counting them
      await clock.run({ done: () => net.pending === 0, everyStep: sample })
      await clock.runFor(policy === 'geth' ? GETH_CYCLE_MS + 50 : 20, sample)
      await clock.run({ done: () => net.pending === 0, everyStep: sample })
      say(`${policy}: message ${m + 1}/${K} held by ${heldCount[m]}/${N} nodes`, m === K - 1)
    }
    const cpuMessages = cpuMsSince(cpuRun0)
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)
    const bytes = hosts.reduce((a, h) => a + h.bytesSent, 0) - bytes0
    const poolBytes = nodes.reduce((a, n) => a + n.stats().poolBytes, 0)

    const at = (m: number, share: number): number | null => {
      const times = [...holdAt[m]].filter((t) => !Number.isNaN(t)).sort((a, b) => a - b)
      const need = Math.ceil(share * N)
      return times.length >= need ? times[need - 1] : null
    }
    const mean = (xs: (number | null)[]): number | null => (xs.some((x) => x === null) ? null : round(xs.reduce<number>((a, x) => a + x!, 0) / xs.length))
    const all = Float64Array.from(holdAt.flatMap((h) => [...h].filter((t) => !Number.isNaN(t)))).sort()
    const curve: [number, number][] = []
    const stride = Math.max(1, Math.floor(all.length / 400))
    for (let i = 0; i < all.length; i += stride) curve.push([round(all[i]), (i + 1) / (N * K)])
    if (all.length > 0) curve.push([round(all[all.length - 1]), all.length / (N * K)])
    let copiesMin = Infinity
    let copiesMax = 0
    for (const c of copies) for (const x of c) {
      if (x < copiesMin) copiesMin = x
      if (x > copiesMax) copiesMax = x
    }
    const res: SimResult = {
      policy, nodes: N, degree: o.degree, messages: K, latencyMs, loss, churn,
      deliveredFraction: all.length / (N * K),
      msTo50: mean(envs.map((_, m) => at(m, 0.5))),
      msTo99: mean(envs.map((_, m) => at(m, 0.99))),
      msTo100: mean(envs.map((_, m) => at(m, 1))),
      copiesPerNodePerMessage: round(copiesTotal / (N * K), 3),
      copiesMin,
      copiesMax,
      bytesPerNodePerMessage: Math.round(bytes / (N * K)),
      heapBytesPerNode: Math.round((peakHeap - heap0) / N),
      idleHeapBytesPerNode: Math.round(idle),
      poolBytesPerNode: Math.round(poolBytes / N),
      degreeMin: Math.min(...deg),
      degreeMax: Math.max(...deg),
      simulatedMs: round(clock.now),
      cpuMs: Math.round(cpuMsSince(cpu0)),
      cpuMsMessages: Math.round(cpuMessages),
      cpuUsPerCopy: copiesTotal > 0 ? round((cpuMessages * 1000) / copiesTotal) : 0,
      wallMs: Math.round(wallNow() - started),
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      loadAvg1Start: load0,
      loadAvg1End: loadavg()[0],
      curve,
    }
    if (detail) {
      res.copiesByNode = copies.map((c) => [...c])
      res.degreesByNode = deg
      res.origins = origins
    }
    return res
  } finally {
    net.onDeliver = null
    try {
      await clock.drive(Promise.all(nodes.map((n) => n.stop())))
    } finally {
      net.close()
      uninstall()
    }
  }
}

/** Nodes leave (every link dropped) and, one link delay later, join again with fresh random links. */
function churnOnce(net: MemoryNetwork, hosts: MemoryHost[], origin: number, churn: number, degree: number, rng: { int(n: number): number }): void {
  const n = hosts.length
  const leaving = new Set<number>()
  const want = Math.min(n - 1, Math.round(churn * n))
  while (leaving.size < want) {
    const i = rng.int(n)
    if (i !== origin) leaving.add(i)
  }
  for (const i of leaving) for (const p of [...hosts[i].links.values()]) p.disconnect()
  net.later(() => {
    for (const i of leaving) {
      let tries = 0
      while (hosts[i].links.size < degree && tries++ < degree * 10) net.connect(hosts[i], hosts[rng.int(n)])
    }
  })
}

function tail(e: Envelope): string {
  return toHex(e.data.subarray(Math.max(0, e.data.length - 16)))
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
