// What happened to the envelopes of each network (shh/5, shh/6, Waku), by outcome and reason: the
// figures status-go's whisper metrics (whisper_envelopes_received_total, ..._rejected_total{reason}) and
// geth's envelope counters give, kept per network because each has its own pool. Plain numbers, read by
// the metrics layer when scraped; counting costs an increment whether or not anyone reads them.
import type { Net } from '../p2p/net-peer.js'
import type { DropReason, RejectReason } from './validate.js'

export interface VersionEnvelopeCounts {
  /** envelopes read from peers, before any check */
  received: number
  /** new envelopes pooled from peers */
  added: number
  /** envelopes already pooled (a copy from another peer) */
  known: number
  /** envelopes handed to peers */
  forwarded: number
  /** pooled envelopes removed at their expiry */
  expired: number
  /** envelopes that dropped their peer (geth's add() errors), by reason */
  rejected: Partial<Record<RejectReason, number>>
  /** envelopes ignored quietly, by reason ('pool-full': the pool had no room) */
  dropped: Partial<Record<DropReason | 'pool-full', number>>
}

export class EnvelopeCounts {
  private readonly byVersion = new Map<Net, VersionEnvelopeCounts>()

  of(net: Net): VersionEnvelopeCounts {
    let c = this.byVersion.get(net)
    if (!c) {
      c = { received: 0, added: 0, known: 0, forwarded: 0, expired: 0, rejected: {}, dropped: {} }
      this.byVersion.set(net, c)
    }
    return c
  }

  reject(net: Net, reason: RejectReason): void {
    const r = this.of(net).rejected
    r[reason] = (r[reason] ?? 0) + 1
  }

  drop(net: Net, reason: DropReason | 'pool-full'): void {
    const d = this.of(net).dropped
    d[reason] = (d[reason] ?? 0) + 1
  }

  /** A copy, per network that saw any envelope. */
  snapshot(): Map<Net, VersionEnvelopeCounts> {
    const out = new Map<Net, VersionEnvelopeCounts>()
    for (const [v, c] of this.byVersion) out.set(v, { ...c, rejected: { ...c.rejected }, dropped: { ...c.dropped } })
    return out
  }
}
