// Our own rate limits on what peers send (status-go's PeerRateLimiter, waku/common/rate_limiter.go):
// packets and bytes per second from one IP and from one peer, and (which status-go exchanges but never
// enforces) envelopes per second on one topic from one peer. A messages packet that finds a bucket
// short is still handled, as status-go does, but counts against the peer; at `tolerance` such packets
// the peer is dropped, with a log line and a counter. The limits apply on the networks that announce
// them (Waku's status carries them; by default only there) and are announced in our status.
import { envelopeWire, type Envelope } from '../whisper/envelope.js'
import { toHex } from '../whisper/bytes.js'
import { RateLimiter, TokenBucket, type RateLimits } from '../waku/rate-limits.js'
import { netKey, type Net, type NetPeer } from '../p2p/net-peer.js'
import { short, type Logger } from '../log/log.js'
import { NodeError } from './errors.js'

/** What a node enforces (NodeOptions.rateLimits); 0 = no limit on that count. */
export interface RateLimitOptions {
  /** packets per second from one IP address, all its peers together (0 or absent: no limit) */
  packetsPerSecIp?: number
  /** packets per second from one peer (0 or absent: no limit) */
  packetsPerSecPeer?: number
  /** bytes per second from one IP address (0 or absent: no limit) */
  bytesPerSecIp?: number
  /** bytes per second from one peer (0 or absent: no limit) */
  bytesPerSecPeer?: number
  /** envelopes per second on one topic from one peer */
  envelopesPerSecTopic?: number
  /** over-limit packets from one IP, peer or topic before the peer is dropped (default 1: the first) */
  tolerance?: number
  /** the networks they apply to (default: Waku, whose status announces them) */
  nets?: Net[]
}

export class RateGuard {
  /** peers dropped for going over our limits, per network */
  readonly drops = new Map<Net, number>()
  private readonly limiter: RateLimiter
  private readonly topics = new Map<string, TokenBucket>()
  private readonly topicOver = new Map<string, number>()
  private readonly topicRate: number
  private readonly tolerance: number
  private readonly nets: Set<Net>

  constructor(o: RateLimitOptions, private readonly log: Logger, private readonly now: () => number = Date.now) {
    for (const [k, v] of Object.entries(o)) {
      if (k === 'nets') continue
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new NodeError('params', `rateLimits.${k} must be a whole number >= 0, got ${String(v)}`)
    }
    this.tolerance = o.tolerance ?? 1
    this.topicRate = o.envelopesPerSecTopic ?? 0
    this.nets = new Set(o.nets ?? ['waku'])
    this.limiter = new RateLimiter({
      packetsPerSecIp: o.packetsPerSecIp ?? 0,
      packetsPerSecPeer: o.packetsPerSecPeer ?? 0,
      bytesPerSecIp: o.bytesPerSecIp ?? 0,
      bytesPerSecPeer: o.bytesPerSecPeer ?? 0,
      tolerance: this.tolerance,
    })
  }

  /** What our status announces: packets [ip, peer, topic], bytes [ip, peer, 0]. */
  get announced(): { packets: RateLimits; bytes: RateLimits } {
    const c = this.limiter.config
    return {
      packets: { ip: c.packetsPerSecIp, peerId: c.packetsPerSecPeer, topic: this.topicRate },
      bytes: { ip: c.bytesPerSecIp, peerId: c.bytesPerSecPeer, topic: 0 },
    }
  }

  /** One messages packet from `peer`: false when the peer was dropped for it (the packet is not handled then). */
  admit(peer: NetPeer, envs: Envelope[]): boolean {
    if (!this.nets.has(peer.net)) return true
    const now = this.now()
    let size = 0
    for (const e of envs) size += envelopeWire(e).length
    const key = netKey(peer.net, peer.id)
    const decision = this.limiter.admit(peer.remoteAddress, key, size, now)
    if (decision === 'drop') return this.drop(peer, 'packets or bytes per second over our limit')
    if (this.topicRate > 0) {
      for (const e of envs) {
        const tk = `${key}:${toHex(e.topic)}`
        let b = this.topics.get(tk)
        if (!b) this.topics.set(tk, (b = new TokenBucket(this.topicRate, now)))
        if (b.take(1, now)) continue
        const n = (this.topicOver.get(key) ?? 0) + 1
        this.topicOver.set(key, n)
        if (this.tolerance > 0 && n >= this.tolerance) return this.drop(peer, `envelopes per second on topic ${toHex(e.topic)} over our limit`)
      }
    }
    return true
  }

  /** The peer is gone: its buckets go too (the IP's stay while another peer may share it). */
  forget(peer: NetPeer): void {
    const key = netKey(peer.net, peer.id)
    this.limiter.forget('', key)
    this.topicOver.delete(key)
    for (const k of this.topics.keys()) if (k.startsWith(`${key}:`)) this.topics.delete(k)
  }

  private drop(peer: NetPeer, why: string): false {
    this.drops.set(peer.net, (this.drops.get(peer.net) ?? 0) + 1)
    this.log.warn('Peer dropped: over our rate limit', { peer: short(peer.id), net: peer.net, addr: peer.remoteAddress, why })
    this.forget(peer)
    peer.drop(`rate limit: ${why}`)
    return false
  }
}
