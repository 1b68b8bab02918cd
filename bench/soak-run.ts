// The soak: nodes on loopback, each in its own process (soak-node.ts), in a random mesh around a
// relay; several senders post messages at a steady rate into one room while other nodes (the relay
// included) are killed with SIGKILL and started again with the same key and port. Every delivery is
// reported back, and the soak counts per (message, receiver):
//  - lost: the message was alive (TTL not run out) while the receiver was up for at least `graceMs`
//    in one of its lives, and no life of the receiver ever got it;
//  - delivered twice: one life of a receiver got the same message more than once;
//  - re-received after a restart (not an error: a restarted node has forgotten what it showed, and
//    its peers hand it their pools again, as geth's do).
// It also samples pool memory, heap/RSS and CPU of every node process.
import { fork, type ChildProcess } from 'node:child_process'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import { generatePrivateKey, randomBytes } from '../src/whisper/crypto.js'
import { toHex } from '../src/whisper/bytes.js'
import { benchScript } from '../src/bench/scripts.js'
import { percentile, prng } from '../src/bench/stats.js'
import type { SoakCommand, SoakEvent, SoakNodeConfig, SoakStats } from './soak-node.js'

export interface SoakOptions {
  /** processes, the relay included (default 10) */
  nodes?: number
  /** nodes that post; never killed, so that nothing is lost with its only copy (default 3) */
  senders?: number
  messages?: number
  /** posts per second, all senders together (default 100) */
  rate?: number
  /** message TTL in seconds (default 30) */
  ttl?: number
  payloadBytes?: number
  /** PoW of each post; the nodes require a fifth of it (default 0.05) */
  pow?: number
  /** a kill every this many ms while posting (default 4000; 0 = no kills) */
  killEveryMs?: number
  /** how long a killed node stays down, ms (default 1000..3000) */
  downMs?: [number, number]
  /** random extra links per chat node besides the ring and the relay (default 1) */
  extraLinks?: number
  /** a receiver must have been up this long while a message was alive for it to be due (default 3000) */
  graceMs?: number
  /** longest wait for the last deliveries after the last post (default 60000) */
  settleMs?: number
  seed?: number
  progress?: (line: string) => void
}

export interface SoakNodeReport {
  index: number
  role: 'relay' | 'sender' | 'chat'
  lives: number
  cpuSeconds: number
  peakPoolBytes: number
  peakPoolSize: number
  peakHeapBytes: number
  peakRssBytes: number
  peersDropped: number
}

export interface SoakReport {
  nodes: number
  senders: number
  messagesPosted: number
  postFailures: number
  kills: number
  durationSeconds: number
  /** (message, receiver) pairs that had to arrive */
  due: number
  delivered: number
  lost: number
  deliveredTwice: number
  reReceivedAfterRestart: number
  /** pairs not due: the receiver was down for (nearly) the whole life of the message */
  notDue: number
  latencyMsP50: number
  latencyMsP99: number
  /** largest pool of any node, bytes / envelopes */
  peakPoolBytes: number
  peakPoolSize: number
  peakRssBytes: number
  /** CPU time of all node processes together / wall time (1.0 = one core busy) */
  cpuCoresUsed: number
  /** the whole machine's busy share during the soak (other processes included), 0..1 */
  machineBusy: number
  perNode: SoakNodeReport[]
  lostSamples: string[]
  config: Required<Omit<SoakOptions, 'progress'>>
}

interface Life {
  startedAt: number
  readyAt: number
  endedAt: number | null
  counts: Map<string, number>
  lastStats: SoakStats | null
}

class SoakProc {
  child: ChildProcess | null = null
  enode = ''
  port = 0
  readonly staticPeers: string[] = []
  readonly lives: Life[] = []
  peakPoolBytes = 0
  peakPoolSize = 0
  peakHeap = 0
  peakRss = 0
  cpuDone = 0
  private waiting: ((s: SoakStats) => void)[] = []

