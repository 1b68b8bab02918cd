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
  /** from a mail server's history answer */
  history: boolean
}

export interface PeerView {
  id: string
  enode: string | null
  clientId: string
  shh: 5 | 6
  address: string
  inbound: boolean
  trusted: boolean
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
    text: m.text,
    truncated: m.truncated,
    history: m.history,
  }
}

export function peerView(p: BridgePeerSummary): PeerView {
  return {
    id: p.id,
    enode: p.enode ?? null,
    clientId: p.clientId,
    shh: p.shh,
    address: p.address,
    inbound: p.inbound,
    trusted: p.trusted,
  }
}
