// The protocol families a node runs and the one peer interface the node sees for all of them.
//
// A network (Net) is what envelopes travel in: an shh/5 envelope never meets an shh/6 peer, and Waku is
// its own network even though its envelopes have shh/6's format. waku/0 and waku/1 share one network (as
// both feed status-go's one Waku host): the capability version only changes how packets are spelled.
// One devp2p connection runs one instance per shared capability name, so a peer offering shh/6 and
// waku/1 is two NetPeers with the same id: the node keys its peers by net and id (netKey).
import type { EventEmitter } from 'node:events'
import type { Envelope, ShhVersion } from '../whisper/envelope.js'
import type { EnvelopeError } from '../waku/confirmations.js'
import type { RateLimits } from '../waku/rate-limits.js'
import type { RequestComplete } from '../waku/request-complete.js'
import type { P2PRequest } from '../waku/messages-request.js'

/** A network the node keeps one envelope pool for: shh/5, shh/6, or Waku (waku/0 and waku/1 share one, as in status-go). */
export type Net = 'shh/5' | 'shh/6' | 'waku'
/** A capability as offered in the devp2p hello. */
export type Cap = 'shh/5' | 'shh/6' | 'waku/0' | 'waku/1'

/** Every network, in the order the node reports them. */
export const NETS: readonly Net[] = ['shh/5', 'shh/6', 'waku']
/** Every capability the node can offer, in `--protocols` spelling. */
export const CAPS: readonly Cap[] = ['shh/5', 'shh/6', 'waku/0', 'waku/1']

/** Whether `x` names a network (`'shh/5'`, `'shh/6'` or `'waku'`). */
export function isNet(x: unknown): x is Net {
  return x === 'shh/5' || x === 'shh/6' || x === 'waku'
}

/** Whether `x` names a capability (`'shh/5'`, `'shh/6'`, `'waku/0'` or `'waku/1'`). */
export function isCap(x: unknown): x is Cap {
  return (CAPS as readonly unknown[]).includes(x)
}

export function netOfCap(cap: Cap): Net {
  return cap.startsWith('waku/') ? 'waku' : (cap as Net)
}

/** The envelope format a network carries (Waku's envelopes are shh/6's). */
export function formatOfNet(net: Net): ShhVersion {
  return net === 'shh/5' ? 5 : 6
}

/** The shh network of an envelope format (where an envelope of that format goes when no network is named). */
export function shhNetOf(format: ShhVersion): Net {
  return format === 5 ? 'shh/5' : 'shh/6'
}

/** The node's key of one peer instance: the same node may be a peer on two networks over one connection. */
export function netKey(net: Net, id: string): string {
  return `${net}:${id}`
}

/** The networks of a list of capabilities, in NETS order, without repeats. */
export function netsOfCaps(caps: readonly Cap[]): Net[] {
  const nets = new Set(caps.map(netOfCap))
  return NETS.filter((n) => nets.has(n))
}

/** What a peer said it wants from us (its status, and its updates since). */
export interface NetInterest {
  /** PoW it requires of the envelopes we send it */
  minPow: number
  /** its bloom; null = every topic */
  bloom: Uint8Array | null
  /** Waku topic interest: exactly these topics (wins over the bloom); null = none announced */
  topics: Uint8Array[] | null
  lightNode: boolean
  /** Waku: it confirms the batches we send */
  confirmations: boolean
  /** Waku: the limits it announced (null: none, shh) */
  rateLimits: RateLimits | null
}

/** What we announce: in each new handshake, and to connected peers when it changes. */
export interface OurStatus {
  minPow: number
  /** null: every topic (a full node) */
  bloom: Uint8Array | null
  /** Waku topic interest (null: announce the bloom instead) */
  topics: Uint8Array[] | null
  lightNode: boolean
  /** Waku: we confirm the batches peers send us */
  confirmations: boolean
  /** Waku: the packet limits we enforce */
  rateLimits: RateLimits
  /** Waku (waku/1 announces them): the byte limits we enforce */
  bytesRateLimits: RateLimits
}

export interface NetPeerEvents {
  /** decoded, NOT validated; `batch` names a Waku messages packet (what a confirmation refers to) */
  envelopes: [envs: Envelope[], batch?: Uint8Array]
  /** only from trusted peers */
  p2pMessage: [env: Envelope]
  /** an envelope-form mail request; read only while someone listens */
  p2pRequest: [env: Envelope]
  /** Waku: a history request in either form (envelope or MessagesRequest); read only while someone listens */
  messagesRequest: [req: P2PRequest]
  /** the end of a page of a mail server's answer (shh/6 and Waku code 125); only from trusted peers */
  requestComplete: [r: RequestComplete]
  /** the peer changed what it wants; `relaxed` when it may now want something it did not */
  interest: [relaxed: boolean]
  close: [reason: number, byUs: boolean]
}

export interface NetPeer extends EventEmitter {
  /** remote node id, 128 hex */
  readonly id: string
  readonly net: Net
  /** the capability spoken, e.g. 'waku/1' */
  readonly cap: Cap
  /** the envelope format of its network */
  readonly format: ShhVersion
  readonly clientId: string
  readonly remoteAddress: string
  readonly remotePort: number
  readonly baseProtocolVersion: number
  readonly inbound: boolean
  readonly closed: boolean
  trusted: boolean
  readonly interest: NetInterest
  /** bytes queued on the socket, not yet written (backpressure hint) */
  readonly bufferedBytes: number
  /** false while its announced rate limits (Waku) leave no room for another packet from us now */
  canSend(): boolean
  /** Whether to send it this envelope: PoW at its requirement, and its bloom or topic interest. */
  wants(env: Envelope, pow: number, bloom?: Uint8Array): boolean
  // The send methods return false when nothing was written (peer closed, or not applicable).
  sendEnvelopes(envs: Envelope[]): boolean
  /** tells the peer what changed in our status (shh/6: PoW and bloom packets; Waku: one status update) */
  announce(changed: Partial<OurStatus>): boolean
  /** Waku: confirms a batch it sent (message response, then batch acknowledgement); false elsewhere */
  confirm(batch: Uint8Array, errors: EnvelopeError[]): boolean
  sendP2PMessage(env: Envelope): boolean
  sendP2PRequest(env: Envelope): boolean
  /** ends a page of a mail answer (shh/6 and Waku code 125); absent or false where the protocol has none */
  sendRequestComplete?(r: RequestComplete): boolean
  disconnect(reason?: number): void
  drop(why: string): void
  pauseReading?(): void
  resumeReading?(): void

  on<E extends keyof NetPeerEvents>(event: E, listener: (...args: NetPeerEvents[E]) => void): this
  once<E extends keyof NetPeerEvents>(event: E, listener: (...args: NetPeerEvents[E]) => void): this
  off<E extends keyof NetPeerEvents>(event: E, listener: (...args: NetPeerEvents[E]) => void): this
  emit<E extends keyof NetPeerEvents>(event: E, ...args: NetPeerEvents[E]): boolean
}
