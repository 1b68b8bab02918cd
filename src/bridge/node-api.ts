// The part of WhisperNode's public API the bridge uses (docs/architecture.md, `src/node/`). Written
// as a structural type so the bridge depends on the contract, not on the node's internals; the real
// WhisperNode is what runs behind it, in the CLI and in the tests.
import type { EventEmitter } from 'node:events'

export interface BridgePeerSummary {
  id: string
  enode?: string
  clientId: string
  shh: 5 | 6
  /** the capability spoken, e.g. 'waku/1' (one node may be a peer on shh/6 and Waku at once) */
  cap: string
  address: string
  inbound: boolean
  trusted: boolean
}

export interface BridgeReceivedMessage {
  topic: Uint8Array
  payload: Uint8Array
  /** 20-byte sender address, present when the message was signed. */
  address?: Uint8Array
  sent: number
  hash: Uint8Array
  /** re-sealed by a version gateway, original verified: the original sender and sent time */
  relayed?: { by: Uint8Array; address?: Uint8Array; sent: number }
  /** came as a p2p message from a trusted peer (a mail server's history answer), not from the pool */
  p2p?: boolean
}

export interface BridgePostParams {
  topic: Uint8Array
  payload: Uint8Array
  ttl: number
  pow: number
  workTime: number
  symKey: Uint8Array
  src: Uint8Array
  /** Which envelope version(s) to publish; WhisperNode's default when absent. */
  shh?: 5 | 6 | 'both'
}

export interface BridgeStats {
  peers: number
  poolSize: number
  envelopesIn: number
  envelopesOut: number
}

export interface BridgeNode extends EventEmitter {
  readonly enode: string
  /** null: no listening socket, so `enode` (port 0) cannot be dialled */
  readonly listening: { host: string; port: number } | null
  post(p: BridgePostParams): Promise<{ hash: string; envelopes: { expiry: number; ttl: number }[] }>
  subscribe(f: { topics: Uint8Array[]; symKey: Uint8Array; allowP2P?: boolean }, cb: (m: BridgeReceivedMessage) => void): string
  unsubscribe(id: string): boolean
  /** carry a room between shh/5 and shh/6 peers (the node's version gateway) */
  addGatewayRoom(room: { topic: Uint8Array; symKey: Uint8Array }): void
  removeGatewayRoom(room: { topic: Uint8Array; symKey: Uint8Array }): boolean
  addPeer(enode: string): void
  removePeer(enodeOrId: string): void
  peers(): BridgePeerSummary[]
  stats(): BridgeStats
}
