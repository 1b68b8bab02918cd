// Size and rate limits of the bridge. Sending is the expensive operation (every message costs a PoW
// search and is flooded to all peers), so it has its own, slower bucket.

export interface Rate {
  /** Requests allowed in a burst. */
  burst: number
  /** Tokens added back per second. */
  perSecond: number
}

export interface BridgeLimits {
  /** Largest HTTP request body accepted (bytes). */
  maxBodyBytes: number
  /** Largest WebSocket message accepted (bytes); larger frames close the connection (1009). */
  maxWsMessageBytes: number
  /** Largest chat text accepted for sending (UTF-8 bytes). Received texts longer than this are cut. */
  maxTextBytes: number
  /** Any HTTP request, per client address. */
  requestRate: Rate
  /** Any WebSocket message, per connection. */
  wsMessageRate: Rate
  /** Sending a chat message (HTTP or WebSocket), per client address / connection. */
  sendRate: Rate
  /** A connection that falls this far behind (unsent bytes) is closed as too slow. */
  maxWsBufferedBytes: number
  /** Interval between pings; a connection that missed the previous pong is closed. */
  heartbeatMs: number
  maxWsConnections: number
  /** Rooms one bridge listens to at once. */
  maxRooms: number
  /** Messages one room history keeps, and messages in all histories together. */
  historyPerRoom: number
  historyTotal: number
  /** UTF-8 bytes of message text all histories keep together (oldest out first). */
  historyBytes: number
  /** Messages returned by one history request at most. */
  maxHistoryPage: number
  /** Consecutive rate-limited WebSocket messages after which the connection is closed (1008). */
  maxWsViolations: number
  /** Requests with a missing or wrong token, per client address; past it every request is 429. */
  authFailureRate: Rate
  /** Open HTTP/WebSocket connections in total, and from one address (see conn-caps.ts). */
  maxHttpConnections: number
  maxHttpConnectionsPerAddress: number
}

export const DEFAULT_LIMITS: BridgeLimits = {
  maxBodyBytes: 64 * 1024,
  maxWsMessageBytes: 64 * 1024,
  maxTextBytes: 8 * 1024,
  requestRate: { burst: 120, perSecond: 20 },
  wsMessageRate: { burst: 60, perSecond: 10 },
  sendRate: { burst: 10, perSecond: 1 },
  maxWsBufferedBytes: 4 * 1024 * 1024,
  heartbeatMs: 30_000,
  maxWsConnections: 200,
  maxRooms: 64,
  historyPerRoom: 1000,
  historyTotal: 50_000,
  historyBytes: 64 * 1024 * 1024,
  maxHistoryPage: 500,
  maxWsViolations: 20,
  authFailureRate: { burst: 10, perSecond: 0.5 },
  maxHttpConnections: 512,
  maxHttpConnectionsPerAddress: 64,
}

export function resolveLimits(partial?: Partial<BridgeLimits>): BridgeLimits {
  const l = { ...DEFAULT_LIMITS, ...(partial ?? {}) }
  for (const [k, v] of Object.entries(l)) {
    if (typeof v === 'number' && !(v > 0)) throw new Error(`bridge limit ${k} must be positive`)
  }
  return l
}

/** Token bucket. `now` is injectable so tests can step time instead of sleeping. */
export class RateLimiter {
  private tokens: number
  private last: number

  constructor(
    private readonly rate: Rate,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = rate.burst
    this.last = now()
  }

  /** Takes one token; false when the bucket is empty (the caller rejects the request). */
  take(): boolean {
    if (!this.available()) return false
    this.tokens -= 1
    return true
  }

  /** Whether a token is there to take. */
  available(): boolean {
    const t = this.now()
    const elapsed = Math.max(0, t - this.last) / 1000
    this.last = t
    this.tokens = Math.min(this.rate.burst, this.tokens + elapsed * this.rate.perSecond)
    return this.tokens >= 1
  }
}

/**
 * One bucket per key (client address), with a bounded number of keys: the oldest unused key is
 * forgotten first, so a flood of distinct addresses cannot grow memory.
 */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, RateLimiter>()

  constructor(
    private readonly rate: Rate,
    private readonly maxKeys = 4096,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): boolean {
    let b = this.buckets.get(key)
    if (b) {
      this.buckets.delete(key) // re-insert: Map order is recency order
    } else {
      b = new RateLimiter(this.rate, this.now)
      if (this.buckets.size >= this.maxKeys) {
        const oldest = this.buckets.keys().next().value
        if (oldest !== undefined) this.buckets.delete(oldest)
      }
    }
    this.buckets.set(key, b)
    return b.take()
  }

  /** Whether `key`'s bucket is empty now (takes nothing). */
  exhausted(key: string): boolean {
    const b = this.buckets.get(key)
    return b !== undefined && !b.available()
  }
}
