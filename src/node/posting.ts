// Our own messages: sealing (PoW off the main thread in the SealPool), geth's Wrap, Send, Post
// (seal + send, one copy per protocol version), p2p direct messages and mail requests. Each own
// envelope goes through ingest's `add` checks, to this node's subscriptions once (marked mine), out
// to the peers, and under the delivery watch until a copy reaches one.
import { encodeEnvelope, envelopeSize, rlpWithoutNonce, type Envelope, type ShhVersion } from '../whisper/envelope.js'
import { buildEnvelope, planSeal, completeSeal, type SealParams } from '../whisper/seal.js'
import { keccak256 } from '../whisper/keccak.js'
import { toHex } from '../whisper/bytes.js'
import { isWhisperError } from '../whisper/errors.js'
import type { ShhPeer } from '../p2p/shh-peer.js'
import { short, type Logger } from '../log/log.js'
import type { DeliveryWatch } from './delivery.js'
import { NodeError } from './errors.js'
import type { Filters } from './filter.js'
import { unixNow, type Ingest } from './ingest.js'
import type { Peers } from './peers.js'
import { requireRunning, type PhaseOf } from './phase.js'
import type { PoolEntry } from './pool.js'
import type { SealPool } from './seal-pool.js'

/**
 * What to post: SealParams without the version (the node seals one copy per version it speaks, unless `shh`
 * says which) and without `now`.
 */
export type PostParams = Omit<SealParams, 'now' | 'shh'> & {
  /** default: every version the node offers ('both' for [5, 6]) */
  shh?: ShhVersion | 'both'
  /** Send as a p2p direct message to this peer only (enode or node id), not through the pool. */
  targetPeer?: string
}

/** What post() sealed and sent. */
export interface PostResult {
  /** hash of the first envelope (hex, no 0x) */
  hash: string
  /** one per envelope, in `envelopes` order */
  hashes: string[]
  /** The envelopes sent, one per protocol version. */
  envelopes: Envelope[]
}

export interface PostingDeps {
  versions: readonly ShhVersion[]
  /** a relay posts nothing */
  relay: boolean
  seals: Pick<SealPool, 'sealNonce'>
  ingest: Pick<Ingest, 'admit' | 'checkOwn' | 'addOwn' | 'announce'>
  filters: Pick<Filters, 'notify'>
  delivery: Pick<DeliveryWatch, 'track'>
  peers: Pick<Peers, 'find' | 'markTrusted'>
  log: Logger
  phase: PhaseOf
  /** aborted when the node stops: a seal in progress ends with NodeError 'aborted' */
  stopped: AbortSignal
  /** the pool's size limit (geth's add), checked before the PoW search of a post */
  maxMessageSize: () => number
}

export class Posting {
  constructor(private readonly deps: PostingDeps) {}

  /**
   * Seals one envelope per requested version (PoW off the main thread), adds each to its pool (geth's
   * Send: the pool's own checks apply, e.g. PoW at least the node's minimum), forwards it to the
   * connected peers, or keeps it for peers that connect before it expires, and delivers it to this
   * node's matching subscriptions once, marked `mine`.
   */
  async post(p: PostParams): Promise<PostResult> {
    const { deps } = this
    requireRunning(deps.phase())
    if (deps.relay) throw new NodeError('relay', 'a relay node does not post messages')
    if (!p || typeof p !== 'object') throw new NodeError('params', 'post: parameters required')
    let target: ShhPeer | undefined
    if (p.targetPeer !== undefined) {
      target = deps.peers.find(p.targetPeer)
      if (!target) throw new NodeError('peer', `post: no connected peer ${short(String(p.targetPeer))}`)
    }
    const versions = this.postVersions(p.shh, target)
    const { shh: _ignored, targetPeer: _t, ...params } = p
    // one sent time for every copy: receivers with peers of both versions recognise them as one message
    const now = unixNow()
    const envelopes: Envelope[] = []
    for (const shh of versions) envelopes.push(await this.seal({ ...params, shh, now }, deps.maxMessageSize()))
    requireRunning(deps.phase())

    if (target) {
      for (const env of envelopes) {
        if (!target.sendP2PMessage(env)) throw new NodeError('peer', 'post: the target peer is gone')
      }
      const hashes = envelopes.map((e) => toHex(keccak256(encodeEnvelope(e))))
      deps.log.debug('Sent direct message', { peer: short(target.id), hash: hashes[0] })
      return { hash: hashes[0], hashes, envelopes }
    }

    // every copy passes geth's add before any is pooled: a post that fails leaves nothing behind
    const checked = envelopes.map((env) => ({ env, pow: deps.ingest.checkOwn(env) }))
    const entries = checked.map(({ env, pow }) => deps.ingest.addOwn(env, pow))
    // the same text sealed once per version: the filters' cross-version dedup delivers it once, and a
    // filter of one version only still gets its copy
    this.deliverOwn(entries)
    return { hash: entries[0].key, hashes: entries.map((e) => e.key), envelopes }
  }

  /** geth's Wrap: builds and seals an envelope (PoW off the main thread) without sending it. */
  async wrap(p: SealParams): Promise<Envelope> {
    requireRunning(this.deps.phase())
    if (!p || (p.shh !== 5 && p.shh !== 6)) throw new NodeError('params', 'wrap: shh must be 5 or 6')
    if (!this.deps.versions.includes(p.shh)) throw new NodeError('params', `wrap: this node does not speak shh/${p.shh}`)
    return this.seal({ ...p })
  }

