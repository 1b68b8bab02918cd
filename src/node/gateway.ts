// Version gateway for named rooms (topic + symmetric key): a room's message that reaches this node in
// one shh version is opened and sealed again into the other version, so that shh/5 and shh/6 clients
// of one room see each other. The new message keeps topic, payload and the TTL left, gets a fresh PoW
// meeting the receiving peers' requirement, is signed by this node and carries the original envelope
// in its padding (src/whisper/relayed.ts, docs/relayed-messages.md).
//
// No loops, no multiplication: each message is known by its identity (topic, payload, original signer,
// original sent time; for a relayed message the carried original's). A relayed message is never
// crossed again (its original exists in the other version already), and a crossing is dropped when
// that identity shows up in the target version first (the other copy of a 'both' post, or another
// gateway's re-seal): the crossing waits a short random moment before sealing to give it the chance.
// Work is bounded: at most maxSealing crossings seal at once (PoW on the node's seal workers), at most
// maxPending wait or seal in all, shared fairly between senders (gateway-queue.ts); more are shed and
// counted, never queued without limit. The PoW of a crossing follows what most peers of the target
// version ask, not the highest ask, so one peer cannot stop the room (gateway-pow.ts).
import { shhNetOf, type Net } from '../p2p/net-peer.js'
import { randomInt } from 'node:crypto'
import type { Envelope, ShhVersion } from '../whisper/envelope.js'
import { envelopeWire } from '../whisper/envelope.js'
import { openEnvelope, type ReceivedMessage } from '../whisper/open.js'
import type { SealParams } from '../whisper/seal.js'
import { checkRelayed, encodeRelayed } from '../whisper/relayed.js'
import { keccak256 } from '../whisper/keccak.js'
import { concatBytes, toHex } from '../whisper/bytes.js'
import { isWhisperError } from '../whisper/errors.js'
import { NodeError } from './errors.js'
import type { Logger } from '../log/log.js'
import { short } from '../log/log.js'
import { OUTLIER_FACTOR, crossingPow, type PowAsk } from './gateway-pow.js'
import { FairPending, type Pending } from './gateway-queue.js'

/** A room the version gateway carries between shh/5 and shh/6 peers. */
export interface GatewayRoom {
  /** 4-byte topic. */
  topic: Uint8Array
  /** 32-byte room key: the gateway must open a message to re-seal it. */
  symKey: Uint8Array
}

/** What the gateway needs from its node. */
export interface GatewayHost {
  readonly log: Logger
  readonly versions: readonly ShhVersion[]
  /** signs the re-sealed messages */
  readonly privateKey: Uint8Array
  peers(): Iterable<PowAsk>
  /** the node's own minimum PoW (its pool refuses less) */
  minPow(): number
  /** seal off the main thread (the node's seal pool) */
  seal(p: SealParams): Promise<Envelope>
  /** into the pool and out to the peers, as an own envelope; throws NodeError */
  inject(env: Envelope): string
}

/** Pacing and limits of the version gateway (NodeOptions.gateway). */
export interface GatewayOptions {
  /** crossings waiting or sealing in all; more are shed (default 256) */
  maxPending?: number
  /** crossings sealing at the same time (default 4) */
  maxSealing?: number
  /** random wait before sealing, ms (default 100..600) */
  minDelayMs?: number
  /** Upper end of that random wait, ms. */
  maxDelayMs?: number
  /** seconds of PoW search per re-seal (default 5) */
  workTime?: number
  /** a crossing is never sealed above this PoW for a peer's sake; peers asking more are not served (default 50) */
  maxPow?: number
}

/** The version gateway's counters, part of stats(). */
export interface GatewayStats {
  /** messages sealed into the other version */
  gatewayCrossed: number
  /** crossings dropped because too many were already pending (flood) */
  gatewayShed: number
  /** crossings that failed (PoW not reached, refused by the pool, too big) */
  gatewayFailed: number
  /** crossings not needed: the other version had the message already */
  gatewaySkipped: number
}

interface Crossing {
  id: string
  env: Envelope
  m: ReceivedMessage
  key: Uint8Array
  target: ShhVersion
}

interface Seen {
  versions: Set<ShhVersion>
  expiry: number
}

const SEEN_MAX = 20_000

export class Gateway {
  // topic hex -> keys, each counted: the same room added twice (a --room also joined in the bridge) stays until removed twice
  private readonly rooms = new Map<string, { key: Uint8Array; refs: number }[]>()
  private readonly seen = new Map<string, Seen>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly pending: FairPending<Crossing>
  private sealing = 0
  /** peer id -> the PoW ask it was last logged as skipped for */
  private readonly skipLogged = new Map<string, number>()
  private closed = false
  readonly stats: GatewayStats = { gatewayCrossed: 0, gatewayShed: 0, gatewayFailed: 0, gatewaySkipped: 0 }
  private readonly maxPending: number
  private readonly maxSealing: number
  private readonly minDelay: number
  private readonly maxDelay: number
  private readonly workTime: number
  private readonly maxPow: number

