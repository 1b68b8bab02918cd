// Waku rate limits (status-go v0.78.0 waku/common/rate_limiter.go) as values: the [ip, peerId, topic]
// triple peers announce in their status (key 4 packets/s, key 6 bytes/s; 0 = no limit), status-go's
// default limiter configuration, and the limiter's decision, with time passed in (no timers here).
//
// status-go's limiter keeps one token bucket per IP and one per peer id, for packets and for bytes
// (github.com/tsenart/tb: capacity = the per-second rate, refilled every 100 ms by round(rate / 10)).
// A packet that finds a bucket short is "over"; status-go still processes it and counts the event in a
// DropPeerRateLimiterHandler, which refuses (the peer is dropped) once the count reaches the tolerance
// (a tolerance of 0 never drops). Deliberate difference: status-go's handler counts for all peers together
// and never forgets; ours counts per IP and per peer. Topic limits are exchanged but status-go never
// enforces them (throttleIP and throttlePeer only); announced limits are stored and never read.
import { WhisperError } from '../whisper/errors.js'
import type { RlpInput, RlpItem } from '../whisper/rlp.js'
import { goStruct, goUint64Number } from './go-rlp.js'

export interface RateLimits {
  /** per second from one IP */
  ip: number
  /** per second from one peer id */
  peerId: number
  /** per second on one topic */
  topic: number
}

export const NO_RATE_LIMITS: Readonly<RateLimits> = Object.freeze({ ip: 0, peerId: 0, topic: 0 })

export function encodeRateLimits(r: RateLimits): RlpInput {
  for (const v of [r.ip, r.peerId, r.topic]) {
    if (!Number.isSafeInteger(v) || v < 0) throw new WhisperError('params', `a rate limit must be a whole number >= 0, got ${v}`)
  }
  return [r.ip, r.peerId, r.topic]
}

/**
 * As Go decodes the RateLimits struct: a list of exactly three uint64. A value beyond 2^53 - 1 (no
 * practical limit) is read as Number.MAX_SAFE_INTEGER. Throws WhisperError 'packet'.
 */
export function decodeRateLimits(v: RlpItem, what: string): RateLimits {
  const [ip, peerId, topic] = goStruct(v, 3, `${what} [ip, peerId, topic]`).map((x) => goUint64Number(x, what))
  return { ip, peerId, topic }
}

/** status-go's PeerRateLimiterConfig, with the drop handler's tolerance. */
export interface RateLimiterConfig {
  packetsPerSecIp: number
  packetsPerSecPeer: number
  bytesPerSecIp: number
  bytesPerSecPeer: number
  /** over-limit events from one IP or one peer before it is dropped; 0 = never drop */
  tolerance: number
}

/** defaultPeerRateLimiterConfig (used when the node is given none); statusd's config sets the tolerance. */
export const STATUS_GO_DEFAULT_RATE_LIMITS: Readonly<RateLimiterConfig> = Object.freeze({
  packetsPerSecIp: 10,
  packetsPerSecPeer: 5,
  bytesPerSecIp: 1048576,
  bytesPerSecPeer: 1048576,
  tolerance: 0,
})

/** tb.Throttler's refill period in status-go */
export const THROTTLE_TICK_MS = 100

/** What we announce for a limiter configuration (Waku.PacketRateLimits / BytesRateLimits: topic always 0). */
export function announcedLimits(c: RateLimiterConfig): { packets: RateLimits; bytes: RateLimits } {
  return {
    packets: { ip: c.packetsPerSecIp, peerId: c.packetsPerSecPeer, topic: 0 },
    bytes: { ip: c.bytesPerSecIp, peerId: c.bytesPerSecPeer, topic: 0 },
  }
}

/** One tb bucket: starts full at `rate` tokens, gains round(rate / 10) per whole 100 ms tick, never above `rate`. */
export class TokenBucket {
  private tokens: number
  private readonly inc: number
  private tick: number

  constructor(readonly rate: number, nowMs: number) {
    this.tokens = rate
    this.inc = Math.floor(0.5 + rate * (THROTTLE_TICK_MS / 1000))
    this.tick = Math.floor(nowMs / THROTTLE_TICK_MS)
  }

  /** Whether n tokens are there now (nothing taken). */
  peek(n: number, nowMs: number): boolean {
    this.refill(nowMs)
    return n <= this.tokens
  }

  /** Takes n tokens if all are there (tb's Halt: a short bucket keeps what it had); false when short. */
  take(n: number, nowMs: number): boolean {
    this.refill(nowMs)
    if (n > this.tokens) return false
    this.tokens -= n
    return true
  }

  private refill(nowMs: number): void {
    const tick = Math.floor(nowMs / THROTTLE_TICK_MS)
    if (tick > this.tick) {
      this.tokens = Math.min(this.rate, this.tokens + (tick - this.tick) * this.inc)
      this.tick = tick
    }
  }
}

export type RateDecision = 'ok' | 'over' | 'drop'

/**
 * The receive-side limiter of one node: admit() per incoming packet. 'over': a bucket was short (status-go
 * still handles the packet); 'drop': that IP or peer reached the tolerance. Keys are the caller's strings
 * (status-go: the IP's text, the node id). forget(key) when nothing of it is connected any more.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>()
  private readonly exceeded = new Map<string, number>()

  constructor(readonly config: RateLimiterConfig) {}

  admit(ip: string, peerId: string, size: number, nowMs: number): RateDecision {
    const c = this.config
    // both buckets are charged even when the first is short, as throttleIP/throttlePeer do
    const ipOver = [this.halt(`p:ip:${ip}`, 1, c.packetsPerSecIp, nowMs), this.halt(`b:ip:${ip}`, size, c.bytesPerSecIp, nowMs)].includes(true)
    const peerOver = [this.halt(`p:id:${peerId}`, 1, c.packetsPerSecPeer, nowMs), this.halt(`b:id:${peerId}`, size, c.bytesPerSecPeer, nowMs)].includes(true)
    let decision: RateDecision = ipOver || peerOver ? 'over' : 'ok'
    if (ipOver && this.count(`ip:${ip}`)) decision = 'drop'
    if (peerOver && this.count(`id:${peerId}`)) decision = 'drop'
    return decision
  }

  forget(ip: string, peerId: string): void {
    for (const k of [`p:ip:${ip}`, `b:ip:${ip}`]) this.buckets.delete(k)
    for (const k of [`p:id:${peerId}`, `b:id:${peerId}`]) this.buckets.delete(k)
    this.exceeded.delete(`ip:${ip}`)
    this.exceeded.delete(`id:${peerId}`)
  }

  private halt(key: string, n: number, rate: number, nowMs: number): boolean {
    if (rate === 0) return false
    let b = this.buckets.get(key)
    if (!b) this.buckets.set(key, (b = new TokenBucket(rate, nowMs)))
    return !b.take(n, nowMs)
  }

  private count(key: string): boolean {
    const n = (this.exceeded.get(key) ?? 0) + 1
    this.exceeded.set(key, n)
    return this.config.tolerance > 0 && n >= this.config.tolerance
  }
}
