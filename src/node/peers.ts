// The node's view of its peers: wiring each protocol peer (shh/5, shh/6, Waku: one NetPeer each, keyed
// by network and node id) that connects (forwarding state, per-peer
// limits, its traffic into ingest, re-offers of the pool when it relaxes its requirements), the
// 'peer:added' / 'peer:removed' events and PeerSummary, static and trusted peers, waitForPeer.
import { toHex } from '../whisper/bytes.js'
import type { Envelope, ShhVersion } from '../whisper/envelope.js'
import type { PeerHost } from '../p2p/transport.js'
import type { DialTargetStatus } from '../p2p/host.js'
import { netKey, type Cap, type Net, type NetPeer } from '../p2p/net-peer.js'
import type { RequestComplete } from '../waku/request-complete.js'
import type { MessagesRequest } from '../waku/messages-request.js'
import { DISCONNECT_REASON, disconnectReasonName } from '../p2p/shh-peer.js'
import { formatEnode, nodeIdOf } from '../p2p/enode.js'
import { short, type Logger } from '../log/log.js'
import { NodeError } from './errors.js'
import type { NodeEvents } from './events.js'
import type { Forwarder } from './forwarder.js'
import type { PeerLimits } from './peer-limits.js'
import type { RateGuard } from './rate-guard.js'
import { PeerState } from './peer-state.js'
import type { EnvelopePool } from './pool.js'
import { isStopped, type PhaseOf } from './phase.js'

/** One connected peer as the node sees it (peers(), 'peer:added', 'peer:removed'). */
export interface PeerSummary {
  /** Its node id, 128 hex digits. */
  id: string
  /** for peers we dialled: the address we reach them at */
  enode?: string
  /** Its devp2p client id (at most 256 characters, control characters escaped). */
  clientId: string
  /** The envelope format of its network (a Waku peer's is 6). */
  shh: ShhVersion
  /** The network it is a peer on (one node may be a peer on two over one connection). */
  net: Net
  /** The capability spoken with it, e.g. 'waku/1'. */
  cap: Cap
  /** ip:port of the connection */
  address: string
  /** It dialled us. */
  inbound: boolean
  /** Trusted: its p2p direct messages are accepted, and it may exceed maxPeers. */
  trusted: boolean
  /** a static peer of ours (dialled and redialled) */
  static: boolean
  /** shh/6, Waku: the PoW it requires (0 on shh/5). */
  minPow: number
  /** shh/6, Waku: hex of the peer's bloom; null = it takes everything (or announced topics) */
  bloom: string | null
  /** Waku: the topics (hex) it asked for; absent when it announced none */
  topics?: string[]
  /** it announced itself as a light node. */
  lightNode: boolean
}

/** A static peer or bootnode the node dials, connected or not: the transport's own record (our type, not devp2p's). */
export type { DialTargetStatus }

/** Where a peer's traffic goes (ingest.ts). */
export interface PeerTraffic {
  fromPeer(state: PeerState<NetPeer>, envs: Envelope[], batch?: Uint8Array): void
  directFromPeer(peer: NetPeer, env: Envelope): void
  requestComplete(peer: NetPeer, r: RequestComplete): void
  mailRequest(peer: NetPeer, env: Envelope): void
  messagesRequest(peer: NetPeer, req: MessagesRequest): void
  readonly servesMail: boolean
}

export interface PeersDeps {
  host: () => PeerHost
  forwarder: Forwarder<NetPeer>
  limits: PeerLimits | null
  /** our rate limits (null: none) */
  rateGuard: RateGuard | null
  pools: ReadonlyMap<Net, EnvelopePool>
  traffic: PeerTraffic
  /** a light node offers a new peer only its own envelopes */
  lightNode: () => boolean
  events: NodeEvents
  log: Logger
  phase: PhaseOf
  /** aborted when the node stops (pending waitForPeer calls fail) */
  stopped: AbortSignal
}

/** How long a peer's relaxed requirements wait before the pool is offered again (geth's cycle). */
const REOFFER_MS = 300

