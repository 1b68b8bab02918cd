// One RLPx connection with a bare `shh` (or `waku`) capability whose every packet the caller controls, for the
// conformance suite (src/conformance/). Unlike ShhProtocol it validates nothing and answers nothing:
// it records each packet the node sends (code, payload with snappy undone, arrival time), sends our
// status only when and as told, and sends any code/payload we give it (snappy-compressed from base
// protocol 5 on, as geth expects). The devp2p layer (hello, ping/pong, disconnect) stays devp2p's.
import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import * as snappy from 'snappyjs'
import type { ShhVersion } from '../whisper/envelope.js'
import { defaultClientId } from './client-id.js'
import { afterDisconnectReceived, DISCONNECT_REASON, disconnectInfo, sendPing, type Capabilities, type Peer } from './devp2p/index.js'
import { dialSocket } from './dial-socket.js'
import type { Enode } from './enode.js'
import { outboundPeer, reasonName, remoteHelloOf, type ProbeClose, type RemoteHello } from './probe-connection.js'
import { SHH_CAPABILITY_LENGTH } from './shh-protocol.js'
import { WAKU_CAPABILITY_NAME, WAKU_CODES } from '../waku/codes.js'

export interface RawPacket {
  code: number
  payload: Uint8Array
  at: number // Date.now() on arrival
}

export interface RawConnectOptions {
  target: Enode
  shh: ShhVersion
  /** capabilities announced in our hello; default [{shh, this version}] */
  capabilities?: { name: string; version: number }[]
  privateKey?: Uint8Array
  clientId?: string
  timeoutMs?: number // TCP connect and RLPx handshake + hello; default 10000
  /**
   * What to send as our status once the hellos are through: 'none' (nothing: the caller decides),
   * or the status payload (RLP bytes) sent right away, as geth does.
   */
  status: Uint8Array | 'none'
}

export class RawShhConnection extends EventEmitter {
  readonly shh: ShhVersion
  readonly received: RawPacket[] = []
  /** the remote hello; rejects when the connection ends before it */
  readonly hello: Promise<RemoteHello>
  readonly closed: Promise<ProbeClose>
  /** the first error devp2p reported on this connection (e.g. a payload that is not snappy) */
  lastError: string | null = null
  /** Date.now() when both hellos were through (the shh capability is running) */
  connectedAt = 0
  readonly localId: string
  private sendFn: ((code: number, data: Uint8Array) => void) | null = null
  private isClosed = false

  private constructor(
    shh: ShhVersion,
    private readonly socket: Socket,
    private readonly peer: Peer,
    localId: string,
    hello: Promise<RemoteHello>,
    closed: Promise<ProbeClose>,
  ) {
    super()
    this.setMaxListeners(0) // many checks wait on the shared observer connection at once
    this.shh = shh
    this.localId = localId
    this.hello = hello
    this.closed = closed
    void closed.then(() => {
      this.isClosed = true
      this.emit('close')
    })
  }

  static async open(opts: RawConnectOptions): Promise<RawShhConnection> {
    const timeoutMs = opts.timeoutMs ?? 10_000
    const privateKey = opts.privateKey ?? secp256k1.utils.randomSecretKey()
    const socket = await dialSocket(opts.target, timeoutMs)
    socket.on('error', () => undefined) // resets after a disconnect are expected

    let self: RawShhConnection | null = null
    const early: RawPacket[] = []
    let pendingSend: ((code: number, data: Uint8Array) => void) | null = null
    class RawShh {
      constructor(_version: number, _peer: Peer, send: (code: number, data: Uint8Array) => void) {
        if (self) self.sendFn = send
        else pendingSend = send
      }
      _handleMessage(code: number, data: Uint8Array): void {
        const p = { code, payload: data, at: Date.now() }
        if (!self) return void early.push(p)
        self.received.push(p)
        self.emit('packet', p)
      }
    }
    const caps = opts.capabilities ?? [{ name: 'shh', version: opts.shh }]
    // the lengths the node expects: devp2p places each capability's codes after the previous one's, so a
    // wrong length shifts every code of the capabilities sorted after it
    const lengthOf = (c: { name: string; version: number }): number => {
      if (c.name === 'shh' && (c.version === 5 || c.version === 6)) return SHH_CAPABILITY_LENGTH[c.version]
      if (c.name === WAKU_CAPABILITY_NAME) return WAKU_CODES.count
      return 16
    }
    const capabilities: Capabilities[] = caps.map((c) => ({
      name: c.name,
      version: c.version,
      length: lengthOf(c),
      constructor: RawShh as unknown as Capabilities['constructor'],
    }))
    const peer = outboundPeer({ socket, target: opts.target, privateKey, timeoutMs, clientId: opts.clientId ?? defaultClientId('p2pmessage-probe'), capabilities })
    let helloResolve!: (h: RemoteHello) => void
    let helloReject!: (e: Error) => void
    const hello = new Promise<RemoteHello>((res, rej) => {
      helloResolve = res
      helloReject = rej
    })
    hello.catch(() => undefined)
    const readHello = (): RemoteHello | null => remoteHelloOf(peer)
    const closed = new Promise<ProbeClose>((resolve) => {
      socket.once('close', () => {
        const h = readHello()
        if (h) helloResolve(h)
        else helloReject(new Error('connection closed before the remote hello (RLPx handshake or hello failed)'))
        resolve(disconnectInfo(peer))
      })
    })
    const localId = Buffer.from(secp256k1.getPublicKey(privateKey, false).subarray(1)).toString('hex')
    const conn = new RawShhConnection(opts.shh, socket, peer, localId, hello, closed)
    self = conn
    if (pendingSend) conn.sendFn = pendingSend
    for (const p of early) conn.received.push(p)
    // devp2p half-closes on a DISCONNECT and waits for the remote to end the socket (our node ends it 2 s
    // later): the reason is known at once, so close now and let the checks see it without that delay
    afterDisconnectReceived(peer, () => socket.destroy())
    peer.events.on('error', (err: Error) => {
      conn.lastError ??= err.message
    })
    const deadline = setTimeout(() => {
      if (readHello() === null) socket.destroy()
    }, timeoutMs)
    void closed.then(() => clearTimeout(deadline))
    peer.events.once('connect', () => {
      clearTimeout(deadline)
      conn.connectedAt = Date.now()
      const h = readHello()
      if (h) helloResolve(h)
      if (opts.status !== 'none') conn.send(0, opts.status)
    })
    return conn
  }

