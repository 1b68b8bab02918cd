// P2PHost: an RLPx host speaking only `shh`, over @ethereumjs/devp2p's RLPx (and DPT for discv4).
//
// What it adds to RLPx, following geth's p2p.Server (v1.6.6) where it matters:
// - static peers dialled and redialled with exponential backoff when they fail or drop;
// - MaxPeers enforced here (RLPx's own limit is lifted): trusted peers and our static dials may
//   exceed it (geth encHandshakeChecks), everyone else gets TOO_MANY_PEERS;
// - bootnodes dialled at start (and again, with backoff, while we have no peer at all) and used to
//   bootstrap discovery; peers found by discovery dialled while there are free slots;
// - a handshake deadline on every socket (devp2p has none: a silent TCP peer would pin a dial forever);
// - no listening socket unless `listen` is given (like the original client), and a stop() that leaves
//   no socket or timer behind.
// Peers that share no shh version with us are dropped by devp2p itself (USELESS_PEER after hello).
import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import type { ShhVersion } from '../whisper/envelope.js'
import { BLOOM_SIZE } from '../whisper/bloom.js'
import { formatLine, short, type LogContext, type LogSink } from '../log/log.js'
import { defaultClientId, peerText } from './client-id.js'
import {
  clearDptRequests,
  DISCONNECT_REASON,
  dptUdpPort,
  endedBeforeConnect,
  forgetRlpxRedials,
  newDPT,
  newRLPx,
  peerSocket,
  rlpxPendingSocket,
  rlpxPendingSockets,
  rlpxServer,
  rlpxSocket,
  setDptEndpoint,
  setRlpxListenPort,
  type DPT,
  type Peer,
  type PeerInfo,
  type RLPx,
} from './devp2p/index.js'
import { ConnGuard, DIAL_RATIO, InboundGate, type InboundGateOptions } from './conn-limits.js'
import { formatEnode, nodeIdOf, parseEnode, type Enode } from './enode.js'
import { nodeKeyFromPrivateKey } from './nodekey.js'
import { disconnectReasonName, type ShhPeer } from './shh-peer.js'
import {
  DEFAULT_MAX_MESSAGE_SIZE,
  DEFAULT_STATUS_TIMEOUT_MS,
  shhCapabilities,
  type ShhHostContext,
  type ShhProtocol,
} from './shh-protocol.js'

// geth verbosity levels
const ERROR = 1
const WARN = 2
const INFO = 3
const DEBUG = 4
const TRACE = 5

export interface P2PHostOptions {
  privateKey: Uint8Array
  listen?: { host: string; port: number } // no listening socket when absent
  shhVersions?: ShhVersion[] // default [5, 6]; devp2p picks the highest version both sides offer
  maxPeers?: number // default 80
  staticPeers?: string[] // enode URLs: dialled, redialled with backoff
  trustedPeers?: string[] // enode URLs or node ids: allowed over maxPeers, marked trusted (p2p messages)
  bootnodes?: string[] // enode URLs: dialled at start, and discovery seeds
  discovery?: boolean // discv4 (UDP) on; default false
  clientId?: string // default p2pmessage/vX/os-arch/nodejsN
  minPow?: number // our status (v6), default 0.2
  bloom?: Uint8Array | null // our status (v6): 64 bytes, null = full node (accept all), default null
  lightNode?: boolean // our status (v6), default false
  maxMessageSize?: number // packets above this drop the peer (geth), default 1 MiB
  statusTimeoutMs?: number // shh status deadline after hello, default 5000
  handshakeTimeoutMs?: number // TCP connect + RLPx handshake deadline, default 10000
  redialMinMs?: number // first static-peer redial delay, default 1000 (doubles per failure)
  redialMaxMs?: number // backoff ceiling, default 60000
  logger?: LogSink // geth levels: 1 error .. 5 trace
  limits?: HostLimits // see conn-limits.ts; defaults are geth's
}

export interface HostLimits extends InboundGateOptions {
  frameReadTimeoutMs?: number // default 30000
  frameWriteTimeoutMs?: number // default 20000
  maxQueuedBytes?: number // unwritten bytes per peer before it is dropped
}

export interface P2PHostEvents {
  peer: [peer: ShhPeer]
  'peer:removed': [peer: ShhPeer, reason: number]
}

