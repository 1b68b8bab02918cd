// The JSON shapes the REST API and the WebSocket protocol share, so a script can use either.
import type { StoredMessage } from './history.js'
import type { BridgePeerSummary } from './node-api.js'

export interface MessageView {
  type?: 'message'
  room: string
  seq: number
  hash: string
  /** 40-hex sender address, null when unsigned. */
  from: string | null
  /** Signed by this bridge's identity. */
  mine: boolean
  sent: number
  received: number
  text: string
  truncated: boolean
  /** carried across shh versions by this gateway (40 hex); `from` is the verified original sender */
  relayedBy?: string
  /** own message that expired before reaching any peer: why (also pushed as a WebSocket 'undelivered') */
  undelivered?: string
  /** from a mail server's history answer */
  history: boolean
}

export interface PeerView {
  id: string
  enode: string | null
  clientId: string
  shh: 5 | 6
  /** the protocol spoken: shh/5, shh/6, waku/0 or waku/1 */
  cap: string
  address: string
  inbound: boolean
  trusted: boolean
}

/**
 * Message text as pages and scripts get it: the bidi embedding/override/isolate controls (U+202A-U+202E,
 * U+2066-U+2069) reorder what a page shows after them (a name or a link can read backwards), so they
 * are shown as \u{NNNN} escapes. The stored text keeps them.
 */
function showText(text: string): string {
  return text.replace(/[\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`)
}

export function messageView(m: StoredMessage, ownAddress: string): MessageView {
  return {
    room: m.room,
    seq: m.seq,
    hash: m.hash,
    from: m.from,
    mine: m.from !== null && m.from === ownAddress,
    sent: m.sent,
    received: m.received,
    text: showText(m.text),
    truncated: m.truncated,
    ...(m.relayedBy ? { relayedBy: m.relayedBy } : {}),
    ...(m.undelivered ? { undelivered: m.undelivered } : {}),
    history: m.history,
  }
}

export function peerView(p: BridgePeerSummary): PeerView {
  return {
    id: p.id,
    enode: p.enode ?? null,
    clientId: p.clientId,
    shh: p.shh,
    cap: p.cap,
    address: p.address,
    inbound: p.inbound,
    trusted: p.trusted,
  }
}
