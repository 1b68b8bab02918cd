// The `shh` capability (versions 5 and 6) as a sub-protocol of @ethereumjs/devp2p's RLPx Peer.
//
// devp2p instantiates the class given in a capability as `new C(version, peer, send)` after the hello
// exchange, hands it every payload of its code range (codes relative to the capability offset,
// snappy already undone when the remote hello says base protocol >= 5) via `_handleMessage`, and
// disconnects with SUBPROTOCOL_ERROR if that throws. It does NOT compress what a sub-protocol sends:
// we do that here (like its own ETH protocol), or geth >= 1.7.3 drops us with "snappy: corrupt input".
//
// The handshake follows geth (whisperv5 v1.7.3, whisperv6 v1.9.7 peer.handshake): each side sends
// its status right away; the first packet from the peer must be a status of our version, else the
// peer is dropped; a later status is ignored. Packets that do not decode drop the peer (geth returns
// an error from its message loop: "invalid envelope" etc.). Validation of decoded envelopes (expiry,
// PoW, size) is the node's job: it calls drop() when geth's `add` would have failed.
import { peerText } from './client-id.js'
import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import * as snappy from 'snappyjs'
import type { Envelope, ShhVersion } from '../whisper/envelope.js'
import { WhisperError } from '../whisper/errors.js'
import {
  decodeBloomFilterEx,
  decodeEnvelopePacket,
  decodeMessages,
  decodePowRequirement,
  decodeStatus,
  encodeBloomFilterEx,
  encodeEnvelopePacket,
  encodeMessages,
  encodePowRequirement,
  encodeStatus,
  MESSAGE_CODES,
} from '../whisper/packets.js'
import { disconnectReasonName, type ShhPeer } from './shh-peer.js'
import { short } from '../log/log.js'
import { DISCONNECT_REASON, peerClosed, peerSocket, type Capabilities, type Peer } from './devp2p/index.js'

export const SHH_CAPABILITY_LENGTH: Record<ShhVersion, number> = { 5: 64, 6: 128 }
export const DEFAULT_STATUS_TIMEOUT_MS = 5000
export const DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024 // geth DefaultMaxMessageSize
const MAX_EARLY_PACKETS = 1024 // packets that may arrive between the peer's status and our own

// What a sub-protocol instance needs from its host (P2PHost); the capability classes close over it.
export interface ShhHostContext {
  ourStatus(): { minPow: number; bloom: Uint8Array | null; lightNode: boolean }
  isTrusted(id: string): boolean
  isInbound(socket: Socket): boolean
  readonly maxMessageSize: () => number
  readonly statusTimeoutMs: number
  log(level: number, msg: string): void
  onReady(peer: ShhProtocol): void // both statuses exchanged
  onClose(peer: ShhProtocol, reason: number, byUs: boolean, wasReady: boolean): void
}

type SendMethod = (code: number, data: Uint8Array) => void

export class ShhProtocol extends EventEmitter implements ShhPeer {
  readonly id: string
  readonly shh: ShhVersion
  readonly clientId: string
  readonly remoteAddress: string
  readonly remotePort: number
  readonly baseProtocolVersion: number
  readonly inbound: boolean
  trusted: boolean
  minPow = 0
  bloom: Uint8Array | null = null
  lightNode = false

  private readonly devp2pPeer: Peer
  private readonly sendRaw: SendMethod
  private readonly ctx: ShhHostContext
  private statusSent = false
  private statusReceived = false
  private ready = false
  private isClosed = false
  private statusTimer: NodeJS.Timeout | null
  private early: [number, Uint8Array][] = []

