// The PoW a gateway seals a crossing at. Taking the highest requirement of any peer of the target
// version let one unauthenticated peer decide for the whole room: a PoW requirement above the cap made
// every crossing fail, and one at 30 tripled the sealing time for everyone. So the level follows what
// most peers ask (the lower median) and the node's own minimum; a peer asking more than the cap, or
// more than OUTLIER_FACTOR times that level, is left out (the forwarder does not send it envelopes
// below its requirement, as geth's and our own senders skip such a peer), and the gateway says so.
import type { ShhVersion } from '../whisper/envelope.js'
import { DEFAULT_MIN_POW } from './validate.js'

/** A peer asking more than this many times what most peers ask is an outlier (PoW cost is linear in it). */
export const OUTLIER_FACTOR = 4

export interface PowAsk {
  readonly id: string
  readonly shh: ShhVersion
  readonly minPow: number
}

export interface CrossingPow {
  /** the PoW to seal at */
  pow: number
  /** peers of the target version asking more than `pow`: they will not get the crossing */
  skipped: { id: string; minPow: number; why: 'cap' | 'outlier' }[]
}

/**
 * `own`: the node's own minimum (its pool refuses less). `cap`: the most PoW a crossing is ever sealed
 * at for a peer's sake.
 */
export function crossingPow(target: ShhVersion, own: number, cap: number, peers: Iterable<PowAsk>): CrossingPow {
  // v5 peers announce nothing: geth 1.6/1.7's default minimum is what they expect at least
  const base = Math.max(own, target === 5 ? DEFAULT_MIN_POW : 0)
  const asks: PowAsk[] = []
  for (const p of peers) if (p.shh === target) asks.push(p)
  if (asks.length === 0) return { pow: base, skipped: [] }
  const sorted = asks.map((p) => p.minPow).sort((a, b) => a - b)
  const median = sorted[Math.ceil(sorted.length / 2) - 1]
  // most peers asking more than the cap: seal for the ones that ask the least
  const typical = Math.max(base, median <= cap ? median : base)
  const limit = Math.min(cap, typical * OUTLIER_FACTOR)
  let pow = base
  for (const a of sorted) if (a <= limit && a > pow) pow = a
  const skipped: CrossingPow['skipped'] = []
  for (const p of asks) if (p.minPow > pow) skipped.push({ id: p.id, minPow: p.minPow, why: p.minPow > cap ? 'cap' : 'outlier' })
  return { pow, skipped }
}
