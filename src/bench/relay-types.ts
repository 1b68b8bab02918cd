// The relay load generator's options and results (relay-load.ts runs it, relay-report.ts prints it).
import type { ShhVersion } from '../whisper/envelope.js'
import type { Corpus } from './relay-corpus.js'

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
  /** run over Waku instead (shh/6's envelope format); not with shh */
  waku?: 'waku/0' | 'waku/1'
  /** PoW to seal at; raised to the target's announced minimum (v6). Default 0.2 (geth's default minimum). */
  pow?: number
  /** seconds to wait for the last envelopes after sending stopped (longer when they keep coming) */
  drainS?: number
  threads?: number
  progress?: (line: string, final: boolean) => void
  /** first rate of the 'max' ramp (doubling from there) */
  rampStart?: number
  /** replay this pre-sealed corpus (relay-corpus.ts) instead of sealing each step */
  corpus?: Corpus
  /** with a corpus: sender processes holding the sender connections (0: senders in this process) */
  processes?: number
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
  /** when not sustained: which criterion failed, and whether the target or the generator failed it */
  failedBy?: string
  receivers: ReceiverResult[]
  /** a sorted sample of latencies (ms, at most 2000) for plots */
  latencySample: number[]
}

export interface RelayLoadReport {
  /**
   * shh: the envelope format (6 over Waku); protocol: the capability the run spoke (shh/6, waku/1, ...);
   * minPow: the target's announced requirement (shh/6, Waku); null on shh/5, whose status has none
   */
  target: { enode: string; clientId: string; shh: ShhVersion; protocol: string; minPow: number | null }
  senders: number
  receivers: number
  payloadBytes: number
  pow: number
  ttl: number
  durationS: number
  steps: StepResult[]
  /** with rate 'max': the highest rate sustained (0 when even the first step failed) */
  maxSustainedPerSec?: number
  /** with rate 'max': the rate of the step that ended the ramp and why (the target's, or the generator's limit) */
  stoppedAt?: { rate: number; reason: string }
  /** with a corpus: its file and the sender processes */
  corpus?: { file: string; processes: number }
  warnings: string[]
}
