// Everything that enters the node's pools, as geth's `add`: envelopes from peers (validate -> pool ->
// filters -> forward, the sender dropped on a bad one), our own envelopes (the same checks, a refusal
// is the caller's NodeError 'rejected'), and what a newly pooled envelope sets off (gateway, mail
// archive, the 'envelope' event). Also the peers' p2p direct messages and mail requests, which are
// never pooled.
import { encodeEnvelope, envelopeBloom, envelopeWire, type Envelope, type ShhVersion } from '../whisper/envelope.js'
import { keccak256 } from '../whisper/keccak.js'
import { toHex } from '../whisper/bytes.js'
import type { Net, NetPeer } from '../p2p/net-peer.js'
import type { RequestComplete } from '../waku/request-complete.js'
import type { MessagesRequest } from '../waku/messages-request.js'
import { ENVELOPE_OTHER_ERROR, ENVELOPE_TIME_NOT_SYNCED } from '../waku/codes.js'
import type { EnvelopeError } from '../waku/confirmations.js'
import { short, type Logger } from '../log/log.js'
import { NodeError } from './errors.js'
import type { NodeEvents } from './events.js'
import type { Filters } from './filter.js'
import type { Forwarder } from './forwarder.js'
import type { PeerLimits } from './peer-limits.js'
import type { PeerState } from './peer-state.js'
import type { EnvelopePool, PoolEntry } from './pool.js'
import type { PhaseOf } from './phase.js'
import type { Requirements } from './requirements.js'
import { validateEnvelope } from './validate.js'
import type { EnvelopeCounts } from './envelope-counts.js'

/** What a mail server (mailserver.ts) gets from the node: every envelope it accepts, and peers' requests. */
export interface MailServerHooks {
  archive(env: Envelope, hash: Uint8Array): void
  request(peer: NetPeer, env: Envelope): void
  /** a Waku peer's MessagesRequest (the form that is no envelope) */
  messagesRequest(peer: NetPeer, req: MessagesRequest): void
}

/** A new envelope accepted into the node's pool (event 'envelope'), whether it opens or not. */
export interface EnvelopeEvent {
  /** Envelope hash, hex. */
  hash: string
  /** Its envelope format (a Waku envelope is format 6). */
  shh: ShhVersion
  /** The network whose pool took it. */
  net: Net
  /** Its topic, hex. */
  topic: string
  /** Its PoW (geth's formula). */
  pow: number
  /** Its size as geth counts it. */
  size: number
  /** When it expires, unix seconds. */
  expiry: number
  /** Posted by this node. */
  local: boolean
  /** node id of the peer it came from (absent for our own) */
  from?: string
}

/** The node's traffic counters (NodeStats); the forwarder's callback counts envelopesOut. */
export interface IngestCounters {
  envelopesIn: number
  envelopesOut: number
  envelopesDropped: number
  peersDropped: number
}

export interface IngestDeps {
  pools: ReadonlyMap<Net, EnvelopePool>
  requirements: Pick<Requirements, 'policy' | 'minPow' | 'lightNode' | 'confirmations'>
  forwarder: Pick<Forwarder<NetPeer>, 'announce' | 'forget'>
  filters: Pick<Filters, 'notify'>
  limits: Pick<PeerLimits, 'charge'> | null
  /**
   * a newly pooled envelope, ours or a peer's (`from`: its id; `bridged`: the network bridge put it there);
   * the version gateway and the network bridge read them
   */
  pooled: (entry: PoolEntry, from: string | undefined, bridged: boolean) => void
  counters: IngestCounters
  envelopeCounts: EnvelopeCounts
  events: NodeEvents
  log: Logger
  phase: PhaseOf
  /** forwards everything, opens nothing */
  relay: boolean
}

export const unixNow = (): number => Math.floor(Date.now() / 1000)

export class Ingest {
  private mail: MailServerHooks | null = null

  constructor(private readonly deps: IngestDeps) {}

  /** The mail server's hooks (set before start: every peer is wired for requests as it connects). */
  setMailServer(hooks: MailServerHooks): void {
    this.mail = hooks
  }

  /** Whether peers' mail requests are read at all (decoded only while someone serves them). */
  get servesMail(): boolean {
    return this.mail !== null
  }

