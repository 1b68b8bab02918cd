// Outbound dials: static peers and bootnodes with their exponential redial backoff (geth's p2p.Server
// dialstate), and the one dial primitive discovery uses too. Every attempt is an event on the host:
// 'dial' when it starts, 'dial:result' once when it ends (ok when both hellos are through), and
// 'dial:scheduled' when a target will be dialled again.
import { short, type LogContext } from '../log/log.js'
import type { Conn, Connections } from './connections.js'
import { rlpxPendingSocket, rlpxSocket, type RLPx } from './devp2p/index.js'
import { parseEnode, type Enode } from './enode.js'
import {
  DEBUG, dialFailureOf, errText, INFO, hexToBytes, hostPort, P2PHostError, TRACE, type DialFailure, type DialKind, type DialTargetStatus, type P2PHostEvents,
} from './host-types.js'

type TargetKind = 'static' | 'bootnode'

interface DialTarget extends Enode {
  kind: TargetKind
  backoffMs: number
  timer: NodeJS.Timeout | null
  dialing: boolean
  /** why the last dial failed, until one succeeds: what a user is told when a peer stays unreachable */
  lastError?: string
  failure?: DialFailure
}

/** What the dialer needs from its host. */
export interface DialerHost {
  readonly running: boolean
  readonly rlpx: RLPx | null
  readonly id: string
  readonly conns: Connections
  log(level: number, msg: string, ctx?: LogContext): void
  emit<E extends 'dial' | 'dial:result' | 'dial:scheduled'>(event: E, ...args: P2PHostEvents[E]): void
}

export class Dialer {
  private readonly statics = new Map<string, DialTarget>()
  private readonly bootnodes = new Map<string, DialTarget>()

  constructor(
    private readonly host: DialerHost,
    private readonly redialMinMs: number,
    private readonly redialMaxMs: number,
  ) {}

  get hasBootnodes(): boolean {
    return this.bootnodes.size > 0
  }

  bootnodeSeeds(): Enode[] {
    return [...this.bootnodes.values()]
  }

  isStatic(id: string): boolean {
    return this.statics.has(id)
  }

