// Per-connection and per-listener limits of the RLPx host: what geth's p2p.Server (v1.9.7) bounds,
// bounded here too, so that one hostile address cannot take the node off the network.
//
// Per connection (a ConnGuard, consulted by the patched devp2p Peer in devp2p/fixes.ts):
// - frame size: before the HELLO only what a HELLO needs (geth: baseProtocolMaxMsgSize, 2 KiB), after
//   it the max message size plus RLP and snappy overhead (a frame header allows 16 MiB, and devp2p
//   buffered all of it);
// - read deadline: a connection that delivers no complete frame for 30 s is closed (geth
//   frameReadTimeout); healthy peers ping every 15 s, and so do we, so they never hit it;
// - write bound: a peer that stops reading cannot make us queue without end (PONGs to its PINGs, our
//   envelopes): more than `maxQueuedBytes` unwritten, or a write that cannot drain within 20 s (geth
//   frameWriteTimeout), drops it.
// Per listener (an InboundGate): at most 50 inbound handshakes in progress (geth defaultMaxPendingPeers)
// and one inbound attempt per address per 30 s (geth inboundThrottleTime; LAN and loopback addresses
// are exempt, as in geth, unless `throttleLan`).
import { isIP } from 'node:net'
import type { Socket } from 'node:net'

/** geth baseProtocolMaxMsgSize: the largest HELLO (its payload) accepted. */
export const HELLO_MAX_BYTES = 2 * 1024
/** geth frameReadTimeout */
const FRAME_READ_TIMEOUT_MS = 30_000
/** geth frameWriteTimeout */
const FRAME_WRITE_TIMEOUT_MS = 20_000
/** geth pingInterval */
const PING_INTERVAL_MS = 15_000
/** geth defaultMaxPendingPeers */
const MAX_PENDING_HANDSHAKES = 50
/** geth inboundThrottleTime */
const INBOUND_THROTTLE_MS = 30_000
/** geth defaultDialRatio: a third of the slots are kept for our own dials when we dial on our own */
export const DIAL_RATIO = 3

/** Frame size (message code + payload, as the frame header counts it) allowed before the HELLO. */
const PRE_HELLO_FRAME_MAX = HELLO_MAX_BYTES + 16

/** snappy's worst case for `n` bytes (MaxEncodedLen) */
function snappyMax(n: number): number {
  return 32 + n + Math.ceil(n / 6)
}

/**
 * Frame size allowed after the HELLO: a packet of `maxMessageSize` bytes (geth checks msg.Size, the
 * packet without its code, against MaxMessageSize), snappy-compressed at worst, plus the code.
 */
function postHelloFrameMax(maxMessageSize: number): number {
  return snappyMax(maxMessageSize) + 16
}

export interface ConnGuardOptions {
  /** current max message size (the node may change it at run time) */
  maxMessageSize: () => number
  readTimeoutMs?: number
  writeTimeoutMs?: number
  /** unwritten bytes above which the peer is dropped; default 2 frames + 1 MiB */
  maxQueuedBytes?: number
  log?: (msg: string) => void
}

/** The limits of one RLPx connection; devp2p/fixes.ts calls into it from the Peer. */
export class ConnGuard {
  readonly readTimeoutMs: number
  readonly writeTimeoutMs: number
  private readTimer: NodeJS.Timeout | null = null
  private writeTimer: NodeJS.Timeout | null = null
  private closed = false

  constructor(
    private readonly socket: Socket,
    private readonly opts: ConnGuardOptions,
  ) {
    this.readTimeoutMs = opts.readTimeoutMs ?? FRAME_READ_TIMEOUT_MS
    this.writeTimeoutMs = opts.writeTimeoutMs ?? FRAME_WRITE_TIMEOUT_MS
    guards.set(socket, this)
    this.readTimer = setTimeout(() => this.drop(`no complete frame for ${this.readTimeoutMs / 1000} s`), this.readTimeoutMs)
    this.readTimer.unref()
    socket.once('close', () => this.close())
  }

  /** Largest frame accepted now. */
  frameMax(helloDone: boolean): number {
    return helloDone ? postHelloFrameMax(this.opts.maxMessageSize()) : PRE_HELLO_FRAME_MAX
  }

  /** How often to ping: often enough that a healthy peer never meets the read deadline. */
  get pingIntervalMs(): number {
    return Math.min(PING_INTERVAL_MS, Math.floor(this.readTimeoutMs / 2))
  }

