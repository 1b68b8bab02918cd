// WhisperNode: a running Whisper node (geth's whisperv5/whisperv6 `Whisper` service, and status-go's
// Waku) over a peer host (P2PHost by default). One envelope pool per network (shh/5, shh/6, Waku: an
// envelope never leaves the network it came on, unless the network bridge carries it), geth's `add` validation for everything that enters a pool (our own posts included), prompt
// forwarding to every peer that does not know an envelope yet, filters that open what matches, and
// sealing off the main thread (SealPool). Envelopes stay pooled until they expire, so a post made
// while no peer is connected goes out as soon as one connects.
//
// This file is the facade and the lifecycle: it builds the parts, wires them together, starts and
// stops them. The jobs are in one file each, as geth's whisperv6 keeps one concept per file:
// posting.ts (own messages and sealing), ingest.ts (what enters the pools), requirements.ts (our PoW,
// bloom, size and light mode with their tolerance), peers.ts (peer wiring, summaries, static peers).
import { EventEmitter } from 'node:events'
import type { Envelope, ShhVersion } from '../whisper/envelope.js'
import type { SealParams } from '../whisper/seal.js'
import { toHex } from '../whisper/bytes.js'
import { P2PHost } from '../p2p/host.js'
import type { PeerHost } from '../p2p/transport.js'
import { type Cap, type Net, type NetPeer } from '../p2p/net-peer.js'
import type { NodeKey } from '../p2p/nodekey.js'
import { NodeError } from './errors.js'
import type { Logger } from '../log/log.js'
import { gatewayHost, hostOptions, netBridge, nodeLogger, resolveCaps, resolveNodeKey } from './node-setup.js'
import { NetPools } from './net-pools.js'
import { Forwarder } from './forwarder.js'
import { Filters, type FilterSpec, type MessageHandler } from './filter.js'
import { SealPool } from './seal-pool.js'
import { PeerLimits } from './peer-limits.js'
import { RateGuard } from './rate-guard.js'
import type { NetBridge, NetBridgeStats } from './net-bridge.js'
import { Gateway, type GatewayRoom, type GatewayStats } from './gateway.js'
import { DeliveryWatch, type UndeliveredEvent } from './delivery.js'
import { DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MIN_POW } from './validate.js'
import { nodeEvents, type NodeEvents } from './events.js'
import { EnvelopeCounts } from './envelope-counts.js'
import { Ingest, unixNow, type IngestCounters, type MailServerHooks } from './ingest.js'
import { Peers, type DialTargetStatus, type PeerSummary } from './peers.js'
import { Posting, type PostParams, type PostResult } from './posting.js'
import { Requirements } from './requirements.js'
import { isStopped, type Phase } from './phase.js'
import type { DetailedStats, NodeInfo, NodeOptions, NodeStats } from './node-types.js'

// the parts' public types, where they were always imported from
export type { EnvelopeEvent, MailServerHooks } from './ingest.js'
export type { DialTargetStatus, PeerSummary } from './peers.js'
export type { PostParams, PostResult } from './posting.js'
export type { NodeInfo, NodeOptions, NodeStats } from './node-types.js'

/**
 * A Whisper node: peers over devp2p/RLPx speaking shh/5 and/or shh/6 as go-ethereum does, an envelope pool
 * with geth's validation and expiry, forwarding, and subscriptions that deliver the messages your keys open.
 * Events: 'peer:added' (PeerSummary), 'peer:removed' (PeerSummary, reason), 'envelope' (EnvelopeEvent),
 * 'sent' (peerId, hashes), 'undelivered' (UndeliveredEvent), 'log' (level, line); for mail clients
 * 'p2pMessage' (peerId, envelope, hash) and 'mailComplete' (peerId, RequestComplete) from trusted peers.
 */