  constructor(version: number, peer: Peer, send: SendMethod, ctx: ShhHostContext) {
    super()
    if (version !== 5 && version !== 6) throw new Error(`shh: unsupported capability version ${version}`)
    this.shh = version
    this.devp2pPeer = peer
    this.sendRaw = send
    this.ctx = ctx
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
    peer.events.once('connect', () => this.guard('status', () => this.sendStatus()))
    peer.events.once('close', (reason: number | undefined, byUs: boolean | null) => this.guard('close', () => this.onClose(reason, byUs)))
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null
      if (!this.ready) this.dropWith(DISCONNECT_REASON.TIMEOUT, 'shh status timeout', 4)
    }, ctx.statusTimeoutMs)
  }

  get closed(): boolean {
    return this.isClosed
  }

  get bufferedBytes(): number {
    return this.socket.writableLength
  }

  private get socket(): Socket {
    return peerSocket(this.devp2pPeer)
  }

  // ---- sending ----

  sendEnvelopes(envs: Envelope[]): boolean {
    if (!this.ready || this.isClosed || envs.length === 0) return false
    const codes = MESSAGE_CODES[this.shh]
    if (this.shh === 5) {
      let ok = true
      for (const env of envs) ok = this.send(codes.messages, encodeMessages(5, [env])) && ok
      return ok
    }
    return this.send(codes.messages, encodeMessages(6, envs))
  }

  sendPowRequirement(pow: number): boolean {
    if (this.shh !== 6 || !this.ready || this.isClosed) return false
    return this.send(MESSAGE_CODES[6].powRequirement, encodePowRequirement(pow))
  }

  sendBloom(bloom: Uint8Array): boolean {
    if (this.shh !== 6 || !this.ready || this.isClosed) return false
    return this.send(MESSAGE_CODES[6].bloomFilterEx, encodeBloomFilterEx(bloom))
  }

  sendP2PMessage(env: Envelope): boolean {
    if (!this.ready || this.isClosed) return false
    if (env.shh !== this.shh) throw new WhisperError('params', `shh/${env.shh} envelope sent to a shh/${this.shh} peer`)
    return this.send(MESSAGE_CODES[this.shh].p2pMessage, encodeEnvelopePacket(env))
  }

  sendP2PRequest(env: Envelope): boolean {
    if (!this.ready || this.isClosed) return false
    if (env.shh !== this.shh) throw new WhisperError('params', `shh/${env.shh} request sent to a shh/${this.shh} peer`)
    return this.send(MESSAGE_CODES[this.shh].p2pRequest, encodeEnvelopePacket(env))
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
  private dropWith(reason: number, why: string, level: number): void {
    if (this.isClosed || peerClosed(this.devp2pPeer)) return
    this.ctx.log(level, `Dropping shh peer id=${short(this.id)} addr=${this.remoteAddress}:${this.remotePort} reason=${disconnectReasonName(reason)} err=${JSON.stringify(why)}`)
    this.devp2pPeer.disconnect(reason as DISCONNECT_REASON)
  }

  private send(code: number, payload: Uint8Array): boolean {
    if (peerClosed(this.devp2pPeer)) return false
    // snappy from base protocol 5 on (geth >= 1.7.3); geth 1.6 (base protocol 4) must get it raw.
    const data = this.baseProtocolVersion >= 5 ? snappy.compress(payload) : payload
    this.sendRaw(code, data)
    return true
  }

  private sendStatus(): void {
    if (this.statusSent || this.isClosed) return
    let payload: Uint8Array
    if (this.shh === 5) payload = encodeStatus(5)
    else payload = encodeStatus(6, this.ctx.ourStatus())
    if (!this.send(MESSAGE_CODES[this.shh].status, payload)) return
    this.statusSent = true
    this.maybeReady()
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.ctx.log(1, `shh peer ${what} handling failed id=${short(this.id)} err=${JSON.stringify((err as Error)?.message ?? String(err))}`)
      if (!this.isClosed) this.drop(`internal error in ${what}`)
    }
  }

  // ---- receiving ----

  // Called by devp2p. Never throws: hostile input ends in a drop, a bug in a listener in a log line.
  _handleMessage(code: number, data: Uint8Array): void {
    if (this.isClosed || peerClosed(this.devp2pPeer)) return
    try {
      if (!this.statusReceived) return this.handleStatus(code, data)
      if (!this.ready) {
        // The peer's status arrived before we could send ours (same socket read): hold on.
        if (this.early.length >= MAX_EARLY_PACKETS) return this.drop('too many packets before the handshake completed')
        this.early.push([code, data])
        return
      }
      this.handlePacket(code, data)
    } catch (err) {
      this.drop(`shh/${this.shh} code ${code}: ${(err as Error).message}`)
    }
  }

  private handleStatus(code: number, data: Uint8Array): void {
    if (code !== MESSAGE_CODES[this.shh].status) return this.drop(`peer sent packet ${code.toString(16)} before status packet`)
    const s = decodeStatus(this.shh, data)
    if (this.shh === 6) {
      if (s.minPow !== undefined) this.minPow = s.minPow
      // geth: an absent or empty bloom, or all 0xff, means a full node (accepts everything)
      if (s.bloom !== undefined) this.bloom = s.bloom === null || isAllOnes(s.bloom) ? null : s.bloom
      this.lightNode = s.lightNode
    }
    this.statusReceived = true
    this.maybeReady()
  }

  private maybeReady(): void {
    if (this.ready || !this.statusSent || !this.statusReceived || this.isClosed) return
    this.ready = true
    if (this.statusTimer !== null) clearTimeout(this.statusTimer)
    this.statusTimer = null
    this.ctx.onReady(this)
    const early = this.early
    this.early = []
    for (const [code, data] of early) {
      if (this.isClosed || peerClosed(this.devp2pPeer)) break
      try {
        this.handlePacket(code, data)
      } catch (err) {
        this.drop(`shh/${this.shh} code ${code}: ${(err as Error).message}`)
      }
    }
  }

  private handlePacket(code: number, data: Uint8Array): void {
    if (data.length > this.ctx.maxMessageSize()) return this.drop(`oversized message received (${data.length} bytes)`)
    const c = MESSAGE_CODES[this.shh]
    switch (code) {
      case c.status:
        this.ctx.log(2, `Unexpected status message received id=${short(this.id)}`)
        return
      case c.messages: {
        let envs: Envelope[]
        try {
          envs = decodeMessages(this.shh, data, { keepWire: true })
        } catch (err) {
          return this.drop(`invalid envelope: ${(err as Error).message}`)
        }
        if (envs.length > 0) this.deliver('envelopes', envs)
        return
      }
      case c.p2pMessage: {
        if (!this.trusted) return // geth only reads direct messages from trusted peers
        let env: Envelope
        try {
          env = decodeEnvelopePacket(this.shh, data)
        } catch (err) {
          return this.drop(`invalid direct message: ${(err as Error).message}`)
        }
        this.deliver('p2pMessage', env)
        return
      }
      case c.p2pRequest: {
        // geth reads requests only when it runs a mail server (a listener here), and drops a peer
        // whose request does not decode as an envelope ("invalid p2p request")
        if (this.listenerCount('p2pRequest') === 0) return
        let env: Envelope
        try {
          env = decodeEnvelopePacket(this.shh, data)
        } catch (err) {
          return this.drop(`invalid p2p request: ${(err as Error).message}`)
        }
        this.deliver('p2pRequest', env)
        return
      }
    }
    if (this.shh === 6) {
      if (code === MESSAGE_CODES[6].powRequirement) {
        let pow: number
        try {
          pow = decodePowRequirement(data)
        } catch (err) {
          return this.drop(`invalid powRequirementCode message: ${(err as Error).message}`)
        }
        this.minPow = pow
        this.deliver('powRequirement', pow)
        return
      }
      if (code === MESSAGE_CODES[6].bloomFilterEx) {
        let bloom: Uint8Array
        try {
          bloom = decodeBloomFilterEx(data)
        } catch (err) {
          return this.drop(`invalid bloom filter exchange message: ${(err as Error).message}`)
        }
        this.bloom = isAllOnes(bloom) ? null : bloom
        this.deliver('bloom', this.bloom)
        return
      }
    }
    // Unknown codes: later protocol versions may define them; geth ignores them for forward compatibility.
  }

  // A throwing listener is the node's bug, not the peer's fault: log it, keep the peer, and still call
  // the other listeners (a plain emit() would stop at the first throw).
  private deliver(event: 'envelopes' | 'p2pMessage' | 'p2pRequest' | 'powRequirement' | 'bloom' | 'close', ...args: unknown[]): void {
    for (const listener of this.rawListeners(event) as ((...a: unknown[]) => void)[]) {
      try {
        listener.apply(this, args)
      } catch (err) {
        this.ctx.log(1, `shh peer '${event}' listener threw id=${short(this.id)} err=${JSON.stringify((err as Error)?.message ?? String(err))}`)
      }
    }
  }

  private onClose(reason: number | undefined, byUs: boolean | null): void {
    if (this.isClosed) return
    this.isClosed = true
    if (this.statusTimer !== null) clearTimeout(this.statusTimer)
    this.statusTimer = null
    this.early = []
    const r = reason ?? DISCONNECT_REASON.NETWORK_ERROR
    const wasReady = this.ready
    if (wasReady) this.deliver('close', r, byUs === true)
    this.ctx.onClose(this, r, byUs === true, wasReady)
  }
}

// The two capabilities, each a class bound to the host context; devp2p picks the highest shared.
export function shhCapabilities(versions: readonly ShhVersion[], ctx: ShhHostContext): Capabilities[] {
  const unique = [...new Set(versions)]
  if (unique.length === 0) throw new Error('shh: at least one protocol version (5 or 6) is required')
  return unique.map((version) => {
    if (version !== 5 && version !== 6) throw new Error(`shh: unsupported protocol version ${String(version)} (5 or 6)`)
    class BoundShhProtocol extends ShhProtocol {
      constructor(v: number, peer: Peer, send: SendMethod) {
        super(v, peer, send, ctx)
      }
    }
    return {
      name: 'shh',
      version,
      length: SHH_CAPABILITY_LENGTH[version],
      constructor: BoundShhProtocol as unknown as Capabilities['constructor'],
    }
  })
}

function isAllOnes(b: Uint8Array): boolean {
  for (const x of b) if (x !== 0xff) return false
  return true
}

