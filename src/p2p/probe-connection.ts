// One RLPx connection to one remote node, for conformance probing (`p2pmessage probe`). Unlike P2PHost
// it never redials, and it shows what a host hides: the remote hello (client id, capabilities, base
// protocol version) even when no shh version is shared, and each stage's outcome separately
// (TCP connect, RLPx handshake, hello, shh status, disconnect reason).
import type { Socket } from 'node:net'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import type { ShhVersion } from '../whisper/envelope.js'
import { BLOOM_SIZE } from '../whisper/bloom.js'
import { defaultClientId } from './client-id.js'
import { DISCONNECT_REASON, disconnectInfo, handshakeDone, newOutboundPeer, type Capabilities, type Peer } from './devp2p/index.js'
import { dialSocket, ProbeConnectError } from './dial-socket.js'
import type { Enode } from './enode.js'
import type { ShhPeer } from './shh-peer.js'
import { DEFAULT_STATUS_TIMEOUT_MS, shhCapabilities, type ShhProtocol } from './shh-protocol.js'

export interface RemoteHello {
  clientId: string
  protocolVersion: number
  capabilities: { name: string; version: number }[]
  listenPort: number
  id: string
}

export interface ProbeClose {
  reason: number | null // devp2p DISCONNECT reason; null when the socket closed without one
  byUs: boolean
}

export { ProbeConnectError }

export interface ProbeConnectOptions {
  target: Enode
  privateKey?: Uint8Array // default: a fresh key, so each connection is a different peer
  shhVersions?: ShhVersion[] // default [5, 6]
  clientId?: string
  timeoutMs?: number // TCP connect, and RLPx handshake + hello; default 10000
  statusTimeoutMs?: number // shh status after hello; default 5000
  ourStatus?: { minPow: number; bloom: Uint8Array | null; lightNode: boolean } // v6; default: accept everything
  log?: (level: number, msg: string) => void
}

type Deferred<T> = { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void }
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void
  let reject!: (e: Error) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  promise.catch(() => undefined) // a stage nobody awaits must not become an unhandled rejection
  return { promise, resolve, reject }
}

export class ProbeConnection {
  /** the remote hello; rejects when the connection ends before it (failed RLPx handshake) */
  readonly hello: Promise<RemoteHello>
  /** the shh peer once both statuses were exchanged; rejects when no shh version is shared or it closes first */
  readonly shh: Promise<ShhPeer>
  /** settles when the connection is gone */
  readonly closed: Promise<ProbeClose>
  /** whether the RLPx (ECIES) handshake completed, i.e. the remote answered our auth */
  handshakeDone = false
  private readonly peer: Peer
  private readonly socket: Socket
  private isClosed = false

  private constructor(socket: Socket, peer: Peer, hello: Deferred<RemoteHello>, shh: Deferred<ShhPeer>, closed: Deferred<ProbeClose>) {
    this.socket = socket
    this.peer = peer
    this.hello = hello.promise
    this.shh = shh.promise
    this.closed = closed.promise
    void this.closed.then(() => (this.isClosed = true))
  }

