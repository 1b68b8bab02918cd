// A peer whose every byte the fuzz test controls: devp2p's RLPx Peer on a socket we own, with a bare
// `shh` capability that sends whatever code/payload it is given (snappy or not) and records what it
// gets. writeRaw() bypasses RLPx framing altogether (garbage inside an established session).
import { Socket } from 'node:net'
import type { Common } from '@ethereumjs/common'
import { Peer, type Capabilities } from '@ethereumjs/devp2p'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import * as snappy from 'snappyjs'
import { applyDevp2pFixes } from '../../src/p2p/devp2p-fixes.js'
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

  static async open(enode: string, shh: 5 | 6, privateKey = secp256k1.utils.randomSecretKey()): Promise<RawShhPeer> {
    applyDevp2pFixes()
    const target = parseEnode(enode)
    const socket = new Socket()
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.connect(target.port, target.host, () => {
        socket.off('error', reject)
        resolve()
      })
    })
    socket.on('error', () => {}) // resets from the node are expected
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
    const peer = new Peer({
      socket,
      remoteId: Uint8Array.from(Buffer.from(target.id, 'hex')),
      privateKey,
      id: publicKey.subarray(1),
      timeout: 10_000,
      clientId: new TextEncoder().encode('fuzz/v0'),
      capabilities,
      common: undefined as unknown as Common,
      port: null as unknown as number,
    })
    peer.events.on('error', () => {})
    const closed = new Promise<{ reason: number | null }>((resolve) => {
      socket.once('close', () => resolve({ reason: (peer as unknown as { _disconnectReason?: number })._disconnectReason ?? null }))
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

  /** Bytes straight into the TCP stream, past RLPx framing and MACs. */
  writeRaw(bytes: Uint8Array): void {
    if (!this.isClosed && !this.socket.destroyed) this.socket.write(bytes)
  }

  close(): void {
    if (!this.socket.destroyed) this.socket.destroy()
  }
}

/** Plain TCP to the node's port, for bytes that never make it to an RLPx session. */
export async function rawTcp(enode: string): Promise<{ socket: Socket; closed: Promise<void> }> {
  const target = parseEnode(enode)
  const socket = new Socket()
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.connect(target.port, target.host, () => {
      socket.off('error', reject)
      resolve()
    })
  })
  socket.on('error', () => {})
  const closed = new Promise<void>((r) => socket.once('close', () => r()))
  return { socket, closed }
}
