// `p2pmessage bench relay`: a black-box load generator against any Whisper node (ours, geth's wnode or
// geth --shh). N sender and M receiver connections, each an RLPx peer with its own node key, talk to
// the target like any other peer. Every envelope of a step is sealed before that step's clock starts
// (preseal.ts, all cores), or taken from a corpus sealed once (relay-corpus.ts), whose senders may run
// in child processes (relay-senders.ts); then the senders hand them to the target at an aggregate rate
// and every receiver records what arrives: delivered, lost, duplicated, latency from the moment our
// sender wrote it to the moment our receiver read it. The target cannot tell us from real peers.
//
// Senders announce (v6, Waku) an all-zero bloom: the target then sends them nothing back, so they cost
// the generator no decoding. Receivers announce "everything". On v5 there is no such announcement and
// the senders read (and ignore) the target's copies too. Over Waku (waku/0, waku/1) the envelopes are
// shh/6's format: everything else is the same measurement (relay-conn.ts opens either kind).
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { randomBytes } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { parseEnode } from '../p2p/enode.js'
import type { Envelope, ShhVersion } from '../whisper/envelope.js'
import { presealTimed } from './preseal.js'
import { percentile } from './stats.js'
import { CorpusError, corpusEnvelopes, envelopeKey } from './relay-corpus.js'
import { loadProtocolName, openLoadConn, type LoadConn, type LoadPeer, type LoadProtocol } from './relay-conn.js'
import { RemoteSenders, type RemoteStepResult } from './relay-senders.js'
import type { ReceiverResult, RelayLoadOptions, RelayLoadReport, StepResult } from './relay-types.js'

export type { DeliveryFigures, ReceiverResult, RelayLoadOptions, RelayLoadReport, StepResult } from './relay-types.js'

/** Latency and loss criteria of the 'max' ramp. */
const MAX_P99_MS = 1000
const LAG_WARN_MS = 50
const TICK_MS = 5
const BUSY_BYTES = 1024 * 1024

interface Conn {
  conn: LoadConn
  peer: LoadPeer
  closed: boolean
}

/**
 * One step's envelopes by index: when each was written (0: not sent) and when each receiver first read
 * it (0: not yet). Send times of sender processes arrive after the envelopes may have: latencies are
 * computed once the step is over.
 */
interface Tracker {
  index: Map<string, number>
  sentAt: Float64Array
  arrivals: Float64Array[]
  counts: number[]
  dups: number[]
}

