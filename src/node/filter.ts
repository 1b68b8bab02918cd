// Subscriptions (geth's Filters): a filter names topics and a key; every new envelope on one of its
// topics is opened with the filter's key and, when that works, handed to its callback once.
// Each envelope is opened at most once per distinct key, whatever the number of filters using it.
// "Once": an envelope hash is delivered at most once; and when a node offering both versions gets
// the v5 and the v6 copy of one 'both' post, only the first copy is delivered (see CrossVersionDedup).
import { randomBytes } from 'node:crypto'
import type { Envelope, ShhVersion } from '../whisper/envelope.js'
import { openEnvelope, type ReceivedMessage, type OpenKey } from '../whisper/open.js'
import { isWhisperError } from '../whisper/errors.js'
import { topicBloom, bloomUnion } from '../whisper/bloom.js'
import { toHex, equalBytes, concatBytes } from '../whisper/bytes.js'
import { keccak256 } from '../whisper/keccak.js'
import { checkRelayed, looksRelayed } from '../whisper/relayed.js'
import { isNet, type Net } from '../p2p/net-peer.js'
import { BoundedSet } from './bounded-set.js'
import { NodeError } from './errors.js'
import type { Logger } from '../log/log.js'

/** What a subscription receives: topics, and the key that opens its messages (symKey or privateKey). */
export interface FilterSpec {
  /** 4-byte topics; empty = every topic */
  topics: Uint8Array[]
  /** 32-byte AES key (symmetric messages) */
  symKey?: Uint8Array
  /** 32-byte secp256k1 private key (messages encrypted to its public key) */
  privateKey?: Uint8Array
  /** deliver only messages with at least this PoW */
  minPow?: number
  /** also deliver direct (p2p) messages from trusted peers */
  allowP2P?: boolean
  /** deliver only messages signed by this 65-byte public key */
  src?: Uint8Array
  /** only envelopes of this protocol version (default both) */
  shh?: ShhVersion
  /** only envelopes that came on this network (default: every network the node runs) */
  net?: Net
}

/** A message delivered to a subscription: the opened message and how it came. */
export interface DeliveredMessage extends ReceivedMessage {
  /** posted by this node */
  mine: boolean
  /** came as a direct (p2p) message from a trusted peer, not through the pool */
  p2p: boolean
  /** the subscription that received it */
  filterId: string
  /**
   * Re-sealed by a version gateway with the original plaintext verified (docs/relayed-messages.md):
   * `src`/`address` of the message are the gateway's; these are the original sender's (absent when
   * the original was unsigned), with its version and sent time.
   */
  relayed?: {
    /** 20-byte address of the gateway that re-sealed it */
    by: Uint8Array
    /** 65-byte public key of the original signer */
    src?: Uint8Array
    /** 20-byte address of the original signer */
    address?: Uint8Array
    /** the version the original was sent on */
    shh: ShhVersion
    /** when the original was sealed, unix seconds */
    sent: number
  }
  /** carries a relayed-message padding that does not verify: shown as the signer's own message */
  relayInvalid?: string
}

/** Called once per message a subscription receives (a handler that throws is logged, never breaks the node). */
export type MessageHandler = (m: DeliveredMessage) => void

interface Filter {
  readonly id: string
  readonly spec: FilterSpec
  readonly topicKeys: Set<string> | null
  readonly cb: MessageHandler
}

export interface NotifyInfo {
  hash: Uint8Array
  /** the network it came on (or was posted to) */
  net: Net
  mine: boolean
  p2p: boolean
  /** unix seconds, for pruning the dedup memory */
  now: number
}

const SEEN_MAX = 50_000

function validateFilterSpec(spec: FilterSpec): void {
  if (!spec || !Array.isArray(spec.topics)) throw new NodeError('params', 'filter: topics must be an array')
  for (const t of spec.topics) {
    if (!(t instanceof Uint8Array) || t.length !== 4) throw new NodeError('params', 'filter: each topic must be 4 bytes')
  }
  if (!spec.symKey && !spec.privateKey) throw new NodeError('params', 'filter: a symmetric key or a private key is required')
  if (spec.symKey && (!(spec.symKey instanceof Uint8Array) || spec.symKey.length !== 32)) {
    throw new NodeError('params', 'filter: symmetric key must be 32 bytes')
  }
  if (spec.privateKey && (!(spec.privateKey instanceof Uint8Array) || spec.privateKey.length !== 32)) {
    throw new NodeError('params', 'filter: private key must be 32 bytes')
  }
  if (spec.src && (!(spec.src instanceof Uint8Array) || spec.src.length !== 65)) {
    throw new NodeError('params', 'filter: src must be a 65-byte public key')
  }
  if (spec.minPow !== undefined && !(Number.isFinite(spec.minPow) && spec.minPow >= 0)) {
    throw new NodeError('params', 'filter: minPow must be a number >= 0')
  }
  if (spec.shh !== undefined && spec.shh !== 5 && spec.shh !== 6) throw new NodeError('params', 'filter: shh must be 5 or 6')
  if (spec.net !== undefined && !isNet(spec.net)) throw new NodeError('params', "filter: net must be 'shh/5', 'shh/6' or 'waku'")
}