  /** Adds (or updates the address of) a static peer or bootnode. Throws EnodeError / P2PHostError. */
  add(url: string, kind: TargetKind): DialTarget {
    const e = parseEnode(url)
    if (e.port === 0) throw new P2PHostError('config', `cannot dial ${url}: port 0 (the node does not listen)`)
    if (e.id === this.host.id) throw new P2PHostError('config', `cannot dial ${url}: that is this node's own id`)
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

  /** Forgets a static peer (no more redials); whether there was one. */
  removeStatic(id: string): boolean {
    const t = this.statics.get(id)
    if (!t) return false
    if (t.timer) clearTimeout(t.timer)
    this.statics.delete(id)
    return true
  }

  dialAll(): void {
    for (const t of this.statics.values()) this.dial(t)
    for (const t of this.bootnodes.values()) this.dial(t)
  }

  stopTimers(): void {
    for (const t of [...this.statics.values(), ...this.bootnodes.values()]) {
      if (t.timer) clearTimeout(t.timer)
      t.timer = null
    }
  }

  /** The peers we dial and whether each is connected, with the last dial error of those that are not. */
  status(): DialTargetStatus[] {
    return [...this.statics.values(), ...this.bootnodes.values()].map((t) => ({
      id: t.id,
      host: t.host,
      port: t.port,
      kind: t.kind,
      connected: this.host.conns.connected(t.id) !== undefined,
      ...(t.lastError !== undefined ? { lastError: t.lastError } : {}),
      ...(t.failure !== undefined ? { failure: t.failure } : {}),
    }))
  }

  /** Both statuses exchanged with `id`: its backoff and last error start over. */
  succeeded(id: string): void {
    const t = this.target(id)
    if (!t) return
    t.backoffMs = this.redialMinMs
    t.lastError = undefined
    t.failure = undefined
  }

  /** Why a connection to `id` was dropped, for the user (the target's lastError). */
  failed(id: string, why: string): void {
    const t = this.target(id)
    if (!t) return
    t.lastError = why
    t.failure = 'other'
  }

  /** An shh peer went away: its static entry redials; with no shh peer left, the bootnodes do too. */
  peerGone(id: string, shhPeersLeft: number): void {
    const t = this.statics.get(id)
    if (t) this.schedule(t)
    if (shhPeersLeft === 0) for (const b of this.bootnodes.values()) this.schedule(b)
  }

  private target(id: string): DialTarget | undefined {
    return this.statics.get(id) ?? this.bootnodes.get(id)
  }

  private isLive(t: DialTarget): boolean {
    return (t.kind === 'static' ? this.statics : this.bootnodes).get(t.id) === t
  }

  dial(t: DialTarget): void {
    const rlpx = this.host.rlpx
    if (!this.host.running || !rlpx || t.dialing || t.timer || !this.isLive(t)) return
    if (this.host.conns.connected(t.id)) return
    if (t.kind === 'bootnode' && this.statics.has(t.id)) return // the static entry takes care of it
    t.dialing = true
    this.host.log(TRACE, 'Dialing peer', { id: short(t.id), addr: hostPort(t.host, t.port), kind: t.kind })
    this.host.emit('dial', { id: t.id, host: t.host, port: t.port, kind: t.kind })
    this.connect(rlpx, t.id, t.host, t.port, t.kind).then(
      (conn) => {
        if (!conn) {
          t.dialing = false
          return this.schedule(t)
        }
        // lastError is kept until a handshake completes (onShhReady): a redial that only reaches TCP must not
        // wipe why the previous attempt failed
        const socket = conn.socket
        let closedByRemote = false
        const byRemote = () => (closedByRemote = true)
        socket.once('end', byRemote)
        socket.once('error', byRemote)
        socket.once('close', () => {
          t.dialing = false
          // Our auth is sealed to the id in the URL: a node with another key cannot read it and closes
          // without a word (no ack). Said here, or the user only ever sees 'no whisper handshake'.
          if (closedByRemote && conn.state !== 'ready' && socket.bytesWritten > 0 && socket.bytesRead === 0) {
            t.lastError = `the node at ${hostPort(t.host, t.port)} has another node id (it closed the connection unable to read our RLPx auth, sealed to ${short(t.id)}…)`
            t.failure = 'other'
            conn.failure ??= t.lastError
          }
          this.schedule(t)
        })
      },
      (err) => {
        t.dialing = false
        t.lastError = errText(err)
        // said at info when a target starts failing, or fails another way (--verbosity 3 shows why a
        // chat reaches nobody); each redial failing the same way again only at debug
        const failure = dialFailureOf(err)
        const level = failure !== t.failure ? INFO : DEBUG
        t.failure = failure
        this.host.log(level, 'Dial failed', { id: short(t.id), addr: hostPort(t.host, t.port), err: errText(err) })
        this.schedule(t)
      },
    )
  }

  /**
   * TCP connect through RLPx; resolves with the connection record once connected (the RLPx handshake
   * then runs on it), or null when RLPx refused because a connection to that id exists already.
   * Emits the attempt's 'dial:result' (the caller emitted its 'dial').
   */
  async connect(rlpx: RLPx, id: string, host: string, port: number, kind: DialKind): Promise<Conn | null> {
    const result = (ok: boolean, error?: string) => this.host.emit('dial:result', { id, kind, ok, ...(error !== undefined ? { error } : {}) })
    const connecting = rlpx.connect({ id: hexToBytes(id), address: host, tcpPort: port })
    // RLPx created the dial's socket before its first await: the record starts in 'dialing'
    const dialing = rlpxPendingSocket(rlpx, id)
    if (dialing !== null) this.host.conns.open(dialing, false, 'dialing', id)
    try {
      await connecting
    } catch (err) {
      if (/Already connected/.test(errText(err))) {
        result(false, 'already connected')
        return null
      }
      // RLPx leaves a timed-out socket connecting in its peer map: finish it off.
      dialing?.destroy()
      result(false, errText(err))
      throw err
    }
    const socket = rlpxSocket(rlpx, id)
    if (socket === null || socket.destroyed) {
      result(false, 'connection closed')
      return null
    }
    const conn = this.host.conns.open(socket, false, 'handshaking', id)
    this.host.conns.handshaking(conn)
    const onHello = conn.onHello
    conn.onHello = () => {
      onHello?.()
      result(true)
    }
    socket.once('close', () => {
      if (conn.state === 'ready') return
      // after the record's own close work (it learns why: no shared capability, handshake deadline...)
      queueMicrotask(() => result(false, conn.failure ?? 'connection closed before the RLPx hello'))
    })
    return conn
  }

  private schedule(t: DialTarget): void {
    if (!this.host.running || t.timer || t.dialing || !this.isLive(t)) return
    if (this.host.conns.connected(t.id)) return
    if (t.kind === 'bootnode' && this.host.conns.protocolCount() > 0) return // fallback only while alone
    const delay = t.backoffMs
    t.backoffMs = Math.min(t.backoffMs * 2, this.redialMaxMs)
    this.host.log(TRACE, 'Redial scheduled', { id: short(t.id), inMs: delay })
    this.host.emit('dial:scheduled', { id: t.id, kind: t.kind, inMs: delay })
    t.timer = setTimeout(() => {
      t.timer = null
      this.dial(t)
    }, delay)
  }
}
