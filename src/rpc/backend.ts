// What the JSON-RPC APIs need from a running node, as a structural type: the shh API drives the
// whisper side (settings, sealing, sending, filters), the net/admin/web3 APIs the devp2p side.
// `node-backend.ts` implements both over the real WhisperNode; the APIs depend only on this contract.
import type { Envelope } from '../whisper/envelope.js'
import type { ReceivedMessage } from '../whisper/open.js'
import type { SealParams } from '../whisper/seal.js'
import type { FilterSpec } from '../node/filter.js'

/** A node filter as the RPC creates it: the shh version is chosen by the node (v5 and v6 both deliver). */
export type FilterCriteria = Omit<FilterSpec, 'shh'>

/** geth's Wrap parameters, always v6 (its Seal semantics: pow 0 = no PoW, < 0 = best within workTime). */
export type WrapParams = Omit<SealParams, 'shh' | 'now'>

export interface ShhBackend {
  minPow(): number
  maxMessageSize(): number
  /** geth SetMinimumPoW: stores it and tells the peers; throws `invalid PoW: %f` for a negative value */
  setMinPow(pow: number): void
  /** geth SetMaxMessageSize: throws `message size too large [%d>%d]` above 10 MiB */
  setMaxMessageSize(size: number): void
  /** geth SetBloomFilter: throws `invalid bloom filter size: %d` unless 64 bytes */
  setBloomFilter(bloom: Uint8Array): void
  setLightClient(on: boolean): void
  lightClient(): boolean
  /** shh_info's memory (bytes of pooled envelopes) and messages (envelopes waiting to be processed) */
  info(): { memory: number; messages: number }
  /** geth AllowP2PMessagesFromPeer; `pubkey` is the 64-byte node id; throws `Could not find peer with ID: %x` */
  markTrustedPeer(pubkey: Uint8Array): void
  /** geth Wrap for shh/6 (sign, encrypt, seal) off the main thread; throws geth's messages */
  wrap(p: WrapParams): Promise<Envelope>
  /** geth Send: the envelope goes through the node's own add() checks, then out to the peers */
  send(env: Envelope): void
  /** geth SendP2PMessage to one connected peer (64-byte node id) */
  sendP2P(pubkey: Uint8Array, env: Envelope): void
  subscribe(criteria: FilterCriteria, cb: (m: ReceivedMessage) => void): string
  unsubscribe(id: string): boolean
}

export interface PeerDetails {
  /** 64-byte public key as 128 hex */
  pubkey: string
  clientId: string
  /** remote hello capabilities, e.g. ["shh/6"] */
  caps: string[]
  localAddress: string
  remoteAddress: string
  inbound: boolean
  trusted: boolean
  static: boolean
  /** the remote port it listens on when known (outbound dials), else the connection's port */
  listenPort: number
  remoteIp: string
}

export interface NetBackend {
  clientVersion(): string
  /** 64-byte node public key */
  nodePublicKey(): Uint8Array
  /** node private key, only used to sign the node record (ENR) in admin_nodeInfo */
  nodePrivateKey(): Uint8Array | null
  listenAddress(): { ip: string; tcpPort: number; udpPort: number; listenAddr: string }
  /** the capabilities the node offers, e.g. ['shh/6', 'waku/1'] */
  caps(): string[]
  peers(): PeerDetails[]
  peerCount(): number
  /** dials (and keeps) a peer from a complete enode URL */
  addPeer(enode: string): void
  removePeer(enode: string): void
}
