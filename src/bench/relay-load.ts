// `p2pmessage bench relay`: a black-box load generator against any Whisper node (ours, geth's wnode or
// geth --shh). N sender and M receiver connections, each an RLPx peer with its own node key, talk to
// the target like any other peer. Every envelope of a step is sealed before that step's clock starts
// (preseal.ts, all cores); then the senders hand them to the target at an aggregate rate and every
// receiver records what arrives: delivered, lost, duplicated, latency from the moment our sender wrote
// it to the moment our receiver read it. The target cannot tell us from real peers.
//
// Senders announce (v6) an all-zero bloom: the target then sends them nothing back, so they cost the
// generator no decoding. Receivers announce "everything". On v5 there is no such announcement and the
// senders read (and ignore) the target's copies too.
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { randomBytes } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { ProbeConnection } from '../p2p/probe-connection.js'
import { parseEnode } from '../p2p/enode.js'
import { generateNodeKey } from '../p2p/nodekey.js'
import type { ShhPeer } from '../p2p/shh-peer.js'
import type { Envelope, ShhVersion } from '../whisper/envelope.js'
import { toHex } from '../whisper/bytes.js'
import { presealTimed } from './preseal.js'
import { percentile } from './stats.js'

export interface RelayLoadOptions {
  enode: string
  senders?: number
  receivers?: number
  /** envelopes per second, all senders together, or 'max': ramp up until loss or p99 >= 1 s */
  rate: number | 'max'
  /** seconds of sending (per step with 'max') */
  durationS?: number
  payloadBytes?: number
  /** default: the highest version the target offers (learnt from the first connection, as probe does) */
  shh?: ShhVersion
  /** PoW to seal at; raised to the target's announced minimum (v6). Default 0.2 (geth's default minimum). */
  pow?: number
  /** seconds to wait for the last envelopes after sending stopped (longer when they keep coming) */
  drainS?: number
  threads?: number
  progress?: (line: string, final: boolean) => void
  /** first rate of the 'max' ramp (doubling from there) */
  rampStart?: number
}

/** What arrived, for one receiver or (summed, latencies over all) for a whole step. */
export interface DeliveryFigures {
  delivered: number
  lost: number
  duplicates: number
  latencyMsP50: number
  latencyMsP99: number
  latencyMsMax: number
}

export interface ReceiverResult extends DeliveryFigures {
  disconnected: boolean
}

/** delivered counts deliveries over all receivers (each receiver counts each envelope once) */
export interface StepResult extends DeliveryFigures {
  /** the rate asked for */
  targetPerSec: number
  sent: number
  /** what the senders achieved (sent / sending time) */
  sentPerSec: number
  /** sent x receivers: what should have arrived */
  expected: number
  /** envelopes per second that reached one receiver (mean over receivers) */
  deliveredPerSec: number
  disconnects: number
  /** the generator's own event loop: delay p99 / max (ms) during the step */
  loopLagMsP99: number
  loopLagMsMax: number
  /** true when the generator (not the target) may have limited the figures */
  generatorLimited: boolean
  /** passes the 'max' criteria: nothing lost, p99 < 1 s, rate reached, no disconnect */
  sustained: boolean
  receivers: ReceiverResult[]
  /** a sorted sample of latencies (ms, at most 2000) for plots */
  latencySample: number[]
}

export interface RelayLoadReport {
  /** minPow: the target's announced requirement (shh/6); null on shh/5, whose status has none */
  target: { enode: string; clientId: string; shh: ShhVersion; minPow: number | null }
  senders: number
  receivers: number
  payloadBytes: number
  pow: number
  ttl: number
  durationS: number
  steps: StepResult[]
  /** with rate 'max': the highest rate sustained (0 when even the first step failed) */
  maxSustainedPerSec?: number
  warnings: string[]
}

/** Latency and loss criteria of the 'max' ramp. */
const MAX_P99_MS = 1000
const LAG_WARN_MS = 50
const TICK_MS = 5
const BUSY_BYTES = 1024 * 1024

interface Conn {
  conn: ProbeConnection
  peer: ShhPeer
  closed: boolean
}

interface Tracker {
  sentAt: Map<string, number>
  seen: Set<string>[]
  latencies: number[][]
  dups: number[]
}

/** What identifies one of our envelopes cheaply: its last 16 data bytes (AES-GCM tag/nonce: random). */
function envelopeKey(env: Envelope): string {
  const d = env.data
  return toHex(d.subarray(Math.max(0, d.length - 16)))
}