/**
 * One post with shh 'both' travels as two envelopes (one per version) with the same content.
 * For a content key we count copies seen per version; a copy is a duplicate when the other
 * version has already delivered at least as many copies. Same text sent twice in one second on
 * one version is still delivered twice.
 */
class CrossVersionDedup {
  private readonly counts = new Map<string, { c5: number; c6: number; r: number; delivered: number; expiry: number }>()

  constructor(private readonly max = 10_000) {}

  /** The original's identity: for a gateway's re-seal, the carried original's sender and sent time. */
  static key(m: ReceivedMessage, relayed?: { src?: Uint8Array; sent: number }): string {
    const sent = new Uint8Array(4)
    new DataView(sent.buffer).setUint32(0, (relayed?.sent ?? m.sent) >>> 0)
    const src = relayed ? relayed.src : m.src
    return toHex(keccak256(concatBytes(m.topic, sent, src ?? new Uint8Array(0), new Uint8Array([m.symmetric ? 1 : 0]), m.payload)))
  }

  /**
   * Records a copy; true when it duplicates one already delivered. Sends are counted per version
   * (one 'both' post = one copy in each); a gateway's re-seal (`relayed`) is one more copy of a send
   * already counted or, when it comes first, stands for that send.
   */
  isDuplicate(m: ReceivedMessage, now: number, relayed?: { src?: Uint8Array; sent: number }): boolean {
    const k = CrossVersionDedup.key(m, relayed)
    let c = this.counts.get(k)
    if (!c) {
      if (this.counts.size >= this.max) this.prune(now)
      c = { c5: 0, c6: 0, r: 0, delivered: 0, expiry: m.expiry }
      this.counts.set(k, c)
    }
    if (relayed) c.r++
    else if (m.shh === 5) c.c5++
    else c.c6++
    const sends = Math.max(c.c5, c.c6, c.r > 0 ? 1 : 0)
    if (c.delivered >= sends) return true
    c.delivered++
    return false
  }

  prune(now: number): void {
    for (const [k, c] of this.counts) if (c.expiry < now) this.counts.delete(k)
    while (this.counts.size >= this.max) this.counts.delete(this.counts.keys().next().value as string)
  }
}

export class Filters {
  private readonly filters = new Map<string, Filter>()
  private readonly seen = new BoundedSet<string>(SEEN_MAX)
  private readonly dedup = new CrossVersionDedup()

  constructor(private readonly log: Logger) {}

  get size(): number {
    return this.filters.size
  }

  install(spec: FilterSpec, cb: MessageHandler): string {
    validateFilterSpec(spec)
    if (typeof cb !== 'function') throw new NodeError('params', 'subscribe: callback must be a function')
    const id = toHex(randomBytes(32))
    const copy: FilterSpec = {
      ...spec,
      topics: spec.topics.map((t) => Uint8Array.from(t)),
      symKey: spec.symKey && Uint8Array.from(spec.symKey),
      privateKey: spec.privateKey && Uint8Array.from(spec.privateKey),
    }
    const topicKeys = copy.topics.length === 0 ? null : new Set(copy.topics.map(toHex))
    this.filters.set(id, { id, spec: copy, topicKeys, cb })
    return id
  }

  uninstall(id: string): boolean {
    return this.filters.delete(id)
  }

  has(id: string): boolean {
    return this.filters.has(id)
  }

  ids(): string[] {
    return [...this.filters.keys()]
  }

  clear(): void {
    this.filters.clear()
  }

  /** Union of the blooms of all topics filtered on; null when some filter takes every topic (or none exists). */
  bloom(): Uint8Array | null {
    let acc: Uint8Array | null = null
    for (const f of this.filters.values()) {
      if (f.topicKeys === null) return null
      for (const t of f.spec.topics) acc = acc === null ? topicBloom(t) : bloomUnion(acc, topicBloom(t))
    }
    return acc
  }