  /**
   * geth's Send: an envelope sealed elsewhere (e.g. by wrap) through the pool's checks, to this
   * node's subscriptions (marked mine) and out to the peers. Returns its hash; NodeError 'rejected'.
   */
  send(env: Envelope, copies: Envelope[] = []): string {
    const { deps } = this
    requireRunning(deps.phase())
    if (deps.relay) throw new NodeError('relay', 'a relay node does not post messages')
    if (!env || !deps.versions.includes(env.shh)) throw new NodeError('params', `send: this node does not speak shh/${env?.shh}`)
    const entries: PoolEntry[] = []
    try {
      entries.push(deps.ingest.admit(env))
    } catch (err) {
      if (isWhisperError(err)) throw new NodeError('params', `send: ${err.message}`, { cause: err })
      throw err
    }
    // the same message sealed for the other versions: best effort, the first envelope decides the answer
    for (const c of copies) {
      try {
        if (deps.versions.includes(c?.shh)) entries.push(deps.ingest.admit(c))
      } catch (err) {
        deps.log.warn('Copy of a sent message for another version not accepted', { shh: c?.shh, err: (err as Error).message })
      }
    }
    this.deliverOwn(entries)
    return entries[0].key
  }

  /** geth's SendP2PMessage: a sealed envelope straight to one connected peer (enode or node id), not pooled. */
  sendDirect(peer: string, env: Envelope): string {
    requireRunning(this.deps.phase())
    const target = this.deps.peers.find(peer)
    if (!target) throw new NodeError('peer', `no connected peer ${short(String(peer))}`)
    if (env?.shh !== target.shh) throw new NodeError('params', `the peer speaks shh/${target.shh}, the envelope is shh/${env?.shh}`)
    let hash: string
    try {
      hash = toHex(keccak256(encodeEnvelope(env)))
    } catch (err) {
      throw asParamsError(err)
    }
    if (!target.sendP2PMessage(env)) throw new NodeError('peer', 'the peer is gone')
    return hash
  }

  /** geth's RequestHistoricMessages: marks the peer trusted (for the answers) and sends it a mail request. */
  requestHistory(peer: string, env: Envelope): void {
    requireRunning(this.deps.phase())
    const target = this.deps.peers.find(peer)
    if (!target) throw new NodeError('peer', `no connected peer ${short(String(peer))}`)
    if (env?.shh !== target.shh) throw new NodeError('params', `the peer speaks shh/${target.shh}, the request is shh/${env?.shh}`)
    this.deps.peers.markTrusted(target.id)
    target.trusted = true
    if (!target.sendP2PRequest(env)) throw new NodeError('peer', 'the peer is gone')
  }

  /**
   * Builds and seals one envelope; the nonce search runs in the seal pool. NodeError 'params' / 'pow' /
   * 'aborted', or 'rejected' when the envelope is over `maxSize`: the nonce does not change the size, so
   * a message the pool would refuse is refused before seconds of PoW that could only fail or be wasted.
   */
  async seal(p: SealParams, maxSize = Infinity): Promise<Envelope> {
    let plan
    try {
      plan = planSeal(buildEnvelope(p), p.pow, p.workTime)
    } catch (err) {
      throw asParamsError(err)
    }
    const size = envelopeSize(plan.env)
    if (size > maxSize) throw new NodeError('rejected', `envelope not accepted by the node: huge messages are not allowed (${size} > ${maxSize})`)
    if (!plan.search) return completeSeal(plan, { nonce: 0n, bits: 0 })
    const found = await this.deps.seals.sealNonce(plan.env.shh, rlpWithoutNonce(plan.env), {
      targetBits: plan.targetBits,
      workTimeMs: plan.workTimeMs,
      signal: this.deps.stopped,
    })
    try {
      return completeSeal(plan, found)
    } catch (err) {
      if (isWhisperError(err, 'pow')) throw new NodeError('pow', err.message, { cause: err })
      throw err
    }
  }

  /** Pooled own envelopes: to our subscriptions (mine), out to the peers, watched until one is sent. */
  private deliverOwn(entries: PoolEntry[]): void {
    for (const e of entries) this.deps.filters.notify(e.env, { hash: e.hash, mine: true, p2p: false, now: unixNow() })
    for (const e of entries) this.deps.ingest.announce(e)
    this.deps.delivery.track(entries)
  }

  private postVersions(shh: PostParams['shh'], target: ShhPeer | undefined): ShhVersion[] {
    if (target) {
      if (shh !== undefined && shh !== 'both' && shh !== target.shh) {
        throw new NodeError('params', `post: the target peer speaks shh/${target.shh}, not shh/${shh}`)
      }
      return [target.shh]
    }
    if (shh === undefined || shh === 'both') return [...this.deps.versions]
    if (shh !== 5 && shh !== 6) throw new NodeError('params', `post: shh must be 5, 6 or 'both'`)
    if (!this.deps.versions.includes(shh)) throw new NodeError('params', `post: this node does not speak shh/${shh}`)
    return [shh]
  }
}

function asParamsError(err: unknown): Error {
  if (isWhisperError(err)) return new NodeError('params', err.message, { cause: err })
  return err instanceof Error ? err : new Error(String(err))
}
