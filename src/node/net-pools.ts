// The node's envelope pools, one per network (shh/5, shh/6, Waku), as the Map that ingest, peers and the
// forwarder read, with what the node asks of all of them at once: totals, sizes, a listing and expiry.
import type { Envelope, ShhVersion } from '../whisper/envelope.js'
import { formatOfNet, type Net } from '../p2p/net-peer.js'
import { EnvelopePool, type PoolEntry, type PoolLimits } from './pool.js'

export class NetPools extends Map<Net, EnvelopePool> {
  constructor(nets: readonly Net[], limits: PoolLimits) {
    super(nets.map((n) => [n, new EnvelopePool(limits)]))
  }

  /** Envelopes and bytes over every pool (an envelope pooled on two networks counts twice: it is held twice). */
  totals(): { envelopes: number; bytes: number } {
    let envelopes = 0
    let bytes = 0
    for (const p of this.values()) {
      envelopes += p.count
      bytes += p.bytes
    }
    return { envelopes, bytes }
  }

  /** Each network's envelopes and bytes. */
  sizes(): Map<Net, { envelopes: number; bytes: number }> {
    const out = new Map<Net, { envelopes: number; bytes: number }>()
    for (const [net, p] of this) out.set(net, { envelopes: p.count, bytes: p.bytes })
    return out
  }

  /** The envelopes of one network, of the networks of one format (5, 6), or of all; one pooled twice comes once. */
  envelopes(which?: Net | ShhVersion): Envelope[] {
    const out: Envelope[] = []
    const seen = new Set<string>()
    for (const [net, pool] of this) {
      if (which !== undefined && which !== net && which !== formatOfNet(net)) continue
      for (const e of pool.values()) {
        if (seen.has(e.key)) continue
        seen.add(e.key)
        out.push(e.env)
      }
    }
    return out
  }

  /** Drops what expired by `now` from every pool, telling `gone` each network's expired entries. */
  expire(now: number, gone: (net: Net, entries: PoolEntry[]) => void): void {
    for (const [net, pool] of this) {
      const entries = pool.expire(now)
      if (entries.length > 0) gone(net, entries)
    }
  }
}
