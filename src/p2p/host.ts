// P2PHost: an RLPx host speaking only `shh`, over @ethereumjs/devp2p's RLPx (and DPT for discv4).
//
// What it adds to RLPx, following geth's p2p.Server (v1.6.6) where it matters:
// - static peers dialled and redialled with exponential backoff when they fail or drop (dialer.ts);
// - MaxPeers enforced here (RLPx's own limit is lifted): trusted peers and our static dials may
//   exceed it (geth encHandshakeChecks), everyone else gets TOO_MANY_PEERS;
// - bootnodes dialled at start (and again, with backoff, while we have no peer at all) and used to
//   bootstrap discovery (discovery.ts); peers found by discovery dialled while there are free slots;
// - a handshake deadline on every socket (connections.ts; devp2p has none: a silent TCP peer would
//   pin a dial forever);
// - no listening socket unless `listen` is given (like the original client; listener.ts), and a
//   stop() that leaves no socket or timer behind.
// Peers that share no shh version with us are dropped by devp2p itself (USELESS_PEER after hello).
import { EventEmitter } from 'node:events'
import { BLOOM_SIZE } from '../whisper/bloom.js'
import type { ShhVersion } from '../whisper/envelope.js'
import { formatLine, short, type LogContext, type LogSink } from '../log/log.js'
import { defaultClientId, peerText } from './client-id.js'
import { DIAL_RATIO, InboundGate } from './conn-limits.js'
import { Connections, type Conn } from './connections.js'
import { DISCONNECT_REASON, endedBeforeConnect, forgetRlpxRedials, newRLPx, peerSocket, rlpxPendingSockets, type Peer, type RLPx } from './devp2p/index.js'
import { Dialer } from './dialer.js'
import { Discovery } from './discovery.js'
import { formatEnode, nodeIdOf, type Enode } from './enode.js'
import {
  advertisedHost,
  DEBUG,
  ERROR,
  errText,
  INFO,
  P2PHostError,
  TRACE,
  type DialTargetStatus,
  type HostLimits,
  type HostTraffic,
  type P2PHostEvents,
  type P2PHostOptions,
} from './host-types.js'
import { acceptInbound, listen } from './listener.js'
import { nodeKeyFromPrivateKey } from './nodekey.js'
import { disconnectReasonName, type ShhPeer } from './shh-peer.js'
import type { PacketCounts } from './subprotocol.js'
import { DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_STATUS_TIMEOUT_MS, shhCapabilities, type ShhHostContext, type ShhProtocol } from './shh-protocol.js'

export { P2PHostError }
export type { DialEvent, DialKind, DialResult, DialScheduled, DialTargetStatus, HostLimits, HostTraffic, P2PHostEvents, P2PHostOptions } from './host-types.js'

export class P2PHost extends EventEmitter {
  readonly id: string
  readonly publicKey: Uint8Array
  private readonly maxPeers: number
  private readonly handshakeTimeoutMs: number
  private readonly privateKey: Uint8Array
  private readonly versions: ShhVersion[]
  private readonly clientId: string
  private readonly discoveryOn: boolean
  private readonly listenOpt: { host: string; port: number } | undefined
  private readonly logger: LogSink
  private readonly statusTimeoutMs: number
  private readonly trusted = new Set<string>()
  private readonly gate: InboundGate
  private status: { minPow: number; bloom: Uint8Array | null; lightNode: boolean }
  private maxMessageSizeNow: number

