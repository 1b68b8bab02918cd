// WhisperNode: a running Whisper node (geth's whisperv5/whisperv6 `Whisper` service) over P2PHost.
// One envelope pool per protocol version (a v5 envelope cannot travel to a v6 peer), geth's `add`
// validation for everything that enters a pool (our own posts included), prompt forwarding to every
// peer that does not know an envelope yet, filters that open what matches, and sealing off the main
// thread (SealPool). Envelopes stay pooled until they expire, so a post made while no peer is
// connected goes out as soon as one connects.
import { EventEmitter } from 'node:events'
import { encodeEnvelope, envelopeBloom, envelopeWire, rlpWithoutNonce, type Envelope, type ShhVersion } from '../whisper/envelope.js'
import { buildEnvelope, planSeal, completeSeal, type SealParams } from '../whisper/seal.js'
import { keccak256 } from '../whisper/keccak.js'
import { toHex } from '../whisper/bytes.js'
import { bloomAdmitsMore, isFullBloom, BLOOM_SIZE } from '../whisper/bloom.js'
import { isWhisperError } from '../whisper/errors.js'
import { P2PHost, type DialTargetStatus, type P2PHostOptions } from '../p2p/host.js'
import type { PeerHost, PeerHostFactory } from '../p2p/transport.js'
import type { ShhPeer } from '../p2p/shh-peer.js'
import { DISCONNECT_REASON, disconnectReasonName } from '../p2p/shh-peer.js'
import { formatEnode, nodeIdOf } from '../p2p/enode.js'
import { loadOrCreateNodeKey, generateNodeKey, nodeKeyFromPrivateKey, type NodeKey } from '../p2p/nodekey.js'
import { NodeError } from './errors.js'
import { Logger, normalizeVerbosity, short, stderrSink, type LogSink } from '../log/log.js'
import { EnvelopePool, type PoolEntry } from './pool.js'
import { PeerState } from './peer-state.js'
import { Forwarder } from './forwarder.js'
import { Filters, type FilterSpec, type MessageHandler } from './filter.js'
import { SealPool } from './seal-pool.js'
import { PeerLimits, type PeerLimitOptions } from './peer-limits.js'
import { Gateway, type GatewayOptions, type GatewayRoom, type GatewayStats } from './gateway.js'
import { DeliveryWatch, type UndeliveredEvent } from './delivery.js'
import {
  validateEnvelope,
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_MIN_POW,
  MAX_MESSAGE_SIZE_CAP,
  SYNC_ALLOWANCE,
  type ValidationPolicy,
} from './validate.js'

export interface NodeOptions {
  /** 32-byte node key; else loaded from / created in nodeKeyFile; else a fresh one per run. */
  privateKey?: Uint8Array
  nodeKeyFile?: string
  /** Listening socket (off when absent). Port 0 picks a free port; see `enode`. */
  listen?: { host: string; port: number }
  /** Offered protocol versions, default [5, 6]; each peer speaks the highest both sides offer. */
  shhVersions?: ShhVersion[]
  /** enode URLs dialled and redialled with backoff */
  staticPeers?: string[]
  /** enode URLs or node ids allowed beyond maxPeers and trusted for p2p direct messages */
  trustedPeers?: string[]
  bootnodes?: string[]
  discovery?: boolean
  /** default 80 */
  maxPeers?: number
  /** default 0.2 */
  minPow?: number
  /** default 1 MiB, at most 10 MiB */
  maxMessageSize?: number
  /** Standalone forwarder: keeps and forwards everything, opens nothing (no subscribe/post). */
  relay?: boolean
  /** v6 light node: announces the bloom of its subscriptions and the light flag, forwards only its own posts. */
  lightNode?: boolean
  /** v6: the bloom to announce from the start (64 bytes; default: everything) */
  bloom?: Uint8Array
  /** 0 silent .. 5 trace, default 3 */
  verbosity?: number
  /** Where log lines go (default stderr, geth terminal format). */
  logger?: LogSink
  clientId?: string
  /** Pool bounds per protocol version. */
  poolMaxBytes?: number
  poolMaxEnvelopes?: number
  /** PoW worker threads (default: all cores). */
  sealThreads?: number
  /** Per-peer CPU and flood limits (peer-limits.ts); false = none, as geth. */
  peerLimits?: PeerLimitOptions | false
  /** Rooms whose messages this node carries between shh/5 and shh/6 peers (gateway.ts). */
  gatewayRooms?: GatewayRoom[]
  gateway?: GatewayOptions
  /** What carries the peers (default: a P2PHost over TCP/RLPx; the simulation passes an in-memory one). */
  transport?: PeerHostFactory
  /** 0 (default): forward new envelopes at once; > 0: on a fixed cycle, as geth's 300 ms broadcast loop. */
  forwardIntervalMs?: number
}

/** What a mail server (mailserver.ts) gets from the node: every envelope it accepts, and peers' requests. */
export interface MailServerHooks {
  archive(env: Envelope, hash: Uint8Array): void
  request(peer: ShhPeer, env: Envelope): void
}