export async function runRelayLoad(o: RelayLoadOptions): Promise<RelayLoadReport> {
  const nSend = o.senders ?? 4
  const nRecv = o.receivers ?? 4
  if (o.waku !== undefined && o.shh !== undefined) throw new Error('give shh or waku, not both')
  // over Waku the protocol is fixed; over shh, null until the first connection finds it
  let protocol: LoadProtocol | null = o.waku ?? o.shh ?? null
  const durationS = o.durationS ?? (o.rate === 'max' ? 2 : 10)
  const payloadBytes = o.payloadBytes ?? 256
  const say = o.progress ?? (() => {})
  const target = parseEnode(o.enode)
  if (!Number.isInteger(nSend) || nSend < 1 || !Number.isInteger(nRecv) || nRecv < 1) throw new Error('senders and receivers must be positive integers')
  if (o.rate !== 'max' && !(o.rate > 0)) throw new Error(`rate must be a positive number or 'max', got ${o.rate}`)
  if (!(durationS > 0)) throw new Error(`duration must be positive, got ${durationS}`)

  const warnings: string[] = []
  const corpus = o.corpus
  if (corpus) {
    const format = protocol === null ? corpus.header.shh : typeof protocol === 'number' ? protocol : 6
    if (format !== corpus.header.shh) {
      throw new CorpusError(`corpus ${corpus.file} holds shh/${corpus.header.shh} envelopes, not the format-${format} envelopes ${loadProtocolName(protocol ?? format)} carries`)
    }
    protocol ??= corpus.header.shh
    if (o.pow !== undefined && o.pow !== corpus.header.pow) throw new CorpusError(`corpus ${corpus.file} was sealed at PoW ${corpus.header.pow}, not the --pow ${o.pow} asked for`)
  }
  const tracker: Tracker = { index: new Map(), sentAt: new Float64Array(0), arrivals: [], counts: [], dups: [] }
  let current: { step: number; lastArrival: number } = { step: 0, lastArrival: 0 }
  const receivers: Conn[] = []
  const senders: Conn[] = []
  let remote: RemoteSenders | null = null
  const open = async (recv: boolean): Promise<Conn> => {
    const conn = await openLoadConn(o.enode, protocol, recv)
    protocol ??= conn.protocol
    const c: Conn = { conn, peer: conn.peer, closed: false }
    void conn.closed.then(() => (c.closed = true))
    return c
  }
  try {
    say(`connecting ${nRecv} receivers and ${nSend} senders to ${target.host}:${target.port} (${protocol === null ? 'finding its shh version' : loadProtocolName(protocol)})`, false)
    for (let i = 0; i < nRecv; i++) receivers.push(await open(true))
    // with sender processes the sender connections are theirs: none here
    const localSenders = corpus && (o.processes ?? 0) > 0 ? 0 : nSend
    for (let i = 0; i < localSenders; i++) senders.push(await open(false))
    receivers.forEach((r, i) => {
      tracker.arrivals[i] = new Float64Array(0)
      tracker.counts[i] = 0
      tracker.dups[i] = 0
      r.peer.on('envelopes', (envs) => {
        const now = performance.now()
        const arrivals = tracker.arrivals[i]
        for (const env of envs) {
          const idx = tracker.index.get(envelopeKey(env))
          if (idx === undefined) continue // not ours, or from a step already counted
          if (arrivals[idx] > 0) {
            tracker.dups[i]++
            continue
          }
          arrivals[idx] = now
          tracker.counts[i]++
          current.lastArrival = now
        }
      })
    })
    const first = receivers[0]
    const spoken = first.conn.protocol
    // the envelope format: Waku carries shh/6's
    const version: ShhVersion = typeof spoken === 'number' ? spoken : 6
    // shh/5 has no PoW requirement in its status: nothing was announced (null, shown as n/a)
    const announced = first.conn.minPow
    if (corpus && announced !== null && announced > corpus.header.pow) {
      throw new CorpusError(`the target asks for PoW ${announced}, corpus ${corpus.file} was sealed at ${corpus.header.pow}: run the target with --pow ${corpus.header.pow} (wnode: -pow) or seal at ${announced}`)
    }
    if (corpus && announced !== null && announced < corpus.header.pow) {
      warnings.push(`the target asks for PoW ${announced}, less than the corpus's ${corpus.header.pow} (every envelope passes; start it with --pow ${corpus.header.pow} to match)`)
    }
    const pow = corpus ? corpus.header.pow : Math.max(o.pow ?? 0.2, announced ?? 0)
    if (!corpus && announced !== null && o.pow !== undefined && o.pow < announced) warnings.push(`the target asks for PoW ${announced}: sealing at that, not ${o.pow}`)
    const drainS = o.drainS ?? 3
    let ttl = corpus ? corpus.header.ttl : Math.ceil(durationS + drainS + 60)
    const report: RelayLoadReport = {
      target: { enode: o.enode, clientId: first.peer.clientId, shh: version, protocol: loadProtocolName(spoken), minPow: announced },
      senders: nSend, receivers: nRecv, payloadBytes: corpus ? corpus.header.payloadBytes : payloadBytes, pow, ttl, durationS, steps: [], warnings,
    }
    if (corpus && (o.processes ?? 0) > 0) {
      say(`starting ${o.processes} sender processes with ${nSend} connections`, false)
      remote = await RemoteSenders.start({ processes: o.processes!, connections: nSend, enode: o.enode, protocol: spoken, corpus })
      report.corpus = { file: corpus.file, processes: remote.processes }
    } else if (corpus) report.corpus = { file: corpus.file, processes: 0 }
    let cursor = 0 // next unused corpus envelope

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
      if (corpus) {
        if (cursor + count > corpus.header.count) {
          throw new SealingTooSlow(`the corpus has ${corpus.header.count - cursor} unused envelopes left, ${count} needed for ${rate}/s over ${durationS} s: seal a bigger one`)
        }
        const from = cursor
        cursor += count
        const keys = corpus.keys.slice(from, from + count)
        if (remote) {
          const r = remote
          return sendStep(rate, keys, (onSent) => r.step(rate, from, count, (index, n, at) => onSent(index - from, n, at)))
        }
        return sendStep(rate, keys, corpusEnvelopes(corpus, from, count))
      }
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
      return sendStep(rate, envs.map(envelopeKey), envs)
    }
    type RemoteSend = (onSent: (index: number, n: number, at: number) => void) => Promise<RemoteStepResult>
    // envelopes to send from here, or the sender processes' step
    const sendStep = async (rate: number, keys: string[], envs: Envelope[] | RemoteSend): Promise<StepResult> => {
      current = { step: current.step + 1, lastArrival: performance.now() }
      tracker.index = new Map(keys.map((k, i) => [k, i]))
      tracker.sentAt = new Float64Array(keys.length)
      for (let i = 0; i < nRecv; i++) {
        tracker.arrivals[i] = new Float64Array(keys.length)
        tracker.counts[i] = 0
        tracker.dups[i] = 0
      }
      const disconnectedBefore = [...receivers, ...senders].filter((c) => c.closed).length
      const lag = monitorEventLoopDelay({ resolution: 5 })
      lag.enable()
      let t0 = performance.now()
      let sent = 0
      let remoteResult: RemoteStepResult | null = null
      if (typeof envs === 'function') {
        remoteResult = await envs((index, n, at) => {
          if (sent === 0) t0 = at
          for (let b = 0; b < n; b++) tracker.sentAt[index + b] = at
          sent += n
        })
        sent = remoteResult.sent
      } else await new Promise<void>((resolve) => {
        let next = 0 // index of the next envelope to send
        let rr = 0
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
              if (s.peer.sendEnvelopes(batch)) {
                sent += take
                for (let b = 0; b < take; b++) tracker.sentAt[next + b] = at
              }
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
          const complete = tracker.counts.every((n) => n >= sent)
          if (complete || performance.now() - current.lastArrival > drainMs) return resolve()
          setTimeout(check, 20)
        }
        check()
      })
      lag.disable()
      const latencies: number[][] = receivers.map((_, i) => {
        const lat: number[] = []
        const arrivals = tracker.arrivals[i]
        for (let j = 0; j < keys.length; j++) if (arrivals[j] > 0 && tracker.sentAt[j] > 0) lat.push(arrivals[j] - tracker.sentAt[j])
        return lat
      })
      const per: ReceiverResult[] = receivers.map((r, i) => {
        const lat = latencies[i]
        return {
          delivered: lat.length,
          lost: sent - lat.length,
          duplicates: tracker.dups[i],
          latencyMsP50: round(percentile(lat, 50)),
          latencyMsP99: round(percentile(lat, 99)),
          latencyMsMax: round(lat.reduce((a, b) => Math.max(a, b), 0)),
          disconnected: r.closed,
        }
      })
      const all = latencies.flat().sort((a, b) => a - b)
      const delivered = per.reduce((a, r) => a + r.delivered, 0)
      // the sender processes' loops count as the generator's too
      const lagP99 = round(Math.max(lag.percentile(99) / 1e6, remoteResult?.lagMsP99 ?? 0))
      const lagMax = round(Math.max(lag.max / 1e6, remoteResult?.lagMsMax ?? 0))
      // the schedule spreads `count` envelopes over count/rate seconds: finishing on time is the rate reached
      const planned = keys.length / rate
      const onTime = remoteResult ? remoteResult.onTime : sendS <= planned * 1.05 + 0.05
      const sentPerSec = round(sent / Math.max(sendS, planned))
      const disconnects = [...receivers, ...senders].filter((c) => c.closed).length - disconnectedBefore + (remoteResult?.closed ?? 0)
      // behind schedule with an idle target socket, or a stalled loop: the generator was the limit
      const socketsBusy = remoteResult ? remoteResult.socketsBusy : senders.some((s) => !s.closed && s.peer.bufferedBytes >= BUSY_BYTES)
      const generatorLimited = lagP99 > LAG_WARN_MS || (!onTime && !socketsBusy)
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
      step.sustained = step.lost === 0 && step.latencyMsP99 < MAX_P99_MS && onTime && sent === keys.length && disconnects === 0
      if (!step.sustained) step.failedBy = failureOf(step, onTime, sent === keys.length)
      if (corpus && sent > 0 && delivered === 0) {
        warnings.push(`nothing of the corpus arrived at ${rate}/s: a target that already saw these envelopes (an earlier replay) does not forward them again; restart it or seal a new corpus`)
      }
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
          const what = corpus ? 'the corpus' : 'the sealing on this machine'
          warnings.push(`ramp stopped before ${rate}/s: ${err.message}; the ceiling of this run is ${what}, not the target`)
          report.stoppedAt = { rate, reason: `the generator: ${what} ran out` }
          break
        }
        report.steps.push(s)
        if (s.sustained) best = rate
        else {
          failed = rate
          report.stoppedAt = { rate, reason: s.failedBy ?? '' }
        }
        if (receivers.some((r) => r.closed) || (senders.length > 0 && senders.every((c) => c.closed))) break
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
          else report.stoppedAt = { rate: mid, reason: s.failedBy ?? '' }
        } catch (err) {
          if (!(err instanceof SealingTooSlow)) throw err
          warnings.push(`no step at ${mid}/s: ${err.message}`)
        }
      }
      report.maxSustainedPerSec = best
    }
    return report
  } finally {
    remote?.stop()
    for (const c of [...senders, ...receivers]) c.conn.close()
    await Promise.all([...senders, ...receivers].map((c) => Promise.race([c.conn.closed, new Promise((r) => setTimeout(r, 1000))])))
  }
}