export class Peers {
  private readonly dialled = new Map<string, string>() // node id -> enode we dial it at
  /** per peer (net and id): a pending re-offer of the pool after it relaxed its PoW requirement or bloom */
  private readonly reofferTimers = new Map<string, NodeJS.Timeout>()
  private readonly waiting = new Set<() => void>()

  constructor(private readonly deps: PeersDeps) {}

  /** Follows the host's peers from now on. */
  listen(host: PeerHost): void {
    host.on('peer', (peer: NetPeer) => this.connected(peer))
    host.on('peer:removed', (peer: NetPeer, reason: number) => this.disconnected(peer, reason))
  }

  list(): PeerSummary[] {
    return this.deps.host().peers().map((p) => this.summary(p))
  }

  /** The peer on `net` (or, no net, its first protocol peer). */
  find(enodeOrId: string, net?: Net): NetPeer | undefined {
    try {
      return this.deps.host().getPeer(nodeIdOf(enodeOrId), net)
    } catch {
      return undefined
    }
  }

  dialTargets(): DialTargetStatus[] {
    return this.deps.host().dialTargets()
  }

  discoveryExhausted(): boolean {
    return this.deps.host().discoveryExhausted()
  }

  /** Adds a static peer (dialled now and redialled with backoff); `trusted` allows its p2p messages. */
  add(enode: string, opts: { trusted?: boolean } = {}): void {
    if (isStopped(this.deps.phase())) throw new NodeError('state', 'node stopped')
    const host = this.deps.host()
    try {
      if (opts.trusted) host.addTrustedPeer(enode)
      host.addPeer(enode)
    } catch (err) {
      throw new NodeError('params', (err as Error).message, { cause: err })
    }
    this.rememberDialled(enode)
  }

  /** Forgets a static peer and disconnects it. Returns whether there was anything to remove. */
  remove(enodeOrId: string): boolean {
    let id: string
    try {
      id = nodeIdOf(enodeOrId)
    } catch (err) {
      throw new NodeError('params', (err as Error).message, { cause: err })
    }
    this.dialled.delete(id)
    return this.deps.host().removePeer(id)
  }

  /** geth's AllowP2PMessagesFromPeer / markTrustedPeer. */
  markTrusted(enodeOrId: string): void {
    try {
      this.deps.host().addTrustedPeer(enodeOrId)
    } catch (err) {
      throw new NodeError('params', (err as Error).message, { cause: err })
    }
  }

  /** A static peer's URL, shown as its enode in PeerSummary (bad URLs are the host's to report). */
  rememberDialled(url: string): void {
    try {
      this.dialled.set(nodeIdOf(url), url)
    } catch {
      // the host reports bad URLs itself
    }
  }