  private rlpx: RLPx | null = null
  private running = false
  private readonly conns: Connections // every socket, one record each
  private readonly packets: PacketCounts = { in: 0, out: 0 }
  private readonly dialer: Dialer
  private readonly discovery: Discovery
  private stopping = false
  private listenPort = 0

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
    this.discoveryOn = opts.discovery ?? false
    if (opts.listen) {
      const { host, port } = opts.listen
      if (typeof host !== 'string' || !Number.isInteger(port) || port < 0 || port > 65535) {
        throw new P2PHostError('config', `invalid listen address ${JSON.stringify(opts.listen)}`)
      }
      this.listenOpt = { host, port }
    }
    this.maxMessageSizeNow = opts.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE
    this.statusTimeoutMs = opts.statusTimeoutMs ?? DEFAULT_STATUS_TIMEOUT_MS
    const redialMinMs = opts.redialMinMs ?? 1000
    this.logger = opts.logger ?? (() => {})
    const limits: HostLimits = opts.limits ?? {}
    this.gate = new InboundGate(limits)
    this.handshakeTimeoutMs = opts.handshakeTimeoutMs ?? 10_000
    this.conns = new Connections({
      handshakeTimeoutMs: this.handshakeTimeoutMs,
      limits,
      maxMessageSize: () => this.maxMessageSizeNow,
      log: (msg, ctx) => this.log(DEBUG, msg, ctx as LogContext),
      onClosed: (conn) => this.explainUseless(conn),
    })
    // what the parts see of the host
    const host = this
    const parts = {
      get running() {
        return host.running
      },
      get rlpx() {
        return host.rlpx
      },
      get dialer() {
        return host.dialer
      },
      id: this.id,
      maxPeers: this.maxPeers,
      conns: this.conns,
      log: (level: number, msg: string, ctx?: LogContext) => this.log(level, msg, ctx),
      emit: <E extends keyof P2PHostEvents>(event: E, ...args: P2PHostEvents[E]) => this.safeEmit(event, ...args),
    }
    this.dialer = new Dialer(parts, redialMinMs, Math.max(opts.redialMaxMs ?? 60_000, redialMinMs))
    this.discovery = new Discovery(parts, this.privateKey)
    this.status = { minPow: 0.2, bloom: null, lightNode: opts.lightNode ?? false }
    this.setMinPow(opts.minPow ?? 0.2)
    this.setBloom(opts.bloom ?? null)

