// Our own messages: sealing (PoW off the main thread in the SealPool), geth's Wrap, Send, Post
// (seal + send: one envelope per format, pooled in every network asked for: shh/6 and Waku share one
// envelope, the same bytes), p2p direct messages and mail requests. Each own
// envelope goes through ingest's `add` checks, to this node's subscriptions once (marked mine), out
// to the peers, and under the delivery watch until a copy reaches one.
import { encodeEnvelope, envelopeSize, rlpWithoutNonce, type Envelope, type ShhVersion } from '../whisper/envelope.js'
import { buildEnvelope, planSeal, completeSeal, type SealParams } from '../whisper/seal.js'
import { keccak256 } from '../whisper/keccak.js'
import { toHex } from '../whisper/bytes.js'
import { isWhisperError } from '../whisper/errors.js'
import { formatOfNet, isNet, type Net, type NetPeer } from '../p2p/net-peer.js'
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
 * What to post: SealParams without the version (the node seals one envelope per format its networks
 * need, unless `net` or `shh` says which) and without `now`.
 */
export type PostParams = Omit<SealParams, 'now' | 'shh'> & {
  /** the networks to post to (default: every network the node runs); not with `shh` */
  net?: Net | Net[]
  /** the shh networks by version: 5, 6, or 'both' for shh/5 and shh/6 (the older spelling of `net`) */
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
  /** The envelopes sent, one per format (shh/6 and Waku share one). */
  envelopes: Envelope[]
  /** The networks posted to. */
  nets: Net[]
}

export interface PostingDeps {
  /** the networks the node runs */
  nets: readonly Net[]
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
    const nets = this.postNets(p.net, p.shh)
    let target: NetPeer | undefined
    if (p.targetPeer !== undefined) {
      for (const net of nets) target ??= deps.peers.find(p.targetPeer, net)
      if (!target) throw new NodeError('peer', `post: no connected peer ${short(String(p.targetPeer))} on ${nets.join(' or ')}`)
    }
    const formats = [...new Set((target ? [target.net] : nets).map(formatOfNet))].sort()
    const { shh: _ignored, net: _n, targetPeer: _t, ...params } = p
    // one sent time for every copy: receivers with peers of both versions recognise them as one message
    const now = unixNow()
    const sealed = new Map<ShhVersion, Envelope>()
    for (const shh of formats) sealed.set(shh, await this.seal({ ...params, shh, now }, deps.maxMessageSize()))
    const envelopes = [...sealed.values()]
    requireRunning(deps.phase())

    if (target) {
      const env = sealed.get(target.format)!
      if (!target.sendP2PMessage(env)) throw new NodeError('peer', 'post: the target peer is gone')
      const hash = toHex(keccak256(encodeEnvelope(env)))
      deps.log.debug('Sent direct message', { peer: short(target.id), hash })
      return { hash, hashes: [hash], envelopes, nets: [target.net] }
    }