  constructor(
    readonly index: number,
    readonly role: 'relay' | 'sender' | 'chat',
    private readonly key: string,
    private readonly base: Omit<SoakNodeConfig, 'privateKey' | 'port' | 'staticPeers' | 'relay'>,
    private readonly onEvent: (p: SoakProc, e: SoakEvent) => void,
  ) {}

  get up(): boolean {
    return this.child !== null
  }

  get life(): Life | undefined {
    return this.lives[this.lives.length - 1]
  }

  start(): Promise<void> {
    const cfg: SoakNodeConfig = { ...this.base, privateKey: this.key, port: this.port, staticPeers: this.staticPeers, relay: this.role === 'relay' }
    const startedAt = Date.now()
    const child = fork(fileURLToPath(benchScript('soak-node', import.meta.url)), [JSON.stringify(cfg)], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] })
    this.child = child
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`soak node ${this.index} did not start`)), 30_000)
      child.on('message', (e: SoakEvent) => {
        if (e.ev === 'ready') {
          clearTimeout(timer)
          this.enode = e.enode
          this.port = e.port
          this.lives.push({ startedAt, readyAt: Date.now(), endedAt: null, counts: new Map(), lastStats: null })
          resolve()
        } else if (e.ev === 'error') {
          clearTimeout(timer)
          reject(new Error(`soak node ${this.index}: ${e.error}`))
        } else if (e.ev === 'stats') {
          this.noteStats(e.stats)
          for (const w of this.waiting.splice(0)) w(e.stats)
        } else {
          this.onEvent(this, e)
        }
      })
      child.once('exit', () => {
        clearTimeout(timer)
        if (this.child === child) this.ended()
        reject(new Error(`soak node ${this.index} exited`))
      })
    })
  }

  private ended(): void {
    this.child = null
    const life = this.life
    if (life && life.endedAt === null) {
      life.endedAt = Date.now()
      if (life.lastStats) this.cpuDone += (life.lastStats.cpuUser + life.lastStats.cpuSystem) / 1e6
    }
    for (const w of this.waiting.splice(0)) w(this.life?.lastStats ?? emptyStats())
  }

  private noteStats(s: SoakStats): void {
    const life = this.life
    if (life) life.lastStats = s
    this.peakPoolBytes = Math.max(this.peakPoolBytes, s.poolBytes)
    this.peakPoolSize = Math.max(this.peakPoolSize, s.poolSize)
    this.peakHeap = Math.max(this.peakHeap, s.heapUsed)
    this.peakRss = Math.max(this.peakRss, s.rss)
  }

  send(c: SoakCommand): void {
    if (this.child?.connected) this.child.send(c)
  }

  stats(): Promise<SoakStats | null> {
    if (!this.child) return Promise.resolve(null)
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(null), 5000)
      this.waiting.push((s) => {
        clearTimeout(t)
        resolve(s)
      })
      this.send({ cmd: 'stats' })
    })
  }

  /** SIGKILL: no goodbye to its peers, its pool is gone. */
  kill(): Promise<void> {
    const child = this.child
    if (!child) return Promise.resolve()
    return new Promise((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    })
  }

  /** Polite stop (DISCONNECT to its peers); SIGKILL when it takes too long. */
  async stop(): Promise<void> {
    const child = this.child
    if (!child) return
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000)
      child.once('exit', () => {
        clearTimeout(t)
        resolve()
      })
      if (child.connected) child.send({ cmd: 'stop' } satisfies SoakCommand)
      else child.kill('SIGKILL')
    })
  }

  cpuSeconds(): number {
    const live = this.child && this.life?.lastStats ? (this.life.lastStats.cpuUser + this.life.lastStats.cpuSystem) / 1e6 : 0
    return this.cpuDone + live
  }
}

