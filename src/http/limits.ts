// Rate limits and connection caps of an HTTP server (the bridge's and the standalone JSON-RPC one):
// token buckets per client address, so one address cannot take the whole server.

export interface Rate {
  /** Requests allowed in a burst. */
  burst: number
  /** Tokens added back per second. */
  perSecond: number
}

export interface HttpLimits {
  /** Any HTTP request or WebSocket upgrade, per client address. */
  requestRate: Rate
  /** Requests with a missing or wrong token, per client address; past it every request is 429. */
  authFailureRate: Rate
  /** Open HTTP/WebSocket connections in total, and from one address (see conn-caps.ts). */
  maxHttpConnections: number
  maxHttpConnectionsPerAddress: number
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  requestRate: { burst: 120, perSecond: 20 },
  authFailureRate: { burst: 10, perSecond: 0.5 },
  maxHttpConnections: 512,
  maxHttpConnectionsPerAddress: 64,
}

/** `partial` over `defaults`; throws naming the first number that is not positive (`what` names the owner). */
export function resolveWithDefaults<T extends object>(defaults: T, partial: Partial<T> | undefined, what: string): T {
  const l = { ...defaults, ...(partial ?? {}) }
  for (const [k, v] of Object.entries(l)) {
    if (typeof v === 'number' && !(v > 0)) throw new Error(`${what} ${k} must be positive`)
  }
  return l
}

export function resolveHttpLimits(partial?: Partial<HttpLimits>): HttpLimits {
  return resolveWithDefaults(DEFAULT_HTTP_LIMITS, partial, 'http limit')
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