export type PostParams = Omit<SealParams, 'now' | 'shh'> & {
  /** default: every version the node offers ('both' for [5, 6]) */
  shh?: ShhVersion | 'both'
  /** Send as a p2p direct message to this peer only (enode or node id), not through the pool. */
  targetPeer?: string
}

export interface PostResult {
  /** hash of the first envelope (hex, no 0x) */
  hash: string
  /** one per envelope, in `envelopes` order */
  hashes: string[]
  envelopes: Envelope[]
}

export interface PeerSummary {
  id: string
  /** for peers we dialled: the address we reach them at */
  enode?: string
  clientId: string
  shh: ShhVersion
  /** ip:port of the connection */
  address: string
  inbound: boolean
  trusted: boolean
  /** a static peer of ours (dialled and redialled) */
  static: boolean
  minPow: number
  /** v6: hex of the peer's bloom; null = it takes everything */
  bloom: string | null
  lightNode: boolean
}

export interface NodeStats {
  peers: number
  /** envelopes pooled, all versions */
  poolSize: number
  poolBytes: number
  /** new envelopes accepted from peers */
  envelopesIn: number
  /** envelopes handed to peers */
  envelopesOut: number
  /** envelopes ignored (expired, low PoW on v5, pool full) */
  envelopesDropped: number
  /** peers dropped for a bad envelope */
  peersDropped: number
  /** times a peer's connection was paused for using more than its share of CPU (peer-limits.ts) */
  peerPauses: number
  /** peers dropped (and refused for a while) for flooding useless envelopes */
  floodDrops: number
  /** own posts that expired before reaching any peer, by reason (event 'undelivered') */
  undeliveredNoPeer: number
  undeliveredPow: number
  undeliveredBloom: number
}

export interface EnvelopeEvent {
  hash: string
  shh: ShhVersion
  topic: string
  pow: number
  size: number
  expiry: number
  local: boolean
  /** node id of the peer it came from (absent for our own) */
  from?: string
}

export interface NodeInfo {
  enode: string
  id: string
  shhVersions: ShhVersion[]
  minPow: number
  maxMessageSize: number
  /** hex; null = everything */
  bloom: string | null
  lightNode: boolean
  relay: boolean
  listening: { host: string; port: number } | null
  /** UDP port of discovery when on */
  discoveryPort: number | null
}

type Phase = 'new' | 'starting' | 'running' | 'stopping' | 'stopped'

const unixNow = (): number => Math.floor(Date.now() / 1000)

export class WhisperNode extends EventEmitter {
  readonly relay: boolean
  readonly versions: ShhVersion[]
  readonly log: Logger
  private light: boolean
  private maxSize: number
  private readonly key: NodeKey
  private readonly host: PeerHost
  private readonly pools = new Map<ShhVersion, EnvelopePool>()
  private readonly forwarder: Forwarder<ShhPeer>
  private readonly filters: Filters
  private readonly seals: SealPool
  private readonly dialled = new Map<string, string>() // node id -> enode we dial it at
  private phase: Phase = 'new'
  private expiryTimer: NodeJS.Timeout | null = null
  private readonly toleranceTimers = new Set<NodeJS.Timeout>()
  private starting: Promise<void> | null = null
  /** per peer: a pending re-offer of the pool after it relaxed its PoW requirement or bloom */
  private readonly reofferTimers = new Map<string, NodeJS.Timeout>()
  private readonly abort = new AbortController()
  private ownMinPow: number
  private minPowTolerance: number
  private ownBloom: Uint8Array | null
  private bloomTolerance: Uint8Array | null
  private readonly counters = { envelopesIn: 0, envelopesOut: 0, envelopesDropped: 0, peersDropped: 0 }
  private readonly limits: PeerLimits | null
  private readonly gateway: Gateway
  private readonly delivery: DeliveryWatch
  private mail: MailServerHooks | null = null