export async function runRelayLoad(o: RelayLoadOptions): Promise<RelayLoadReport> {
  const nSend = o.senders ?? 4
  const nRecv = o.receivers ?? 4
  let shh: ShhVersion | null = o.shh ?? null
  const durationS = o.durationS ?? (o.rate === 'max' ? 2 : 10)
  const payloadBytes = o.payloadBytes ?? 256
  const say = o.progress ?? (() => {})
  const target = parseEnode(o.enode)
  if (!Number.isInteger(nSend) || nSend < 1 || !Number.isInteger(nRecv) || nRecv < 1) throw new Error('senders and receivers must be positive integers')
  if (o.rate !== 'max' && !(o.rate > 0)) throw new Error(`rate must be a positive number or 'max', got ${o.rate}`)
  if (!(durationS > 0)) throw new Error(`duration must be positive, got ${durationS}`)

  const warnings: string[] = []
  const tracker: Tracker = { sentAt: new Map(), seen: [], latencies: [], dups: [] }
  let current: { step: number; lastArrival: number } = { step: 0, lastArrival: 0 }
  const receivers: Conn[] = []
  const senders: Conn[] = []
  const open = async (recv: boolean): Promise<Conn> => {
    const conn = await ProbeConnection.open({
      target,
      privateKey: generateNodeKey(),
      // no version given: offer both, the session settles on the highest the target shares
      shhVersions: shh === null ? [6, 5] : [shh],
      // senders ask for nothing (an empty v6 bloom), receivers for everything
      ourStatus: { minPow: 0, bloom: recv ? null : new Uint8Array(64), lightNode: false },
    })
    let peer: ShhPeer
    try {
      peer = await conn.shh
    } catch (err) {
      conn.close()
      const offered = await conn.hello.then((h) => h.capabilities.map((c) => `${c.name}/${c.version}`).join(', ') || 'nothing', () => null)
      const hint = offered === null ? '' : ` (the target offers ${offered}${shh === null ? '' : `; --shh ${shh === 6 ? 5 : 6} or no --shh to find the version`})`
      throw new Error(`${o.enode.slice(0, 24)}…: no shh${shh === null ? '' : `/${shh}`} session: ${(err as Error).message}${hint}`)
    }
    shh ??= peer.shh
    const c: Conn = { conn, peer, closed: false }
    void conn.closed.then(() => (c.closed = true))
    return c
  }
  try {
    say(`connecting ${nRecv} receivers and ${nSend} senders to ${target.host}:${target.port} (${shh === null ? 'finding its shh version' : `shh/${shh}`})`, false)
    for (let i = 0; i < nRecv; i++) receivers.push(await open(true))
    for (let i = 0; i < nSend; i++) senders.push(await open(false))
    receivers.forEach((r, i) => {
      tracker.seen[i] = new Set()
      tracker.latencies[i] = []
      tracker.dups[i] = 0
      r.peer.on('envelopes', (envs) => {
        const now = performance.now()
        for (const env of envs) {
          const k = envelopeKey(env)
          const at = tracker.sentAt.get(k)
          if (at === undefined) continue // not ours, or from a step already counted
          const seen = tracker.seen[i]
          if (seen.has(k)) {
            tracker.dups[i]++
            continue
          }
          seen.add(k)
          tracker.latencies[i].push(now - at)
          current.lastArrival = now
        }
      })
    })
    const first = receivers[0].peer
    const version = first.shh
    // shh/5 has no PoW requirement in its status: nothing was announced (null, shown as n/a)
    const announced = version === 5 ? null : first.minPow
    const pow = Math.max(o.pow ?? 0.2, announced ?? 0)
    if (announced !== null && o.pow !== undefined && o.pow < announced) warnings.push(`the target asks for PoW ${announced}: sealing at that, not ${o.pow}`)
    const drainS = o.drainS ?? 3
    let ttl = Math.ceil(durationS + drainS + 60)
    const report: RelayLoadReport = {
      target: { enode: o.enode, clientId: first.clientId, shh: version, minPow: announced },
      senders: nSend, receivers: nRecv, payloadBytes, pow, ttl, durationS, steps: [], warnings,
    }
    const topic = randomBytes(4)
    const symKey = randomBytes(32)
    // Sealing time per envelope on this machine now, per second of TTL (the PoW work grows with the TTL):
    // the TTL must outlast the sealing of the whole step plus its sending, or envelopes expire on the way.
    // Sealing N envelopes at TTL T takes about c*N*T, so T >= (duration + drain + margin) / (1 - c*N).
    let secondsPerEnvelopeTtl = 0
    const calibrate = async () => {
      const n = 8 * Math.max(1, o.threads ?? availableParallelism())
      const { sealMs } = await presealTimed({ shh: version, count: n, payloadBytes, topic, symKey, pow, ttl, now: Math.floor(Date.now() / 1000), threads: o.threads })
      secondsPerEnvelopeTtl = sealMs / 1000 / n / ttl
    }
    const ttlFor = (count: number): number => {
      const k = 1.3 * count * secondsPerEnvelopeTtl
      const maxCount = Math.floor(0.8 / (1.3 * secondsPerEnvelopeTtl))
      if (k >= 0.8) {
        throw new SealingTooSlow(`sealing ${count} envelopes at PoW ${pow} would take longer than their TTL on this machine now (about ${maxCount} fit): lower --rate or --duration`)
      }
      return Math.ceil((durationS + drainS + 20) / (1 - k))
    }
    const runStep = async (rate: number): Promise<StepResult> => {
      const count = Math.max(1, Math.round(rate * durationS))
      if (secondsPerEnvelopeTtl === 0) await calibrate()
      ttl = ttlFor(count)
      report.ttl = ttl
      const started = performance.now()
      const { envs, sealMs } = await presealTimed({
        shh: version, count, payloadBytes, topic, symKey, pow, ttl, now: Math.floor(Date.now() / 1000), threads: o.threads,
        progress: (done, total) => say(`sealing ${done}/${total} envelopes for ${rate}/s (PoW ${pow}, TTL ${ttl} s, ${payloadBytes}-byte payloads)`, done === total),
      })
      const sealS = (performance.now() - started) / 1000
      if (count >= 64) secondsPerEnvelopeTtl = sealMs / 1000 / count / ttl
      if (sealS > ttl - durationS - drainS - 10) warnings.push(`sealing took ${sealS.toFixed(0)} s of the ${ttl} s TTL: envelopes of ${rate}/s may have expired on the way`)
      return sendStep(rate, envs)
    }
    const sendStep = async (rate: number, envs: Envelope[]): Promise<StepResult> => {
      current = { step: current.step + 1, lastArrival: performance.now() }
      tracker.sentAt.clear()
      for (let i = 0; i < nRecv; i++) {
        tracker.seen[i].clear()
        tracker.latencies[i] = []
        tracker.dups[i] = 0
      }
      const keys = envs.map(envelopeKey)
      const disconnectedBefore = [...receivers, ...senders].filter((c) => c.closed).length
      const lag = monitorEventLoopDelay({ resolution: 5 })
      lag.enable()
      const t0 = performance.now()
      let sent = 0
      let next = 0 // index of the next envelope to send
      let rr = 0
      await new Promise<void>((resolve) => {
        const tick = () => {
          const now = performance.now()
          const due = Math.min(envs.length, Math.floor((rate * (now - t0)) / 1000) + 1)
          let n = due - next
          // spread what is due over the senders, one packet each (v6 lists)
          const live = senders.filter((s) => !s.closed && s.peer.bufferedBytes < BUSY_BYTES)
          if (n > 0 && live.length > 0) {
            const per = Math.ceil(n / live.length)
            for (let j = 0; j < live.length && n > 0; j++) {
              const s = live[(rr + j) % live.length]
              const take = Math.min(per, n)
              const batch = envs.slice(next, next + take)
              const at = performance.now()
              for (let b = 0; b < take; b++) tracker.sentAt.set(keys[next + b], at)
              if (s.peer.sendEnvelopes(batch)) sent += take
              else for (let b = 0; b < take; b++) tracker.sentAt.delete(keys[next + b])
              next += take
              n -= take
            }
            rr++
          }
          if (next >= envs.length || senders.every((s) => s.closed)) return resolve()
          setTimeout(tick, TICK_MS)
        }
        tick()
      })
      const sendS = Math.max((performance.now() - t0) / 1000, 1 / rate)
      // drain: until everyone has everything, or nothing new for drainS
      const drainMs = drainS * 1000
      await new Promise<void>((resolve) => {
        const check = () => {
          const complete = tracker.seen.every((s) => s.size >= sent)
          if (complete || performance.now() - current.lastArrival > drainMs) return resolve()
          setTimeout(check, 20)
        }
        check()
      })
      lag.disable()
      const per: ReceiverResult[] = receivers.map((r, i) => {
        const lat = tracker.latencies[i]
        return {
          delivered: tracker.seen[i].size,
          lost: sent - tracker.seen[i].size,
          duplicates: tracker.dups[i],
          latencyMsP50: round(percentile(lat, 50)),
          latencyMsP99: round(percentile(lat, 99)),
          latencyMsMax: round(lat.reduce((a, b) => Math.max(a, b), 0)),
          disconnected: r.closed,
        }
      })
      const all = tracker.latencies.flat().sort((a, b) => a - b)
      const delivered = per.reduce((a, r) => a + r.delivered, 0)
      const lagP99 = round(lag.percentile(99) / 1e6)
      const lagMax = round(lag.max / 1e6)
      // the schedule spreads `count` envelopes over count/rate seconds: finishing on time is the rate reached
      const planned = envs.length / rate
      const onTime = sendS <= planned * 1.05 + 0.05
      const sentPerSec = round(sent / Math.max(sendS, planned))
      const disconnects = [...receivers, ...senders].filter((c) => c.closed).length - disconnectedBefore
      // behind schedule with an idle target socket, or a stalled loop: the generator was the limit
      const generatorLimited = lagP99 > LAG_WARN_MS || (!onTime && senders.every((s) => s.closed || s.peer.bufferedBytes < BUSY_BYTES))
      const step: StepResult = {
        targetPerSec: rate,
        sent,
        sentPerSec,
        expected: sent * nRecv,
        delivered,
        lost: sent * nRecv - delivered,
        duplicates: per.reduce((a, r) => a + r.duplicates, 0),
        deliveredPerSec: round(delivered / nRecv / sendS),
        latencyMsP50: round(percentile(all, 50)),
        latencyMsP99: round(percentile(all, 99)),
        latencyMsMax: round(all.length ? all[all.length - 1] : NaN),
        disconnects,
        loopLagMsP99: lagP99,
        loopLagMsMax: lagMax,
        generatorLimited,
        sustained: false,
        receivers: per,
        latencySample: sample(all, 2000),
      }
      step.sustained = step.lost === 0 && step.latencyMsP99 < MAX_P99_MS && onTime && sent === envs.length && disconnects === 0
      if (generatorLimited) {
        warnings.push(`at ${rate}/s the generator itself lagged (event loop p99 ${lagP99} ms, max ${lagMax} ms; sent ${sentPerSec}/s): figures at this rate are bound by the generator`)
      }
      say(`${rate}/s: sent ${sent} (${sentPerSec}/s), delivered ${delivered}/${sent * nRecv}, p99 ${step.latencyMsP99} ms`, true)
      return step
    }

    if (o.rate !== 'max') {
      report.steps.push(await runStep(o.rate))
    } else {
      let rate = o.rampStart ?? 100
      let best = 0
      let failed: number | null = null
      while (failed === null && rate <= 1_000_000) {
        let s: StepResult
        try {
          s = await runStep(rate)
        } catch (err) {
          if (!(err instanceof SealingTooSlow)) throw err
          warnings.push(`ramp stopped before ${rate}/s: ${err.message}; the ceiling of this run is the sealing on this machine, not the target`)
          break
        }
        report.steps.push(s)
        if (s.sustained) best = rate
        else failed = rate
        if (receivers.some((r) => r.closed) || senders.every((c) => c.closed)) break
        // a failed step while the generator itself lagged: the generator may be what failed
        if (!s.sustained && s.generatorLimited) {
          warnings.push(`the ramp stopped at ${rate}/s while the generator lagged: the ceiling found may be the generator's`)
          break
        }
        rate *= 2
      }
      // one step between the last good and the first bad rate
      if (failed !== null && best > 0 && failed > best * 1.2 && !receivers.some((r) => r.closed)) {
        const mid = Math.round((best + failed) / 2)
        try {
          const s = await runStep(mid)
          report.steps.push(s)
          if (s.sustained) best = mid
        } catch (err) {
          if (!(err instanceof SealingTooSlow)) throw err
          warnings.push(`no step at ${mid}/s: ${err.message}`)
        }
      }
      report.maxSustainedPerSec = best
    }
    return report
  } finally {
    for (const c of [...senders, ...receivers]) c.conn.close()
    await Promise.all([...senders, ...receivers].map((c) => Promise.race([c.conn.closed, new Promise((r) => setTimeout(r, 1000))])))
  }
}

/** A step whose envelopes cannot all be sealed within their TTL on this machine now. */
class SealingTooSlow extends Error {}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 10) / 10 : x
}

function sample(sorted: number[], max: number): number[] {
  if (sorted.length <= max) return sorted.map(round)
  const out: number[] = []
  for (let i = 0; i < max; i++) out.push(round(sorted[Math.floor((i * (sorted.length - 1)) / (max - 1))]))
  return out
}