export class P2PHostError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'P2PHostError'
    this.code = code
  }
}

type TargetKind = 'static' | 'bootnode'

interface DialTarget extends Enode {
  kind: TargetKind
  backoffMs: number
  timer: NodeJS.Timeout | null
  dialing: boolean
  /** why the last dial failed, until one succeeds: what a user is told when a peer stays unreachable */
  lastError?: string
}

/** A peer we dial (static or bootnode), as the host sees it now. */
export interface DialTargetStatus {
  id: string
  host: string
  port: number
  kind: TargetKind
  connected: boolean
  lastError?: string
}

const DYNAMIC_DIAL_HISTORY_MS = 30_000 // geth dialHistoryExpiration

export class P2PHost extends EventEmitter {
  readonly id: string
  readonly publicKey: Uint8Array
  private readonly privateKey: Uint8Array
  private readonly versions: ShhVersion[]
  private readonly maxPeers: number
  private readonly clientId: string
  private readonly discovery: boolean
  private readonly listenOpt: { host: string; port: number } | undefined
  private readonly handshakeTimeoutMs: number
  private readonly redialMinMs: number
  private readonly redialMaxMs: number
  private readonly logger: LogSink
  private status: { minPow: number; bloom: Uint8Array | null; lightNode: boolean }

  private rlpx: RLPx | null = null
  private dpt: DPT | null = null
  private running = false
  private stopping = false
  private listenPort = 0
  private udpPort = 0

  private readonly statics = new Map<string, DialTarget>()
  private readonly bootnodes = new Map<string, DialTarget>()
  private readonly trusted = new Set<string>()
  private readonly connected = new Map<string, Peer>() // after hello, accepted
  private readonly shhPeers = new Map<string, ShhProtocol>() // after both statuses
  private readonly sockets = new Set<Socket>()
  private readonly inboundSockets = new WeakSet<Socket>()
  private readonly helloDone = new WeakSet<Socket>()
  private readonly dynamicHistory = new Map<string, number>()
  private dynamicDialing = 0
  private readonly dialReleases = new Map<Socket, () => void>()
  private maxMessageSizeNow: number
  private readonly statusTimeoutMs: number
  private readonly limits: HostLimits
  private readonly gate: InboundGate

  constructor(opts: P2PHostOptions) {
    super()
    const key = nodeKeyFromPrivateKey(opts.privateKey)
    this.privateKey = key.privateKey
    this.publicKey = key.publicKey
    this.id = key.nodeId
    this.versions = [...new Set<ShhVersion>(opts.shhVersions ?? [5, 6])]
    if (this.versions.length === 0 || this.versions.some((v) => v !== 5 && v !== 6)) {
      throw new P2PHostError('config', `shhVersions must be a non-empty subset of [5, 6], got ${JSON.stringify(opts.shhVersions)}`)
    }
    this.maxPeers = opts.maxPeers ?? 80
    if (!Number.isInteger(this.maxPeers) || this.maxPeers < 0) throw new P2PHostError('config', `maxPeers must be an integer >= 0`)
    this.clientId = opts.clientId ?? defaultClientId()
    this.discovery = opts.discovery ?? false
    if (opts.listen) {
      const { host, port } = opts.listen
      if (typeof host !== 'string' || !Number.isInteger(port) || port < 0 || port > 65535) {
        throw new P2PHostError('config', `invalid listen address ${JSON.stringify(opts.listen)}`)
      }
      this.listenOpt = { host, port }
    }
    this.maxMessageSizeNow = opts.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE
    this.statusTimeoutMs = opts.statusTimeoutMs ?? DEFAULT_STATUS_TIMEOUT_MS
    this.handshakeTimeoutMs = opts.handshakeTimeoutMs ?? 10_000
    this.redialMinMs = opts.redialMinMs ?? 1000
    this.redialMaxMs = Math.max(opts.redialMaxMs ?? 60_000, this.redialMinMs)
    this.logger = opts.logger ?? (() => {})
    this.limits = opts.limits ?? {}
    this.gate = new InboundGate(this.limits)
    this.status = { minPow: 0.2, bloom: null, lightNode: opts.lightNode ?? false }
    this.setMinPow(opts.minPow ?? 0.2)
    this.setBloom(opts.bloom ?? null)

    for (const url of opts.trustedPeers ?? []) this.trusted.add(nodeIdOf(url))
    for (const url of opts.staticPeers ?? []) this.addTarget(url, 'static')
    for (const url of opts.bootnodes ?? []) this.addTarget(url, 'bootnode')
  }

