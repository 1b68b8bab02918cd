// What the node tracks per connected peer for forwarding: the envelopes the peer already knows
// (it sent them to us, or we sent them to it) and the queue of envelopes waiting to go out.
// A peer "wants" an envelope it does not know yet and that its own wants() admits (its PoW requirement,
// its bloom or Waku topic interest: geth's and status-go's peer.broadcast checks).
import type { Envelope } from '../whisper/envelope.js'
import { netKey, type Net } from '../p2p/net-peer.js'
import { BoundedSet } from './bounded-set.js'
import type { PoolEntry } from './pool.js'

/** The part of a NetPeer the forwarder needs. */
export interface ForwardTarget {
  readonly id: string
  readonly net: Net
  wants(env: Envelope, pow: number, bloom?: Uint8Array): boolean
  /** bytes queued on the connection, not yet written (absent: never busy) */
  readonly bufferedBytes?: number
  /** false while the peer's announced rate limits leave no room for another packet (absent: always room) */
  canSend?(): boolean
  /** false when nothing was written (connection closed) */
  sendEnvelopes(envs: Envelope[]): boolean | void
}

// Entries also leave when their envelope leaves the pool; forgetting one early costs at most a resend.
const DEFAULT_KNOWN_MAX = 16_384

export class PeerState<P extends ForwardTarget = ForwardTarget> {
  readonly known: BoundedSet<string>
  /** net and node id: one node may be a peer on two networks over one connection */
  readonly key: string
  private queue: PoolEntry[] = []
  private queuedBytes = 0
  private readonly queued = new Set<string>()
  /** queued for the peer, then received from it before the flush: no need to send it back */
  private readonly cancelled = new Set<string>()

  constructor(readonly peer: P, knownMax = DEFAULT_KNOWN_MAX) {
    this.known = new BoundedSet(knownMax)
    this.key = netKey(peer.net, peer.id)
  }

  get id(): string {
    return this.peer.id
  }

  get net(): Net {
    return this.peer.net
  }

  get pendingCount(): number {
    return this.queue.length
  }

  /** True when the peer's requirements admit the envelope (known or not). */
  accepts(e: PoolEntry): boolean {
    return e.net === this.peer.net && this.peer.wants(e.env, e.pow, e.bloom)
  }

  wants(e: PoolEntry): boolean {
    return !this.known.has(e.key) && this.accepts(e)
  }

  /** The peer has this envelope (it sent it to us). */
  mark(key: string): void {
    this.known.add(key)
    if (this.queued.has(key)) this.cancelled.add(key)
  }

  forget(key: string): void {
    this.known.delete(key)
  }

  /** Queues `e` when the peer wants it (and marks it known); returns whether it was queued. */
  offer(e: PoolEntry): boolean {
    if (!this.wants(e)) return false
    this.known.add(e.key)
    this.queue.push(e)
    this.queued.add(e.key)
    this.queuedBytes += e.size
    return true
  }

  /**
   * The next batch to send: queued entries still `alive`, at most `maxBytes` of encoded envelopes
   * (but always at least one, so an envelope bigger than the bound still goes out on its own).
   */
  take(maxBytes: number, alive: (e: PoolEntry) => boolean): PoolEntry[] {
    const out: PoolEntry[] = []
    let bytes = 0
    let i = 0
    for (; i < this.queue.length; i++) {
      const e = this.queue[i]
      if (this.cancelled.has(e.key)) {
        this.cancelled.delete(e.key)
        this.queued.delete(e.key)
        this.queuedBytes -= e.size
        continue
      }
      if (!alive(e) || !this.accepts(e)) {
        this.queued.delete(e.key)
        // expired meanwhile, or the peer tightened its requirements: let a later change re-offer it
        this.known.delete(e.key)
        this.queuedBytes -= e.size
        continue
      }
      if (out.length > 0 && bytes + e.size > maxBytes) break
      out.push(e)
      bytes += e.size
      this.queued.delete(e.key)
      this.queuedBytes -= e.size
    }
    this.queue = i >= this.queue.length ? [] : this.queue.slice(i)
    return out
  }

  clearQueue(): void {
    for (const e of this.queue) if (!this.cancelled.has(e.key)) this.known.delete(e.key)
    this.queue = []
    this.queued.clear()
    this.cancelled.clear()
    this.queuedBytes = 0
  }
}