  constructor(opts: NodeOptions = {}) {
    super()
    const verbosity = normalizeVerbosity(opts.verbosity)
    const sink = opts.logger ?? stderrSink
    this.log = new Logger({
      verbosity,
      sink: (level, msg) => {
        sink(level, msg)
        if (this.listenerCount('log') > 0) this.emit('log', level, msg)
      },
    })
    this.relay = opts.relay ?? false
    this.light = opts.lightNode ?? false
    if (this.relay && this.light) throw new NodeError('params', 'a relay forwards everything: it cannot be a light node')
    this.versions = [...new Set(opts.shhVersions ?? [5, 6])].sort() as ShhVersion[]
    if (this.versions.length === 0 || this.versions.some((v) => v !== 5 && v !== 6)) {
      throw new NodeError('params', `shhVersions must be a non-empty subset of [5, 6]`)
    }
    this.maxSize = checkMaxMessageSize(opts.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE)
    this.ownMinPow = checkPow(opts.minPow ?? DEFAULT_MIN_POW)
    this.minPowTolerance = this.ownMinPow
    if (opts.bloom !== undefined) checkBloom(opts.bloom)
    this.ownBloom = opts.bloom && !isFullBloom(opts.bloom) ? Uint8Array.from(opts.bloom) : null
    if (this.light && this.ownBloom === null) this.ownBloom = new Uint8Array(BLOOM_SIZE)
    this.bloomTolerance = this.ownBloom

    this.key = resolveNodeKey(opts)
    for (const v of this.versions) {
      this.pools.set(v, new EnvelopePool({ maxBytes: opts.poolMaxBytes, maxEnvelopes: opts.poolMaxEnvelopes }))
    }
    this.filters = new Filters(this.log)
    this.forwarder = new Forwarder<ShhPeer>({
      log: this.log,
      intervalMs: opts.forwardIntervalMs,
      alive: (e) => this.pools.get(e.env.shh)?.get(e.key) === e,
      onSent: (peer, entries) => {
        this.counters.envelopesOut += entries.length
        this.delivery.sent(entries)
        if (this.listenerCount('sent') > 0) this.safeEmit('sent', peer.id, entries.map((e) => e.key))
      },
    })
    this.seals = new SealPool({ threads: opts.sealThreads })
    try {
      this.limits = opts.peerLimits === false ? null : new PeerLimits(opts.peerLimits ?? {}, this.log)
    } catch (err) {
      throw new NodeError('params', (err as Error).message)
    }
    this.delivery = new DeliveryWatch(() => this.host.peers(), (ev) => this.undelivered(ev))
    this.gateway = new Gateway(
      {
        log: this.log,
        versions: this.versions,
        privateKey: this.key.privateKey,
        peers: () => this.host.peers(),
        minPow: () => this.ownMinPow,
        seal: (p) => this.seal(p),
        inject: (env) => {
          const e = this.admit(env)
          this.announce(e)
          return e.key
        },
      },
      opts.gateway,
    )
    for (const r of opts.gatewayRooms ?? []) this.gateway.addRoom(r)
    const hostOptions: P2PHostOptions = {
      privateKey: this.key.privateKey,
      listen: opts.listen,
      shhVersions: this.versions,
      maxPeers: opts.maxPeers ?? 80,
      staticPeers: opts.staticPeers,
      trustedPeers: opts.trustedPeers,
      bootnodes: opts.bootnodes,
      discovery: opts.discovery,
      clientId: opts.clientId,
      minPow: this.ownMinPow,
      bloom: this.ownBloom,
      lightNode: this.light,
      maxMessageSize: this.maxSize,
      logger: (level, msg) => this.log.log(level, msg),
    }
    this.host = opts.transport ? opts.transport(hostOptions) : new P2PHost(hostOptions)
    for (const url of opts.staticPeers ?? []) this.rememberDialled(url)
    this.host.on('peer', (peer: ShhPeer) => this.onPeer(peer))
    this.host.on('peer:removed', (peer: ShhPeer, reason: number) => this.onPeerRemoved(peer, reason))
  }

