// A peer whose every byte the fuzz test controls: devp2p's RLPx Peer on a socket we own, with a bare
// `shh` capability that sends whatever code/payload it is given (snappy or not) and records what it
// gets. writeRaw() bypasses RLPx framing altogether (garbage inside an established session).
import { Socket } from 'node:net'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import * as snappy from 'snappyjs'
import { disconnectInfo, frameHeader, keysReady, newOutboundPeer, sendBaseMessage, suppressHello, type Capabilities, type Peer } from '../../src/p2p/devp2p/index.js'
import { parseEnode } from '../../src/p2p/enode.js'

export class RawShhPeer {
  readonly received: [number, Uint8Array][] = []
  /** the node's first packet on the capability (its status) has arrived: the session is up */
  readonly ready: Promise<void>
  /** the TCP connection is gone; reason = the DISCONNECT reason the node gave, if any */
  readonly closed: Promise<{ reason: number | null }>
  readonly id: string
  private sendFn: ((code: number, data: Uint8Array) => void) | null = null
  private isClosed = false

  private constructor(
    readonly shh: 5 | 6,
    private readonly socket: Socket,
    private readonly peer: Peer,
    id: string,
    ready: Promise<void>,
    closed: Promise<{ reason: number | null }>,
  ) {
    this.id = id
    this.ready = ready
    this.closed = closed
    void closed.then(() => (this.isClosed = true))
  }

  get isOpen(): boolean {
    return !this.isClosed
  }

  static async open(enode: string, shh: 5 | 6, privateKey = secp256k1.utils.randomSecretKey(), opts: RawPeerOptions = {}): Promise<RawShhPeer> {
    const target = parseEnode(enode)
    const socket = await connectTcp(target)
    let self: RawShhPeer | null = null
    let readyResolve!: () => void
    const ready = new Promise<void>((r) => (readyResolve = r))
    const pending: ((code: number, data: Uint8Array) => void)[] = []
    class FuzzShh {
      constructor(_version: number, _peer: Peer, send: (code: number, data: Uint8Array) => void) {
        if (self) self.sendFn = send
        else pending.push(send)
      }
      _handleMessage(code: number, data: Uint8Array): void {
        self?.received.push([code, data])
        readyResolve()
      }
    }
    const capabilities: Capabilities[] = [{ name: 'shh', version: shh, length: shh === 5 ? 64 : 128, constructor: FuzzShh as unknown as Capabilities['constructor'] }]
    const publicKey = secp256k1.getPublicKey(privateKey, false)
    const peer = newOutboundPeer({
      socket,
      remoteId: target.id,
      privateKey,
      timeoutMs: opts.pingTimeoutMs ?? 10_000,
      clientId: opts.clientId ?? 'fuzz/v0',
      capabilities,
    })
    peer.events.on('error', () => {})
    if (opts.noHello) suppressHello(peer)
    const closed = new Promise<{ reason: number | null }>((resolve) => {
      socket.once('close', () => resolve({ reason: disconnectInfo(peer).reason }))
    })
    self = new RawShhPeer(shh, socket, peer, Buffer.from(publicKey.subarray(1)).toString('hex'), ready, closed)
    if (pending.length > 0) self.sendFn = pending[0]
    return self
  }

  /** Sends one sub-protocol packet; false when the session is not up (or gone). */
  send(code: number, payload: Uint8Array, compress = true): boolean {
    if (!this.sendFn || this.isClosed) return false
    try {
      this.sendFn(code, compress ? snappy.compress(payload) : payload)
      return true
    } catch {
      return false // e.g. code out of the capability's range
    }
  }

  /** A base-protocol message (HELLO 0, DISCONNECT 1, PING 2, PONG 3, or any code), framed and MACed. */
  sendBase(code: number, payload: Uint8Array, compress = true): boolean {
    if (this.isClosed) return false
    return sendBaseMessage(this.peer, code, compress ? snappy.compress(payload) : payload)
  }

  /** The encrypted, MACed header of a frame announcing `size` bytes (the body is up to the caller). */
  frameHeader(size: number): Uint8Array {
    const h = frameHeader(this.peer, size)
    if (!h) throw new Error('no session keys yet')
    return h
  }

  /** The RLPx handshake (auth/ack) is done: frames can be sent. */
  get keysReady(): boolean {
    return keysReady(this.peer)
  }

  /** Runs `fn` with the socket corked: its frames leave in one write (floods without a syscall each). */
  batch(fn: () => void): void {
    this.socket.cork()
    try {
      fn()
    } finally {
      this.socket.uncork()
    }
  }

  /** Bytes we wrote that the node has not taken yet. */
  get unsentBytes(): number {
    return this.socket.writableLength
  }

  /** Stop (or resume) reading from the node: its writes pile up in its own buffers. */
  pauseReading(): void {
    this.socket.pause()
  }

  /** Bytes straight into the TCP stream, past RLPx framing and MACs. */
  writeRaw(bytes: Uint8Array): void {
    if (!this.isClosed && !this.socket.destroyed) this.socket.write(bytes)
  }

  close(): void {
    if (!this.socket.destroyed) this.socket.destroy()
  }
}

export interface RawPeerOptions {
  clientId?: string | Uint8Array // our HELLO's client id (default fuzz/v0)
  noHello?: boolean // never send our HELLO: the session stays before the HELLO
  pingTimeoutMs?: number // our own devp2p PONG deadline (default 10 s); a peer that stops reading hits it
}

/** Plain TCP to the node's port, for bytes that never make it to an RLPx session. */
export async function rawTcp(enode: string): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = await connectTcp(parseEnode(enode))
  const closed = new Promise<void>((r) => socket.once('close', () => r()))
  return { socket, closed }
}

// A connected socket; errors after the connect (the node resetting it) are expected and ignored.
async function connectTcp(target: { host: string; port: number }): Promise<Socket> {
  const socket = new Socket()
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.connect(target.port, target.host, () => {
      socket.off('error', reject)
      resolve()
    })
  })
  socket.on('error', () => {})
  return socket
}
