// Every socket the host knows, one record each, with its state:
//   dialing     we are connecting over TCP (outbound only)
//   handshaking TCP is up; RLPx auth/ack and the hellos are under way (deadline running)
//   ready       both hellos are through (devp2p added the Peer); `peer` is set once the host accepted it
// and, on a ready record, the shh peer once both statuses were exchanged. It replaces the host's
// parallel sets of sockets, inbound sockets, hello-done sockets, dial releases and peers by id.
import type { Socket } from 'node:net'
import { ConnGuard } from './conn-limits.js'
import type { Peer } from './devp2p/index.js'
import type { HostLimits } from './host-types.js'
import type { Net, NetPeer } from './net-peer.js'

export type ConnState = 'dialing' | 'handshaking' | 'ready'

export interface Conn {
  readonly socket: Socket
  readonly inbound: boolean
  state: ConnState
  /** remote node id: known from the start for a dial, from the hello for an inbound socket */
  id: string | null
  /** the devp2p Peer, once the host accepted it (within MaxPeers, or trusted/static) */
  peer: Peer | null
  /** the protocol peers on it, each once both its statuses were exchanged (devp2p runs one per shared capability name) */
  readonly nets: Map<Net, NetPeer>
  /** why it ended before the hello, when the host knows (handshake deadline, no shared capability...) */
  failure: string | null
  /** runs once when the hello is through (a discovery dial's slot is released then) */
  onHello: (() => void) | null
}

export interface ConnectionsOptions {
  handshakeTimeoutMs: number
  limits: HostLimits
  maxMessageSize: () => number
  log: (msg: string, ctx?: Record<string, unknown>) => void
  /** a record's socket closed; runs after the socket's other 'close' listeners (devp2p's included) */
  onClosed: (conn: Conn) => void
}

export class Connections {
  private readonly all = new Map<Socket, Conn>()
  private readonly accepted = new Map<string, Conn>() // index of records with a peer, by id
  // bytes of the sockets already closed; the open ones are read from their own counters when asked
  private readonly closedBytes = { ingress: 0, egress: 0 }

  constructor(private readonly opts: ConnectionsOptions) {}

  /** Registers a socket (once: a second call returns the existing record). */
  open(socket: Socket, inbound: boolean, state: 'dialing' | 'handshaking', id: string | null = null): Conn {
    const old = this.all.get(socket)
    if (old) return old
    const conn: Conn = { socket, inbound, state: 'dialing', id, peer: null, nets: new Map(), failure: null, onHello: null }
    this.all.set(socket, conn)
    // The record goes after the socket's other 'close' listeners: devp2p's own (registered after ours
    // on a dial) ends the Peer and its shh peer, and those still look the record up.
    socket.once('close', () =>
      queueMicrotask(() => {
        if (this.all.delete(socket)) this.countClosed(socket)
        if (conn.id !== null && this.accepted.get(conn.id) === conn) this.accepted.delete(conn.id)
        this.opts.onClosed(conn)
      }),
    )
    if (state === 'handshaking') this.handshaking(conn)
    return conn
  }

  /** TCP is up: the RLPx handshake starts, under the handshake deadline and the connection limits. */
  handshaking(conn: Conn): void {
    if (conn.state !== 'dialing') return
    conn.state = 'handshaking'
    const socket = conn.socket
    // Whisper packets are small and latency-bound: with Nagle's algorithm on, a packet written while
    // the previous one awaits its (delayed) ACK waits ~40 ms (measured by the chain bench).
    socket.setNoDelay(true)
    new ConnGuard(socket, {
      maxMessageSize: this.opts.maxMessageSize,
      readTimeoutMs: this.opts.limits.frameReadTimeoutMs,
      writeTimeoutMs: this.opts.limits.frameWriteTimeoutMs,
      maxQueuedBytes: this.opts.limits.maxQueuedBytes,
      log: (msg) => this.opts.log(msg),
    })
    const timer = setTimeout(() => {
      if (conn.state !== 'ready') {
        conn.failure = 'RLPx handshake timeout'
        this.opts.log('RLPx handshake timeout', { addr: `${socket.remoteAddress}:${socket.remotePort}` })
        socket.destroy()
      }
    }, this.opts.handshakeTimeoutMs)
    socket.once('close', () => clearTimeout(timer))
  }