  // ---- lifecycle ----

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
      shh: this.versions.join(','),
      mode: this.relay ? 'relay' : this.light ? 'light' : 'full',
      self: this.enode,
    })
  }

  async stop(): Promise<void> {
    // stopping while the host is still starting: let it come up, then take it down like a running one
    if (this.phase === 'starting') await this.starting?.catch(() => {})
    if (this.phase === 'stopped' || this.phase === 'stopping') return
    const wasRunning = this.phase === 'running'
    this.phase = 'stopping'
    this.abort.abort()
    if (this.expiryTimer) clearInterval(this.expiryTimer)
    this.expiryTimer = null
    for (const t of this.toleranceTimers) clearTimeout(t)
    this.toleranceTimers.clear()
    for (const t of this.reofferTimers.values()) clearTimeout(t)
    this.reofferTimers.clear()
    this.forwarder.close()
    this.limits?.close()
    this.gateway.close()
    this.delivery.clear()
    await Promise.all([wasRunning ? this.host.stop() : Promise.resolve(), this.seals.close()])
    for (const p of this.pools.values()) p.clear()
    this.filters.clear()
    this.phase = 'stopped'
    this.log.info('Whisper node stopped')
  }

  get running(): boolean {
    return this.phase === 'running'
  }

  // ---- identity ----

  get enode(): string {
    return this.host.enode
  }

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

  get lightNode(): boolean {
    return this.light
  }

  get maxMessageSize(): number {
    return this.maxSize
  }

  info(): NodeInfo {
    return {
      enode: this.enode,
      id: this.id,
      shhVersions: [...this.versions],
      minPow: this.ownMinPow,
      maxMessageSize: this.maxSize,
      bloom: this.ownBloom === null ? null : toHex(this.ownBloom),
      lightNode: this.light,
      relay: this.relay,
      listening: this.host.listening,
      discoveryPort: this.host.discoveryPort,
    }
  }

  // ---- messages ----

  /**
   * Seals one envelope per requested version (PoW off the main thread), adds each to its pool (geth's
   * Send: the pool's own checks apply, e.g. PoW at least the node's minimum), forwards it to the
   * connected peers, or keeps it for peers that connect before it expires, and delivers it to this
   * node's matching subscriptions once, marked `mine`.
   */
  async post(p: PostParams): Promise<PostResult> {
    this.requireRunning()
    if (this.relay) throw new NodeError('relay', 'a relay node does not post messages')
    if (!p || typeof p !== 'object') throw new NodeError('params', 'post: parameters required')
    let target: ShhPeer | undefined
    if (p.targetPeer !== undefined) {
      target = this.findPeer(p.targetPeer)
      if (!target) throw new NodeError('peer', `post: no connected peer ${short(String(p.targetPeer))}`)
    }
    const versions = this.postVersions(p.shh, target)
    const { shh: _ignored, targetPeer: _t, ...params } = p
    // one sent time for every copy: receivers with peers of both versions recognise them as one message
    const now = unixNow()
    const envelopes: Envelope[] = []
    for (const shh of versions) envelopes.push(await this.seal({ ...params, shh, now }))
    this.requireRunning()

    if (target) {
      for (const env of envelopes) {
        if (!target.sendP2PMessage(env)) throw new NodeError('peer', 'post: the target peer is gone')
      }
      const hashes = envelopes.map((e) => toHex(keccak256(encodeEnvelope(e))))
      this.log.debug('Sent direct message', { peer: short(target.id), hash: hashes[0] })
      return { hash: hashes[0], hashes, envelopes }
    }

    // every copy passes geth's add before any is pooled: a post that fails leaves nothing behind
    const checked = envelopes.map((env) => ({ env, pow: this.checkOwn(env) }))
    const entries = checked.map(({ env, pow }) => this.addOwn(env, pow))
    // the same text sealed once per version: the filters' cross-version dedup delivers it once, and a
    // filter of one version only still gets its copy
    for (const e of entries) this.filters.notify(e.env, { hash: e.hash, mine: true, p2p: false, now: unixNow() })
    for (const e of entries) this.announce(e)
    this.delivery.track(entries)
    return { hash: entries[0].key, hashes: entries.map((e) => e.key), envelopes }
  }

  /** geth's Wrap: builds and seals an envelope (PoW off the main thread) without sending it. */
  async wrap(p: SealParams): Promise<Envelope> {
    this.requireRunning()
    if (!p || (p.shh !== 5 && p.shh !== 6)) throw new NodeError('params', 'wrap: shh must be 5 or 6')
    if (!this.versions.includes(p.shh)) throw new NodeError('params', `wrap: this node does not speak shh/${p.shh}`)
    return this.seal({ ...p })
  }

  /**
   * geth's Send: an envelope sealed elsewhere (e.g. by wrap) through the pool's checks, to this
   * node's subscriptions (marked mine) and out to the peers. Returns its hash; NodeError 'rejected'.
   */
  send(env: Envelope, copies: Envelope[] = []): string {
    this.requireRunning()
    if (this.relay) throw new NodeError('relay', 'a relay node does not post messages')
    if (!env || !this.pools.has(env.shh)) throw new NodeError('params', `send: this node does not speak shh/${env?.shh}`)
    const entries: PoolEntry[] = []
    try {
      entries.push(this.admit(env))
    } catch (err) {
      if (isWhisperError(err)) throw new NodeError('params', `send: ${err.message}`, { cause: err })
      throw err
    }
    // the same message sealed for the other versions: best effort, the first envelope decides the answer
    for (const c of copies) {
      try {
        if (this.pools.has(c?.shh)) entries.push(this.admit(c))
      } catch (err) {
        this.log.warn('Copy of a sent message for another version not accepted', { shh: c?.shh, err: (err as Error).message })
      }
    }
    for (const e of entries) this.filters.notify(e.env, { hash: e.hash, mine: true, p2p: false, now: unixNow() })
    for (const e of entries) this.announce(e)
    this.delivery.track(entries)
    return entries[0].key
  }

  /** Carries a room (topic + symmetric key) between shh/5 and shh/6 peers from now on (gateway.ts). */
  addGatewayRoom(room: GatewayRoom): void {
    this.gateway.addRoom(room)
  }

  removeGatewayRoom(room: GatewayRoom): boolean {
    return this.gateway.removeRoom(room)
  }

  /** geth's SendP2PMessage: a sealed envelope straight to one connected peer (enode or node id), not pooled. */
  sendDirect(peer: string, env: Envelope): string {
    this.requireRunning()
    const target = this.findPeer(peer)
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
    this.requireRunning()
    const target = this.findPeer(peer)
    if (!target) throw new NodeError('peer', `no connected peer ${short(String(peer))}`)
    if (env?.shh !== target.shh) throw new NodeError('params', `the peer speaks shh/${target.shh}, the request is shh/${env?.shh}`)
    this.markTrusted(target.id)
    target.trusted = true
    if (!target.sendP2PRequest(env)) throw new NodeError('peer', 'the peer is gone')
  }

  /** Makes this node a mail server (mailserver.ts); before start, so that every peer gets the hook. */
  setMailServer(hooks: MailServerHooks): void {
    if (this.phase !== 'new') throw new NodeError('state', 'a mail server is set before the node starts')
    this.mail = hooks
  }

  /** Installs a filter; `cb` gets each matching message once. Returns the subscription id. */
  subscribe(f: FilterSpec, cb: MessageHandler): string {
    if (this.phase === 'stopping' || this.phase === 'stopped') throw new NodeError('state', 'node stopped')
    if (this.relay) throw new NodeError('relay', 'a relay node opens nothing: no subscriptions')
    const id = this.filters.install(f, cb)
    if (this.light) this.updateLightBloom()
    return id
  }

  unsubscribe(id: string): boolean {
    const ok = this.filters.uninstall(id)
    if (ok && this.light) this.updateLightBloom()
    return ok
  }

  /**
   * v6 light mode on/off: on, the node announces the bloom of its subscriptions and forwards only its
   * own posts; off, it takes and forwards everything again. The light flag of the status handshake
   * keeps the value the node started with (it is only sent when a peer connects).
   */
  setLightNode(on: boolean): void {
    if (on && this.relay) throw new NodeError('relay', 'a relay forwards everything: it cannot be a light node')
    if (on === this.light) return
    this.light = on
    if (on) this.updateLightBloom()
    else {
      this.setBloom(null)
      for (const s of this.forwarder.all()) this.offerPool(s)
    }
  }

  /** geth's SetMaxMessageSize: the largest envelope (geth size()) accepted from now on, at most 10 MiB. */
  setMaxMessageSize(size: number): void {
    this.maxSize = checkMaxMessageSize(size)
    this.host.setMaxMessageSize(this.maxSize)
  }

  /** The node's PoW requirement: checked on every envelope and announced to v6 peers. */
  setMinPow(pow: number): void {
    checkPow(pow)
    const previous = this.ownMinPow
    this.ownMinPow = pow
    // geth tolerates the previous requirement for a while: peers may not have heard of the new one
    this.minPowTolerance = Math.min(previous, pow)
    this.later(SYNC_ALLOWANCE * 1000, () => (this.minPowTolerance = this.ownMinPow))
    this.host.setMinPow(pow)
    this.log.info('PoW requirement changed', { pow })
  }

  get minPow(): number {
    return this.ownMinPow
  }

  /** v6: the bloom announced to peers and enforced on what they send (null = everything). */
  setBloom(bloom: Uint8Array | null): void {
    if (bloom !== null) checkBloom(bloom)
    const next = bloom === null || isFullBloom(bloom) ? null : Uint8Array.from(bloom)
    const previous = this.ownBloom
    this.ownBloom = next
    this.bloomTolerance = previous === null || next === null ? null : previous
    this.later(SYNC_ALLOWANCE * 1000, () => (this.bloomTolerance = this.ownBloom))
    this.host.setBloom(next)
    this.log.debug('Bloom filter changed', { full: next === null })
  }

  get bloom(): Uint8Array | null {
    return this.ownBloom
  }

  // ---- peers ----

  /** Adds a static peer (dialled now and redialled with backoff); `trusted` allows its p2p messages. */
  addPeer(enode: string, opts: { trusted?: boolean } = {}): void {
    if (this.phase === 'stopping' || this.phase === 'stopped') throw new NodeError('state', 'node stopped')
    try {
      if (opts.trusted) this.host.addTrustedPeer(enode)
      this.host.addPeer(enode)
    } catch (err) {
      throw new NodeError('params', (err as Error).message, { cause: err })
    }
    this.rememberDialled(enode)
  }

  /** Forgets a static peer and disconnects it. Returns whether there was anything to remove. */
  removePeer(enodeOrId: string): boolean {
    let id: string
    try {
      id = nodeIdOf(enodeOrId)
    } catch (err) {
      throw new NodeError('params', (err as Error).message, { cause: err })
    }
    this.dialled.delete(id)
    return this.host.removePeer(id)
  }

  /** geth's AllowP2PMessagesFromPeer / markTrustedPeer. */
  markTrusted(enodeOrId: string): void {
    try {
      this.host.addTrustedPeer(enodeOrId)
    } catch (err) {
      throw new NodeError('params', (err as Error).message, { cause: err })
    }
  }

  peers(): PeerSummary[] {
    return this.host.peers().map((p) => this.summary(p))
  }

  /** The static peers and bootnodes this node dials, connected or not (with the last dial error). */
  dialTargets(): DialTargetStatus[] {
    return this.host.dialTargets()
  }

  stats(): NodeStats & GatewayStats {
    let poolSize = 0
    let poolBytes = 0
    for (const p of this.pools.values()) {
      poolSize += p.count
      poolBytes += p.bytes
    }
    const limits = this.limits?.stats
    const u = this.delivery.counts
    return {
      peers: this.host.peers().length, poolSize, poolBytes, ...this.counters, peerPauses: limits?.pauses ?? 0, floodDrops: limits?.floodDrops ?? 0,
      undeliveredNoPeer: u['no-peer'], undeliveredPow: u.pow, undeliveredBloom: u.bloom, ...this.gateway.stats,
    }
  }

  /** Resolves once at least one shh peer is connected; rejects with NodeError 'timeout' / 'state'. */
  waitForPeer(timeoutMs?: number): Promise<void> {
    if (this.host.peers().length > 0) return Promise.resolve()
    if (this.phase === 'stopping' || this.phase === 'stopped') return Promise.reject(new NodeError('state', 'node stopped'))
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null
      const done = (err?: Error) => {
        if (timer) clearTimeout(timer)
        this.off('peer:added', onPeer)
        this.abort.signal.removeEventListener('abort', onStop)
        if (err) reject(err)
        else resolve()
      }
      const onPeer = () => done()
      const onStop = () => done(new NodeError('state', 'node stopped while waiting for a peer'))
      this.on('peer:added', onPeer)
      this.abort.signal.addEventListener('abort', onStop)
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => done(new NodeError('timeout', `no peer within ${timeoutMs} ms`)), timeoutMs)
      }
    })
  }

  /** The envelopes currently pooled (both versions), e.g. for geth's shh_getFilterMessages on a new filter. */
  envelopes(shh?: ShhVersion): Envelope[] {
    const out: Envelope[] = []
    for (const [v, pool] of this.pools) if (shh === undefined || shh === v) for (const e of pool.values()) out.push(e.env)
    return out
  }

  // ---- internals ----

  private requireRunning(): void {
    if (this.phase !== 'running') throw new NodeError('state', `node is ${this.phase === 'new' ? 'not started' : this.phase}`)
  }

  private postVersions(shh: PostParams['shh'], target: ShhPeer | undefined): ShhVersion[] {
    if (target) {
      if (shh !== undefined && shh !== 'both' && shh !== target.shh) {
        throw new NodeError('params', `post: the target peer speaks shh/${target.shh}, not shh/${shh}`)
      }
      return [target.shh]
    }
    if (shh === undefined || shh === 'both') return [...this.versions]
    if (shh !== 5 && shh !== 6) throw new NodeError('params', `post: shh must be 5, 6 or 'both'`)
    if (!this.versions.includes(shh)) throw new NodeError('params', `post: this node does not speak shh/${shh}`)
    return [shh]
  }

  private async seal(p: SealParams): Promise<Envelope> {
    let plan
    try {
      plan = planSeal(buildEnvelope(p), p.pow, p.workTime)
    } catch (err) {
      throw asParamsError(err)
    }
    if (!plan.search) return completeSeal(plan, { nonce: 0n, bits: 0 })
    const found = await this.seals.sealNonce(plan.env.shh, rlpWithoutNonce(plan.env), {
      targetBits: plan.targetBits,
      workTimeMs: plan.workTimeMs,
      signal: this.abort.signal,
    })
    try {
      return completeSeal(plan, found)
    } catch (err) {
      if (isWhisperError(err, 'pow')) throw new NodeError('pow', err.message, { cause: err })
      throw err
    }
  }

  private policy(): ValidationPolicy {
    return {
      now: unixNow(),
      minPow: this.ownMinPow,
      minPowTolerance: this.minPowTolerance,
      maxMessageSize: this.maxSize,
      bloom: this.ownBloom,
      bloomTolerance: this.bloomTolerance,
    }
  }

  /** Our own envelope through geth's add; throws NodeError 'rejected' where geth's Send fails. */
  private admit(env: Envelope): PoolEntry {
    return this.addOwn(env, this.checkOwn(env))
  }

  /** geth's add checks for our own envelope; returns its PoW or throws NodeError 'rejected'. */
  private checkOwn(env: Envelope): number {
    // our bloom says what we ask peers for; it does not limit what we post (geth's Send would refuse)
    const v = validateEnvelope(env, { ...this.policy(), bloom: null, bloomTolerance: null })
    if (v.kind !== 'accept') {
      const why = v.kind === 'reject' ? v.message : v.reason === 'low-pow' ? `PoW ${v.pow} below the node's minimum ${this.ownMinPow}` : v.reason === 'zero-ttl' ? 'TTL 0 (infinite PoW without work; use a TTL of at least 1 s)' : v.reason
      throw new NodeError('rejected', `envelope not accepted by the node: ${why}`)
    }
    return v.pow
  }

  private addOwn(env: Envelope, pow: number): PoolEntry {
    const entry = makeEntry(env, pow, true)
    const res = this.pools.get(env.shh)!.add(entry)
    if (res.status === 'full') throw new NodeError('rejected', 'envelope pool full')
    if (res.status === 'added') this.afterAdd(res.entry, res.evicted)
    return res.entry
  }

  private afterAdd(entry: PoolEntry, evicted: PoolEntry[], from?: string): void {
    for (const e of evicted) this.forwarder.forget(e.key)
    this.gateway.onEnvelope(entry.env, entry.local)
    if (this.mail) this.callMail('archive', () => this.mail!.archive(entry.env, entry.hash))
    if (this.listenerCount('envelope') > 0) {
      const ev: EnvelopeEvent = {
        hash: entry.key,
        shh: entry.env.shh,
        topic: toHex(entry.env.topic),
        pow: entry.pow,
        size: entry.size,
        expiry: entry.expiry,
        local: entry.local,
        from,
      }
      this.safeEmit('envelope', ev)
    }
  }

  private announce(e: PoolEntry): void {
    if (this.light && !e.local) return
    this.forwarder.announce(e)
  }

  private onPeer(peer: ShhPeer): void {
    if (this.phase !== 'running') return
    if (this.limits?.refuse(peer.id)) {
      this.log.debug('Refusing a peer dropped for flooding', { id: short(peer.id) })
      peer.disconnect(DISCONNECT_REASON.USELESS_PEER)
      return
    }
    const state = new PeerState(peer)
    this.forwarder.add(state)
    this.limits?.add(peer)
    peer.on('envelopes', (envs) => this.onEnvelopes(state, envs))
    peer.on('p2pMessage', (env) => this.onP2PMessage(peer, env))
    if (this.mail) peer.on('p2pRequest', (env) => this.callMail('request', () => this.mail!.request(peer, env)))
    // A relaxed requirement may admit envelopes skipped so far. Only a relaxation re-offers the pool,
    // and at most once per REOFFER_MS: a peer repeating an 11-byte packet must not make us rescan
    // (and resend) the whole pool each time.
    let minPow = peer.minPow
    let bloom = peer.bloom
    peer.on('powRequirement', () => {
      const relaxed = peer.minPow < minPow
      minPow = peer.minPow
      if (relaxed) this.scheduleReoffer(state)
    })
    peer.on('bloom', () => {
      const relaxed = bloomAdmitsMore(bloom, peer.bloom)
      bloom = peer.bloom
      if (relaxed) this.scheduleReoffer(state)
    })
    this.log.info('Whisper peer connected', {
      id: short(peer.id),
      addr: `${peer.remoteAddress}:${peer.remotePort}`,
      shh: peer.shh,
      name: peer.clientId,
    })
    this.safeEmit('peer:added', this.summary(peer))
    this.offerPool(state)
  }

  private scheduleReoffer(state: PeerState<ShhPeer>): void {
    if (this.reofferTimers.has(state.id) || this.phase !== 'running') return
    const t = setTimeout(() => {
      this.reofferTimers.delete(state.id)
      this.offerPool(state)
    }, REOFFER_MS)
    t.unref()
    this.reofferTimers.set(state.id, t)
  }

  private onPeerRemoved(peer: ShhPeer, reason: number): void {
    const t = this.reofferTimers.get(peer.id)
    if (t) clearTimeout(t)
    this.reofferTimers.delete(peer.id)
    this.limits?.remove(peer.id, peer)
    if (!this.forwarder.remove(peer.id)) return
    this.log.info('Whisper peer disconnected', { id: short(peer.id), reason: disconnectReasonName(reason) })
    this.safeEmit('peer:removed', this.summary(peer), reason)
  }

  private offerPool(state: PeerState<ShhPeer>): void {
    const pool = this.pools.get(state.shh)
    if (!pool || this.forwarder.get(state.id) !== state) return
    const entries = this.light ? [...pool.values()].filter((e) => e.local) : pool.values()
    this.forwarder.offerAll(state, entries)
  }

  /** geth's runMessageLoop messagesCode: every envelope through `add`; any error drops the peer afterwards. */
  private onEnvelopes(state: PeerState<ShhPeer>, envs: Envelope[]): void {
    if (this.phase !== 'running') return
    const peer = state.peer
    const pool = this.pools.get(peer.shh)
    if (!pool) return
    const policy = this.policy()
    let trouble: string | null = null
    const started = performance.now()
    let useless = 0 // known already, or dropped quietly: what a flood costs its sender nothing for
    for (const env of envs) {
      if (env.shh !== peer.shh) continue
      const v = validateEnvelope(env, policy)
      if (v.kind === 'reject') {
        trouble ??= v.message
        this.log.debug('Bad envelope received, peer will be disconnected', { peer: short(peer.id), reason: v.reason })
        continue
      }
      if (v.kind === 'drop') {
        useless++
        this.counters.envelopesDropped++
        this.log.trace('Envelope dropped', { peer: short(peer.id), reason: v.reason })
        continue
      }
      const entry = makeEntry(env, v.pow, false)
      const res = pool.add(entry)
      if (res.status === 'full') {
        this.counters.envelopesDropped++
        this.log.debug('Envelope pool full: envelope dropped', { shh: peer.shh, pow: v.pow })
        continue
      }
      state.mark(res.entry.key)
      if (res.status === 'known') {
        useless++
        continue
      }
      this.counters.envelopesIn++
      this.afterAdd(res.entry, res.evicted, peer.id)
      if (!this.relay) this.filters.notify(env, { hash: res.entry.hash, mine: false, p2p: false, now: policy.now })
      this.announce(res.entry)
    }
    if (trouble === null) this.limits?.charge(peer.id, performance.now() - started, useless)
    if (trouble !== null) {
      this.counters.peersDropped++
      this.log.warn('Bad envelope received, peer disconnected', { peer: short(peer.id), err: trouble })
      peer.drop(`invalid envelope: ${trouble}`)
    }
  }

  private onP2PMessage(peer: ShhPeer, env: Envelope): void {
    // geth reads direct messages from trusted peers only (the p2p layer checks too) and never pools them
    if (this.phase !== 'running' || this.relay || !peer.trusted) return
    const hash = keccak256(encodeEnvelope(env))
    if (this.listenerCount('p2pMessage') > 0) this.safeEmit('p2pMessage', peer.id, env, hash) // mail clients count answers
    this.filters.notify(env, { hash, mine: false, p2p: true, now: unixNow() })
  }

  private callMail(what: string, fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.log.error(`mail server ${what} failed`, { err })
    }
  }

  private expire(): void {
    const now = unixNow()
    for (const pool of this.pools.values()) {
      for (const e of pool.expire(now)) this.forwarder.forget(e.key)
    }
    this.delivery.check(now)
  }

  private undelivered(ev: UndeliveredEvent): void {
    this.log.warn('Message expired before reaching any peer', { hash: ev.hashes[0], reason: ev.reason, why: ev.message })
    this.safeEmit('undelivered', ev)
  }

  private updateLightBloom(): void {
    // a light node asks only for its subscriptions' topics (a subscription to every topic: everything)
    this.setBloom(this.filters.size === 0 ? new Uint8Array(BLOOM_SIZE) : this.filters.bloom())
  }

  /** Each listener on its own: one that throws (the caller's bug) is logged and the others still run. */
  private safeEmit(event: string, ...args: unknown[]): void {
    // rawListeners: `once` wrappers remove themselves when called, as with emit()
    for (const l of this.rawListeners(event) as ((...a: unknown[]) => void)[]) {
      try {
        l.apply(this, args)
      } catch (err) {
        this.log.error(`'${event}' listener threw`, { err })
      }
    }
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.toleranceTimers.delete(t)
      fn()
    }, ms)
    t.unref()
    this.toleranceTimers.add(t)
  }

  private findPeer(enodeOrId: string): ShhPeer | undefined {
    try {
      return this.host.getPeer(nodeIdOf(enodeOrId))
    } catch {
      return undefined
    }
  }

  private rememberDialled(url: string): void {
    try {
      this.dialled.set(nodeIdOf(url), url)
    } catch {
      // the host reports bad URLs itself
    }
  }

  private summary(p: ShhPeer): PeerSummary {
    const s: PeerSummary = {
      id: p.id,
      clientId: p.clientId,
      shh: p.shh,
      address: `${p.remoteAddress}:${p.remotePort}`,
      inbound: p.inbound,
      trusted: p.trusted,
      static: this.dialled.has(p.id),
      minPow: p.minPow,
      bloom: p.bloom === null ? null : toHex(p.bloom),
      lightNode: p.lightNode,
    }
    if (!p.inbound) {
      s.enode = this.dialled.get(p.id) ?? formatEnode({ id: p.id, host: p.remoteAddress, port: p.remotePort })
    }
    return s
  }
}

/** How long a peer's relaxed requirements wait before the pool is offered again (geth's cycle). */
const REOFFER_MS = 300

function makeEntry(env: Envelope, pow: number, local: boolean): PoolEntry {
  // received envelopes: the bytes they came in (no re-encoding)
  const rlp = envelopeWire(env)
  const hash = keccak256(rlp)
  return { env, hash, key: toHex(hash), pow, bloom: envelopeBloom(env), size: rlp.length, expiry: env.expiry, local }
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

function resolveNodeKey(opts: NodeOptions): NodeKey {
  try {
    if (opts.privateKey) return nodeKeyFromPrivateKey(opts.privateKey)
    if (opts.nodeKeyFile) return loadOrCreateNodeKey(opts.nodeKeyFile)
    return nodeKeyFromPrivateKey(generateNodeKey(), true)
  } catch (err) {
    throw new NodeError('params', (err as Error).message, { cause: err })
  }
}

function asParamsError(err: unknown): Error {
  if (isWhisperError(err)) return new NodeError('params', err.message, { cause: err })
  return err instanceof Error ? err : new Error(String(err))
}

export { DISCONNECT_REASON }