  /** A complete frame arrived. */
  onFrame(): void {
    this.readTimer?.refresh()
  }

  /**
   * Before a frame of `bytes` is written: false (and the connection is dropped) when the peer
   * already holds more than the bound unread, or stopped reading long ago.
   */
  beforeWrite(bytes: number): boolean {
    if (this.closed) return false
    const queued = this.socket.writableLength
    const max = this.opts.maxQueuedBytes ?? 2 * postHelloFrameMax(this.opts.maxMessageSize()) + 1024 * 1024
    if (queued + bytes > max && queued > 0) {
      this.drop(`peer not reading: ${queued} bytes unwritten`)
      return false
    }
    return true
  }

  /** After a write: a write that cannot drain within the deadline drops the peer. */
  afterWrite(): void {
    if (this.closed || this.writeTimer !== null || !this.socket.writableNeedDrain) return
    this.writeTimer = setTimeout(() => this.drop(`write not drained in ${this.writeTimeoutMs / 1000} s`), this.writeTimeoutMs)
    this.writeTimer.unref()
    this.socket.once('drain', () => {
      if (this.writeTimer) clearTimeout(this.writeTimer)
      this.writeTimer = null
    })
  }

  private drop(why: string): void {
    if (this.closed) return
    this.opts.log?.(`Dropping peer ${this.socket.remoteAddress}:${this.socket.remotePort}: ${why}`)
    this.close()
    this.socket.destroy()
  }

  private close(): void {
    this.closed = true
    if (this.readTimer) clearTimeout(this.readTimer)
    if (this.writeTimer) clearTimeout(this.writeTimer)
    this.readTimer = this.writeTimer = null
  }
}

/** The guard of each socket the host watches; sockets without one (test peers) are unbounded. */
export const guards = new WeakMap<Socket, ConnGuard>()

export interface InboundGateOptions {
  maxPending?: number
  throttleMs?: number
  /** throttle LAN and loopback addresses too (geth exempts them) */
  throttleLan?: boolean
}

/** Admission of inbound TCP connections, before any RLPx byte is read. */
export class InboundGate {
  private readonly pending = new Set<Socket>()
  private readonly history = new Map<string, number>() // address -> throttled until (ms)
  private readonly maxPending: number
  private readonly throttleMs: number
  private readonly throttleLan: boolean

  constructor(opts: InboundGateOptions = {}) {
    this.maxPending = opts.maxPending ?? MAX_PENDING_HANDSHAKES
    this.throttleMs = opts.throttleMs ?? INBOUND_THROTTLE_MS
    this.throttleLan = opts.throttleLan ?? false
  }

  /** null when `socket` may go on with its handshake, else why it is refused. */
  admit(socket: Socket, now = Date.now()): string | null {
    if (this.pending.size >= this.maxPending) return `${this.maxPending} handshakes already in progress`
    const addr = socket.remoteAddress ?? ''
    for (const [a, until] of this.history) {
      if (until > now) break // insertion order = expiry order (one throttle time for all)
      this.history.delete(a)
    }
    if (this.throttleMs > 0 && (this.throttleLan || !isLan(addr))) {
      if (this.history.has(addr)) return `another attempt from ${addr} within ${this.throttleMs / 1000} s`
      this.history.set(addr, now + this.throttleMs)
    }
    this.pending.add(socket)
    socket.once('close', () => this.pending.delete(socket))
    return null
  }

  /** The handshake of `socket` is over (HELLO exchanged): its pending slot is free. */
  done(socket: Socket): void {
    this.pending.delete(socket)
  }

  get pendingCount(): number {
    return this.pending.size
  }

  clear(): void {
    this.pending.clear()
    this.history.clear()
  }
}

/** Loopback, private (RFC 1918, fc00::/7), link-local and CGNAT-free LAN ranges, as geth's netutil.IsLAN. */
function isLan(addr: string): boolean {
  const a = addr.startsWith('::ffff:') && isIP(addr.slice(7)) === 4 ? addr.slice(7) : addr
  if (isIP(a) === 4) {
    const [x, y] = a.split('.').map(Number)
    return x === 127 || x === 10 || (x === 172 && y >= 16 && y < 32) || (x === 192 && y === 168) || (x === 169 && y === 254)
  }
  if (isIP(a) === 6) {
    const l = a.toLowerCase()
    return l === '::1' || l.startsWith('fc') || l.startsWith('fd') || l.startsWith('fe8') || l.startsWith('fe9') || l.startsWith('fea') || l.startsWith('feb')
  }
  return false
}
