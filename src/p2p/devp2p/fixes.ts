// Corrections to @ethereumjs/devp2p 10.0.0's RLPx Peer where it is not wire-compatible with geth or not
// safe against a hostile peer. Applied once, on the library's own Peer prototype (so the RLPx class
// uses them), by the door's factories (index.ts) before any Peer exists. Each note says what devp2p
// does wrong (line numbers in node_modules/@ethereumjs/devp2p/dist/esm/rlpx/peer.js) and what geth does.
//
// 1. Message codes. devp2p: `let code = body[0]` ("RLP hack", _handleBody, l. 421) reads one byte, so
//    every code >= 0x80 (shh/6 offset 16 + 112..127, the p2p direct message 127 -> 0x81 0x8f) is
//    misparsed and the peer dropped. geth (p2p/rlpx.go ReadMsg): `rlp.Decode(content, &msg.Code)`, a
//    canonical RLP uint. Decoded properly here (decodeMessageCode).
// 2. Snappy size. devp2p: `snappy.uncompress(payload)` (l. 451) with no cap, so a small frame can
//    inflate without bound. geth (rlpx.go): refuses a decoded length over maxUint24 (16 MiB - 1). Here too.
// 3. A second HELLO. devp2p: _handleHello (l. 270) runs again and re-instantiates every sub-protocol
//    (l. 309) under our feet. geth (p2p/peer.go handle): base-protocol messages after the handshake
//    are discarded. Ignored here.
// 4. Parsing after a drop. devp2p: _onSocketData (l. 499) checks `_closed` once per read, then its
//    loop (l. 504) dispatches every buffered frame even after a frame made it disconnect. geth stops
//    reading once the peer is being dropped. Here nothing more is dispatched once `_closed`.
// 5. Sending DISCONNECT. devp2p: _sendDisconnect (l. 171) sends a bare `RLP.encode(reason)` (l. 176),
//    never snappy-compressed, and ends the socket 2 s later (l. 182) without ever destroying it.
//    geth (peer.go/rlpx.go): `[reason]` as a list, snappy-compressed once the remote hello announced
//    base protocol >= 5 (geth then reads every frame through snappy: uncompressed it sees "snappy:
//    corrupt input" instead of the reason). Here: geth's encoding, the socket ended right after the
//    write (it flushes first) and destroyed 2 s later if the remote keeps it open; before the RLPx
//    handshake completed there is nothing to send and the socket is destroyed at once.
// 6. Why a connection ended before its sub-protocols started. devp2p: _onSocketClose (l. 530) emits
//    'close' only `if (this._connected)`, so a USELESS_PEER (no shared capability, from either side)
//    ends silently. geth logs the reason per peer. Here the hello and reason are kept per socket in
//    `endedBeforeConnect` for the host to report.
// 7. Receiving DISCONNECT. devp2p: _handleDisconnect (l. 342) reads the reason with bytesToInt
//    (l. 347), which throws on 2^64-1 or a nested list after `_closed` was set, so the socket is never
//    ended and holds its slot for good; it also only half-closes (l. 352). geth (peer.go): `var reason
//    [1]DiscReason; rlp.Decode(...)`, errors ignored (reads as DISCONNECT_REQUESTED), and the
//    connection closes. Here: read as geth does, socket ended, destroyed 2 s later if the remote keeps
//    its side open.
// 8. Limits. devp2p has none: a frame header may announce 16 MiB (l. 401, buffered before any check),
//    the HELLO has no size bound, there is no read or write deadline, and it pings every 15 s
//    (l. 13) whatever the peer's read deadline. geth (rlpx.go, peer.go): frameReadTimeout 30 s,
//    frameWriteTimeout 20 s, baseProtocolMaxMsgSize 2 KiB, pingInterval 15 s. Here: conn-limits.ts's
//    ConnGuard, for sockets the host gave one, checks frame size on the header (before the body is
//    buffered), caps the HELLO, refreshes a read deadline per frame, bounds unwritten bytes and writes,
//    and pings often enough for the peer's read deadline.
// 9. Our HELLO's integers: see canonicalHello (a capability version 0 went out as 00, refused by geth).
import type { Socket } from 'node:net'
import { RLP } from '@ethereumjs/rlp'
import { DISCONNECT_REASON, Peer } from '@ethereumjs/devp2p'
import * as snappy from 'snappyjs'
import { guards, HELLO_MAX_BYTES } from '../conn-limits.js'
import { checkMembers } from './contract.js'
import type { PeerHello, PeerInternals } from './views.js'

const MAX_PAYLOAD = 0xffffff // geth: maxUint24
const BASE_PROTOCOL_LENGTH = 16
const HELLO = 0
const DISCONNECT = 1