  /**
   * geth's runMessageLoop messagesCode: every envelope through `add`; any error drops the peer afterwards.
   * A Waku batch (`batch`: its hash) is confirmed when we announced confirmations (status-go's
   * sendConfirmation: the errors of the envelopes `add` refused).
   */
  fromPeer(state: PeerState<NetPeer>, envs: Envelope[], batch?: Uint8Array): void {
    const { deps } = this
    if (deps.phase() !== 'running') return
    const peer = state.peer
    const net = peer.net
    const pool = deps.pools.get(net)
    if (!pool) return
    const errors: EnvelopeError[] = []
    const policy = deps.requirements.policy(unixNow())
    let trouble: string | null = null
    const started = performance.now()
    let useless = 0 // known already, or dropped quietly: what a flood costs its sender nothing for
    const counts = deps.envelopeCounts
    for (const env of envs) {
      if (env.shh !== peer.format) continue
      counts.of(net).received++
      const v = validateEnvelope(env, policy)
      if (v.kind === 'reject') {
        counts.reject(net, v.reason)
        if (batch) errors.push({ hash: keccak256(envelopeWire(env)), code: v.reason === 'future' ? ENVELOPE_TIME_NOT_SYNCED : ENVELOPE_OTHER_ERROR, description: v.message })
        trouble ??= v.message
        deps.log.debug('Bad envelope received, peer will be disconnected', { peer: short(peer.id), reason: v.reason })
        continue
      }
      if (v.kind === 'drop') {
        useless++
        deps.counters.envelopesDropped++
        counts.drop(net, v.reason)
        deps.log.trace('Envelope dropped', { peer: short(peer.id), reason: v.reason })
        continue
      }
      const res = pool.add(makeEntry(env, net, v.pow, false))
      if (res.status === 'full') {
        deps.counters.envelopesDropped++
        counts.drop(net, 'pool-full')
        deps.log.debug('Envelope pool full: envelope dropped', { net, pow: v.pow })
        continue
      }
      state.mark(res.entry.key)
      if (res.status === 'known') {
        useless++
        counts.of(net).known++
        continue
      }
      deps.counters.envelopesIn++
      counts.of(net).added++
      this.afterAdd(res.entry, res.evicted, peer.id)
      if (!deps.relay) deps.filters.notify(env, { hash: res.entry.hash, net, mine: false, p2p: false, now: policy.now })
      this.announce(res.entry)
    }
    if (batch && deps.requirements.confirmations) peer.confirm(batch, errors)
    if (trouble === null) deps.limits?.charge(state.key, performance.now() - started, useless)
    if (trouble !== null) {
      deps.counters.peersDropped++
      deps.log.warn('Bad envelope received, peer disconnected', { peer: short(peer.id), err: trouble })
      peer.drop(`invalid envelope: ${trouble}`)
    }
  }

  /** A p2p direct message: geth reads them from trusted peers only (the p2p layer checks too) and never pools them. */
  directFromPeer(peer: NetPeer, env: Envelope): void {
    const { deps } = this
    if (deps.phase() !== 'running' || deps.relay || !peer.trusted) return
    const hash = keccak256(encodeEnvelope(env))
    if (deps.events.wants('p2pMessage')) deps.events.emit('p2pMessage', peer.id, env, hash) // mail clients count answers
    deps.filters.notify(env, { hash, net: peer.net, mine: false, p2p: true, now: unixNow() })
  }

  /** The end of a page of a mail server's answer (status-go's request-complete), for mail clients. */
  requestComplete(peer: NetPeer, r: RequestComplete): void {
    const { deps } = this
    if (deps.phase() !== 'running' || !peer.trusted) return
    if (deps.events.wants('mailComplete')) deps.events.emit('mailComplete', peer.id, r)
  }

  /** A peer's mail request, for the mail server. */
  mailRequest(peer: NetPeer, env: Envelope): void {
    if (this.mail) this.callMail('request', () => this.mail!.request(peer, env))
  }

  /** A Waku peer's MessagesRequest, for the mail server. */
  messagesRequest(peer: NetPeer, req: MessagesRequest): void {
    if (this.mail) this.callMail('request', () => this.mail!.messagesRequest(peer, req))
  }