export class WhisperNode extends EventEmitter {
  /** Built as a relay: forwards everything, opens nothing. */
  readonly relay: boolean
  /** The shh versions it offers (none on a Waku-only node). */
  readonly versions: ShhVersion[]
  /** The capabilities it offers, e.g. ['shh/6', 'waku/1']. */
  readonly caps: Cap[]
  /** The networks it runs, one pool each. */
  readonly nets: Net[]
  /** @internal the node's logger, shared with the adapters of this package */
  readonly log: Logger
  private readonly key: NodeKey
  private readonly host: PeerHost
  private readonly pools: NetPools
  private readonly forwarder: Forwarder<NetPeer>
  private readonly filters: Filters
  private readonly seals: SealPool
  private readonly limits: PeerLimits | null
  private readonly rateGuard: RateGuard | null
  private readonly bridge: NetBridge | null
  private readonly gateway: Gateway
  private readonly delivery: DeliveryWatch
  private readonly events: NodeEvents
  private readonly requirements: Requirements
  private readonly ingest: Ingest
  private readonly peerSet: Peers
  private readonly posting: Posting
  private readonly counters: IngestCounters = { envelopesIn: 0, envelopesOut: 0, envelopesDropped: 0, peersDropped: 0 }
  private readonly counts = new EnvelopeCounts()
  private phase: Phase = 'new'
  private starting: Promise<void> | null = null
  private expiryTimer: NodeJS.Timeout | null = null
  private readonly abort = new AbortController()

  /**
   * Builds the node (nothing listens or dials until start()); throws NodeError 'params' or EnodeError on bad
   * options.
   */
  constructor(opts: NodeOptions = {}) {
    super()
    this.log = nodeLogger(opts, (level, msg) => {
      if (this.listenerCount('log') > 0) this.emit('log', level, msg)
    })
    this.events = nodeEvents(this, this.log)
    this.relay = opts.relay ?? false
    const lightNode = opts.lightNode ?? false
    if (this.relay && lightNode) throw new NodeError('params', 'a relay forwards everything: it cannot be a light node')
    ;({ caps: this.caps, nets: this.nets, versions: this.versions } = resolveCaps(opts))
    this.filters = new Filters(this.log)
    this.requirements = new Requirements(
      {
        minPow: opts.minPow ?? DEFAULT_MIN_POW,
        maxMessageSize: opts.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
        bloom: opts.bloom,
        lightNode,
        relay: this.relay,
        confirmations: opts.confirmations,
      },
      { announcer: () => this.host, log: this.log, subscriptions: this.filters, reofferAll: () => this.peerSet.reofferAll() },
    )

    this.key = resolveNodeKey(opts)
    this.pools = new NetPools(this.nets, { maxBytes: opts.poolMaxBytes, maxEnvelopes: opts.poolMaxEnvelopes })
    this.forwarder = new Forwarder<NetPeer>({
      log: this.log,
      intervalMs: opts.forwardIntervalMs,
      alive: (e) => this.pools.get(e.net)?.get(e.key) === e,
      onSent: (peer, entries) => {
        this.counters.envelopesOut += entries.length
        this.counts.of(peer.net).forwarded += entries.length
        this.delivery.sent(entries)
        if (this.events.wants('sent')) this.events.emit('sent', peer.id, entries.map((e) => e.key))
      },
    })
    this.seals = new SealPool({ threads: opts.sealThreads })
    try {
      this.limits = opts.peerLimits === false ? null : new PeerLimits(opts.peerLimits ?? {}, this.log)
    } catch (err) {
      throw new NodeError('params', (err as Error).message)
    }
    this.rateGuard = opts.rateLimits ? new RateGuard(opts.rateLimits, this.log) : null
    this.delivery = new DeliveryWatch(() => this.host.peers(), (ev) => this.undelivered(ev))
    const phase = () => this.phase
    this.ingest = new Ingest({
      pools: this.pools, requirements: this.requirements, forwarder: this.forwarder, filters: this.filters, limits: this.limits,
      pooled: (entry, from, bridged) => {
        this.gateway.onEnvelope(entry.env, entry.local, from, entry.net)
        this.bridge?.onPooled(entry, bridged)
      }, counters: this.counters, envelopeCounts: this.counts, events: this.events, log: this.log,
      phase, relay: this.relay,
    })
    this.peerSet = new Peers({
      host: () => this.host, forwarder: this.forwarder, limits: this.limits, rateGuard: this.rateGuard, pools: this.pools, traffic: this.ingest,
      lightNode: () => this.requirements.lightNode, events: this.events, log: this.log, phase, stopped: this.abort.signal,
    })
    this.posting = new Posting({
      nets: this.nets, relay: this.relay, seals: this.seals, ingest: this.ingest, filters: this.filters,
      delivery: this.delivery, peers: this.peerSet, log: this.log, phase, stopped: this.abort.signal,
      maxMessageSize: () => this.requirements.maxMessageSize,
    })
    this.bridge = netBridge(opts, this.relay, this.nets, this.ingest, this.log)
    this.gateway = new Gateway(gatewayHost(this.log, this.versions, this.key, () => this.host, this.requirements, this.posting, this.ingest, () => this.bridge !== null), opts.gateway)
    for (const r of opts.gatewayRooms ?? []) this.gateway.addRoom(r)
    const hostOpts = hostOptions(opts, this.key, this.caps, this.requirements, this.log, this.rateGuard?.announced)
    this.host = opts.transport ? opts.transport(hostOpts) : new P2PHost(hostOpts)
    for (const url of opts.staticPeers ?? []) this.peerSet.rememberDialled(url)
    this.peerSet.listen(this.host)
  }