  constructor(private readonly host: GatewayHost, opts: GatewayOptions = {}) {
    this.maxPending = opts.maxPending ?? 256
    this.maxSealing = opts.maxSealing ?? 4
    if (!(Number.isInteger(this.maxSealing) && this.maxSealing >= 1)) throw new NodeError('params', 'gateway: maxSealing must be an integer >= 1')
    this.minDelay = opts.minDelayMs ?? 100
    this.maxDelay = Math.max(this.minDelay, opts.maxDelayMs ?? 600)
    this.workTime = opts.workTime ?? 5
    this.maxPow = opts.maxPow ?? 50
    if (!(Number.isInteger(this.maxPending) && this.maxPending >= 1)) throw new NodeError('params', 'gateway: maxPending must be an integer >= 1')
    this.pending = new FairPending(this.maxPending)
  }

  addRoom(room: GatewayRoom): void {
    if (!(room.topic instanceof Uint8Array) || room.topic.length !== 4) throw new NodeError('params', 'gateway room: topic must be 4 bytes')
    if (!(room.symKey instanceof Uint8Array) || room.symKey.length !== 32) throw new NodeError('params', 'gateway room: key must be 32 bytes')
    const t = toHex(room.topic)
    const keys = this.rooms.get(t) ?? []
    const known = keys.find((k) => toHex(k.key) === toHex(room.symKey))
    if (known) known.refs++
    else keys.push({ key: Uint8Array.from(room.symKey), refs: 1 })
    this.rooms.set(t, keys)
  }

  removeRoom(room: GatewayRoom): boolean {
    const t = toHex(room.topic)
    const keys = this.rooms.get(t)
    const known = keys?.find((k) => toHex(k.key) === toHex(room.symKey))
    if (!keys || !known) return false
    if (--known.refs > 0) return true
    const left = keys.filter((k) => k !== known)
    if (left.length === 0) this.rooms.delete(t)
    else this.rooms.set(t, left)
    return true
  }

  close(): void {
    this.closed = true
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    this.pending.clear()
    this.seen.clear()
  }