  // ---- public API ----

  get enode(): string {
    const e: Enode = { id: this.id, host: advertisedHost(this.listenOpt?.host), port: this.running ? this.listenPort : 0 }
    if (this.dpt !== null && this.udpPort !== e.port) e.discport = this.udpPort
    return formatEnode(e)
  }

  get listening(): { host: string; port: number } | null {
    return this.running && this.listenOpt ? { host: this.listenOpt.host, port: this.listenPort } : null
  }

  get discoveryPort(): number | null {
    return this.dpt !== null ? this.udpPort : null
  }

  peers(): ShhPeer[] {
    return [...this.shhPeers.values()]
  }

  getPeer(id: string): ShhPeer | undefined {
    return this.shhPeers.get(id.toLowerCase())
  }

  async start(): Promise<void> {
    if (this.running || this.stopping) throw new P2PHostError('state', 'P2PHost already started')
    const rlpx = newRLPx(this.privateKey, {
      capabilities: shhCapabilities(this.versions, this.context()),
      clientId: new TextEncoder().encode(this.clientId),
      // MaxPeers is ours to enforce (trusted peers may exceed it); RLPx only sees a huge limit.
      maxPeers: 1_000_000,
      timeout: this.handshakeTimeoutMs,
      // A port of 0 would go out in the hello as a non-canonical RLP 0x00, which geth rejects: the
      // real port is filled in once we listen; without a listener the field stays empty (= 0).
      listenPort: null,
    })
    this.rlpx = rlpx
    rlpxServer(rlpx)?.on('connection', (socket: Socket) => {
      this.inboundSockets.add(socket)
      const refused = this.gate.admit(socket)
      if (refused !== null) {
        this.log(DEBUG, 'Refusing inbound connection', { addr: `${socket.remoteAddress}:${socket.remotePort}`, why: refused })
        return socket.destroy()
      }
      this.track(socket)
    })
    rlpx.events.on('peer:added', (peer) => this.onPeerAdded(peer))
    rlpx.events.on('peer:removed', (peer, reason) => this.onPeerRemoved(peer, reason))
    rlpx.events.on('peer:error', (peer, err) => {
      this.log(TRACE, 'Peer connection error', { addr: addrOf(peer), err: errText(err) })
    })

    try {
      if (this.listenOpt) await this.listen(rlpx, this.listenOpt)
      this.running = true
      if (this.discovery) await this.startDiscovery()
    } catch (err) {
      this.running = false
      this.teardownNow()
      throw err
    }
    this.log(INFO, 'Started P2P networking', { self: this.enode, shh: this.versions.join(',') })
    for (const t of this.statics.values()) this.dial(t)
    for (const t of this.bootnodes.values()) this.dial(t)
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    this.stopping = true
    for (const t of [...this.statics.values(), ...this.bootnodes.values()]) {
      if (t.timer) clearTimeout(t.timer)
      t.timer = null
    }
    const rlpx = this.rlpx
    if (rlpx) {
      for (const peer of new Set([...this.connected.values(), ...rlpx.getPeers()])) peer.disconnect(DISCONNECT_REASON.CLIENT_QUITTING)
      for (const socket of rlpxPendingSockets(rlpx)) socket.destroy() // a dial still connecting
      rlpx.destroy()
    }
    // Sockets that never finished the RLPx handshake have nobody to say goodbye to.
    for (const s of this.sockets) if (!this.helloDone.has(s)) s.destroy()
    this.stopDiscovery()
    await this.waitSocketsClosed(1000)
    this.rlpx = null
    this.connected.clear()
    this.shhPeers.clear()
    this.dynamicHistory.clear()
    this.gate.clear()
    this.stopping = false
    this.log(INFO, 'Stopped P2P networking')
  }

  // Adds a static peer (like geth's admin.addPeer) and dials it now if running. Throws EnodeError.
  addPeer(enode: string): void {
    const t = this.addTarget(enode, 'static')
    if (this.running) this.dial(t)
  }

