// The Whisper <-> Waku bridge (status-go's bridge/bridge.go with Waku.addAndBridge): an envelope that
// enters the shh/6 pool enters the Waku pool unchanged (same bytes, same PoW, no re-seal: the two
// networks share the envelope format), and the other way. Each crosses once each way and never back:
// the other pool already knows it by hash, and what the bridge admitted itself comes back marked bridged
// (status-go's addAndBridge(env, isP2P, bridged) flag) and is not carried again.
// p2p direct messages and mail answers are never pooled, so never bridged. It hangs on the same hook
// as the version gateway (gateway.ts), which carries shh/5 rooms to shh/6: shh/5 meets Waku through both.
//
// status-go's bridge channels are unbuffered and written from the add path, so a stalled side blocks
// ingest; here a bounded queue is drained on a later turn, and what does not fit is dropped and counted.
import type { Envelope } from '../whisper/envelope.js'
import type { Net } from '../p2p/net-peer.js'
import type { Logger } from '../log/log.js'
import type { PoolEntry } from './pool.js'

/** Where the bridge puts what it carries: the node's ingest, as a peer's envelope (validated, pooled, forwarded). */
export interface BridgeTarget {
  /** 'added', 'known' (the pool had it), or why it was refused */
  bridgeIn(env: Envelope, net: Net): 'added' | 'known' | string
}

/** How the shh/6 <-> Waku bridge runs (`NodeOptions.netBridge`). */
export interface NetBridgeOptions {
  /** the two networks carried between (default shh/6 and Waku) */
  between?: [Net, Net]
  /** envelopes waiting to cross at most (default 4096); more are dropped and counted */
  maxQueue?: number
}

/** What the shh/6 <-> Waku bridge has carried, dropped and had refused since the node started. */
export interface NetBridgeStats {
  /** envelopes carried, by the network they entered */
  bridged: Partial<Record<Net, number>>
  /** dropped: the queue was full */
  bridgeDropped: number
  /** refused by the other network's checks (e.g. expired while queued) */
  bridgeRefused: number
}

export class NetBridge {
  readonly stats: NetBridgeStats = { bridged: {}, bridgeDropped: 0, bridgeRefused: 0 }
  private readonly between: [Net, Net]
  private readonly maxQueue: number
  private queue: { env: Envelope; to: Net }[] = []
  private immediate: NodeJS.Immediate | null = null
  private closed = false

  constructor(private readonly target: BridgeTarget, private readonly log: Logger, o: NetBridgeOptions = {}) {
    this.between = o.between ?? ['shh/6', 'waku']
    this.maxQueue = o.maxQueue ?? 4096
  }

  /** A newly pooled envelope of any network (ours, a peer's, a gateway's crossing); `bridged`: the bridge put it there. */
  onPooled(e: PoolEntry, bridged: boolean): void {
    if (this.closed || bridged) return
    const [a, b] = this.between
    const to = e.net === a ? b : e.net === b ? a : null
    if (to === null) return
    if (this.queue.length >= this.maxQueue) {
      this.stats.bridgeDropped++
      this.log.debug('Bridge queue full: envelope not carried', { from: e.net, to, hash: e.key })
      return
    }
    this.queue.push({ env: e.env, to })
    this.schedule()
  }

  close(): void {
    this.closed = true
    if (this.immediate !== null) clearImmediate(this.immediate)
    this.immediate = null
    this.queue = []
  }

  private schedule(): void {
    if (this.immediate !== null) return
    this.immediate = setImmediate(() => {
      this.immediate = null
      this.drain()
    })
  }

  private drain(): void {
    const batch = this.queue
    this.queue = []
    for (const { env, to } of batch) {
      if (this.closed) return
      let outcome: string
      try {
        outcome = this.target.bridgeIn(env, to)
      } catch (err) {
        outcome = (err as Error).message
      }
      if (outcome === 'added') {
        this.stats.bridged[to] = (this.stats.bridged[to] ?? 0) + 1
      } else if (outcome !== 'known') {
        this.stats.bridgeRefused++
        this.log.debug('Bridge: envelope refused', { to, why: outcome })
      }
    }
  }
}
