// What every status-handshake sub-protocol of ours (shh/5, shh/6, waku/0, waku/1) does the same way on
// top of @ethereumjs/devp2p's RLPx Peer.
//
// devp2p instantiates the class given in a capability as `new C(version, peer, send)` after the hello
// exchange, hands it every payload of its code range (codes relative to the capability offset,
// snappy already undone when the remote hello says base protocol >= 5) via `_handleMessage`, and
// disconnects with SUBPROTOCOL_ERROR if that throws. It does NOT compress what a sub-protocol sends:
// we do that here (like its own ETH protocol), or geth >= 1.7.3 drops us with "snappy: corrupt input".
//
// The handshake, as geth's and status-go's peer.handshake: each side sends its status right away; the
// first packet from the peer must be its status, else the peer is dropped; a status that does not decode
// drops it; no status within the deadline drops it (TIMEOUT). Packets that arrive after the peer's status
// but before ours went out are held and handled in order once ready. The subclass says what a status is
// and what every other packet means; a packet that throws drops the peer.
import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import { peerText } from './client-id.js'
import { disconnectReasonName } from './shh-peer.js'
import { short } from '../log/log.js'
import { DISCONNECT_REASON, peerClosed, peerSocket, SharedPayload, type Peer } from './devp2p/index.js'

export const DEFAULT_STATUS_TIMEOUT_MS = 5000
const MAX_EARLY_PACKETS = 1024 // packets that may arrive between the peer's status and our own

/** What every sub-protocol instance needs from its host (P2PHost). */
export interface SubprotocolContext {
  isTrusted(id: string): boolean
  isInbound(socket: Socket): boolean
  readonly maxMessageSize: () => number
  readonly statusTimeoutMs: number
  log(level: number, msg: string): void
  /** sub-protocol packets read and written by every peer of the host (metrics) */
  readonly packets?: PacketCounts
}

export interface PacketCounts {
  in: number
  out: number
}

export type SendMethod = (code: number, data: Uint8Array) => void

export abstract class Subprotocol extends EventEmitter {
  readonly id: string
  readonly clientId: string
  readonly remoteAddress: string
  readonly remotePort: number
  readonly baseProtocolVersion: number
  readonly inbound: boolean
  trusted: boolean

  protected readonly devp2pPeer: Peer
  private readonly sendRaw: SendMethod
  private readonly base: SubprotocolContext
  /** 'shh' or 'waku': the log lines' word for the peer */
  private readonly family: string
  private statusSent = false
  private statusReceived = false
  private ready = false
  private isClosed = false
  private statusTimer: NodeJS.Timeout | null
  private early: [number, Uint8Array][] = []