  /** Every topic filtered on (Waku topic interest); null when some filter takes every topic (or none exists). */
  topics(): Uint8Array[] | null {
    const out = new Map<string, Uint8Array>()
    for (const f of this.filters.values()) {
      if (f.topicKeys === null) return null
      for (const t of f.spec.topics) out.set(toHex(t), t)
    }
    return this.filters.size === 0 ? null : [...out.values()]
  }

  /** Opens `env` for the interested filters and calls them; returns how many deliveries were made. */
  notify(env: Envelope, info: NotifyInfo): number {
    const hashKey = toHex(info.hash)
    // The same envelope may come on two networks (a bridge carries it unchanged): a filter of any network
    // takes it once, a filter of one network takes it when it comes on that one.
    const anyKey = hashKey
    const netKey = `${info.net}:${hashKey}`
    const anySeen = this.seen.has(anyKey)
    const netSeen = this.seen.has(netKey)
    if (anySeen && netSeen) return 0
    const topicKey = toHex(env.topic)
    const candidates: Filter[] = []
    for (const f of this.filters.values()) {
      if (f.spec.net === undefined ? anySeen : f.spec.net !== info.net || netSeen) continue
      if (f.topicKeys !== null && !f.topicKeys.has(topicKey)) continue
      if (f.spec.shh !== undefined && f.spec.shh !== env.shh) continue
      if (info.p2p && !f.spec.allowP2P) continue
      candidates.push(f)
    }
    if (candidates.length === 0) return 0

    const opened = new Map<string, ReceivedMessage | null>()
    let decided = false
    let duplicate = false
    let relay: ReturnType<typeof relayInfo> = {}
    let delivered = 0
    for (const f of candidates) {
      const m = this.openFor(env, f, opened)
      if (m === null) continue
      if (!decided) {
        decided = true
        this.seen.add(anyKey)
        this.seen.add(netKey)
        relay = relayInfo(m, m.symmetric ? f.spec.symKey : undefined)
        duplicate = !info.p2p && this.dedup.isDuplicate(m, info.now, relay.relayed)
      }
      // a filter of one version never gets the other version's copy, so for it nothing is a duplicate
      if (duplicate && f.spec.shh === undefined) continue
      if (f.spec.minPow !== undefined && f.spec.minPow > 0 && m.pow < f.spec.minPow) continue
      if (f.spec.src && !(m.src && equalBytes(m.src, f.spec.src))) continue
      delivered++
      try {
        f.cb({ ...m, mine: info.mine, p2p: info.p2p, filterId: f.id, ...relay })
      } catch (err) {
        this.log.warn('subscription callback threw', { filter: f.id.slice(0, 8), err })
      }
    }
    if (duplicate) this.log.trace('cross-version duplicate not delivered to filters of both versions', { hash: hashKey })
    return delivered
  }

  private openFor(env: Envelope, f: Filter, cache: Map<string, ReceivedMessage | null>): ReceivedMessage | null {
    const keys: OpenKey[] = []
    if (f.spec.symKey) keys.push({ symKey: f.spec.symKey })
    if (f.spec.privateKey) keys.push({ privateKey: f.spec.privateKey })
    for (const k of keys) {
      const ck = k.symKey ? 's' + toHex(k.symKey) : 'a' + toHex(k.privateKey!)
      let m = cache.get(ck)
      if (m === undefined) {
        m = tryOpen(env, k, this.log)
        cache.set(ck, m)
      }
      if (m !== null) return m
    }
    return null
  }
}

/** `symKey`: the room key `m` opened with (the carried original must open with it too). */
function relayInfo(m: ReceivedMessage, symKey: Uint8Array | undefined): Pick<DeliveredMessage, 'relayed' | 'relayInvalid'> {
  if (!looksRelayed(m.padding)) return {}
  const c = checkRelayed(m, symKey)
  if (c.kind === 'relayed') return { relayed: { by: c.by, src: c.src, address: c.address, shh: c.shh, sent: c.sent } }
  if (c.kind === 'invalid') return { relayInvalid: c.reason }
  return {}
}

function tryOpen(env: Envelope, key: OpenKey, log: Logger): ReceivedMessage | null {
  // a v5 envelope says which kind it is (aesNonce present = symmetric); skip the other kind cheaply
  if (env.shh === 5 && (env.aesNonce.length > 0) !== (key.symKey !== undefined)) return null
  try {
    return openEnvelope(env, key)
  } catch (err) {
    if (!isWhisperError(err, 'decrypt')) log.trace('envelope did not open', { err })
    return null
  }
}
