// One peer floods a node (flooder.ts, its own thread) while a well-behaved peer (good-peer.ts, its own
// thread) and the node exchange a room message every `intervalMs` both ways. Reports how the node
// fared: delivery and latency of the good traffic during the flood, what the flooder got through,
// whether it was slowed down (peer-limits pauses) or dropped, pool size and memory.
import { Worker } from 'node:worker_threads'
import { WhisperNode } from '../src/node/whisper-node.js'
import type { NodeStats } from '../src/node/whisper-node.js'
import type { PeerLimitOptions } from '../src/node/peer-limits.js'
import { randomBytes } from '../src/whisper/crypto.js'
import { toHex } from '../src/whisper/bytes.js'
import { benchScript } from '../src/bench/scripts.js'
import { percentile } from '../src/bench/stats.js'
import type { FloodKind, FlooderCommand, FlooderConfig, FlooderEvent } from './flooder.js'
import { wallNow, type GoodPeerCommand, type GoodPeerConfig, type GoodPeerEvent } from './good-peer.js'

export interface FloodOptions {
  kind: FloodKind
  /** how long the flood and the good traffic go on together */
  seconds: number
  /** the node's per-peer limits (default: the node's defaults; false: none) */
  limits?: PeerLimitOptions | false
  /** the node's pool bound (default 20000 envelopes) */
  poolMaxEnvelopes?: number
  /** good traffic: one message each way per interval (default 100 ms) */
  intervalMs?: number
  /** distinct envelopes the flooder cycles through (default 20000) */
  envelopes?: number
  /** the node's PoW minimum (default 0.01; the flooder seals at twice that) */
  minPow?: number
  /** after the flood window, how long the good messages may still take to arrive (default 15 s) */
  drainMs?: number
}

export interface Direction {
  posted: number
  delivered: number
  latencyMsP50: number
  latencyMsP99: number
  latencyMsMax: number
}

export interface FloodReport {
  kind: FloodKind
  limits: boolean
  seconds: number
  flooderSent: number
  /** times the node closed the flooder's connection (drop, or refusal of a banned peer) */
  flooderClosed: number
  node: NodeStats
  goodToNode: Direction
  nodeToGood: Direction
  /** the good peer stayed connected the whole time */
  goodPeerStayed: boolean
  poolMaxEnvelopes: number
  poolPeak: number
  heapStartMB: number
  heapPeakMB: number
  heapEndMB: number
  rssPeakMB: number
}

const mb = (b: number) => b / 1024 / 1024
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

function direction(posted: Map<string, number>, got: Map<string, number>): Direction {
  const lat: number[] = []
  for (const [id, at] of posted) {
    const g = got.get(id)
    if (g !== undefined) lat.push(g - at)
  }
  return {
    posted: posted.size, delivered: lat.length,
    latencyMsP50: percentile(lat, 50), latencyMsP99: percentile(lat, 99), latencyMsMax: lat.length ? Math.max(...lat) : NaN,
  }
}

export class WorkerLink<E extends { ev: string }> {
  readonly events: E[] = []
  private waiters: (() => void)[] = []
  error: Error | null = null
  constructor(readonly worker: Worker, onEvent: (e: E) => void = () => {}) {
    worker.on('message', (e: E) => {
      this.events.push(e)
      onEvent(e)
      for (const w of this.waiters.splice(0)) w()
    })
    worker.on('error', (e) => {
      this.error = e
      for (const w of this.waiters.splice(0)) w()
    })
  }
  async next(ev: E['ev'], ms: number): Promise<E> {
    const end = Date.now() + ms
    for (;;) {
      if (this.error) throw this.error
      const e = this.events.find((x) => x.ev === ev || x.ev === 'error')
      if (e) {
        if (e.ev === 'error') throw new Error(`worker: ${(e as unknown as { message: string }).message}`)
        return e
      }
      const left = end - Date.now()
      if (left <= 0) throw new Error(`flood bench: no '${ev}' from a worker within ${ms} ms`)
      await new Promise<void>((r) => {
        const t = setTimeout(r, left)
        this.waiters.push(() => {
          clearTimeout(t)
          r()
        })
      })
    }
  }
  async stop(cmd: unknown): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => void this.worker.terminate().then(() => resolve()), 10_000)
      this.worker.once('exit', () => {
        clearTimeout(t)
        resolve()
      })
      this.worker.postMessage(cmd)
    })
  }
}