  /** TCP bytes read and written on every socket of the host so far (RLPx framing included, as geth's meteredConn). */
  traffic(): { ingressBytes: number; egressBytes: number } {
    let ingressBytes = this.closedBytes.ingress
    let egressBytes = this.closedBytes.egress
    for (const s of this.all.keys()) {
      ingressBytes += s.bytesRead
      egressBytes += s.bytesWritten
    }
    return { ingressBytes, egressBytes }
  }

  private countClosed(socket: Socket): void {
    this.closedBytes.ingress += socket.bytesRead
    this.closedBytes.egress += socket.bytesWritten
  }

  of(socket: Socket): Conn | undefined {
    return this.all.get(socket)
  }

  /** Both hellos are through on this socket (whether or not the host then accepts the peer). */
  helloDone(socket: Socket): Conn | undefined {
    const conn = this.all.get(socket)
    if (!conn) return undefined
    conn.state = 'ready'
    const onHello = conn.onHello
    conn.onHello = null
    onHello?.()
    return conn
  }

  accept(conn: Conn, id: string, peer: Peer): void {
    conn.id = id
    conn.peer = peer
    this.accepted.set(id, conn)
  }

  /** devp2p removed this Peer: it no longer counts as connected. */
  removed(id: string, peer: Peer): void {
    const conn = this.accepted.get(id)
    if (conn?.peer === peer) this.accepted.delete(id)
  }

  /** The accepted connection to `id` (hello through, within our limits). */
  connected(id: string): Conn | undefined {
    return this.accepted.get(id)
  }

  connectedCount(): number {
    return this.accepted.size
  }

  connectedInbound(): number {
    let n = 0
    for (const c of this.accepted.values()) if (c.inbound) n++
    return n
  }

  connectedPeers(): Peer[] {
    return [...this.accepted.values()].map((c) => c.peer!)
  }

  /** Every protocol peer (a connection running shh/6 and waku/1 counts twice). */
  netPeers(): NetPeer[] {
    const out: NetPeer[] = []
    for (const c of this.all.values()) for (const p of c.nets.values()) out.push(p)
    return out
  }

  /** Connections with at least one protocol peer. */
  protocolCount(): number {
    let n = 0
    for (const c of this.all.values()) if (c.nets.size > 0) n++
    return n
  }

  /** The peer `id` on `net`, or (no net) its first protocol peer. */
  netPeer(id: string, net?: Net): NetPeer | undefined {
    for (const c of this.all.values()) {
      for (const p of c.nets.values()) if (p.id === id && (net === undefined || p.net === net)) return p
    }
    return undefined
  }

  /** Every protocol peer of node `id`. */
  peersOf(id: string): NetPeer[] {
    const out: NetPeer[] = []
    for (const c of this.all.values()) for (const p of c.nets.values()) if (p.id === id) out.push(p)
    return out
  }

  /** The record a protocol peer runs on (found by the peer: it does not expose its socket). */
  ofPeer(peer: NetPeer): Conn | undefined {
    for (const c of this.all.values()) if (c.nets.get(peer.net) === peer) return c
    return undefined
  }

  /** Every socket with a record (dialing, handshaking or ready). */
  sockets(): Set<Socket> {
    return new Set(this.all.keys())
  }

  isInbound(socket: Socket): boolean {
    return this.all.get(socket)?.inbound ?? false
  }

  /** Sockets that never finished the RLPx handshake have nobody to say goodbye to: destroyed. */
  destroyUnfinished(): void {
    for (const c of this.all.values()) if (c.state !== 'ready') c.socket.destroy()
  }

  destroyAll(): void {
    for (const c of this.all.values()) c.socket.destroy()
  }

  /** Resolves once every socket closed; after `graceMs` the rest are destroyed. */
  async waitClosed(graceMs: number): Promise<void> {
    const sockets = () => [...this.all.keys()]
    const all = () => Promise.all(sockets().map((s) => new Promise<void>((r) => (s.closed ? r() : s.once('close', () => r())))))
    let timer: NodeJS.Timeout | undefined
    const grace = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)))
    const first = await Promise.race([all(), grace])
    clearTimeout(timer)
    if (first === 'timeout') {
      for (const s of sockets()) s.destroy()
      await all()
    }
  }

  clear(): void {
    for (const s of this.all.keys()) this.countClosed(s)
    this.accepted.clear()
    this.all.clear()
  }
}