function emptyStats(): SoakStats {
  return { peers: 0, poolSize: 0, poolBytes: 0, envelopesIn: 0, envelopesOut: 0, envelopesDropped: 0, peersDropped: 0, heapUsed: 0, rss: 0, cpuUser: 0, cpuSystem: 0 }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

function machineTimes(): { busy: number; total: number } {
  let busy = 0
  let total = 0
  for (const c of cpus()) {
    const t = c.times
    busy += t.user + t.nice + t.sys + t.irq
    total += t.user + t.nice + t.sys + t.irq + t.idle
  }
  return { busy, total }
}

interface Posted {
  sender: number
  at: number
  expiryMs: number
}

export async function runSoak(o: SoakOptions = {}): Promise<SoakReport> {
  const cfg: Required<Omit<SoakOptions, 'progress'>> = {
    nodes: o.nodes ?? 10, senders: o.senders ?? 3, messages: o.messages ?? 10_000, rate: o.rate ?? 100, ttl: o.ttl ?? 30,
    payloadBytes: o.payloadBytes ?? 200, pow: o.pow ?? 0.05, killEveryMs: o.killEveryMs ?? 4000, downMs: o.downMs ?? [1000, 3000],
    extraLinks: o.extraLinks ?? 1, graceMs: o.graceMs ?? 3000, settleMs: o.settleMs ?? 60_000, seed: o.seed ?? 1,
  }
  const progress = o.progress ?? (() => {})
  if (cfg.nodes < 3) throw new Error('soak: at least 3 nodes (a relay and two chat nodes)')
  if (cfg.senders < 1 || cfg.senders > cfg.nodes - 1) throw new Error('soak: senders must be 1 .. nodes-1')
  const rnd = prng(cfg.seed)
  const base = { roomKey: toHex(randomBytes(32)), topic: toHex(randomBytes(4)), minPow: cfg.pow / 5, verbosity: 1 }

  const posted = new Map<string, Posted>()
  let postFailures = 0
  const inFlight = new Map<number, number>()
  const firstDelivery = new Map<string, number>() // `${node}:${id}` -> time of the first delivery
  let lastDeliveryAt = Date.now()

  const onEvent = (p: SoakProc, e: SoakEvent) => {
    if (e.ev === 'delivered') {
      const life = p.life
      if (!life) return
      lastDeliveryAt = Date.now()
      e.ids.forEach((id, i) => {
        life.counts.set(id, (life.counts.get(id) ?? 0) + 1)
        const k = `${p.index}:${id}`
        if (!firstDelivery.has(k)) firstDelivery.set(k, e.at[i])
      })
    } else if (e.ev === 'posted') {
      inFlight.set(p.index, (inFlight.get(p.index) ?? 1) - 1)
      posted.set(e.id, { sender: p.index, at: e.at, expiryMs: e.expiry * 1000 })
    } else if (e.ev === 'postFailed') {
      inFlight.set(p.index, (inFlight.get(p.index) ?? 1) - 1)
      postFailures++
    }
  }

  // node 0 is the relay, nodes 1..senders post, the rest are plain chat nodes
  const procs: SoakProc[] = []
  for (let i = 0; i < cfg.nodes; i++) {
    const role = i === 0 ? 'relay' : i <= cfg.senders ? 'sender' : 'chat'
    procs.push(new SoakProc(i, role, toHex(generatePrivateKey()), base, onEvent))
  }
  const t0 = Date.now()
  const m0 = machineTimes()
  try {
    progress(`starting ${cfg.nodes} node processes`)
    await Promise.all(procs.map((p) => p.start()))

    // mesh: a ring over the chat nodes (still connected with one node down), random chords, all to the relay
    const chat = procs.slice(1)
    const edges = new Set<string>()
    const link = (a: SoakProc, b: SoakProc) => {
      if (a === b || edges.has(`${a.index}-${b.index}`) || edges.has(`${b.index}-${a.index}`)) return
      edges.add(`${a.index}-${b.index}`)
      a.staticPeers.push(b.enode)
    }
    chat.forEach((p, i) => link(p, chat[(i + 1) % chat.length]))
    for (const p of chat) for (let k = 0; k < cfg.extraLinks; k++) link(p, chat[rnd.int(chat.length)])
    for (const p of chat) link(p, procs[0])
    const degree = new Map<number, number>()
    for (const e of edges) for (const i of e.split('-').map(Number)) degree.set(i, (degree.get(i) ?? 0) + 1)
    for (const p of procs) for (const enode of p.staticPeers) p.send({ cmd: 'addPeer', enode })
    const meshDeadline = Date.now() + 30_000
    for (;;) {
      const s = await Promise.all(procs.map((p) => p.stats()))
      if (s.every((x, i) => x !== null && x.peers >= (degree.get(i) ?? 0))) break
      if (Date.now() > meshDeadline) throw new Error('soak: the mesh did not come up')
      await sleep(100)
    }
    progress(`mesh up: ${edges.size} links; posting ${cfg.messages} messages at ${cfg.rate}/s from ${cfg.senders} senders`)

    // chaos: one node at a time (the relay or a non-sender) dies and comes back
    const killable = procs.filter((p) => p.role !== 'sender')
    let kills = 0
    let posting = true
    const chaos = (async () => {
      if (cfg.killEveryMs <= 0) return
      while (posting) {
        await sleep(cfg.killEveryMs)
        if (!posting) break
        const victim = killable[rnd.int(killable.length)]
        await victim.kill()
        kills++
        await sleep(cfg.downMs[0] + rnd.int(Math.max(1, cfg.downMs[1] - cfg.downMs[0])))
        await victim.start()
      }
    })()
    const sampler = (async () => {
      while (posting) {
        await Promise.all(procs.map((p) => p.stats()))
        await sleep(2000)
      }
    })()

    // posting at a steady rate, round-robin over the senders, a few posts in flight per sender
    const senders = procs.filter((p) => p.role === 'sender')
    let next = 0
    const postStart = Date.now()
    let lastReport = postStart
    while (next < cfg.messages) {
      const due = Math.min(cfg.messages, Math.floor(((Date.now() - postStart) / 1000) * cfg.rate) + 1)
      while (next < due) {
        const s = senders[next % senders.length]
        if ((inFlight.get(s.index) ?? 0) >= 16) break
        inFlight.set(s.index, (inFlight.get(s.index) ?? 0) + 1)
        s.send({ cmd: 'post', id: `m${next}`, payloadBytes: cfg.payloadBytes, ttl: cfg.ttl, pow: cfg.pow })
        next++
      }
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now()
        progress(`posted ${next}/${cfg.messages}, kills so far ${kills}`)
      }
      await sleep(5)
    }
    while ([...inFlight.values()].some((n) => n > 0)) await sleep(20)
    posting = false
    await chaos
    await sampler
    progress(`all posted; waiting for the last deliveries (kills: ${kills})`)

    // settle: until nothing due is missing, or nothing new arrives for a while
    const settleEnd = Date.now() + cfg.settleMs
    const lastPost = Date.now()
    for (;;) {
      await sleep(500)
      const missing = countMissing(procs, posted, cfg.graceMs, Date.now())
      const quiet = Date.now() - lastDeliveryAt > 5000 && Date.now() - lastPost > cfg.graceMs + 1000
      if ((missing === 0 && Date.now() - lastPost > cfg.graceMs) || quiet || Date.now() > settleEnd) break
    }
    await Promise.all(procs.map((p) => p.stats()))
    const end = Date.now()
    const m1 = machineTimes()

    // the verdict
    let dueCount = 0
    let delivered = 0
    let lost = 0
    let notDue = 0
    let twice = 0
    let again = 0
    const lostSamples: string[] = []
    const latencies: number[] = []
    for (const p of procs) {
      if (p.role === 'relay') continue
      for (const life of p.lives) for (const n of life.counts.values()) if (n > 1) twice += n - 1
      for (const [id, m] of posted) {
        if (m.sender === p.index) continue
        const got = p.lives.filter((l) => l.counts.has(id)).length
        if (got > 1) again += got - 1
        const isDue = p.lives.some((l) => overlap(m, l, end) >= cfg.graceMs)
        if (!isDue) {
          notDue++
          continue
        }
        dueCount++
        if (got > 0) {
          delivered++
          const first = firstDelivery.get(`${p.index}:${id}`)
          const life = p.lives.find((l) => l.counts.has(id))
          if (first !== undefined && life && life.readyAt <= m.at) latencies.push(first - m.at)
        } else {
          lost++
          if (lostSamples.length < 20) lostSamples.push(`${id} (from node ${m.sender}) never reached node ${p.index}`)
        }
      }
    }
    const wall = (end - t0) / 1000
    const perNode: SoakNodeReport[] = procs.map((p) => ({
      index: p.index, role: p.role, lives: p.lives.length, cpuSeconds: p.cpuSeconds(), peakPoolBytes: p.peakPoolBytes,
      peakPoolSize: p.peakPoolSize, peakHeapBytes: p.peakHeap, peakRssBytes: p.peakRss,
      peersDropped: p.lives.reduce((a, l) => a + (l.lastStats?.peersDropped ?? 0), 0),
    }))
    return {
      nodes: cfg.nodes, senders: cfg.senders, messagesPosted: posted.size, postFailures, kills, durationSeconds: wall,
      due: dueCount, delivered, lost, deliveredTwice: twice, reReceivedAfterRestart: again, notDue,
      latencyMsP50: percentile(latencies, 50), latencyMsP99: percentile(latencies, 99),
      peakPoolBytes: Math.max(...perNode.map((n) => n.peakPoolBytes)), peakPoolSize: Math.max(...perNode.map((n) => n.peakPoolSize)),
      peakRssBytes: Math.max(...perNode.map((n) => n.peakRssBytes)),
      cpuCoresUsed: perNode.reduce((a, n) => a + n.cpuSeconds, 0) / wall,
      machineBusy: (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total),
      perNode, lostSamples, config: cfg,
    }
  } finally {
    await Promise.all(procs.map((p) => p.stop()))
  }
}