  get isOpen(): boolean {
    return !this.isClosed
  }

  /** the remote's base protocol version from its hello (0 before it) */
  get baseProtocolVersion(): number {
    return this.peer.getHelloMessage()?.protocolVersion ?? 0
  }

  /** Sends one shh packet (code relative to the capability); false when the session is not up. */
  send(code: number, payload: Uint8Array, opts: { compress?: boolean } = {}): boolean {
    if (!this.sendFn || this.isClosed) return false
    const compress = opts.compress ?? this.baseProtocolVersion >= 5
    try {
      this.sendFn(code, compress ? snappy.compress(payload) : payload)
      return true
    } catch {
      return false // code outside the capability's range
    }
  }

  /** Resolves with the first packet (already received or arriving) matching `pred`, or null after `ms` or on close. */
  waitPacket(pred: (p: RawPacket) => boolean, ms: number, from = 0): Promise<RawPacket | null> {
    for (let i = from; i < this.received.length; i++) if (pred(this.received[i])) return Promise.resolve(this.received[i])
    if (this.isClosed) return Promise.resolve(null)
    return new Promise((resolve) => {
      const onPacket = (p: RawPacket) => {
        if (pred(p)) finish(p)
      }
      const onClose = () => finish(null)
      const timer = setTimeout(() => finish(null), ms)
      timer.unref()
      const finish = (v: RawPacket | null) => {
        clearTimeout(timer)
        this.off('packet', onPacket)
        this.off('close', onClose)
        resolve(v)
      }
      this.on('packet', onPacket)
      this.on('close', onClose)
    })
  }

  /** Resolves with how the connection ended, or null when it is still open after `ms`. */
  async waitClosed(ms: number): Promise<ProbeClose | null> {
    let timer: NodeJS.Timeout | undefined
    const t = new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)))
    timer?.unref()
    try {
      return await Promise.race([this.closed, t])
    } finally {
      clearTimeout(timer)
    }
  }

  /** Sends a devp2p PING; resolves true when the PONG arrives within `ms`. */
  ping(ms: number): Promise<boolean> {
    if (this.isClosed || this.peer.getHelloMessage() === null) return Promise.resolve(false)
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), ms)
      const done = (v: boolean) => {
        clearTimeout(timer)
        undo()
        resolve(v)
      }
      const undo = sendPing(this.peer, () => done(true))
      void this.closed.then(() => done(false))
    })
  }

  /** Says goodbye (DISCONNECT_REQUESTED) when the session is up, else drops the socket. */
  close(): void {
    if (this.isClosed) return
    if (this.peer.getHelloMessage() !== null) this.peer.disconnect(DISCONNECT_REASON.DISCONNECT_REQUESTED)
    else this.socket.destroy()
    // devp2p ends the socket 2 s after a DISCONNECT: do not keep the suite waiting for that
    setTimeout(() => this.socket.destroy(), 200).unref()
  }
}

export function closeText(c: ProbeClose | null): string {
  if (c === null) return 'still connected'
  if (c.byUs) return 'closed by us'
  return c.reason === null ? 'it closed the connection without a DISCONNECT' : `it disconnected us (${reasonName(c.reason)})`
}