let applied = false

/** What ended a connection before its sub-protocols started (see 6.), by socket. */
export const endedBeforeConnect = new WeakMap<Socket, { hello: PeerHello; reason?: number }>()

export function applyDevp2pFixes(): void {
  if (applied) return
  checkMembers('Peer', 'method', Peer.prototype)
  const proto = Peer.prototype as unknown as PeerInternals & Record<string, unknown>
  proto._handleBody = handleBody
  proto._sendDisconnect = sendDisconnect
  proto._handleDisconnect = handleDisconnect
  const handleHeader = proto._handleHeader as (this: PeerInternals) => void
  proto._handleHeader = function (this: PeerInternals): void {
    handleHeader.call(this)
    const guard = guards.get(this._socket)
    if (guard === undefined || this._state !== 'Body') return
    // _nextPacketSize = size rounded up to 16, plus the 16-byte MAC
    const max = guard.frameMax(this._hello !== null)
    if (this._nextPacketSize - 16 > Math.ceil(max / 16) * 16) {
      this._socketData = new Uint8Array(0)
      this._state = 'Header'
      this._nextPacketSize = 32
      // after the HELLO only a sub-protocol packet can be this big: geth's shh drops it as oversized
      this.disconnect(this._hello !== null ? DISCONNECT_REASON.SUBPROTOCOL_ERROR : DISCONNECT_REASON.PROTOCOL_ERROR)
      const socket = this._socket
      setTimeout(() => socket.destroy(), 100).unref() // no point reading on; let the DISCONNECT out first // no point reading on: the stream is no longer framed
    }
  }
  const sendMessage = proto._sendMessage
  proto._sendMessage = function (this: PeerInternals, code: number, data: Uint8Array): boolean | undefined {
    if (code === HELLO) data = canonicalHello(data)
    const guard = guards.get(this._socket)
    if (guard !== undefined && !guard.beforeWrite(data.length + 64)) return false
    const sent = sendMessage.call(this, code, data)
    guard?.afterWrite()
    return sent
  }
  const handleHello = proto._handleHello as (this: PeerInternals, payload: unknown) => void
  proto._handleHello = function (this: PeerInternals, payload: unknown): void {
    handleHello.call(this, payload)
    const guard = guards.get(this._socket)
    if (guard !== undefined && this._pingIntervalId !== null && !this._closed) {
      clearInterval(this._pingIntervalId)
      this._pingIntervalId = setInterval(() => this._sendPing(), guard.pingIntervalMs)
    }
  }
  const onSocketClose = proto._onSocketClose as (this: PeerInternals) => void
  proto._onSocketClose = function (this: PeerInternals): void {
    if (!this._connected && this._hello !== null) endedBeforeConnect.set(this._socket, { hello: this._hello, reason: this._disconnectReason })
    onSocketClose.call(this)
  }
  applied = true
}

// Decodes the RLP uint message code at the start of a frame body: [code, bytes consumed], or null
// when it is not a canonical RLP uint.
/**
 * 9. Our HELLO with integers as RLP wants them. devp2p: _sendHello (l. 151) writes each capability
 *    version and the port with intToBytes, which gives 00 for zero; geth's decoder refuses a uint with a
 *    leading zero ("non-canonical integer"), drops the connection before adding the peer, and so never
 *    speaks `waku/0` (version 0) with us. Here the numbers are re-encoded without leading zeros.
 */
export function canonicalHello(data: Uint8Array): Uint8Array {
  let hello: unknown
  try {
    hello = RLP.decode(data)
  } catch {
    return data
  }
  if (!Array.isArray(hello) || hello.length < 5 || !Array.isArray(hello[2])) return data
  const trim = (b: unknown): unknown => {
    if (!(b instanceof Uint8Array)) return b
    let i = 0
    while (i < b.length && b[i] === 0) i++
    return b.subarray(i)
  }
  const [version, clientId, caps, port, ...rest] = hello as unknown[]
  const fixedCaps = (caps as unknown[]).map((c) => (Array.isArray(c) && c.length >= 2 ? [c[0], trim(c[1]), ...c.slice(2)] : c))
  return RLP.encode([trim(version), clientId, fixedCaps, trim(port), ...rest] as never)
}

export function decodeMessageCode(body: Uint8Array): [number, number] | null {
  const b0 = body[0]
  if (b0 === undefined) return null
  if (b0 < 0x80) return [b0, 1]
  if (b0 === 0x80) return [0, 1]
  const len = b0 - 0x80
  if (len > 6 || body.length < 1 + len || body[1] === 0) return null // too big for any protocol / not canonical
  let code = 0
  for (let i = 1; i <= len; i++) code = code * 256 + body[i]
  if (len === 1 && code < 0x80) return null // single byte < 0x80 must be encoded as itself
  return [code, 1 + len]
}