  // Forgets a static peer and disconnects it (DISCONNECT_REQUESTED). Accepts an enode URL or a node id.
  removePeer(enodeOrId: string): boolean {
    const id = nodeIdOf(enodeOrId)
    let found = false
    const t = this.statics.get(id)
    if (t) {
      if (t.timer) clearTimeout(t.timer)
      this.statics.delete(id)
      found = true
    }
    const peer = this.connected.get(id)
    if (peer) {
      peer.disconnect(DISCONNECT_REASON.DISCONNECT_REQUESTED)
      found = true
    }
    return found
  }

  addTrustedPeer(enodeOrId: string): void {
    const id = nodeIdOf(enodeOrId)
    this.trusted.add(id)
    const p = this.shhPeers.get(id)
    if (p) p.trusted = true
  }

  removeTrustedPeer(enodeOrId: string): void {
    const id = nodeIdOf(enodeOrId)
    this.trusted.delete(id)
    const p = this.shhPeers.get(id)
    if (p) p.trusted = false
  }

  get minPow(): number {
    return this.status.minPow
  }

  get bloom(): Uint8Array | null {
    return this.status.bloom
  }

  // Our PoW requirement: announced in new v6 handshakes and sent to connected v6 peers now.
  setMinPow(pow: number): void {
    if (!Number.isFinite(pow) || pow < 0) throw new P2PHostError('config', `invalid PoW requirement ${pow} (finite, >= 0)`)
    this.status.minPow = pow
    for (const p of this.shhPeers.values()) p.sendPowRequirement(pow)
  }

  // Our bloom filter (null = accept everything): announced in new v6 handshakes and sent to v6 peers now.
  setBloom(bloom: Uint8Array | null): void {
    if (bloom !== null && (!(bloom instanceof Uint8Array) || bloom.length !== BLOOM_SIZE)) {
      throw new P2PHostError('config', `bloom must be ${BLOOM_SIZE} bytes or null`)
    }
    this.status.bloom = bloom === null ? null : Uint8Array.from(bloom)
    const wire = bloom ?? new Uint8Array(BLOOM_SIZE).fill(0xff)
    for (const p of this.shhPeers.values()) p.sendBloom(wire)
  }

  /** Packets above this drop the peer (geth's MaxMessageSize); applies to packets read from now on. */
  get maxMessageSize(): number {
    return this.maxMessageSizeNow
  }

  setMaxMessageSize(size: number): void {
    this.maxMessageSizeNow = size
  }

  // ---- internals ----

  private context(): ShhHostContext {
    // geth announces a full node as 64 bytes of 0xff (MakeFullNodeBloom), not an empty bloom.
    const fullBloom = new Uint8Array(BLOOM_SIZE).fill(0xff)
    return {
      ourStatus: () => ({ minPow: this.status.minPow, bloom: this.status.bloom ?? fullBloom, lightNode: this.status.lightNode }),
      isTrusted: (id) => this.trusted.has(id),
      isInbound: (socket) => this.inboundSockets.has(socket),
      // a getter: geth checks the current MaxMessageSize, which the node may change at run time
      maxMessageSize: () => this.maxMessageSizeNow,
      statusTimeoutMs: this.statusTimeoutMs,
      log: (level, msg) => this.logger(level, msg),
      onReady: (peer) => this.onShhReady(peer),
      onClose: (peer, reason, byUs, wasReady) => this.onShhClose(peer, reason, byUs, wasReady),
    }
  }

