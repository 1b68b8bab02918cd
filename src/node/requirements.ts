// What this node asks of the envelopes it takes: its PoW minimum, its bloom (v6), its largest message
// and the light mode, each checked on every envelope and announced to the peers (geth's SetMinimumPoW,
// SetBloomFilter, SetMaxMessageSize, LightClientMode). After a change geth keeps accepting what the
// previous requirement allowed for SYNC_ALLOWANCE (10 s): peers sending right now have not heard of
// the new one yet, and dropping them for it would punish them for a packet still on the wire.
import type { Logger } from '../log/log.js'
import { isFullBloom, BLOOM_SIZE } from '../whisper/bloom.js'
import type { OurStatus } from '../p2p/net-peer.js'
import { NodeError } from './errors.js'
import { MAX_MESSAGE_SIZE_CAP, SYNC_ALLOWANCE, type ValidationPolicy } from './validate.js'

/** Where our requirements are announced: the peer host (status and update packets to shh/6 and Waku peers). */
export interface RequirementsAnnouncer {
  announce(changed: Partial<OurStatus>): void
  setMaxMessageSize(size: number): void
}

export interface RequirementsInit {
  minPow: number
  maxMessageSize: number
  /** the bloom to announce from the start (64 bytes; absent: everything) */
  bloom?: Uint8Array
  lightNode: boolean
  /** a relay forwards everything: never light */
  relay: boolean
  /** Waku: confirm the batches peers send (message response, batch acknowledgement) */
  confirmations?: boolean
}

export interface RequirementsDeps {
  /** set once the host exists (it is built from our initial values) */
  announcer: () => RequirementsAnnouncer
  log: Logger
  /** the bloom of the node's subscriptions (null: some takes every topic), and how many there are */
  subscriptions: { readonly size: number; bloom(): Uint8Array | null; topics(): Uint8Array[] | null }
  /** light mode off: offer the pool to every peer again (it was held back) */
  reofferAll: () => void
}

export class Requirements {
  private ownMinPow: number
  private minPowTolerance: number
  private ownBloom: Uint8Array | null
  private bloomTolerance: Uint8Array | null
  private maxSize: number
  private light: boolean
  private ownTopics: Uint8Array[] | null = null
  private readonly relay: boolean
  readonly confirmations: boolean
  private readonly timers = new Set<NodeJS.Timeout>()

  /** Throws NodeError 'params' on a bad value, in the order the node's options were always checked. */
  constructor(init: RequirementsInit, private readonly deps: RequirementsDeps) {
    this.relay = init.relay
    this.confirmations = init.confirmations ?? false
    this.light = init.lightNode
    // a light node starts asking Waku peers for no topic until it subscribes
    if (this.light) this.ownTopics = []
    this.maxSize = checkMaxMessageSize(init.maxMessageSize)
    this.ownMinPow = checkPow(init.minPow)
    this.minPowTolerance = this.ownMinPow
    if (init.bloom !== undefined) checkBloom(init.bloom)
    this.ownBloom = init.bloom && !isFullBloom(init.bloom) ? Uint8Array.from(init.bloom) : null
    // a light node starts asking for nothing until it subscribes
    if (this.light && this.ownBloom === null) this.ownBloom = new Uint8Array(BLOOM_SIZE)
    this.bloomTolerance = this.ownBloom
  }

  get minPow(): number {
    return this.ownMinPow
  }

  /** v6: the bloom announced to peers and enforced on what they send (null = everything). */
  get bloom(): Uint8Array | null {
    return this.ownBloom
  }

  get lightNode(): boolean {
    return this.light
  }

  /** Waku topic interest announced (a light node's subscriptions); null: the bloom is announced instead. */
  get topics(): Uint8Array[] | null {
    return this.ownTopics
  }

  get maxMessageSize(): number {
    return this.maxSize
  }

