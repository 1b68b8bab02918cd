// What the RLPx host runs on its connections: the capabilities it offers (shh/5, shh/6, waku/0,
// waku/1), our status as each family announces it, and the sub-protocol instances' lifecycle (ready,
// closed) on the connection records. host.ts is the RLPx side (listen, dial, limits); this is the
// protocol-family side, the same for every family: the node only ever sees NetPeers.
import { BLOOM_SIZE } from '../whisper/bloom.js'
import type { ShhVersion } from '../whisper/envelope.js'
import { short, type LogContext } from '../log/log.js'
import type { WakuVersion } from '../waku/codes.js'
import { NO_RATE_LIMITS, type RateLimits } from '../waku/rate-limits.js'
import type { Connections, Conn } from './connections.js'
import { DISCONNECT_REASON, endedBeforeConnect, type Capabilities } from './devp2p/index.js'
import { DEBUG, INFO, P2PHostError, type P2PHostOptions } from './host-types.js'
import { peerText } from './client-id.js'
import { CAPS, isCap, type Cap, type NetPeer, type OurStatus } from './net-peer.js'
import { disconnectReasonName } from './shh-peer.js'
import { shhCapabilities } from './shh-protocol.js'
import type { PacketCounts, SubprotocolContext } from './subprotocol.js'
import { statusOptionsOf, wakuCapabilities } from './waku-protocol.js'

/** The capabilities offered: `protocols`, else `shhVersions` (default shh/5 and shh/6). */
export function offeredCaps(opts: Pick<P2PHostOptions, 'protocols' | 'shhVersions'>): Cap[] {
  if (opts.protocols !== undefined && opts.shhVersions !== undefined) {
    throw new P2PHostError('config', 'give protocols or shhVersions, not both')
  }
  if (opts.protocols === undefined) {
    const versions = opts.shhVersions ?? [5, 6]
    if (versions.length === 0 || versions.some((v) => v !== 5 && v !== 6)) {
      throw new P2PHostError('config', `shhVersions must be a non-empty subset of [5, 6], got ${JSON.stringify(opts.shhVersions)}`)
    }
  }
  const caps = opts.protocols ?? (opts.shhVersions ?? [5, 6]).map((v) => `shh/${v}`)
  if (caps.length === 0 || caps.some((c) => !isCap(c))) {
    throw new P2PHostError('config', `protocols must be a non-empty subset of ${CAPS.join(', ')}, got ${JSON.stringify(caps)}`)
  }
  return CAPS.filter((c) => caps.includes(c))
}

export interface HostProtocolsDeps {
  conns: Connections
  trusted: ReadonlySet<string>
  running: () => boolean
  statusTimeoutMs: number
  maxMessageSize: () => number
  packets: PacketCounts
  /** sub-protocol log lines (already formatted) */
  logLine: (level: number, msg: string) => void
  log: (level: number, msg: string, ctx?: LogContext) => void
  ready: (peer: NetPeer) => void
  removed: (peer: NetPeer, reason: number) => void
  /** a sub-protocol instance closed (ready or not): the dialer counts what is left */
  gone: (id: string) => void
}

export class HostProtocols {
  readonly caps: Cap[]
  private readonly status: OurStatus

  constructor(caps: Cap[], init: Partial<OurStatus>, private readonly deps: HostProtocolsDeps) {
    this.caps = caps
    this.status = {
      minPow: 0.2,
      bloom: null,
      topics: null,
      lightNode: false,
      confirmations: false,
      rateLimits: NO_RATE_LIMITS,
      bytesRateLimits: NO_RATE_LIMITS,
      ...init,
    }
    checkStatus(this.status)
  }

  get ours(): Readonly<OurStatus> {
    return this.status
  }

  capabilities(): Capabilities[] {
    const d = this.deps
    const base: SubprotocolContext = {
      isTrusted: (id) => d.trusted.has(id),
      isInbound: (socket) => d.conns.isInbound(socket),
      // a getter: geth checks the current MaxMessageSize, which the node may change at run time
      maxMessageSize: d.maxMessageSize,
      statusTimeoutMs: d.statusTimeoutMs,
      log: d.logLine,
      packets: d.packets,
    }
    const lifecycle = {
      onReady: (peer: NetPeer) => this.onReady(peer),
      onClose: (peer: NetPeer, reason: number, _byUs: boolean, wasReady: boolean) => this.onClose(peer, reason, wasReady),
    }
    const shh = this.caps.filter((c) => c.startsWith('shh/')).map((c) => Number(c.slice(4)) as ShhVersion)
    const waku = this.caps.filter((c) => c.startsWith('waku/')).map((c) => Number(c.slice(5)) as WakuVersion)
    const out: Capabilities[] = []
    // geth announces a full node as 64 bytes of 0xff (MakeFullNodeBloom), not an empty bloom.
    const fullBloom = new Uint8Array(BLOOM_SIZE).fill(0xff)
    if (shh.length > 0) {
      out.push(...shhCapabilities(shh, {
        ...base,
        ...lifecycle,
        ourStatus: () => ({ minPow: this.status.minPow, bloom: this.status.bloom ?? fullBloom, lightNode: this.status.lightNode }),
      }))
    }
    if (waku.length > 0) {
      out.push(...wakuCapabilities(waku, {
        ...base,
        ...lifecycle,
        ourOptions: () => this.wakuOptions(),
        // status-go's LightClientModeConnectionRestricted: a light node of ours refuses other light nodes
        restrictLightToLight: () => this.status.lightNode,
      }))
    }
    return out
  }