  private listen(rlpx: RLPx, at: { host: string; port: number }): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = rlpxServer(rlpx)
      if (!server) return reject(new P2PHostError('state', 'RLPx server missing'))
      const onError = (err: NodeJS.ErrnoException) => {
        server.off('listening', onListening)
        const what =
          err.code === 'EADDRINUSE'
            ? 'address already in use'
            : err.code === 'EADDRNOTAVAIL'
              ? 'address not available on this machine'
              : err.code === 'EACCES'
                ? 'permission denied'
                : err.message
        reject(new P2PHostError(err.code ?? 'listen', `cannot listen on ${hostPort(at.host, at.port)}: ${what}`, { cause: err }))
      }
      const onListening = () => {
        server.off('error', onError)
        const addr = server.address()
        this.listenPort = typeof addr === 'object' && addr !== null ? addr.port : at.port
        setRlpxListenPort(rlpx, this.listenPort)
        server.on('error', (err) => this.log(ERROR, 'RLPx listener error', { err: errText(err) }))
        resolve()
      }
      server.once('error', onError)
      server.once('listening', onListening)
      rlpx.listen(at.port, at.host)
    })
  }

  private async startDiscovery(): Promise<void> {
    const bindHost = this.listenOpt?.host ?? '0.0.0.0'
    const udpPort = this.listenOpt && this.listenOpt.port !== 0 ? this.listenPort : 0
    const dpt = newDPT(this.privateKey, {
      endpoint: { address: advertisedHost(bindHost), udpPort: null, tcpPort: this.listenOpt ? this.listenPort : null },
      shouldFindNeighbours: true,
      shouldGetDnsPeers: false,
      refreshInterval: 30_000,
      timeout: 4000,
    })
    this.dpt = dpt
    dpt.events.on('error', (err) => this.log(TRACE, 'Discovery error', { err: errText(err) }))
    dpt.events.on('peer:new', (peer) => this.onDiscovered(peer))
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        reject(new P2PHostError((err as NodeJS.ErrnoException).code ?? 'discovery', `cannot bind discovery UDP ${hostPort(bindHost, udpPort)}: ${err.message}`, { cause: err }))
      }
      dpt.events.once('error', onError)
      dpt.events.once('listening', () => {
        dpt.events.off('error', onError)
        this.udpPort = dptUdpPort(dpt) ?? udpPort
        resolve()
      })
      dpt.bind(udpPort, bindHost)
    })
    // The DPT's own endpoint must carry the UDP port peers should answer to.
    setDptEndpoint(dpt, {
      address: advertisedHost(bindHost),
      udpPort: this.udpPort,
      tcpPort: this.listenOpt ? this.listenPort : null,
    })
    for (const t of this.bootnodes.values()) {
      void dpt.bootstrap({ id: hexToBytes(t.id), address: t.host, udpPort: t.discport ?? t.port, tcpPort: t.port })
    }
  }

  private stopDiscovery(): void {
    const dpt = this.dpt
    if (!dpt) return
    this.dpt = null
    // ping deadlines are plain timers devp2p never clears: clear them so nothing outlives stop().
    clearDptRequests(dpt)
    try {
      dpt.destroy()
    } catch (err) {
      this.log(DEBUG, 'Discovery shutdown error', { err: errText(err) })
    }
  }

  private teardownNow(): void {
    this.stopDiscovery()
    if (this.rlpx) {
      try {
        this.rlpx.destroy()
      } catch {
        // already destroyed
      }
    }
    for (const s of this.sockets) s.destroy()
    this.rlpx = null
  }

  /** The peers we dial and whether each is connected, with the last dial error of those that are not. */
  dialTargets(): DialTargetStatus[] {
    return [...this.statics.values(), ...this.bootnodes.values()].map((t) => ({
      id: t.id,
      host: t.host,
      port: t.port,
      kind: t.kind,
      connected: this.connected.has(t.id),
      ...(t.lastError !== undefined ? { lastError: t.lastError } : {}),
    }))
  }

  private addTarget(url: string, kind: TargetKind): DialTarget {
    const e = parseEnode(url)
    if (e.port === 0) throw new P2PHostError('config', `cannot dial ${url}: port 0 (the node does not listen)`)
    if (e.id === this.id) throw new P2PHostError('config', `cannot dial ${url}: that is this node's own id`)
    const map = kind === 'static' ? this.statics : this.bootnodes
    const old = map.get(e.id)
    if (old) {
      old.host = e.host
      old.port = e.port
      old.discport = e.discport
      return old
    }
    const t: DialTarget = { ...e, kind, backoffMs: this.redialMinMs, timer: null, dialing: false }
    map.set(e.id, t)
    return t
  }

  private isTargetLive(t: DialTarget): boolean {
    return (t.kind === 'static' ? this.statics : this.bootnodes).get(t.id) === t
  }

  private dial(t: DialTarget): void {
    const rlpx = this.rlpx
    if (!this.running || !rlpx || t.dialing || t.timer || !this.isTargetLive(t)) return
    if (this.connected.has(t.id)) return
    if (t.kind === 'bootnode' && this.statics.has(t.id)) return // the static entry takes care of it
    t.dialing = true
    this.log(TRACE, 'Dialing peer', { id: short(t.id), addr: hostPort(t.host, t.port), kind: t.kind })
    this.connectRaw(rlpx, t.id, t.host, t.port).then(
      (socket) => {
        if (!socket) {
          t.dialing = false
          return this.schedule(t)
        }
        // lastError is kept until a handshake completes (onShhReady): a redial that only reaches TCP must not
        // wipe why the previous attempt failed
        let closedByRemote = false
        const byRemote = () => (closedByRemote = true)
        socket.once('end', byRemote)
        socket.once('error', byRemote)
        socket.once('close', () => {
          t.dialing = false
          // Our auth is sealed to the id in the URL: a node with another key cannot read it and closes
          // without a word (no ack). Said here, or the user only ever sees 'no whisper handshake'.
          if (closedByRemote && !this.helloDone.has(socket) && socket.bytesWritten > 0 && socket.bytesRead === 0) {
            t.lastError = `the node at ${hostPort(t.host, t.port)} has another node id (it closed the connection unable to read our RLPx auth, sealed to ${short(t.id)}…)`
          }
          this.schedule(t)
        })
      },
      (err) => {
        t.dialing = false
        t.lastError = errText(err)
        this.log(DEBUG, 'Dial failed', { id: short(t.id), addr: hostPort(t.host, t.port), err: errText(err) })
        this.schedule(t)
      },
    )
  }

  // TCP connect through RLPx; resolves with the socket once connected (RLPx handshake then runs on
  // it), or null when RLPx refused because a connection to that id exists already.
  private async connectRaw(rlpx: RLPx, id: string, host: string, port: number): Promise<Socket | null> {
    try {
      await rlpx.connect({ id: hexToBytes(id), address: host, tcpPort: port })
    } catch (err) {
      if (/Already connected/.test(errText(err))) return null
      // RLPx leaves a timed-out socket connecting in its peer map: finish it off.
      rlpxPendingSocket(rlpx, id)?.destroy()
      throw err
    }
    const socket = rlpxSocket(rlpx, id)
    if (socket === null || socket.destroyed) return null
    this.track(socket)
    return socket
  }

  private schedule(t: DialTarget): void {
    if (!this.running || t.timer || t.dialing || !this.isTargetLive(t)) return
    if (this.connected.has(t.id)) return
    if (t.kind === 'bootnode' && this.shhPeers.size > 0) return // fallback only while alone
    const delay = t.backoffMs
    t.backoffMs = Math.min(t.backoffMs * 2, this.redialMaxMs)
    this.log(TRACE, 'Redial scheduled', { id: short(t.id), inMs: delay })
    t.timer = setTimeout(() => {
      t.timer = null
      this.dial(t)
    }, delay)
  }

  // Handshake deadline and bookkeeping for every socket we know of (inbound and dialled).
  private track(socket: Socket): void {
    if (this.sockets.has(socket)) return
    this.sockets.add(socket)
    // Whisper packets are small and latency-bound: with Nagle's algorithm on, a packet written while
    // the previous one awaits its (delayed) ACK waits ~40 ms (measured by the chain bench).
    socket.setNoDelay(true)
    new ConnGuard(socket, {
      maxMessageSize: () => this.maxMessageSizeNow,
      readTimeoutMs: this.limits.frameReadTimeoutMs,
      writeTimeoutMs: this.limits.frameWriteTimeoutMs,
      maxQueuedBytes: this.limits.maxQueuedBytes,
      log: (msg) => this.log(DEBUG, msg),
    })
    const timer = setTimeout(() => {
      if (!this.helloDone.has(socket)) {
        this.log(DEBUG, 'RLPx handshake timeout', { addr: `${socket.remoteAddress}:${socket.remotePort}` })
        socket.destroy()
      }
    }, this.handshakeTimeoutMs)
    socket.once('close', () => {
      clearTimeout(timer)
      this.sockets.delete(socket)
      // after the other 'close' listeners: for an inbound socket devp2p's own one, which records why, runs after ours
      queueMicrotask(() => this.explainUseless(socket))
    })
  }

  // devp2p drops a peer with no shared capability on its own, silently; say why, since a v5-only and a
  // v6-only node look alike from the outside and the user can fix it with --shh.
  private explainUseless(socket: Socket): void {
    const ended = endedBeforeConnect.get(socket)
    if (!ended || ended.reason !== DISCONNECT_REASON.USELESS_PEER) return
    const { hello } = ended
    const theirs = hello.capabilities.filter((c) => c.name === 'shh').map((c) => `shh/${c.version}`)
    const why = theirs.length > 0
      ? `no shared whisper version (it offers ${theirs.join(', ')}; we offer ${this.versions.map((v) => `shh/${v}`).join(', ')})`
      : `it does not speak whisper (offers ${hello.capabilities.map((c) => `${c.name}/${c.version}`).join(', ') || 'nothing'})`
    const id = Buffer.from(hello.id).toString('hex')
    this.log(INFO, 'Peer dropped: ' + why, { id: short(id), addr: `${socket.remoteAddress}:${socket.remotePort}`, name: peerText(hello.clientId) })
    const t = this.statics.get(id) ?? this.bootnodes.get(id)
    if (t) t.lastError = why
  }

  private onPeerAdded(peer: Peer): void {
    const socket = peerSocket(peer)
    this.helloDone.add(socket)
    this.gate.done(socket)
    this.dialReleases.get(socket)?.()
    const idBytes = peer.getId()
    if (!idBytes) return peer.disconnect(DISCONNECT_REASON.PROTOCOL_ERROR)
    const id = Buffer.from(idBytes).toString('hex')
    if (!this.running) return peer.disconnect(DISCONNECT_REASON.CLIENT_QUITTING)
    const inbound = this.inboundSockets.has(socket)
    const privileged = this.trusted.has(id) || (!inbound && this.statics.has(id))
    if (!privileged && (this.connected.size >= this.maxPeers || (inbound && this.inboundCount() >= this.maxInbound()))) {
      this.log(DEBUG, 'Rejecting peer: too many peers', { id: short(id), addr: addrOf(peer), inbound })
      return peer.disconnect(DISCONNECT_REASON.TOO_MANY_PEERS)
    }
    this.connected.set(id, peer)
    this.log(DEBUG, 'Adding p2p peer', { id: short(id), addr: addrOf(peer), name: peerText(peer.getHelloMessage()?.clientId ?? ''), inbound })
  }

  // geth maxInboundConns: when we dial on our own (discovery, bootnodes), a third of the slots stay ours
  private maxInbound(): number {
    const dialing = this.discovery || this.bootnodes.size > 0
    return this.maxPeers - (dialing ? Math.floor(this.maxPeers / DIAL_RATIO) : 0)
  }

  private inboundCount(): number {
    let n = 0
    for (const p of this.connected.values()) if (this.inboundSockets.has(peerSocket(p))) n++
    return n
  }

  private onPeerRemoved(peer: Peer, reason: number | undefined): void {
    // RLPx queues peers that said TOO_MANY_PEERS for an automatic redial 5 minutes later: dialling is our job.
    if (this.rlpx) forgetRlpxRedials(this.rlpx)
    const idBytes = peer.getId()
    if (!idBytes) return
    const id = Buffer.from(idBytes).toString('hex')
    if (this.connected.get(id) === peer) this.connected.delete(id)
    this.log(DEBUG, 'Removing p2p peer', { id: short(id), addr: addrOf(peer), reason: disconnectReasonName(reason ?? 1) })
  }

  private onShhReady(peer: ShhProtocol): void {
    const devp2p = this.connected.get(peer.id)
    if (!this.running || devp2p === undefined) {
      peer.disconnect(this.running ? DISCONNECT_REASON.TOO_MANY_PEERS : DISCONNECT_REASON.CLIENT_QUITTING)
      return
    }
    this.shhPeers.set(peer.id, peer)
    peer.trusted = this.trusted.has(peer.id) // the trusted set may have changed since the hello
    const t = this.statics.get(peer.id) ?? this.bootnodes.get(peer.id)
    if (t) {
      t.backoffMs = this.redialMinMs
      t.lastError = undefined
    }
    this.log(DEBUG, 'Whisper peer connected', {
      id: short(peer.id),
      addr: `${peer.remoteAddress}:${peer.remotePort}`,
      shh: peer.shh,
      name: peer.clientId,
      trusted: peer.trusted,
    })
    this.safeEmit('peer', peer)
  }

  private onShhClose(peer: ShhProtocol, reason: number, byUs: boolean, wasReady: boolean): void {
    if (wasReady && this.shhPeers.get(peer.id) === peer) {
      this.shhPeers.delete(peer.id)
      this.log(DEBUG, 'Whisper peer disconnected', { id: short(peer.id), reason: disconnectReasonName(reason), byUs })
      this.safeEmit('peer:removed', peer, reason)
    }
    const t = this.statics.get(peer.id)
    if (t) this.schedule(t)
    if (this.shhPeers.size === 0) for (const b of this.bootnodes.values()) this.schedule(b)
  }

  private onDiscovered(info: PeerInfo): void {
    const rlpx = this.rlpx
    if (!this.running || !rlpx || !info.id || !info.address || !info.tcpPort) return
    const id = Buffer.from(info.id).toString('hex')
    if (id === this.id || this.connected.has(id) || this.statics.has(id)) return
    if (this.connected.size + this.dynamicDialing >= this.maxPeers) return
    const now = Date.now()
    const last = this.dynamicHistory.get(id)
    if (last !== undefined && now - last < DYNAMIC_DIAL_HISTORY_MS) return
    this.dynamicHistory.set(id, now)
    if (this.dynamicHistory.size > 10_000) this.dynamicHistory.clear()
    this.dynamicDialing++
    this.log(TRACE, 'Dialing discovered peer', { id: short(id), addr: hostPort(info.address, info.tcpPort) })
    this.connectRaw(rlpx, id, info.address, info.tcpPort).then(
      (socket) => {
        if (!socket) {
          this.dynamicDialing--
          return
        }
        // a dial in flight counts until the peer is added (then connected.size counts it) or the socket closes
        let pending = true
        const release = () => {
          if (!pending) return
          pending = false
          this.dynamicDialing--
          this.dialReleases.delete(socket)
        }
        this.dialReleases.set(socket, release)
        socket.once('close', release)
      },
      (err) => {
        this.dynamicDialing--
        this.log(TRACE, 'Dial failed', { id: short(id), err: errText(err) })
      },
    )
  }

  private async waitSocketsClosed(graceMs: number): Promise<void> {
    const all = () =>
      Promise.all([...this.sockets].map((s) => new Promise<void>((r) => (s.closed ? r() : s.once('close', () => r())))))
    let timer: NodeJS.Timeout | undefined
    const grace = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)))
    const first = await Promise.race([all(), grace])
    clearTimeout(timer)
    if (first === 'timeout') {
      for (const s of this.sockets) s.destroy()
      await all()
    }
  }

  // Listeners are the node's code: one that throws is logged and must not stop the others or us.
  private safeEmit(event: keyof P2PHostEvents, ...args: unknown[]): void {
    for (const listener of this.rawListeners(event) as ((...a: unknown[]) => void)[]) {
      try {
        listener.apply(this, args)
      } catch (err) {
        this.log(ERROR, `P2PHost '${event}' listener threw`, { err: errText(err) })
      }
    }
  }

  private log(level: number, msg: string, ctx?: LogContext): void {
    try {
      this.logger(level, formatLine(msg, ctx))
    } catch {
      // a broken logger must not break networking
    }
  }

  // typed events
  override on<E extends keyof P2PHostEvents>(event: E, listener: (...args: P2PHostEvents[E]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void)
  }
  override once<E extends keyof P2PHostEvents>(event: E, listener: (...args: P2PHostEvents[E]) => void): this {
    return super.once(event, listener as (...args: unknown[]) => void)
  }
  override off<E extends keyof P2PHostEvents>(event: E, listener: (...args: P2PHostEvents[E]) => void): this {
    return super.off(event, listener as (...args: unknown[]) => void)
  }
}

function advertisedHost(host: string | undefined): string {
  if (host === undefined || host === '' || host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

function addrOf(peer: Peer): string {
  const s = peerSocket(peer)
  return `${s?.remoteAddress ?? '?'}:${s?.remotePort ?? '?'}`
}

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}


function errText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name
  return String(err)
}
