// P2PHost: an RLPx host speaking `shh` and `waku` (host-protocols.ts), over @ethereumjs/devp2p's RLPx (and DPT for discv4).
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
// Peers that share no capability with us are dropped by devp2p itself (USELESS_PEER after hello).
import { EventEmitter } from 'node:events'
import { formatLine, short, type LogContext, type LogSink } from '../log/log.js'
import { defaultClientId, peerText } from './client-id.js'
import { HostProtocols, offeredCaps } from './host-protocols.js'
import type { Cap, Net, NetPeer, OurStatus } from './net-peer.js'
import { DIAL_RATIO, InboundGate } from './conn-limits.js'
import { Connections, type Conn } from './connections.js'
import { DISCONNECT_REASON, forgetRlpxRedials, newRLPx, peerSocket, rlpxPendingSockets, type Peer, type RLPx } from './devp2p/index.js'
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
import { disconnectReasonName } from './shh-peer.js'
import type { PacketCounts } from './subprotocol.js'
import { DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_STATUS_TIMEOUT_MS } from './shh-protocol.js'

export { P2PHostError }
export type { DialEvent, DialKind, DialResult, DialScheduled, DialTargetStatus, HostLimits, HostTraffic, P2PHostEvents, P2PHostOptions } from './host-types.js'

export class P2PHost extends EventEmitter {
  readonly id: string
  readonly publicKey: Uint8Array
  private readonly maxPeers: number
  private readonly handshakeTimeoutMs: number
  private readonly privateKey: Uint8Array
  private readonly clientId: string
  private readonly discoveryOn: boolean
  private readonly listenOpt: { host: string; port: number } | undefined
  private readonly logger: LogSink
  private readonly statusTimeoutMs: number
  private readonly trusted = new Set<string>()
  private readonly gate: InboundGate
  private readonly protocols: HostProtocols
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
    const caps = offeredCaps(opts)
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
      onClosed: (conn) => {
        const id = this.protocols.explainUseless(conn)
        if (id !== null) this.dialer.failed(id, conn.failure ?? 'useless peer')
      },
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
    this.protocols = new HostProtocols(caps, { minPow: opts.minPow ?? 0.2, bloom: opts.bloom ?? null, lightNode: opts.lightNode ?? false, ...opts.status }, {
      conns: this.conns,
      trusted: this.trusted,
      running: () => this.running,
      statusTimeoutMs: this.statusTimeoutMs,
      maxMessageSize: () => this.maxMessageSizeNow,
      packets: this.packets,
      logLine: (level, msg) => this.logger(level, msg),
      log: (level, msg, ctx) => this.log(level, msg, ctx),
      ready: (peer) => {
        this.dialer.succeeded(peer.id)
        this.safeEmit('peer', peer)
      },
      removed: (peer, reason) => this.safeEmit('peer:removed', peer, reason),
      gone: (id) => {
        if (this.conns.peersOf(id).length === 0) this.dialer.peerGone(id, this.conns.protocolCount())
      },
    })

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

  /** The capabilities offered, e.g. ['shh/6', 'waku/1']. */
  get caps(): Cap[] {
    return [...this.protocols.caps]
  }

  /** Every protocol peer: a connection running shh/6 and waku/1 is two. */
  peers(): NetPeer[] {
    return this.conns.netPeers()
  }

  /** The peer `id` on `net`, or (no net) its first protocol peer. */
  getPeer(id: string, net?: Net): NetPeer | undefined {
    return this.conns.netPeer(id.toLowerCase(), net)
  }

  async start(): Promise<void> {
    if (this.running || this.stopping) throw new P2PHostError('state', 'P2PHost already started')
    const rlpx = newRLPx(this.privateKey, {
      capabilities: this.protocols.capabilities(),
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
    this.log(INFO, 'Started P2P networking', { ...self, protocols: this.protocols.caps.join(',') })
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
    for (const p of this.conns.peersOf(id)) p.trusted = true
  }

  removeTrustedPeer(enodeOrId: string): void {
    const id = nodeIdOf(enodeOrId)
    this.trusted.delete(id)
    for (const p of this.conns.peersOf(id)) p.trusted = false
  }

  get minPow(): number {
    return this.protocols.ours.minPow
  }

  get bloom(): Uint8Array | null {
    return this.protocols.ours.bloom
  }

  /** Our status as announced in new handshakes. */
  get status(): Readonly<OurStatus> {
    return this.protocols.ours
  }

  /** Changes our status: new handshakes announce it, connected peers hear what changed (shh/6 and Waku). */
  announce(changed: Partial<OurStatus>): void {
    this.protocols.update(changed.bloom ? { ...changed, bloom: Uint8Array.from(changed.bloom) } : changed)
  }

  // Our PoW requirement: announced in new handshakes and to connected shh/6 and Waku peers now.
  setMinPow(pow: number): void {
    this.announce({ minPow: pow })
  }

  // Our bloom filter (null = accept everything): announced in new handshakes and to shh/6 and Waku peers now.
  setBloom(bloom: Uint8Array | null): void {
    this.announce({ bloom })
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