export async function runFlood(o: FloodOptions): Promise<FloodReport> {
  const minPow = o.minPow ?? 0.01
  const intervalMs = o.intervalMs ?? 100
  const poolMaxEnvelopes = o.poolMaxEnvelopes ?? 20_000
  const topic = randomBytes(4)
  const key = randomBytes(32)
  const node = new WhisperNode({
    listen: { host: '127.0.0.1', port: 0 }, minPow, poolMaxEnvelopes, verbosity: 0, logger: () => {}, sealThreads: 1,
    peerLimits: o.limits,
  })
  let good: WorkerLink<GoodPeerEvent> | null = null
  let flooder: WorkerLink<FlooderEvent> | null = null
  let sampler: NodeJS.Timeout | null = null
  let poster: NodeJS.Timeout | null = null
  try {
    await node.start()
    const nodeGot = new Map<string, number>()
    const nodePosted = new Map<string, number>()
    const goodPosted = new Map<string, number>()
    const goodGot = new Map<string, number>()
    node.subscribe({ topics: [topic], symKey: key }, (m) => {
      if (m.mine) return
      const text = Buffer.from(m.payload).toString('latin1')
      nodeGot.set(text.slice(0, text.indexOf('|')), wallNow())
    })
    const goodCfg: GoodPeerConfig = { enode: node.enode, topic: toHex(topic), key: toHex(key), intervalMs, minPow }
    good = new WorkerLink<GoodPeerEvent>(new Worker(benchScript('good-peer', import.meta.url), { workerData: goodCfg }), (e) => {
      if (e.ev === 'posted') goodPosted.set(e.id, e.at)
      else if (e.ev === 'got') goodGot.set(e.id, e.at)
    })
    await good.next('ready', 60_000)
    const goodId = node.peers()[0]?.id
    let goodLeft = false
    node.on('peer:removed', (p: { id: string }) => {
      if (p.id === goodId) goodLeft = true
    })
    const floodCfg: FlooderConfig = { enode: node.enode, kind: o.kind, envelopes: o.envelopes ?? 20_000, pow: minPow * 2, dataBytes: 64, batch: 256 }
    flooder = new WorkerLink<FlooderEvent>(new Worker(benchScript('flooder', import.meta.url), { workerData: floodCfg }))
    await flooder.next('ready', 120_000)

    const heapStart = process.memoryUsage().heapUsed
    let heapPeak = heapStart
    let rssPeak = process.memoryUsage().rss
    let poolPeak = 0
    sampler = setInterval(() => {
      const m = process.memoryUsage()
      heapPeak = Math.max(heapPeak, m.heapUsed)
      rssPeak = Math.max(rssPeak, m.rss)
      poolPeak = Math.max(poolPeak, node.stats().poolSize)
    }, 50)
    flooder.worker.postMessage({ cmd: 'go' } satisfies FlooderCommand)
    good.worker.postMessage({ cmd: 'go' } satisfies GoodPeerCommand)
    let k = 0
    poster = setInterval(() => {
      const id = `n${k++}`
      node.post({ topic, payload: Buffer.from(`${id}|`), symKey: key, ttl: 60, pow: minPow * 2, workTime: 10, shh: 6 }).then(
        () => nodePosted.set(id, wallNow()),
        () => {},
      )
    }, intervalMs)
    await sleep(o.seconds * 1000)
    clearInterval(poster)
    poster = null
    good.worker.postMessage({ cmd: 'pause' } satisfies GoodPeerCommand)
    // the flood goes on while the last good messages make their way
    const drainEnd = Date.now() + (o.drainMs ?? 15_000)
    await sleep(200)
    while (Date.now() < drainEnd) {
      const missing = [...goodPosted.keys()].some((id) => !nodeGot.has(id)) || [...nodePosted.keys()].some((id) => !goodGot.has(id))
      if (!missing) break
      await sleep(50)
    }
    clearInterval(sampler)
    sampler = null
    const progress = flooder.events.filter((e): e is Extract<FlooderEvent, { ev: 'progress' }> => e.ev === 'progress').pop()
    const closed = flooder.events.filter((e) => e.ev === 'closed').length
    const stats = node.stats()
    return {
      kind: o.kind, limits: o.limits !== false, seconds: o.seconds, flooderSent: progress?.sent ?? 0, flooderClosed: closed,
      node: stats, goodToNode: direction(goodPosted, nodeGot), nodeToGood: direction(nodePosted, goodGot), goodPeerStayed: !goodLeft,
      poolMaxEnvelopes, poolPeak, heapStartMB: mb(heapStart), heapPeakMB: mb(heapPeak), heapEndMB: mb(process.memoryUsage().heapUsed),
      rssPeakMB: mb(rssPeak),
    }
  } finally {
    if (sampler) clearInterval(sampler)
    if (poster) clearInterval(poster)
    await Promise.all([flooder?.stop({ cmd: 'stop' } satisfies FlooderCommand), good?.stop({ cmd: 'stop' } satisfies GoodPeerCommand)])
    await node.stop()
  }
}

export function formatFlood(rs: FloodReport[]): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-')
  const lines = [
    'kind       limits  flooder sent  closed  pauses  good->node delivered  p50/p99/max ms      node->good delivered  p50/p99/max ms      pool peak/max   heap start/peak MB',
  ]
  for (const r of rs) {
    const d = (x: Direction) => `${x.delivered}/${x.posted}`.padEnd(22) + `${f(x.latencyMsP50)}/${f(x.latencyMsP99)}/${f(x.latencyMsMax)}`.padEnd(20)
    lines.push(
      `${r.kind.padEnd(10)} ${(r.limits ? 'on' : 'off').padEnd(7)} ${String(r.flooderSent).padStart(12)}  ${String(r.flooderClosed).padStart(6)}  ${String(r.node.peerPauses).padStart(6)}  ` +
        `${d(r.goodToNode)}${d(r.nodeToGood)}${`${r.poolPeak}/${r.poolMaxEnvelopes}`.padEnd(16)}${f(r.heapStartMB)}/${f(r.heapPeakMB)}`,
    )
  }
  return lines.join('\n')
}