  /** Changes our status and tells every connected peer what changed, each in its family's packets. */
  update(changed: Partial<OurStatus>): void {
    const next = { ...this.status, ...changed }
    checkStatus(next)
    Object.assign(this.status, next)
    for (const p of this.deps.conns.netPeers()) p.announce(changed)
  }

  // devp2p drops a peer with no shared capability on its own, silently; say why, since a v5-only and a
  // v6-only node look alike from the outside and the user can fix it with --protocols.
  explainUseless(conn: Conn): string | null {
    const socket = conn.socket
    const ended = endedBeforeConnect.get(socket)
    if (!ended || ended.reason !== DISCONNECT_REASON.USELESS_PEER) return null
    const { hello } = ended
    const theirs = hello.capabilities.filter((c) => c.name === 'shh' || c.name === 'waku').map((c) => `${c.name}/${c.version}`)
    // the shh-only wording stays as it always read when neither side offers Waku
    const what = [...theirs, ...this.caps].some((c) => c.startsWith('waku/')) ? 'protocol' : 'whisper version'
    const why = theirs.length > 0
      ? `no shared ${what} (it offers ${theirs.join(', ')}; we offer ${this.caps.join(', ')})`
      : `it does not speak whisper or waku (offers ${hello.capabilities.map((c) => `${c.name}/${c.version}`).join(', ') || 'nothing'})`
    const id = Buffer.from(hello.id).toString('hex')
    this.deps.log(INFO, 'Peer dropped: ' + why, { id: short(id), addr: `${socket.remoteAddress}:${socket.remotePort}`, name: peerText(hello.clientId) })
    conn.failure = why
    return id
  }

  private wakuOptions() {
    return statusOptionsOf(this.status)
  }

  private onReady(peer: NetPeer): void {
    const conn = this.deps.conns.connected(peer.id)
    if (!this.deps.running() || conn === undefined) {
      peer.disconnect(this.deps.running() ? DISCONNECT_REASON.TOO_MANY_PEERS : DISCONNECT_REASON.CLIENT_QUITTING)
      return
    }
    conn.nets.set(peer.net, peer)
    peer.trusted = this.deps.trusted.has(peer.id) // the trusted set may have changed since the hello
    this.deps.log(DEBUG, 'Protocol peer connected', {
      id: short(peer.id),
      addr: `${peer.remoteAddress}:${peer.remotePort}`,
      cap: peer.cap,
      name: peer.clientId,
      trusted: peer.trusted,
    })
    this.deps.ready(peer)
  }

  private onClose(peer: NetPeer, reason: number, wasReady: boolean): void {
    const conn = wasReady ? this.deps.conns.ofPeer(peer) : undefined
    if (conn !== undefined) {
      conn.nets.delete(peer.net)
      this.deps.log(DEBUG, 'Protocol peer disconnected', { id: short(peer.id), cap: peer.cap, reason: disconnectReasonName(reason) })
      this.deps.removed(peer, reason)
    }
    this.deps.gone(peer.id)
  }
}

function checkStatus(s: OurStatus): void {
  if (!Number.isFinite(s.minPow) || s.minPow < 0) throw new P2PHostError('config', `invalid PoW requirement ${s.minPow} (finite, >= 0)`)
  if (s.bloom !== null && (!(s.bloom instanceof Uint8Array) || s.bloom.length !== BLOOM_SIZE)) {
    throw new P2PHostError('config', `bloom must be ${BLOOM_SIZE} bytes or null`)
  }
  if (s.topics !== null && s.topics.some((t) => !(t instanceof Uint8Array) || t.length !== 4)) throw new P2PHostError('config', 'topics must be 4 bytes each')
  checkLimits(s.rateLimits)
  checkLimits(s.bytesRateLimits)
}

function checkLimits(r: RateLimits): void {
  for (const v of [r.ip, r.peerId, r.topic]) {
    if (!Number.isSafeInteger(v) || v < 0) throw new P2PHostError('config', `a rate limit must be a whole number >= 0, got ${v}`)
  }
}