  /** Resolves once at least one shh peer is connected; rejects with NodeError 'timeout' / 'state'. */
  waitFor(timeoutMs?: number): Promise<void> {
    if (this.deps.host().peers().length > 0) return Promise.resolve()
    if (isStopped(this.deps.phase())) return Promise.reject(new NodeError('state', 'node stopped'))
    const { stopped } = this.deps
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null
      const done = (err?: Error) => {
        if (timer) clearTimeout(timer)
        this.waiting.delete(onPeer)
        stopped.removeEventListener('abort', onStop)
        if (err) reject(err)
        else resolve()
      }
      const onPeer = () => done()
      const onStop = () => done(new NodeError('state', 'node stopped while waiting for a peer'))
      this.waiting.add(onPeer)
      stopped.addEventListener('abort', onStop)
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => done(new NodeError('timeout', `no peer within ${timeoutMs} ms`)), timeoutMs)
      }
    })
  }

  /** Offers the pool to every peer again (light mode turned off). */
  reofferAll(): void {
    for (const s of this.deps.forwarder.all()) this.offerPool(s)
  }

  /** Cancels pending re-offers (node stop). */
  close(): void {
    for (const t of this.reofferTimers.values()) clearTimeout(t)
    this.reofferTimers.clear()
  }

  private connected(peer: NetPeer): void {
    const { deps } = this
    if (deps.phase() !== 'running') return
    if (deps.limits?.refuse(peer.id)) {
      deps.log.debug('Refusing a peer dropped for flooding', { id: short(peer.id) })
      peer.disconnect(DISCONNECT_REASON.USELESS_PEER)
      return
    }
    const state = new PeerState(peer)
    deps.forwarder.add(state)
    deps.limits?.add(peer, state.key)
    const traffic = deps.traffic
    const guard = deps.rateGuard
    peer.on('envelopes', (envs, batch) => {
      if (guard === null || guard.admit(peer, envs)) traffic.fromPeer(state, envs, batch)
    })
    peer.on('p2pMessage', (env) => traffic.directFromPeer(peer, env))
    peer.on('requestComplete', (r) => traffic.requestComplete(peer, r))
    if (traffic.servesMail) {
      peer.on('p2pRequest', (env) => traffic.mailRequest(peer, env))
      // Waku's two request forms (the envelope one goes the same way as shh's, the server tells them by net)
      if (peer.net === 'waku') peer.on('messagesRequest', (r) => (r.form === 'envelope' ? traffic.mailRequest(peer, r.envelope) : traffic.messagesRequest(peer, r.request)))
    }
    // A relaxed requirement may admit envelopes skipped so far. Only a relaxation re-offers the pool,
    // and at most once per REOFFER_MS: a peer repeating an 11-byte packet must not make us rescan
    // (and resend) the whole pool each time.
    peer.on('interest', (relaxed) => {
      if (relaxed) this.scheduleReoffer(state)
    })
    deps.log.info('Whisper peer connected', {
      id: short(peer.id),
      addr: `${peer.remoteAddress}:${peer.remotePort}`,
      cap: peer.cap,
      name: peer.clientId,
    })
    deps.events.emit('peer:added', this.summary(peer))
    for (const w of [...this.waiting]) w()
    this.offerPool(state)
  }

  private disconnected(peer: NetPeer, reason: number): void {
    const { deps } = this
    const key = netKey(peer.net, peer.id)
    const t = this.reofferTimers.get(key)
    if (t) clearTimeout(t)
    this.reofferTimers.delete(key)
    deps.limits?.remove(key, peer)
    deps.rateGuard?.forget(peer)
    if (deps.forwarder.get(key)?.peer !== peer || !deps.forwarder.remove(key)) return
    deps.log.info('Whisper peer disconnected', { id: short(peer.id), cap: peer.cap, reason: disconnectReasonName(reason) })
    deps.events.emit('peer:removed', this.summary(peer), reason)
  }

  private scheduleReoffer(state: PeerState<NetPeer>): void {
    if (this.reofferTimers.has(state.key) || this.deps.phase() !== 'running') return
    const t = setTimeout(() => {
      this.reofferTimers.delete(state.key)
      this.offerPool(state)
    }, REOFFER_MS)
    t.unref()
    this.reofferTimers.set(state.key, t)
  }

  private offerPool(state: PeerState<NetPeer>): void {
    const pool = this.deps.pools.get(state.net)
    if (!pool || this.deps.forwarder.get(state.key) !== state) return
    const entries = this.deps.lightNode() ? [...pool.values()].filter((e) => e.local) : pool.values()
    this.deps.forwarder.offerAll(state, entries)
  }

  private summary(p: NetPeer): PeerSummary {
    const i = p.interest
    const s: PeerSummary = {
      id: p.id,
      clientId: p.clientId,
      shh: p.format,
      net: p.net,
      cap: p.cap,
      address: `${p.remoteAddress}:${p.remotePort}`,
      inbound: p.inbound,
      trusted: p.trusted,
      static: this.dialled.has(p.id),
      minPow: i.minPow,
      bloom: i.bloom === null ? null : toHex(i.bloom),
      lightNode: i.lightNode,
    }
    if (i.topics !== null) s.topics = i.topics.map(toHex)
    if (!p.inbound) {
      s.enode = this.dialled.get(p.id) ?? formatEnode({ id: p.id, host: p.remoteAddress, port: p.remotePort })
    }
    return s
  }
}