  constructor(family: string, peer: Peer, send: SendMethod, ctx: SubprotocolContext) {
    super()
    this.family = family
    this.devp2pPeer = peer
    this.sendRaw = send
    this.base = ctx
    const hello = peer.getHelloMessage()
    const remoteId = peer.getId()
    this.id = remoteId === null ? '' : Buffer.from(remoteId).toString('hex')
    this.clientId = peerText(hello?.clientId ?? '') // shown on pages and in logs: capped and escaped
    this.baseProtocolVersion = hello?.protocolVersion ?? 0
    const socket = this.socket
    this.remoteAddress = socket.remoteAddress ?? ''
    this.remotePort = socket.remotePort ?? 0
    this.inbound = ctx.isInbound(socket)
    this.trusted = ctx.isTrusted(this.id)

    // 'connect' fires once both hellos are through (maybe later in this very tick, maybe on the next):
    // only then may we send. 'close' fires when the socket closes (the Peer is connected by now).
    // Both run from devp2p socket/tick callbacks where an exception would be uncaught: they never throw.
    peer.events.once('connect', () => this.guard('status', () => this.sendOurStatus()))
    peer.events.once('close', (reason: number | undefined, byUs: boolean | null) => this.guard('close', () => this.onSocketClose(reason, byUs)))
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null
      if (!this.ready) this.dropWith(DISCONNECT_REASON.TIMEOUT, `${family} status timeout`, 4)
    }, ctx.statusTimeoutMs)
  }

  /** e.g. 'shh/6', 'waku/1': in drop reasons */
  protected abstract get capLabel(): string
  protected abstract get statusCode(): number
  /** our status payload (sent once, when both hellos are through) */
  protected abstract statusPayload(): Uint8Array
  /** the peer's status: decode and take it, or throw (the peer is dropped) */
  protected abstract takeStatus(data: Uint8Array): void
  /** any packet after both statuses; throws or calls drop() on a bad one */
  protected abstract handlePacket(code: number, data: Uint8Array): void
  protected abstract onReady(): void
  protected abstract onClosed(reason: number, byUs: boolean, wasReady: boolean): void

  get closed(): boolean {
    return this.isClosed
  }

  get bufferedBytes(): number {
    return this.socket.writableLength
  }

  protected get isReady(): boolean {
    return this.ready && !this.isClosed
  }

  private get socket(): Socket {
    return peerSocket(this.devp2pPeer)
  }

  disconnect(reason: number = DISCONNECT_REASON.DISCONNECT_REQUESTED): void {
    if (this.isClosed) return
    this.devp2pPeer.disconnect(reason as DISCONNECT_REASON)
  }

  drop(why: string): void {
    this.dropWith(DISCONNECT_REASON.SUBPROTOCOL_ERROR, why, 2)
  }

  pauseReading(): void {
    if (!this.isClosed) this.socket.pause()
  }

  resumeReading(): void {
    if (!this.isClosed && !this.socket.destroyed) this.socket.resume()
  }

  // Protocol violations log at warn, as geth's "peer will be disconnected" lines; timeouts at debug.
  protected dropWith(reason: number, why: string, level: number): void {
    if (this.isClosed || peerClosed(this.devp2pPeer)) return
    this.base.log(level, `Dropping ${this.family} peer id=${short(this.id)} addr=${this.remoteAddress}:${this.remotePort} reason=${disconnectReasonName(reason)} err=${JSON.stringify(why)}`)
    this.devp2pPeer.disconnect(reason as DISCONNECT_REASON)
  }

  protected send(code: number, payload: Uint8Array | SharedPayload): boolean {
    if (peerClosed(this.devp2pPeer)) return false
    // snappy from base protocol 5 on (geth >= 1.7.3); geth 1.6 (base protocol 4) must get it raw. A
    // SharedPayload is compressed once for every peer it goes to.
    const shared = payload instanceof SharedPayload ? payload : new SharedPayload(payload)
    this.sendRaw(code, shared.forBaseProtocol(this.baseProtocolVersion))
    if (this.base.packets) this.base.packets.out++
    return true
  }

  protected log(level: number, msg: string): void {
    this.base.log(level, msg)
  }

  private sendOurStatus(): void {
    if (this.statusSent || this.isClosed) return
    if (!this.send(this.statusCode, this.statusPayload())) return
    this.statusSent = true
    this.maybeReady()
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.base.log(1, `${this.family} peer ${what} handling failed id=${short(this.id)} err=${JSON.stringify((err as Error)?.message ?? String(err))}`)
      if (!this.isClosed) this.drop(`internal error in ${what}`)
    }
  }

  // Called by devp2p. Never throws: hostile input ends in a drop, a bug in a listener in a log line.
  _handleMessage(code: number, data: Uint8Array): void {
    if (this.isClosed || peerClosed(this.devp2pPeer)) return
    if (this.base.packets) this.base.packets.in++
    try {
      if (!this.statusReceived) return this.handleStatus(code, data)
      if (!this.ready) {
        // The peer's status arrived before we could send ours (same socket read): hold on.
        if (this.early.length >= MAX_EARLY_PACKETS) return this.drop('too many packets before the handshake completed')
        this.early.push([code, data])
        return
      }
      this.checkedPacket(code, data)
    } catch (err) {
      this.drop(`${this.capLabel} code ${code}: ${(err as Error).message}`)
    }
  }

  private handleStatus(code: number, data: Uint8Array): void {
    if (code !== this.statusCode) return this.drop(`peer sent packet ${code.toString(16)} before status packet`)
    this.takeStatus(data)
    if (this.isClosed || peerClosed(this.devp2pPeer)) return
    this.statusReceived = true
    this.maybeReady()
  }

  private checkedPacket(code: number, data: Uint8Array): void {
    if (data.length > this.base.maxMessageSize()) return this.drop(`oversized message received (${data.length} bytes)`)
    if (code === this.statusCode) {
      this.base.log(2, `Unexpected status message received id=${short(this.id)}`)
      return
    }
    this.handlePacket(code, data)
  }

  private maybeReady(): void {
    if (this.ready || !this.statusSent || !this.statusReceived || this.isClosed) return
    this.ready = true
    if (this.statusTimer !== null) clearTimeout(this.statusTimer)
    this.statusTimer = null
    this.onReady()
    const early = this.early
    this.early = []
    for (const [code, data] of early) {
      if (this.isClosed || peerClosed(this.devp2pPeer)) break
      try {
        this.checkedPacket(code, data)
      } catch (err) {
        this.drop(`${this.capLabel} code ${code}: ${(err as Error).message}`)
      }
    }
  }

  // A throwing listener is the node's bug, not the peer's fault: log it, keep the peer, and still call
  // the other listeners (a plain emit() would stop at the first throw).
  protected deliver(event: string, ...args: unknown[]): void {
    for (const listener of this.rawListeners(event) as ((...a: unknown[]) => void)[]) {
      try {
        listener.apply(this, args)
      } catch (err) {
        this.base.log(1, `${this.family} peer '${event}' listener threw id=${short(this.id)} err=${JSON.stringify((err as Error)?.message ?? String(err))}`)
      }
    }
  }

  private onSocketClose(reason: number | undefined, byUs: boolean | null): void {
    if (this.isClosed) return
    this.isClosed = true
    if (this.statusTimer !== null) clearTimeout(this.statusTimer)
    this.statusTimer = null
    this.early = []
    const r = reason ?? DISCONNECT_REASON.NETWORK_ERROR
    const wasReady = this.ready
    if (wasReady) this.deliver('close', r, byUs === true)
    this.onClosed(r, byUs === true, wasReady)
  }
}