function handleBody(this: PeerInternals): void {
  const bytesCount = this._nextPacketSize
  const body = this._eciesSession.parseBody(this._socketData.subarray(0, bytesCount))
  // Consume the frame first: whatever happens below, the stream stays framed.
  this._socketData = this._socketData.subarray(bytesCount)
  this._state = 'Header'
  this._nextPacketSize = 32
  if (body === undefined) throw new Error('RLPx: frame body before the session keys exist')
  if (this._closed) return
  guards.get(this._socket)?.onFrame()

  const decoded = decodeMessageCode(body)
  if (decoded === null) return this.disconnect(DISCONNECT_REASON.PROTOCOL_ERROR)
  const [code, codeLength] = decoded
  if (code !== HELLO && code !== DISCONNECT && this._hello === null) {
    return this.disconnect(DISCONNECT_REASON.PROTOCOL_ERROR)
  }
  if (code === HELLO && this._hello !== null) return

  let target: { protocol: { _handleMessage?: (code: number, payload: unknown) => void }; offset: number } | undefined
  if (code < BASE_PROTOCOL_LENGTH) target = { protocol: this, offset: 0 }
  else target = this._protocols.find((p) => code >= p.offset && code < p.offset + (p.length ?? 0))
  if (target === undefined) return this.disconnect(DISCONNECT_REASON.PROTOCOL_ERROR)

  try {
    const raw = body.subarray(codeLength)
    if (code === HELLO && raw.length > HELLO_MAX_BYTES && guards.has(this._socket)) {
      // geth baseProtocolMaxMsgSize: a bigger HELLO is refused, its client id never stored or shown
      return this.disconnect(DISCONNECT_REASON.PROTOCOL_ERROR)
    }
    const compressed = this._hello !== null && this._hello.protocolVersion >= 5
    let payload: unknown
    if (target.protocol === this) {
      if (code === DISCONNECT) {
        // A disconnect may arrive around the handshake either way: try both readings (as devp2p does).
        payload = [Uint8Array.of(disconnectReasonOf(decodeEither(raw, compressed)))]
      } else {
        payload = RLP.decode(compressed ? uncompress(raw) : raw)
      }
    } else {
      payload = compressed ? uncompress(raw) : raw
    }
    target.protocol._handleMessage?.(code - target.offset, payload)
  } catch (err) {
    this.disconnect(DISCONNECT_REASON.SUBPROTOCOL_ERROR)
    if (this._closed && !this._socket.writableEnded) this._socket.destroy() // disconnect() was a no-op
    this.events.emit('error', err)
  }
}

// geth: `var reason [1]DiscReason; rlp.Decode(msg.Payload, &reason)`, errors ignored: a reason that is
// not a one-byte uint, bare or in a list, reads as 0 (DISCONNECT_REQUESTED).
function disconnectReasonOf(payload: unknown): number {
  const v = Array.isArray(payload) ? payload[0] : payload
  if (v instanceof Uint8Array && v.length <= 1) return v[0] ?? 0
  return 0
}

function handleDisconnect(this: PeerInternals, payload: unknown): void {
  const socket = this._socket
  this._closed = true
  this._disconnectReason = disconnectReasonOf(payload)
  this._disconnectWe = false
  socket.end()
  // a peer that said goodbye but keeps its side open must not hold the slot
  const timer = setTimeout(() => socket.destroy(), 2000)
  timer.unref()
  socket.once('close', () => clearTimeout(timer))
}

function uncompress(data: Uint8Array): Uint8Array {
  return snappy.uncompress(data, MAX_PAYLOAD)
}

function decodeEither(raw: Uint8Array, compressed: boolean): unknown {
  try {
    return RLP.decode(compressed ? uncompress(raw) : raw)
  } catch {
    try {
      return RLP.decode(compressed ? raw : uncompress(raw))
    } catch {
      return [Uint8Array.of(0)] // unreadable reason: treat as DISCONNECT_REQUESTED, the peer is leaving anyway
    }
  }
}

function sendDisconnect(this: PeerInternals, reason: number): void {
  if (this._closed) return
  const socket = this._socket
  let data = RLP.encode([reason])
  if (this._hello !== null && this._hello.protocolVersion >= 5) data = snappy.compress(data)
  const sent = this._sendMessage(DISCONNECT, data) === true
  this._disconnectReason = reason
  this._disconnectWe = true
  this._closed = true
  if (!sent) {
    socket.destroy()
    return
  }
  socket.end()
  const timer = setTimeout(() => socket.destroy(), 2000)
  timer.unref()
  socket.once('close', () => clearTimeout(timer))
}