    // every copy passes geth's add before any is pooled: a post that fails leaves nothing behind
    const pows = new Map(envelopes.map((env) => [env, deps.ingest.checkOwn(env)]))
    const entries = nets.map((net) => {
      const env = sealed.get(formatOfNet(net))!
      return deps.ingest.addOwn(env, pows.get(env)!, net)
    })
    // the same text sealed once per version: the filters' cross-version dedup delivers it once, and a
    // filter of one version only still gets its copy
    this.deliverOwn(entries)
    const hashes = envelopes.map((e) => entries.find((x) => x.env === e)!.key)
    return { hash: hashes[0], hashes, envelopes, nets }
  }

  /** geth's Wrap: builds and seals an envelope (PoW off the main thread) without sending it. */
  async wrap(p: SealParams): Promise<Envelope> {
    requireRunning(this.deps.phase())
    if (!p || (p.shh !== 5 && p.shh !== 6)) throw new NodeError('params', 'wrap: shh must be 5 or 6')
    if (!this.deps.nets.some((n) => formatOfNet(n) === p.shh)) throw new NodeError('params', `wrap: no network of this node carries format ${p.shh} envelopes`)
    return this.seal({ ...p })
  }

  /**
   * geth's Send: an envelope sealed elsewhere (e.g. by wrap) through the pool's checks, to this
   * node's subscriptions (marked mine) and out to the peers: of `net`, else of every network of the
   * node that carries its format. Returns its hash; NodeError 'rejected'.
   */
  send(env: Envelope, copies: Envelope[] = [], net?: Net): string {
    const { deps } = this
    requireRunning(deps.phase())
    if (deps.relay) throw new NodeError('relay', 'a relay node does not post messages')
    if (net !== undefined && (!isNet(net) || !deps.nets.includes(net))) throw new NodeError('params', `send: this node does not run ${String(net)}`)
    const nets = net !== undefined ? [net] : this.netsFor(env?.shh)
    if (!env || nets.length === 0 || (net !== undefined && formatOfNet(net) !== env.shh)) {
      throw new NodeError('params', `send: this node does not speak shh/${env?.shh}${net ? ` on ${net}` : ''}`)
    }
    const entries: PoolEntry[] = []
    try {
      for (const n of nets) entries.push(deps.ingest.admit(env, n))
    } catch (err) {
      if (isWhisperError(err)) throw new NodeError('params', `send: ${err.message}`, { cause: err })
      throw err
    }
    // the same message sealed for the other versions: best effort, the first envelope decides the answer
    for (const c of copies) {
      try {
        for (const n of this.netsFor(c?.shh)) if (net === undefined || formatOfNet(net) !== c.shh) entries.push(deps.ingest.admit(c, n))
      } catch (err) {
        deps.log.warn('Copy of a sent message for another version not accepted', { shh: c?.shh, err: (err as Error).message })
      }
    }
    this.deliverOwn(entries)
    return entries[0].key
  }

  /** geth's SendP2PMessage: a sealed envelope straight to one connected peer (enode or node id; on `net`), not pooled. */
  sendDirect(peer: string, env: Envelope, net?: Net): string {
    requireRunning(this.deps.phase())
    const target = this.findFor(peer, env, net)
    if (!target) throw new NodeError('peer', `no connected peer ${short(String(peer))}`)
    if (env?.shh !== target.format) throw new NodeError('params', `the peer speaks ${target.cap}, the envelope is shh/${env?.shh}`)
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
  requestHistory(peer: string, env: Envelope, net?: Net): void {
    requireRunning(this.deps.phase())
    const target = this.findFor(peer, env, net)
    if (!target) throw new NodeError('peer', `no connected peer ${short(String(peer))}`)
    if (env?.shh !== target.format) throw new NodeError('params', `the peer speaks ${target.cap}, the request is shh/${env?.shh}`)
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
    for (const e of entries) this.deps.filters.notify(e.env, { hash: e.hash, net: e.net, mine: true, p2p: false, now: unixNow() })
    for (const e of entries) this.deps.ingest.announce(e)
    this.deps.delivery.track(entries)
  }

  /** The networks a post goes to: `net`, else `shh`'s, else every network the node runs. */
  private postNets(net: PostParams['net'], shh: PostParams['shh']): Net[] {
    const runs = this.deps.nets
    if (net !== undefined) {
      if (shh !== undefined) throw new NodeError('params', 'post: give net or shh, not both')
      const asked = Array.isArray(net) ? net : [net]
      if (asked.length === 0 || asked.some((n) => !isNet(n))) throw new NodeError('params', `post: net must be 'shh/5', 'shh/6' or 'waku'`)
      const missing = asked.find((n) => !runs.includes(n))
      if (missing) throw new NodeError('params', `post: this node does not run ${missing}`)
      return runs.filter((n) => asked.includes(n))
    }
    if (shh === undefined) return [...runs]
    if (shh === 'both') {
      const nets = runs.filter((n) => n !== 'waku')
      if (nets.length === 0) throw new NodeError('params', 'post: this node runs no shh network')
      return nets
    }
    if (shh !== 5 && shh !== 6) throw new NodeError('params', `post: shh must be 5, 6 or 'both'`)
    if (!runs.includes(`shh/${shh}`)) throw new NodeError('params', `post: this node does not speak shh/${shh}`)
    return [`shh/${shh}`]
  }

  /** The node's networks that carry envelopes of this format. */
  private netsFor(format: ShhVersion | undefined): Net[] {
    return this.deps.nets.filter((n) => formatOfNet(n) === format)
  }

  /** The peer to send `env` to: on `net`, else on a network of the envelope's format. */
  private findFor(peer: string, env: Envelope | undefined, net?: Net): NetPeer | undefined {
    if (net !== undefined) return this.deps.peers.find(peer, net)
    for (const n of this.netsFor(env?.shh)) {
      const p = this.deps.peers.find(peer, n)
      if (p) return p
    }
    return this.deps.peers.find(peer)
  }
}

function asParamsError(err: unknown): Error {
  if (isWhisperError(err)) return new NodeError('params', err.message, { cause: err })
  return err instanceof Error ? err : new Error(String(err))
}