  // ---- lifecycle ----

  /**
   * Listens and dials; resolves once the listening socket is bound. Rejects NodeError 'state' when called
   * twice, or with the listen error (e.g. the port is in use).
   */
  start(): Promise<void> {
    if (this.phase !== 'new') return Promise.reject(new NodeError('state', `cannot start a node that is ${this.phase}`))
    this.phase = 'starting'
    this.starting = this.doStart()
    return this.starting
  }

  private async doStart(): Promise<void> {
    try {
      await this.host.start()
    } catch (err) {
      this.phase = 'stopped'
      this.abort.abort() // a waitForPeer() made before start() must not wait forever
      await this.seals.close().catch(() => {})
      throw err
    }
    this.expiryTimer = setInterval(() => this.expire(), 1000)
    this.expiryTimer.unref()
    this.phase = 'running'
    this.log.info(`Started whisper node`, {
      protocols: this.caps.join(','),
      mode: this.relay ? 'relay' : this.requirements.lightNode ? 'light' : 'full',
      // not listening: the enode's port 0 cannot be dialled (the host's start line names the id)
      self: this.listening ? this.enode : 'none',
    })
  }

  /**
   * Disconnects every peer, stops sealing and clears the pools and subscriptions; resolves when every socket
   * and timer is gone. Safe to call more than once.
   */
  async stop(): Promise<void> {
    // stopping while the host is still starting: let it come up, then take it down like a running one
    if (this.phase === 'starting') await this.starting?.catch(() => {})
    if (isStopped(this.phase)) return
    const wasRunning = this.phase === 'running'
    this.phase = 'stopping'
    this.abort.abort()
    if (this.expiryTimer) clearInterval(this.expiryTimer)
    this.expiryTimer = null
    this.requirements.close()
    this.peerSet.close()
    this.forwarder.close()
    this.limits?.close()
    this.gateway.close()
    this.bridge?.close()
    this.delivery.clear()
    await Promise.all([wasRunning ? this.host.stop() : Promise.resolve(), this.seals.close()])
    for (const p of this.pools.values()) p.clear()
    this.filters.clear()
    this.phase = 'stopped'
    this.log.info('Whisper node stopped')
  }

  /** Started and not stopped. */
  get running(): boolean {
    return this.phase === 'running'
  }

  // ---- identity and state ----

  /** The node's enode URL (127.0.0.1 when listening on every address; port 0 when not listening). */
  get enode(): string {
    return this.host.enode
  }

  /** The listening socket, null when the node only dials out (its enode then has port 0: not dialable). */
  get listening(): {
    /** the address it is bound to */
    host: string
    /** the TCP port it accepts on */
    port: number
  } | null {
    return this.host.listening
  }

  /** The node id: 128 hex digits, the public key without its 04 prefix. */
  get id(): string {
    return this.key.nodeId
  }

  /** 65-byte uncompressed public key of the node key. */
  get publicKey(): Uint8Array {
    return this.key.publicKey
  }

  /** A copy of the 32-byte node key (secret: for signing the node record, never for logs). */
  get privateKey(): Uint8Array {
    return Uint8Array.from(this.key.privateKey)
  }

