// Pushes pool envelopes to peers. geth re-scans its whole pool for every peer each 300 ms; here a
// new envelope is queued for every peer that wants it at once, and the queues are flushed on the
// next turn of the event loop (setImmediate). Everything that arrived in the same I/O turn goes out
// together: one list packet per peer on v6 (split to stay under the peer's packet limit), one packet
// per envelope on v5, whose messages packet holds a single envelope.
import type { Logger } from './log.js'
import { short } from './log.js'
import type { PoolEntry } from './pool.js'
import type { ForwardTarget, PeerState } from './peer-state.js'

/** geth drops a peer whose packet is bigger than its max message size (1 MiB by default). */
export const DEFAULT_MAX_PACKET_BYTES = 1024 * 1024 - 64

export interface ForwarderOptions {
  log: Logger
  /** Is the entry still worth sending (still pooled, not expired)? */
  alive: (e: PoolEntry) => boolean
  maxPacketBytes?: number
  /** Called after envelopes went to a peer. */
  onSent?: (peer: ForwardTarget, count: number) => void
}

export class Forwarder<P extends ForwardTarget = ForwardTarget> {
  private readonly states = new Map<string, PeerState<P>>()
  private readonly dirty = new Set<PeerState<P>>()
  private immediate: NodeJS.Immediate | null = null
  private closed = false
  private readonly maxPacketBytes: number

  constructor(private readonly opts: ForwarderOptions) {
    this.maxPacketBytes = opts.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES
  }

  get size(): number {
    return this.states.size
  }

  get(id: string): PeerState<P> | undefined {
    return this.states.get(id)
  }

  all(): IterableIterator<PeerState<P>> {
    return this.states.values()
  }

  add(state: PeerState<P>): void {
    this.states.set(state.id, state)
  }

  remove(id: string): PeerState<P> | undefined {
    const s = this.states.get(id)
    if (!s) return undefined
    this.states.delete(id)
    this.dirty.delete(s)
    s.clearQueue()
    return s
  }

  /** Queues a new pool entry for every peer of its version that wants it; returns how many. */
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

  /** Sends everything queued now. */
  flush(): void {
    if (this.immediate !== null) {
      clearImmediate(this.immediate)
      this.immediate = null
    }
    const batch = [...this.dirty]
    this.dirty.clear()
    for (const s of batch) {
      if (this.states.get(s.id) !== s) continue
      for (;;) {
        const envs = s.take(this.maxPacketBytes, this.opts.alive)
        if (envs.length === 0) break
        try {
          s.peer.sendEnvelopes(envs.map((e) => e.env))
        } catch (err) {
          // the connection is going away; its 'close' removes the peer
          this.opts.log.debug('send failed', { peer: short(s.id), err })
          s.clearQueue()
          break
        }
        this.opts.log.trace('broadcast', { peer: short(s.id), shh: s.shh, count: envs.length })
        this.opts.onSent?.(s.peer, envs.length)
      }
    }
  }

  close(): void {
    this.closed = true
    if (this.immediate !== null) clearImmediate(this.immediate)
    this.immediate = null
    for (const s of this.states.values()) s.clearQueue()
    this.states.clear()
    this.dirty.clear()
  }

  private schedule(): void {
    if (this.immediate !== null || this.closed) return
    this.immediate = setImmediate(() => {
      this.immediate = null
      this.flush()
    })
  }
}