/** How long life `l` was up while message `m` was alive, ms. */
function overlap(m: Posted, l: Life, now: number): number {
  return Math.min(m.expiryMs, l.endedAt ?? now) - Math.max(m.at, l.readyAt)
}

function countMissing(procs: SoakProc[], posted: Map<string, Posted>, graceMs: number, now: number): number {
  let missing = 0
  for (const p of procs) {
    if (p.role === 'relay') continue
    for (const [id, m] of posted) {
      if (m.sender === p.index) continue
      if (p.lives.some((l) => l.counts.has(id))) continue
      if (p.lives.some((l) => overlap(m, l, now) >= graceMs)) missing++
    }
  }
  return missing
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`

export function formatSoak(r: SoakReport): string {
  const c = r.config
  return [
    `soak: ${r.nodes} node processes (1 relay, ${r.senders} senders), ${r.messagesPosted} messages posted at ${c.rate}/s (ttl ${c.ttl} s, ${c.payloadBytes} B, PoW ${c.pow}), ${r.kills} kills (SIGKILL, ${c.downMs[0]}..${c.downMs[1]} ms down), ${r.durationSeconds.toFixed(1)} s`,
    `  deliveries due ${r.due}, delivered ${r.delivered}, LOST ${r.lost}, DELIVERED TWICE ${r.deliveredTwice}` +
      ` (re-received by a restarted node: ${r.reReceivedAfterRestart}; not due, receiver down for the message's life: ${r.notDue}; post failures: ${r.postFailures})`,
    `  delivery latency p50 ${r.latencyMsP50.toFixed(1)} ms, p99 ${r.latencyMsP99.toFixed(1)} ms (receivers up at post time)`,
    `  peak pool ${mb(r.peakPoolBytes)} (${r.peakPoolSize} envelopes), peak RSS per node ${mb(r.peakRssBytes)}`,
    `  CPU: node processes used ${r.cpuCoresUsed.toFixed(2)} cores on average; machine busy ${(r.machineBusy * 100).toFixed(0)}% (other processes included)`,
    ...r.perNode.map((n) => `    node ${String(n.index).padStart(2)} ${n.role.padEnd(6)} lives ${n.lives}  cpu ${n.cpuSeconds.toFixed(1)} s  pool peak ${mb(n.peakPoolBytes)}  rss peak ${mb(n.peakRssBytes)}`),
    ...r.lostSamples.map((s) => `  lost: ${s}`),
  ].join('\n')
}