  /** Our own envelope through geth's add into `net`'s pool; throws NodeError 'rejected' where geth's Send fails. */
  admit(env: Envelope, net: Net): PoolEntry {
    return this.addOwn(env, this.checkOwn(env), net)
  }

  /** geth's add checks for our own envelope; returns its PoW or throws NodeError 'rejected'. */
  checkOwn(env: Envelope): number {
    const minPow = this.deps.requirements.minPow
    // our bloom says what we ask peers for; it does not limit what we post (geth's Send would refuse)
    const v = validateEnvelope(env, { ...this.deps.requirements.policy(unixNow()), bloom: null, bloomTolerance: null })
    if (v.kind !== 'accept') {
      const why = v.kind === 'reject' ? v.message : v.reason === 'low-pow' ? `PoW ${v.pow} below the node's minimum ${minPow}` : v.reason === 'zero-ttl' ? 'TTL 0 (infinite PoW without work; use a TTL of at least 1 s)' : v.reason
      throw new NodeError('rejected', `envelope not accepted by the node: ${why}`)
    }
    return v.pow
  }

  /** Pools an own envelope checkOwn passed; NodeError 'rejected' when the pool is full or the node does not run `net`. */
  addOwn(env: Envelope, pow: number, net: Net): PoolEntry {
    const pool = this.deps.pools.get(net)
    if (!pool) throw new NodeError('rejected', `this node does not run ${net}`)
    const res = pool.add(makeEntry(env, net, pow, true))
    if (res.status === 'full') throw new NodeError('rejected', 'envelope pool full')
    if (res.status === 'added') this.afterAdd(res.entry, res.evicted)
    return res.entry
  }

  /**
   * An envelope the network bridge carries from another network: geth's add as for a peer's (a refusal
   * drops nobody), pooled, to the filters of this network and out to its peers. Returns 'added', 'known'
   * or why it was refused.
   */
  bridgeIn(env: Envelope, net: Net): string {
    const { deps } = this
    const pool = deps.pools.get(net)
    if (deps.phase() !== 'running' || !pool) return 'not running'
    const policy = deps.requirements.policy(unixNow())
    const v = validateEnvelope(env, policy)
    if (v.kind !== 'accept') return v.kind === 'reject' ? v.message : v.reason
    const res = pool.add(makeEntry(env, net, v.pow, false))
    if (res.status === 'full') return 'pool full'
    if (res.status === 'known') return 'known'
    deps.envelopeCounts.of(net).added++
    this.afterAdd(res.entry, res.evicted, undefined, true)
    if (!deps.relay) deps.filters.notify(env, { hash: res.entry.hash, net, mine: false, p2p: false, now: policy.now })
    this.announce(res.entry)
    return 'added'
  }

  /** Out to the peers that want it (a light node forwards only its own). */
  announce(e: PoolEntry): void {
    if (this.deps.requirements.lightNode && !e.local) return
    this.deps.forwarder.announce(e)
  }

  private afterAdd(entry: PoolEntry, evicted: PoolEntry[], from?: string, bridged = false): void {
    const { deps } = this
    for (const e of evicted) deps.forwarder.forget(e.key)
    deps.pooled(entry, from, bridged)
    if (this.mail) this.callMail('archive', () => this.mail!.archive(entry.env, entry.hash))
    if (deps.events.wants('envelope')) {
      const ev: EnvelopeEvent = {
        hash: entry.key,
        shh: entry.env.shh,
        net: entry.net,
        topic: toHex(entry.env.topic),
        pow: entry.pow,
        size: entry.size,
        expiry: entry.expiry,
        local: entry.local,
        from,
      }
      deps.events.emit('envelope', ev)
    }
  }

  private callMail(what: string, fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.deps.log.error(`mail server ${what} failed`, { err })
    }
  }
}

function makeEntry(env: Envelope, net: Net, pow: number, local: boolean): PoolEntry {
  // received envelopes: the bytes they came in (no re-encoding)
  const rlp = envelopeWire(env)
  const hash = keccak256(rlp)
  return { env, net, hash, key: toHex(hash), pow, bloom: envelopeBloom(env), size: rlp.length, expiry: env.expiry, local }
}