  /** What the node is and announces now. */
  info(): NodeInfo {
    const bloom = this.requirements.bloom
    return {
      enode: this.enode,
      id: this.id,
      shhVersions: [...this.versions],
      caps: [...this.caps],
      nets: [...this.nets],
      minPow: this.requirements.minPow,
      maxMessageSize: this.requirements.maxMessageSize,
      bloom: bloom === null ? null : toHex(bloom),
      lightNode: this.requirements.lightNode,
      relay: this.relay,
      listening: this.host.listening,
      discoveryPort: this.host.discoveryPort,
    }
  }

  /** Counters since start. */
  stats(): NodeStats & GatewayStats & NetBridgeStats {
    const { envelopes: poolSize, bytes: poolBytes } = this.pools.totals()
    const limits = this.limits?.stats
    const u = this.delivery.counts
    return {
      peers: this.host.peers().length, poolSize, poolBytes, ...this.counters, peerPauses: limits?.pauses ?? 0, floodDrops: limits?.floodDrops ?? 0,
      undeliveredNoPeer: u['no-peer'], undeliveredPow: u.pow, undeliveredBloom: u.bloom, ...this.gateway.stats,
      rateLimitDrops: [...(this.rateGuard?.drops.values() ?? [])].reduce((a, b) => a + b, 0),
      bridged: { ...this.bridge?.stats.bridged }, bridgeDropped: this.bridge?.stats.bridgeDropped ?? 0, bridgeRefused: this.bridge?.stats.bridgeRefused ?? 0,
    }
  }

  /** @internal per-version envelope outcomes and pool sizes, wire traffic (null on a transport without it), seals waiting: for this package's metrics (p2pmessage --metrics), not a stable surface */
  detailedStats(): DetailedStats {
    return {
      envelopes: this.counts.snapshot(), pools: this.pools.sizes(), traffic: this.host.traffic?.() ?? null, sealing: this.seals.pending,
      rateLimitDrops: new Map(this.rateGuard?.drops ?? []),
    }
  }

  /**
   * The envelopes currently pooled, e.g. for geth's shh_getFilterMessages on a new filter: of one network,
   * of the networks of one format (5, 6), or of every network (an envelope in two pools comes once).
   */
  envelopes(which?: Net | ShhVersion): Envelope[] {
    return this.pools.envelopes(which)
  }

  // ---- messages (posting.ts) ----

  /** See Posting.post: seal per format, pool in each network asked for (`net`, default all), deliver to own filters (mine), forward. */
  post(p: PostParams): Promise<PostResult> {
    return this.posting.post(p)
  }

  /** geth's Wrap: builds and seals an envelope (PoW off the main thread) without sending it. */
  wrap(p: SealParams): Promise<Envelope> {
    return this.posting.wrap(p)
  }

  /**
   * geth's Send, into `net`'s pool (default: every network of the envelope's format); `copies`: the same
   * message for the other versions (best effort). NodeError 'rejected'.
   */
  send(env: Envelope, copies: Envelope[] = [], net?: Net): string {
    return this.posting.send(env, copies, net)
  }

  /** geth's SendP2PMessage: a sealed envelope straight to one connected peer (enode or node id; on `net`), not pooled. */
  sendDirect(peer: string, env: Envelope, net?: Net): string {
    return this.posting.sendDirect(peer, env, net)
  }

  /** geth's RequestHistoricMessages: marks the peer trusted (for the answers) and sends it a mail request (on `net`). */
  requestHistory(peer: string, env: Envelope, net?: Net): void {
    this.posting.requestHistory(peer, env, net)
  }

  /** Carries a room (topic + symmetric key) between shh/5 and shh/6 peers from now on (gateway.ts). */
  addGatewayRoom(room: GatewayRoom): void {
    this.gateway.addRoom(room)
  }

  /** Stops carrying a room across versions; false when it was not carried. */
  removeGatewayRoom(room: GatewayRoom): boolean {
    return this.gateway.removeRoom(room)
  }

