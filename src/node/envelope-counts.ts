// What happened to the envelopes of each shh version, by outcome and reason: the figures status-go's
// whisper metrics (whisper_envelopes_received_total, ..._rejected_total{reason}) and geth's envelope
// counters give, kept per version because a v5 and a v6 envelope never meet. Plain numbers, read by
// the metrics layer when scraped; counting costs an increment whether or not anyone reads them.
import type { ShhVersion } from '../whisper/envelope.js'
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
  private readonly byVersion = new Map<ShhVersion, VersionEnvelopeCounts>()

  of(shh: ShhVersion): VersionEnvelopeCounts {
    let c = this.byVersion.get(shh)
    if (!c) {
      c = { received: 0, added: 0, known: 0, forwarded: 0, expired: 0, rejected: {}, dropped: {} }
      this.byVersion.set(shh, c)
    }
    return c
  }

  reject(shh: ShhVersion, reason: RejectReason): void {
    const r = this.of(shh).rejected
    r[reason] = (r[reason] ?? 0) + 1
  }

  drop(shh: ShhVersion, reason: DropReason | 'pool-full'): void {
    const d = this.of(shh).dropped
    d[reason] = (d[reason] ?? 0) + 1
  }

  /** A copy, per version that saw any envelope. */
  snapshot(): Map<ShhVersion, VersionEnvelopeCounts> {
    const out = new Map<ShhVersion, VersionEnvelopeCounts>()
    for (const [v, c] of this.byVersion) out.set(v, { ...c, rejected: { ...c.rejected }, dropped: { ...c.dropped } })
    return out
  }
}