    for (const url of opts.trustedPeers ?? []) this.trusted.add(nodeIdOf(url))
    for (const url of opts.staticPeers ?? []) this.dialer.add(url, 'static')
    for (const url of opts.bootnodes ?? []) this.dialer.add(url, 'bootnode')
  }

  // ---- public API ----

  get enode(): string {
    const e: Enode = { id: this.id, host: advertisedHost(this.listenOpt?.host), port: this.running ? this.listenPort : 0 }
    const udp = this.discovery.port
    if (udp !== null && udp !== e.port) e.discport = udp
    return formatEnode(e)
  }

  get listening(): { host: string; port: number } | null {
    return this.running && this.listenOpt ? { host: this.listenOpt.host, port: this.listenPort } : null
  }

  get discoveryPort(): number | null {
    return this.discovery.port
  }

  peers(): ShhPeer[] {
    return this.conns.shhPeers()
  }

  getPeer(id: string): ShhPeer | undefined {
    return this.conns.shhPeer(id.toLowerCase())
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
    acceptInbound(rlpx, this.gate, this.conns, (l, m, c) => this.log(l, m, c))
    rlpx.events.on('peer:added', (peer) => this.onPeerAdded(peer))
    rlpx.events.on('peer:removed', (peer, reason) => this.onPeerRemoved(peer, reason))
    rlpx.events.on('peer:error', (peer, err) => {
      this.log(TRACE, 'Peer connection error', { addr: addrOf(peer), err: errText(err) })
    })

    try {
      if (this.listenOpt) this.listenPort = await listen(rlpx, this.listenOpt, (l, m, c) => this.log(l, m, c))
      this.running = true
      if (this.discoveryOn) {
        const bindHost = this.listenOpt?.host ?? '0.0.0.0'
        const udpPort = this.listenOpt && this.listenOpt.port !== 0 ? this.listenPort : 0
        await this.discovery.start(bindHost, udpPort, this.listenOpt ? this.listenPort : null, this.dialer.bootnodeSeeds())
      }
    } catch (err) {
      this.running = false
      this.teardownNow()
      throw err
    }
    // Without a listening socket the enode's port 0 cannot be dialled: name the node by its id instead.
    const self = this.listening ? { self: this.enode } : { id: this.id, listening: 'no' }
    this.log(INFO, 'Started P2P networking', { ...self, shh: this.versions.join(',') })
    this.dialer.dialAll()
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    this.stopping = true
    this.dialer.stopTimers()
    const rlpx = this.rlpx
    if (rlpx) {
      for (const peer of new Set([...this.conns.connectedPeers(), ...rlpx.getPeers()])) peer.disconnect(DISCONNECT_REASON.CLIENT_QUITTING)
      for (const socket of rlpxPendingSockets(rlpx)) socket.destroy() // a dial still connecting
      rlpx.destroy()
    }
    this.conns.destroyUnfinished()
    this.discovery.stop()
    await this.conns.waitClosed(1000)
    this.rlpx = null
    this.conns.clear()
    this.gate.clear()
    this.stopping = false
    this.log(INFO, 'Stopped P2P networking')
  }

  // Adds a static peer (like geth's admin.addPeer) and dials it now if running. Throws EnodeError.
  addPeer(enode: string): void {
    const t = this.dialer.add(enode, 'static')
    if (this.running) this.dialer.dial(t)
  }

  // Forgets a static peer and disconnects it (DISCONNECT_REQUESTED). Accepts an enode URL or a node id.
  removePeer(enodeOrId: string): boolean {
    const id = nodeIdOf(enodeOrId)
    let found = this.dialer.removeStatic(id)
    const peer = this.conns.connected(id)?.peer
    if (peer) {
      peer.disconnect(DISCONNECT_REASON.DISCONNECT_REQUESTED)
      found = true
    }
    return found
  }

  addTrustedPeer(enodeOrId: string): void {
    const id = nodeIdOf(enodeOrId)
    this.trusted.add(id)
    const p = this.conns.shhPeer(id)
    if (p) p.trusted = true
  }

  removeTrustedPeer(enodeOrId: string): void {
    const id = nodeIdOf(enodeOrId)
    this.trusted.delete(id)
    const p = this.conns.shhPeer(id)
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
    for (const p of this.conns?.shhPeers() ?? []) p.sendPowRequirement(pow)
  }

  // Our bloom filter (null = accept everything): announced in new v6 handshakes and sent to v6 peers now.
  setBloom(bloom: Uint8Array | null): void {
    if (bloom !== null && (!(bloom instanceof Uint8Array) || bloom.length !== BLOOM_SIZE)) {
      throw new P2PHostError('config', `bloom must be ${BLOOM_SIZE} bytes or null`)
    }
    this.status.bloom = bloom === null ? null : Uint8Array.from(bloom)
    const wire = bloom ?? new Uint8Array(BLOOM_SIZE).fill(0xff)
    for (const p of this.conns?.shhPeers() ?? []) p.sendBloom(wire)
  }

  /** Packets above this drop the peer (geth's MaxMessageSize); applies to packets read from now on. */
  get maxMessageSize(): number {
    return this.maxMessageSizeNow
  }

  setMaxMessageSize(size: number): void {
    this.maxMessageSizeNow = size
  }

  /** The peers we dial and whether each is connected, with the last dial error of those that are not. */
  /** Bytes on every RLPx socket and sub-protocol packets of every peer, since start (for metrics). */
  traffic(): HostTraffic {
    return { ...this.conns.traffic(), packetsIn: this.packets.in, packetsOut: this.packets.out }
  }

  dialTargets(): DialTargetStatus[] {
    return this.dialer.status()
  }

  /** Discovery has nobody left to try (off, or its bootstrap found no node); see Discovery.exhausted. */
  discoveryExhausted(): boolean {
    return this.discovery.exhausted
  }

  // ---- internals ----

  private context(): ShhHostContext {
    // geth announces a full node as 64 bytes of 0xff (MakeFullNodeBloom), not an empty bloom.
    const fullBloom = new Uint8Array(BLOOM_SIZE).fill(0xff)
    return {
      ourStatus: () => ({ minPow: this.status.minPow, bloom: this.status.bloom ?? fullBloom, lightNode: this.status.lightNode }),
      isTrusted: (id) => this.trusted.has(id),
      isInbound: (socket) => this.conns.isInbound(socket),
      // a getter: geth checks the current MaxMessageSize, which the node may change at run time
      maxMessageSize: () => this.maxMessageSizeNow,
      statusTimeoutMs: this.statusTimeoutMs,
      log: (level, msg) => this.logger(level, msg),
      packets: this.packets,
      onReady: (peer) => this.onShhReady(peer),
      onClose: (peer, reason, byUs, wasReady) => this.onShhClose(peer, reason, byUs, wasReady),
    }
  }

  private teardownNow(): void {
    this.discovery.stop()
    if (this.rlpx) {
      try {
        this.rlpx.destroy()
      } catch {
        // already destroyed
      }
    }
    this.conns.destroyAll()
    this.rlpx = null
  }

  // devp2p drops a peer with no shared capability on its own, silently; say why, since a v5-only and a
  // v6-only node look alike from the outside and the user can fix it with --shh.
  private explainUseless(conn: Conn): void {
    const socket = conn.socket
    const ended = endedBeforeConnect.get(socket)
    if (!ended || ended.reason !== DISCONNECT_REASON.USELESS_PEER) return
    const { hello } = ended
    const theirs = hello.capabilities.filter((c) => c.name === 'shh').map((c) => `shh/${c.version}`)
    const why = theirs.length > 0
      ? `no shared whisper version (it offers ${theirs.join(', ')}; we offer ${this.versions.map((v) => `shh/${v}`).join(', ')})`
      : `it does not speak whisper (offers ${hello.capabilities.map((c) => `${c.name}/${c.version}`).join(', ') || 'nothing'})`
    const id = Buffer.from(hello.id).toString('hex')
    this.log(INFO, 'Peer dropped: ' + why, { id: short(id), addr: `${socket.remoteAddress}:${socket.remotePort}`, name: peerText(hello.clientId) })
    conn.failure = why
    this.dialer.failed(id, why)
  }

  private onPeerAdded(peer: Peer): void {
    const socket = peerSocket(peer)
    this.gate.done(socket)
    const conn = this.conns.helloDone(socket)
    const idBytes = peer.getId()
    if (!idBytes) return peer.disconnect(DISCONNECT_REASON.PROTOCOL_ERROR)
    const id = Buffer.from(idBytes).toString('hex')
    if (!this.running || conn === undefined) return peer.disconnect(DISCONNECT_REASON.CLIENT_QUITTING)
    const inbound = conn.inbound
    const privileged = this.trusted.has(id) || (!inbound && this.dialer.isStatic(id))
    if (!privileged && (this.conns.connectedCount() >= this.maxPeers || (inbound && this.conns.connectedInbound() >= this.maxInbound()))) {
      this.log(DEBUG, 'Rejecting peer: too many peers', { id: short(id), addr: addrOf(peer), inbound })
      return peer.disconnect(DISCONNECT_REASON.TOO_MANY_PEERS)
    }
    this.conns.accept(conn, id, peer)
    this.log(DEBUG, 'Adding p2p peer', { id: short(id), addr: addrOf(peer), name: peerText(peer.getHelloMessage()?.clientId ?? ''), inbound })
  }

  // geth maxInboundConns: when we dial on our own (discovery, bootnodes), a third of the slots stay ours
  private maxInbound(): number {
    const dialing = this.discoveryOn || this.dialer.hasBootnodes
    return this.maxPeers - (dialing ? Math.floor(this.maxPeers / DIAL_RATIO) : 0)
  }

  private onPeerRemoved(peer: Peer, reason: number | undefined): void {
    // RLPx queues peers that said TOO_MANY_PEERS for an automatic redial 5 minutes later: dialling is our job.
    if (this.rlpx) forgetRlpxRedials(this.rlpx)
    const idBytes = peer.getId()
    if (!idBytes) return
    const id = Buffer.from(idBytes).toString('hex')
    this.conns.removed(id, peer)
    this.log(DEBUG, 'Removing p2p peer', { id: short(id), addr: addrOf(peer), reason: disconnectReasonName(reason ?? 1) })
  }

  private onShhReady(peer: ShhProtocol): void {
    const conn = this.conns.connected(peer.id)
    if (!this.running || conn === undefined) {
      peer.disconnect(this.running ? DISCONNECT_REASON.TOO_MANY_PEERS : DISCONNECT_REASON.CLIENT_QUITTING)
      return
    }
    conn.shh = peer
    peer.trusted = this.trusted.has(peer.id) // the trusted set may have changed since the hello
    this.dialer.succeeded(peer.id)
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
    const conn = wasReady ? this.conns.ofShh(peer) : undefined
    if (conn !== undefined) {
      conn.shh = null
      this.log(DEBUG, 'Whisper peer disconnected', { id: short(peer.id), reason: disconnectReasonName(reason), byUs })
      this.safeEmit('peer:removed', peer, reason)
    }
    this.dialer.peerGone(peer.id, this.conns.shhPeers().length)
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

function addrOf(peer: Peer): string {
  const s = peerSocket(peer)
  return `${s?.remoteAddress ?? '?'}:${s?.remotePort ?? '?'}`
}