  /** Connects over TCP and starts the RLPx handshake; rejects (ProbeConnectError) when the TCP connect fails. */
  static async open(opts: ProbeConnectOptions): Promise<ProbeConnection> {
    const timeoutMs = opts.timeoutMs ?? 10_000
    const privateKey = opts.privateKey ?? secp256k1.utils.randomSecretKey()
    const socket = await dialSocket(opts.target, timeoutMs)

    const hello = deferred<RemoteHello>()
    const shh = deferred<ShhPeer>()
    const closed = deferred<ProbeClose>()
    const full = new Uint8Array(BLOOM_SIZE).fill(0xff)
    const status = opts.ourStatus ?? { minPow: 0, bloom: null, lightNode: false }
    const log = opts.log ?? (() => undefined)
    const capabilities = shhCapabilities(opts.shhVersions ?? [5, 6], {
      ourStatus: () => ({ minPow: status.minPow, bloom: status.bloom ?? full, lightNode: status.lightNode }),
      isTrusted: () => false,
      isInbound: () => false,
      maxMessageSize: () => 10 * 1024 * 1024,
      statusTimeoutMs: opts.statusTimeoutMs ?? DEFAULT_STATUS_TIMEOUT_MS,
      log,
      onReady: (p: ShhProtocol) => shh.resolve(p),
      onClose: () => undefined,
    })
    const peer = outboundPeer({ socket, target: opts.target, privateKey, timeoutMs, clientId: opts.clientId ?? defaultClientId(), capabilities })
    const conn = new ProbeConnection(socket, peer, hello, shh, closed)
    peer.events.on('error', (err: Error) => log(5, `probe connection error: ${err.message}`))

    const readHello = (): RemoteHello | null => remoteHelloOf(peer)
    // The handshake is done once the remote's ack decrypted: devp2p then sends our hello.
    const watchHandshake = () => {
      if (handshakeDone(peer)) conn.handshakeDone = true
    }
    socket.on('data', watchHandshake)
    const deadline = setTimeout(() => {
      if (readHello() === null) socket.destroy()
    }, timeoutMs)
    peer.events.once('connect', () => {
      conn.handshakeDone = true
      const h = readHello()
      if (h) hello.resolve(h)
    })
    // The socket, not the Peer: devp2p emits the Peer's 'close' only for peers that shared a capability.
    socket.once('close', () => {
      const { reason, byUs } = disconnectInfo(peer)
      clearTimeout(deadline)
      socket.off('data', watchHandshake)
      const h = readHello()
      if (h) {
        conn.handshakeDone = true
        hello.resolve(h) // no-op when 'connect' resolved it; else the peer was useless (no shared capability)
      } else {
        hello.reject(new Error(conn.handshakeDone ? 'connection closed before the remote hello' : 'connection closed during the RLPx handshake'))
      }
      shh.reject(new Error(reason === null ? 'connection closed' : `disconnected: ${reasonName(reason)}`))
      closed.resolve({ reason, byUs })
    })
    return conn
  }

  get isOpen(): boolean {
    return !this.isClosed
  }

  /** Says goodbye (DISCONNECT_REQUESTED) and lets the socket close. */
  close(reason: number = DISCONNECT_REASON.DISCONNECT_REQUESTED): void {
    if (this.isClosed) return
    if (this.handshakeDone) this.peer.disconnect(reason as DISCONNECT_REASON)
    else this.socket.destroy()
  }
}

const REASON_NAMES: Record<number, string> = {
  0x00: 'DISCONNECT_REQUESTED',
  0x01: 'NETWORK_ERROR',
  0x02: 'PROTOCOL_ERROR',
  0x03: 'USELESS_PEER',
  0x04: 'TOO_MANY_PEERS',
  0x05: 'ALREADY_CONNECTED',
  0x06: 'INCOMPATIBLE_VERSION',
  0x07: 'INVALID_IDENTITY',
  0x08: 'CLIENT_QUITTING',
  0x09: 'UNEXPECTED_IDENTITY',
  0x0a: 'SAME_IDENTITY',
  0x0b: 'TIMEOUT',
  0x10: 'SUBPROTOCOL_ERROR',
}

export function reasonName(reason: number): string {
  return REASON_NAMES[reason] ?? `reason ${reason}`
}

/** The remote HELLO of a devp2p peer as the probe tools report it; null until it has arrived. */
export function remoteHelloOf(peer: Peer): RemoteHello | null {
  const h = peer.getHelloMessage()
  if (!h) return null
  return {
    clientId: h.clientId,
    protocolVersion: h.protocolVersion,
    capabilities: h.capabilities.map((c) => ({ name: c.name, version: c.version })),
    listenPort: h.port,
    id: Buffer.from(h.id).toString('hex'),
  }
}

/** A devp2p Peer dialled over `socket` to `target` (we start the RLPx handshake), for the one-shot probe connections. */
export function outboundPeer(o: { socket: Socket; target: Enode; privateKey: Uint8Array; timeoutMs: number; clientId: string; capabilities: Capabilities[] }): Peer {
  return newOutboundPeer({ ...o, remoteId: o.target.id })
}