/** A step whose envelopes cannot all be sealed within their TTL on this machine now (or the corpus has too few left). */
class SealingTooSlow extends Error {}

/** Why a step was not sustained, first the target's limits, then the generator's. */
function failureOf(s: StepResult, onTime: boolean, allSent: boolean): string {
  // the receivers read in the generator's loop: when it lagged, late or missing envelopes may be its fault
  const lagged = s.generatorLimited ? ` (the generator lagged too, loop p99 ${s.loopLagMsP99} ms: it may share the blame)` : ''
  if (s.disconnects > 0) return `the target: its peers dropped (${s.disconnects} disconnects)${lagged}`
  if (s.lost > 0) return `the target: loss (${s.lost} of ${s.expected} not delivered)${lagged}`
  if (!(s.latencyMsP99 < MAX_P99_MS)) return `the target: p99 ${s.latencyMsP99} ms, over 1 s${lagged}`
  if (!onTime || !allSent) {
    return s.generatorLimited
      ? `the generator: it fell behind (sent ${s.sentPerSec}/s of ${s.targetPerSec}/s, event loop p99 ${s.loopLagMsP99} ms)`
      : `the target: it did not take the rate, its sockets backed up (sent ${s.sentPerSec}/s of ${s.targetPerSec}/s)`
  }
  return 'unknown'
}

function round(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 10) / 10 : x
}

function sample(sorted: number[], max: number): number[] {
  if (sorted.length <= max) return sorted.map(round)
  const out: number[] = []
  for (let i = 0; i < max; i++) out.push(round(sorted[Math.floor((i * (sorted.length - 1)) / (max - 1))]))
  return out
}