  /**
   * Every envelope newly accepted into a pool, with the peer it came from. Runs inside the peer's ingest
   * (its CPU budget pays for opening).
   */
  onEnvelope(env: Envelope, local: boolean, from?: string, net: Net = shhNetOf(env.shh)): void {
    // the gateway carries between the shh networks; Waku meets them through the network bridge (net-bridge.ts)
    if (this.closed || local || this.rooms.size === 0 || net !== shhNetOf(env.shh)) return
    const keys = this.rooms.get(toHex(env.topic))
    if (!keys) return
    let m: ReceivedMessage | null = null
    let key: Uint8Array | null = null
    for (const { key: k } of keys) {
      if (env.shh === 5 && env.aesNonce.length === 0) break // asymmetric: not a room message
      try {
        m = openEnvelope(env, { symKey: k })
        key = k
        break
      } catch (err) {
        if (!isWhisperError(err, 'decrypt')) this.host.log.trace('gateway: room envelope did not open', { err })
      }
    }
    if (!m || !key) return
    const relayed = checkRelayed(m, key)
    if (relayed.kind === 'relayed') {
      // the original is in its own version already; this copy is in env.shh: nothing more to carry
      const id = identity(env.topic, relayed.sent, relayed.address, m.payload)
      this.note(id, env.shh, env.expiry)
      this.note(id, relayed.shh, env.expiry)
      return
    }
    // a relay padding that does not verify here (another format version: an older or newer gateway) is
    // never crossed either: two gateways that cannot read each other's format would carry it back and forth
    if (relayed.kind === 'invalid') {
      this.host.log.trace('gateway: relayed message not verified, not crossed', { topic: toHex(env.topic), reason: relayed.reason })
      return
    }
    const id = identity(env.topic, m.sent, m.address, m.payload)
    this.note(id, env.shh, env.expiry)
    const sender = { peer: from ?? 'local', signer: m.address ? toHex(m.address) : '' }
    for (const target of this.host.versions) {
      if (target === env.shh || this.present(id, target)) continue
      if (!this.hasPeer(target)) continue
      const delay = this.maxDelay > this.minDelay ? randomInt(this.minDelay, this.maxDelay + 1) : this.minDelay
      let slot: Pending<Crossing> | null = null
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        if (slot === null) return
        this.pending.ready(slot)
        this.drain()
      }, delay)
      timer.unref()
      const got = this.pending.add(sender, { id, env, m, key, target }, () => {
        clearTimeout(timer)
        this.timers.delete(timer)
      })
      if (got === null) {
        clearTimeout(timer)
        this.stats.gatewayShed++
        this.host.log.debug('gateway: busy, crossing shed', { topic: toHex(env.topic), to: `shh/${target}`, peer: short(sender.peer), signer: sender.signer })
        continue
      }
      if (got.evicted) {
        this.stats.gatewayShed++
        const { peer, signer } = got.evicted.sender
        this.host.log.debug('gateway: busy, a crossing of the biggest sender shed', { to: `shh/${got.evicted.job.target}`, peer: short(peer), signer })
      }
      slot = got.slot
      this.timers.add(timer)
    }
  }

  private drain(): void {
    while (!this.closed && this.sealing < this.maxSealing) {
      const slot = this.pending.next()
      if (slot === null) return
      this.sealing++
      void this.cross(slot.job).finally(() => this.sealed(slot))
    }
  }

  private sealed(slot: Pending<Crossing>): void {
    if (this.closed) return
    this.sealing--
    this.pending.done(slot)
    this.drain()
  }

  private async cross({ id, env, m, key: symKey, target }: Crossing): Promise<void> {
    if (this.closed) return
    if (this.present(id, target)) {
      this.stats.gatewaySkipped++
      return
    }
    const now = Math.floor(Date.now() / 1000)
    const ttl = env.expiry - now
    if (ttl < 1) return
    const pow = this.targetPow(target)
    let sealed: Envelope
    try {
      sealed = await this.host.seal({
        shh: target,
        topic: env.topic,
        payload: m.payload,
        padding: encodeRelayed(env, envelopeWire(env)),
        ttl,
        pow,
        workTime: this.workTime,
        symKey,
        src: this.host.privateKey,
        now,
      })
      if (this.closed) return
      if (this.present(id, target)) {
        this.stats.gatewaySkipped++
        return
      }
      this.host.inject(sealed)
    } catch (err) {
      if (this.closed || (err instanceof NodeError && err.code === 'aborted')) return
      this.stats.gatewayFailed++
      this.host.log.warn('gateway: crossing failed', { to: `shh/${target}`, err: (err as Error).message })
      return
    }
    this.note(id, target, env.expiry)
    this.stats.gatewayCrossed++
    this.host.log.debug('gateway: message crossed', { topic: toHex(env.topic), from: `shh/${env.shh}`, to: `shh/${target}` })
  }

  private targetPow(target: ShhVersion): number {
    const { pow, skipped } = crossingPow(target, this.host.minPow(), this.maxPow, this.host.peers())
    for (const p of skipped) {
      if (this.skipLogged.get(p.id) === p.minPow) continue
      if (this.skipLogged.size >= SEEN_MAX) this.skipLogged.clear()
      this.skipLogged.set(p.id, p.minPow)
      const why = p.why === 'cap' ? `above the gateway's cap ${this.maxPow}` : `over ${OUTLIER_FACTOR}x what most peers ask`
      this.host.log.warn('gateway: peer asks too much PoW, crossings not sent to it', { peer: short(p.id), to: `shh/${target}`, asks: p.minPow, sealedAt: pow, why })
    }
    return pow
  }

  private hasPeer(v: ShhVersion): boolean {
    for (const p of this.host.peers()) if (p.shh === v) return true
    return false
  }

  private present(id: string, v: ShhVersion): boolean {
    return this.seen.get(id)?.versions.has(v) ?? false
  }

  private note(id: string, v: ShhVersion, expiry: number): void {
    let s = this.seen.get(id)
    if (!s) {
      if (this.seen.size >= SEEN_MAX) this.prune()
      s = { versions: new Set(), expiry }
      this.seen.set(id, s)
    }
    s.versions.add(v)
    if (expiry > s.expiry) s.expiry = expiry
  }

  private prune(): void {
    const now = Math.floor(Date.now() / 1000)
    for (const [k, s] of this.seen) if (s.expiry < now) this.seen.delete(k)
    while (this.seen.size >= SEEN_MAX) this.seen.delete(this.seen.keys().next().value as string)
  }
}

/** A message's identity across versions and gateways: topic, original sent time, signer, payload. */
function identity(topic: Uint8Array, sent: number, address: Uint8Array | undefined, payload: Uint8Array): string {
  const s = new Uint8Array(4)
  new DataView(s.buffer).setUint32(0, sent >>> 0)
  return toHex(keccak256(concatBytes(topic, s, address ?? new Uint8Array(0), payload)))
}
