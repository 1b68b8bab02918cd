// Size and rate limits of the bridge: the HTTP server's (src/http/limits.ts) and the bridge's own.
// Sending is the expensive operation (every message costs a PoW search and is flooded to all peers),
// so it has its own, slower bucket.
import { DEFAULT_HTTP_LIMITS, resolveWithDefaults, type HttpLimits, type Rate } from '../http/limits.js'

export interface BridgeLimits extends HttpLimits {
  /** Largest HTTP request body accepted (bytes). */
  maxBodyBytes: number
  /** Largest WebSocket message accepted (bytes); larger frames close the connection (1009). */
  maxWsMessageBytes: number
  /** Largest chat text accepted for sending (UTF-8 bytes). Received texts longer than this are cut. */
  maxTextBytes: number
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
}

export const DEFAULT_LIMITS: BridgeLimits = {
  ...DEFAULT_HTTP_LIMITS,
  maxBodyBytes: 64 * 1024,
  maxWsMessageBytes: 64 * 1024,
  maxTextBytes: 8 * 1024,
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
}

export function resolveLimits(partial?: Partial<BridgeLimits>): BridgeLimits {
  return resolveWithDefaults(DEFAULT_LIMITS, partial, 'bridge limit')
}