  /**
   * Makes this node a mail server (mailserver.ts); before start, so that every peer gets the hook.
   * @internal
   */
  setMailServer(hooks: MailServerHooks): void {
    if (this.phase !== 'new') throw new NodeError('state', 'a mail server is set before the node starts')
    this.ingest.setMailServer(hooks)
  }

  // ---- subscriptions ----

  /** Installs a filter; `cb` gets each matching message once. Returns the subscription id. */
  subscribe(f: FilterSpec, cb: MessageHandler): string {
    if (isStopped(this.phase)) throw new NodeError('state', 'node stopped')
    if (this.relay) throw new NodeError('relay', 'a relay node opens nothing: no subscriptions')
    const id = this.filters.install(f, cb)
    this.requirements.subscriptionsChanged()
    return id
  }

  /** Removes a subscription; false when there was none with that id. */
  unsubscribe(id: string): boolean {
    const ok = this.filters.uninstall(id)
    if (ok) this.requirements.subscriptionsChanged()
    return ok
  }

  // ---- our requirements (requirements.ts): announced to v6 peers, the old value tolerated 10 s ----

  /** v6 light mode: on, announce the subscriptions' bloom and forward only own posts. */
  setLightNode(on: boolean): void {
    this.requirements.setLightNode(on)
  }

  /** geth's SetMaxMessageSize: the largest envelope (geth size()) accepted from now on, at most 10 MiB. */
  setMaxMessageSize(size: number): void {
    this.requirements.setMaxMessageSize(size)
  }

  /** The node's PoW requirement: checked on every envelope and announced to v6 peers. */
  setMinPow(pow: number): void {
    this.requirements.setMinPow(pow)
  }

  /** v6: the bloom announced to peers and enforced on what they send (null = everything). */
  setBloom(bloom: Uint8Array | null): void {
    this.requirements.setBloom(bloom)
  }

  /** Announces itself as a light node (v6). */
  get lightNode(): boolean {
    return this.requirements.lightNode
  }

  /** Largest packet accepted, bytes. */
  get maxMessageSize(): number {
    return this.requirements.maxMessageSize
  }

  /** PoW required of envelopes. */
  get minPow(): number {
    return this.requirements.minPow
  }

  /** The bloom announced to v6 peers (null: everything). */
  get bloom(): Uint8Array | null {
    return this.requirements.bloom
  }

  // ---- peers (peers.ts) ----

  /** Adds a static peer (dialled now and redialled with backoff); `trusted` allows its p2p messages. */
  addPeer(enode: string, opts: { trusted?: boolean } = {}): void {
    this.peerSet.add(enode, opts)
  }

  /** Forgets a static peer and disconnects it. Returns whether there was anything to remove. */
  removePeer(enodeOrId: string): boolean {
    return this.peerSet.remove(enodeOrId)
  }

  /** geth's AllowP2PMessagesFromPeer / markTrustedPeer. */
  markTrusted(enodeOrId: string): void {
    this.peerSet.markTrusted(enodeOrId)
  }

  /** The connected peers: one per network (a node that is our peer on shh/6 and Waku is two). */
  peers(): PeerSummary[] {
    return this.peerSet.list()
  }

  /** The static peers and bootnodes this node dials, connected or not (with the last dial error). */
  dialTargets(): DialTargetStatus[] {
    return this.peerSet.dialTargets()
  }

  /** Discovery has nobody left to try: off, or every bootnode was pinged and none answered. */
  discoveryExhausted(): boolean {
    return this.peerSet.discoveryExhausted()
  }

  /** Resolves once at least one shh peer is connected; rejects with NodeError 'timeout' / 'state'. */
  waitForPeer(timeoutMs?: number): Promise<void> {
    return this.peerSet.waitFor(timeoutMs)
  }

  // ---- internals ----

  private expire(): void {
    const now = unixNow()
    this.pools.expire(now, (net, gone) => {
      this.counts.of(net).expired += gone.length
      for (const e of gone) this.forwarder.forget(e.key)
    })
    this.delivery.check(now)
  }

  private undelivered(ev: UndeliveredEvent): void {
    this.log.warn('Message expired before reaching any peer', { hash: ev.hashes[0], reason: ev.reason, why: ev.message })
    this.events.emit('undelivered', ev)
  }
}
