// Typed views of devp2p's non-public members: one interface per class, and the functions the rest of
// src/p2p (and the raw test peers) use instead of casting. Each member is in contract.ts.
import type { Server, Socket } from 'node:net'
import type { DPT, Peer, PeerInfo, RLPx } from '@ethereumjs/devp2p'

export interface RLPxInternals {
  _server: Server | null
  /** by remote id: the socket while dialling/handshaking, the Peer once added */
  _peers: Map<string, Socket | Peer>
  _listenPort: number | null
  _peersQueue: unknown[]
}

export interface PeerHello {
  protocolVersion: number
  clientId: string
  id: Uint8Array
  capabilities: { name: string; version: number }[]
  port?: number
}

export interface EciesInternals {
  parseBody(data: Uint8Array): Uint8Array | undefined
  createBlockHeader(size: number): Uint8Array | undefined
}

export interface PeerInternals {
  _socket: Socket
  _socketData: Uint8Array
  _nextPacketSize: number
  _state: string
  _closed: boolean
  _hello: PeerHello | null
  _weHello: unknown
  _connected: boolean
  _disconnectReason?: number
  _disconnectWe: boolean | null
  _eciesSession: EciesInternals
  _protocols: { protocol: { _handleMessage?: (code: number, payload: unknown) => void }; offset: number; length?: number }[]
  _pingIntervalId: NodeJS.Timeout | null
  _sendMessage(code: number, data: Uint8Array): boolean | undefined
  _sendPing(): void
  _sendHello(): void
  _handlePong(): void
  _handleDisconnect(payload: unknown): void
  _handleMessage(code: number, payload: unknown): void
  disconnect(reason?: number): void
  events: { emit(event: string, ...args: unknown[]): boolean }
}

export interface MacInternals {
  _secret: Uint8Array
  /** noble's Keccak: absorbed bytes position and state */
  _hash: { pos?: number; state?: Uint8Array }
  update(data: Uint8Array): void
  updateHeader(data: Uint8Array): void
  updateBody(data: Uint8Array): void
  digest(): Uint8Array
}

export interface DPTServerInternals {
  _requests: Map<string, { timeoutId: NodeJS.Timeout }>
  _socket: { address(): { port: number } } | null
  _endpoint: PeerInfo
}

export interface DPTInternals {
  _server: DPTServerInternals
}

const rlpxOf = (rlpx: RLPx) => rlpx as unknown as RLPxInternals
const peerInternals = (peer: Peer): PeerInternals => peer as unknown as PeerInternals
const dptOf = (dpt: DPT) => (dpt as unknown as DPTInternals)._server

// ---- RLPx ----

/** The listening server (inbound sockets appear on its 'connection'); null once destroyed. */
export function rlpxServer(rlpx: RLPx): Server | null {
  return rlpxOf(rlpx)._server
}

/** The socket RLPx holds for `id`: the dial's socket until the hello, then its Peer's. */
export function rlpxSocket(rlpx: RLPx, id: string): Socket | null {
  const entry = rlpxOf(rlpx)._peers.get(id)
  if (entry === undefined) return null
  return isPeer(entry) ? peerSocket(entry) : entry
}

/** The socket of a dial to `id` that has no Peer yet (connecting or handshaking), or null. */
export function rlpxPendingSocket(rlpx: RLPx, id: string): Socket | null {
  const entry = rlpxOf(rlpx)._peers.get(id)
  return entry === undefined || isPeer(entry) ? null : entry
}

/** Sockets RLPx dialled that have no Peer yet (still connecting or handshaking). */
export function rlpxPendingSockets(rlpx: RLPx): Socket[] {
  return [...rlpxOf(rlpx)._peers.values()].filter((e): e is Socket => !isPeer(e))
}

/** The port our hellos announce (RLPx takes it only at construction; ours is known once listening). */
export function setRlpxListenPort(rlpx: RLPx, port: number): void {
  rlpxOf(rlpx)._listenPort = port
}

/** Empties RLPx's queue of peers that said TOO_MANY_PEERS (it redials them itself 5 minutes later). */
export function forgetRlpxRedials(rlpx: RLPx): void {
  rlpxOf(rlpx)._peersQueue.length = 0
}

function isPeer(entry: Socket | Peer): entry is Peer {
  return typeof (entry as Peer).getHelloMessage === 'function'
}

// ---- Peer ----

export function peerSocket(peer: Peer): Socket {
  return peerInternals(peer)._socket
}

/** Whether the Peer has stopped (a DISCONNECT sent or received, or its socket closed). */
export function peerClosed(peer: Peer): boolean {
  return peerInternals(peer)._closed
}

/** Why the connection ended: the DISCONNECT reason (null when none) and whether we sent it. */
export function disconnectInfo(peer: Peer): { reason: number | null; byUs: boolean } {
  const p = peerInternals(peer)
  return { reason: p._disconnectReason ?? null, byUs: p._disconnectWe === true }
}

/** Whether our hello went out, i.e. the remote's RLPx ack decrypted (devp2p sends it right after). */
export function handshakeDone(peer: Peer): boolean {
  return peerInternals(peer)._weHello !== null
}

/** Whether the session keys exist (auth/ack done): frames can be sent. */
export function keysReady(peer: Peer): boolean {
  const s = peerInternals(peer)._state
  return s === 'Header' || s === 'Body'
}

/** Runs `after` right after this Peer handled a received DISCONNECT (this instance only). */
export function afterDisconnectReceived(peer: Peer, after: () => void): void {
  const p = peerInternals(peer)
  const handle = p._handleDisconnect.bind(peer)
  p._handleDisconnect = (payload: unknown) => {
    handle(payload)
    after()
  }
}

/** Sends a devp2p PING; `onPong` runs once at the next PONG (this instance only, devp2p still handles it). Returns an undo. */
export function sendPing(peer: Peer, onPong: () => void): () => void {
  const p = peerInternals(peer)
  const orig = p._handlePong.bind(peer)
  const undo = () => {
    p._handlePong = orig
  }
  p._handlePong = () => {
    orig()
    undo()
    onPong()
  }
  p._sendPing()
  return undo
}

/** A base-protocol message (any code), framed and MACed: for peers that misbehave on purpose (fuzzing). */
export function sendBaseMessage(peer: Peer, code: number, data: Uint8Array): boolean {
  return peerInternals(peer)._sendMessage(code, data) === true
}

/** The encrypted, MACed header of a frame announcing `size` bytes; null before the session keys exist. */
export function frameHeader(peer: Peer, size: number): Uint8Array | null {
  return peerInternals(peer)._eciesSession.createBlockHeader(size) ?? null
}

/** This Peer never sends its HELLO (the session stays before the hello: fuzzing). */
export function suppressHello(peer: Peer): void {
  peerInternals(peer)._sendHello = () => {}
}

// ---- DPT ----

/** The UDP port the DPT is bound to, or null before it listens. */
export function dptUdpPort(dpt: DPT): number | null {
  return dptOf(dpt)._socket?.address().port ?? null
}

/** The endpoint the DPT announces in its pings (it takes the UDP port only at construction). */
export function setDptEndpoint(dpt: DPT, endpoint: PeerInfo): void {
  dptOf(dpt)._endpoint = endpoint
}

/** Clears the ping deadlines devp2p leaves running (plain timers nothing clears on destroy). */
export function clearDptRequests(dpt: DPT): void {
  const requests = dptOf(dpt)._requests
  for (const r of requests.values()) clearTimeout(r.timeoutId)
  requests.clear()
}