  /** What geth's add checks against right now (tolerances included). */
  policy(now: number): ValidationPolicy {
    return {
      now,
      minPow: this.ownMinPow,
      minPowTolerance: this.minPowTolerance,
      maxMessageSize: this.maxSize,
      bloom: this.ownBloom,
      bloomTolerance: this.bloomTolerance,
    }
  }

  setMinPow(pow: number): void {
    checkPow(pow)
    const previous = this.ownMinPow
    this.ownMinPow = pow
    this.minPowTolerance = Math.min(previous, pow)
    this.later(SYNC_ALLOWANCE * 1000, () => (this.minPowTolerance = this.ownMinPow))
    this.deps.announcer().announce({ minPow: pow })
    this.deps.log.info('PoW requirement changed', { pow })
  }

  setBloom(bloom: Uint8Array | null): void {
    if (bloom !== null) checkBloom(bloom)
    const next = bloom === null || isFullBloom(bloom) ? null : Uint8Array.from(bloom)
    const previous = this.ownBloom
    this.ownBloom = next
    this.bloomTolerance = previous === null || next === null ? null : previous
    this.later(SYNC_ALLOWANCE * 1000, () => (this.bloomTolerance = this.ownBloom))
    this.deps.announcer().announce({ bloom: next })
    this.deps.log.debug('Bloom filter changed', { full: next === null })
  }

  /** Waku topic interest (null: announce the bloom instead); what Waku peers send us from now on. */
  setTopics(topics: Uint8Array[] | null): void {
    if (topics !== null && topics.some((t) => !(t instanceof Uint8Array) || t.length !== 4)) throw new NodeError('params', 'topics must be 4 bytes each')
    this.ownTopics = topics === null ? null : topics.map((t) => Uint8Array.from(t))
    this.deps.announcer().announce({ topics: this.ownTopics })
  }

  setMaxMessageSize(size: number): void {
    this.maxSize = checkMaxMessageSize(size)
    this.deps.announcer().setMaxMessageSize(this.maxSize)
  }

  /**
   * On, the node announces the bloom of its subscriptions and forwards only its own posts; off, it
   * takes and forwards everything again. The light flag of the status handshake keeps the value the
   * node started with (it is only sent when a peer connects).
   */
  setLightNode(on: boolean): void {
    if (on && this.relay) throw new NodeError('relay', 'a relay forwards everything: it cannot be a light node')
    if (on === this.light) return
    this.light = on
    if (on) this.subscriptionsChanged()
    else {
      this.setTopics(null)
      this.setBloom(null)
      this.deps.reofferAll()
    }
  }

  /** A subscription came or went: a light node asks for exactly its subscriptions' topics. */
  subscriptionsChanged(): void {
    if (!this.light) return
    const subs = this.deps.subscriptions
    // no subscription: nothing; a subscription to every topic: everything
    this.setBloom(subs.size === 0 ? new Uint8Array(BLOOM_SIZE) : subs.bloom())
    // Waku peers get the exact topics (status-go's light clients send a topic interest, not a bloom)
    this.setTopics(subs.size === 0 ? [] : subs.topics())
  }

  /** Stops the tolerance timers (node stop). */
  close(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    t.unref()
    this.timers.add(t)
  }
}

function checkPow(pow: number): number {
  if (typeof pow !== 'number' || !Number.isFinite(pow) || pow < 0) throw new NodeError('params', `invalid PoW ${pow}: want a finite number >= 0`)
  return pow
}

function checkMaxMessageSize(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > MAX_MESSAGE_SIZE_CAP) {
    throw new NodeError('params', `maxMessageSize must be an integer in 1..${MAX_MESSAGE_SIZE_CAP}, got ${size}`)
  }
  return size
}

function checkBloom(b: Uint8Array): void {
  if (!(b instanceof Uint8Array) || b.length !== BLOOM_SIZE) throw new NodeError('params', `bloom must be ${BLOOM_SIZE} bytes`)
}
