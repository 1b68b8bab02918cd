// Pushes pool envelopes to peers. geth re-scans its whole pool for every peer each 300 ms; here a
// new envelope is queued for every peer that wants it at once, and the queues are flushed on the
// next turn of the event loop (setImmediate). Everything that arrived in the same I/O turn goes out
// together: one list packet per peer on v6 (split to stay under the peer's packet limit), one packet
// per envelope on v5, whose messages packet holds a single envelope. A peer whose socket still holds
// more than BUSY_BYTES unwritten is left to drain for a moment; what piles up meanwhile then goes out
// in fewer, bigger v6 lists instead of many small packets.
import type { Logger } from '../log/log.js'
import { short } from '../log/log.js'
import type { PoolEntry } from './pool.js'
import type { ForwardTarget, PeerState } from './peer-state.js'

/** geth drops a peer whose packet is bigger than its max message size (1 MiB by default). */
const DEFAULT_MAX_PACKET_BYTES = 1024 * 1024 - 64
/** Unwritten bytes above which a peer counts as busy. */
const BUSY_BYTES = 256 * 1024
/** How long a busy peer is left to drain before the next try. */
const BUSY_RETRY_MS = 25
/**
 * Envelope bytes one peer gets per event-loop turn. A big backlog (a new peer, a relaxed bloom, a
 * flood of tiny envelopes) then goes out over several turns, so encoding and compressing it never
 * holds the other peers' I/O for long (a 1 MiB list of small envelopes took ~100 ms in one go).
 */
export const TURN_BYTES = 256 * 1024

export interface ForwarderOptions {
  log: Logger
  /** Is the entry still worth sending (still pooled, not expired)? */
  alive: (e: PoolEntry) => boolean
  maxPacketBytes?: number
  /** Called after envelopes were handed to a peer's connection. */
  onSent?: (peer: ForwardTarget, entries: PoolEntry[]) => void
  /**
   * 0 / absent: flush on the next event-loop turn. > 0: flush on a fixed cycle of this many ms (geth's
   * broadcast loop runs every 300 ms; the simulation's `--policy geth`). One cycle per node with a
   * random phase (geth has one ticker per peer).
   */
  intervalMs?: number
}

export class Forwarder<P extends ForwardTarget = ForwardTarget> {
  private readonly states = new Map<string, PeerState<P>>()
  private readonly dirty = new Set<PeerState<P>>()
  private immediate: NodeJS.Immediate | null = null
  private retry: NodeJS.Timeout | null = null
  private readonly busy = new Set<PeerState<P>>()
  private closed = false
  private readonly maxPacketBytes: number

  constructor(private readonly opts: ForwarderOptions) {
    this.maxPacketBytes = opts.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES
  }

  get size(): number {
    return this.states.size
  }

  /** by PeerState.key (net and node id) */
  get(key: string): PeerState<P> | undefined {
    return this.states.get(key)
  }

  all(): IterableIterator<PeerState<P>> {
    return this.states.values()
  }

  add(state: PeerState<P>): void {
    this.states.set(state.key, state)
  }

  remove(key: string): PeerState<P> | undefined {
    const s = this.states.get(key)
    if (!s) return undefined
    this.states.delete(key)
    this.dirty.delete(s)
    this.busy.delete(s)
    s.clearQueue()
    return s
  }

  /** Queues a new pool entry for every peer of its network that wants it; returns how many. */
  announce(e: PoolEntry): number {
    let n = 0
    for (const s of this.states.values()) {
      if (s.offer(e)) {
        this.dirty.add(s)
        n++
      }
    }
    if (n > 0) this.schedule()
    return n
  }

  /** Queues every wanted entry for one peer (new peer, or it relaxed its PoW/bloom requirement). */
  offerAll(s: PeerState<P>, entries: Iterable<PoolEntry>): number {
    let n = 0
    for (const e of entries) if (this.opts.alive(e) && s.offer(e)) n++
    if (n > 0) {
      this.dirty.add(s)
      this.schedule()
    }
    return n
  }

  /** Forgets an envelope that left the pool, in every peer's known set. */
  forget(key: string): void {
    for (const s of this.states.values()) s.forget(key)
  }

  /** Sends everything queued now (to peers that are not busy). */
  flush(): void {
    if (this.immediate !== null) {
      clearImmediate(this.immediate)
      this.immediate = null
    }
    const batch = [...this.dirty]
    this.dirty.clear()
    let more = false
    for (const s of batch) {
      if (this.states.get(s.key) !== s) continue
      let sentBytes = 0
      while (s.pendingCount > 0) {
        if ((s.peer.bufferedBytes ?? 0) > BUSY_BYTES || s.peer.canSend?.() === false) {
          this.busy.add(s)
          break
        }
        if (sentBytes >= TURN_BYTES) {
          this.dirty.add(s)
          more = true
          break
        }
        const entries = s.take(Math.min(this.maxPacketBytes, TURN_BYTES - sentBytes), this.opts.alive)
        if (entries.length === 0) break
        for (const e of entries) sentBytes += e.size
        let ok: boolean | void
        try {
          ok = s.peer.sendEnvelopes(entries.map((e) => e.env))
        } catch (err) {
          ok = false
          this.opts.log.debug('send failed', { peer: short(s.id), err })
        }
        if (ok === false) {
          // the connection is going away; its 'close' removes the peer
          s.clearQueue()
          break
        }
        this.opts.log.trace('broadcast', { peer: short(s.id), net: s.net, count: entries.length })
        this.opts.onSent?.(s.peer, entries)
      }
    }
    if (more) this.schedule()
    if (this.busy.size > 0 && this.retry === null && !this.closed) {
      this.retry = setTimeout(() => {
        this.retry = null
        for (const s of this.busy) this.dirty.add(s)
        this.busy.clear()
        this.flush()
      }, BUSY_RETRY_MS)
    }
  }

  close(): void {
    this.closed = true
    if (this.immediate !== null) clearImmediate(this.immediate)
    this.immediate = null
    if (this.cycle !== null) clearTimeout(this.cycle)
    this.cycle = null
    if (this.retry !== null) clearTimeout(this.retry)
    this.retry = null
    this.busy.clear()
    for (const s of this.states.values()) s.clearQueue()
    this.states.clear()
    this.dirty.clear()
  }

  private readonly phase = Math.random()
  private cycle: NodeJS.Timeout | null = null

  private schedule(): void {
    const every = this.opts.intervalMs ?? 0
    if (every > 0) {
      if (this.cycle !== null || this.closed) return
      const wait = every - ((performance.now() + this.phase * every) % every)
      this.cycle = setTimeout(() => {
        this.cycle = null
        this.flush()
      }, wait)
      return
    }
    if (this.immediate !== null || this.closed) return
    this.immediate = setImmediate(() => {
      this.immediate = null
      this.flush()
    })
  }
}
