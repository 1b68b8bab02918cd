// discv4 (devp2p's DPT): bound next to the RLPx listener, seeded with the bootnodes, and a source of
// nodes the host dials while it has free slots (geth's dynamic dials, with its dial history).
import { short, type LogContext } from '../log/log.js'
import type { Connections } from './connections.js'
import { clearDptRequests, dptUdpPort, newDPT, setDptEndpoint, type DPT, type PeerInfo, type RLPx } from './devp2p/index.js'
import type { Dialer } from './dialer.js'
import type { Enode } from './enode.js'
import { advertisedHost, DEBUG, errText, hexToBytes, hostPort, P2PHostError, TRACE, type P2PHostEvents } from './host-types.js'

const DYNAMIC_DIAL_HISTORY_MS = 30_000 // geth dialHistoryExpiration

export interface DiscoveryHost {
  readonly running: boolean
  readonly rlpx: RLPx | null
  readonly id: string
  readonly maxPeers: number
  readonly conns: Connections
  readonly dialer: Dialer
  log(level: number, msg: string, ctx?: LogContext): void
  emit<E extends 'dial'>(event: E, ...args: P2PHostEvents[E]): void
}

export class Discovery {
  private dpt: DPT | null = null
  private udpPort = 0
  private readonly history = new Map<string, number>()
  private dialing = 0
  /** bootnodes still being pinged (their answer, or none within the DPT's timeout, ends the bootstrap) */
  private bootstrapping = 0

  constructor(
    private readonly host: DiscoveryHost,
    private readonly privateKey: Uint8Array,
  ) {}

  /** The bound UDP port, or null when discovery is off. */
  get port(): number | null {
    return this.dpt !== null ? this.udpPort : null
  }

  async start(bindHost: string, udpPort: number, tcpPort: number | null, seeds: Enode[]): Promise<void> {
    const dpt = newDPT(this.privateKey, {
      endpoint: { address: advertisedHost(bindHost), udpPort: null, tcpPort },
      shouldFindNeighbours: true,
      shouldGetDnsPeers: false,
      refreshInterval: 30_000,
      timeout: 4000,
    })
    this.dpt = dpt
    dpt.events.on('error', (err) => this.host.log(TRACE, 'Discovery error', { err: errText(err) }))
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
    setDptEndpoint(dpt, { address: advertisedHost(bindHost), udpPort: this.udpPort, tcpPort })
    for (const t of seeds) {
      this.bootstrapping++
      void dpt.bootstrap({ id: hexToBytes(t.id), address: t.host, udpPort: t.discport ?? t.port, tcpPort: t.port })
        .finally(() => this.bootstrapping--)
    }
  }

  stop(): void {
    this.history.clear()
    const dpt = this.dpt
    if (!dpt) return
    this.dpt = null
    // ping deadlines are plain timers devp2p never clears: clear them so nothing outlives stop().
    clearDptRequests(dpt)
    try {
      dpt.destroy()
    } catch (err) {
      this.host.log(DEBUG, 'Discovery shutdown error', { err: errText(err) })
    }
  }

  /**
   * Nothing left to try: discovery is off, or every bootnode was pinged, none answered (the table is
   * empty) and no discovered node is being dialled.
   */
  get exhausted(): boolean {
    return this.dpt === null || (this.bootstrapping === 0 && this.dialing === 0 && this.peers().length === 0)
  }

  /** The table, for tests and status pages. */
  peers(): PeerInfo[] {
    return this.dpt?.getPeers() ?? []
  }

  private onDiscovered(info: PeerInfo): void {
    const { conns, dialer } = this.host
    const rlpx = this.host.rlpx
    if (!this.host.running || !rlpx || !info.id || !info.address || !info.tcpPort) return
    const id = Buffer.from(info.id).toString('hex')
    if (id === this.host.id || conns.connected(id) || dialer.isStatic(id)) return
    if (conns.connectedCount() + this.dialing >= this.host.maxPeers) return
    const now = Date.now()
    const last = this.history.get(id)
    if (last !== undefined && now - last < DYNAMIC_DIAL_HISTORY_MS) return
    this.history.set(id, now)
    if (this.history.size > 10_000) this.history.clear()
    this.dialing++
    this.host.log(TRACE, 'Dialing discovered peer', { id: short(id), addr: hostPort(info.address, info.tcpPort) })
    this.host.emit('dial', { id, host: info.address, port: info.tcpPort, kind: 'discovered' })
    dialer.connect(rlpx, id, info.address, info.tcpPort, 'discovered').then(
      (conn) => {
        if (!conn) {
          this.dialing--
          return
        }
        // a dial in flight counts until the hello is through (then connectedCount() counts it) or the socket closes
        let pending = true
        const release = () => {
          if (!pending) return
          pending = false
          this.dialing--
        }
        const onHello = conn.onHello
        conn.onHello = () => {
          release()
          onHello?.()
        }
        conn.socket.once('close', release)
      },
      (err) => {
        this.dialing--
        this.host.log(TRACE, 'Dial failed', { id: short(id), err: errText(err) })
      },
    )
  }
}
