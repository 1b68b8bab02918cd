// The Waku status packet (code 0) and status update (code 22), as status-go v0.78.0's peers send them:
//  waku/0 status: [0, options]  (p2p.SendItems(rw, statusCode, Version, opts); exactly two items)
//  waku/1 status: options       (no version number)
//  status update, both versions: options, carrying only what changed
// and what a peer's status means once received (WithDefaults for the handshake, setOptions' precedence
// of topic interest over bloom).
import { WhisperError } from '../whisper/errors.js'
import { rlpDecodeFirst, rlpEncode, rlpUint } from '../whisper/rlp.js'
import { bloomMatch, fullBloom } from '../whisper/bloom.js'
import { toHex } from '../whisper/bytes.js'
import { MAX_TOPIC_INTEREST, PEER_DEFAULT_POW, type WakuVersion } from './codes.js'
import { decodeStatusOptions, encodeStatusOptions, statusOptionsItems, type StatusOptions } from './options.js'
import { NO_RATE_LIMITS, type RateLimits } from './rate-limits.js'

// enough for the largest valid topic interest; a longer list is refused without building it
const DECODE_LIMITS = { maxListItems: MAX_TOPIC_INTEREST + 1 }

export function encodeWakuStatus(version: WakuVersion, o: StatusOptions): Uint8Array {
  return version === 0 ? rlpEncode([0, statusOptionsItems(0, o)]) : encodeStatusOptions(1, o)
}

/** Throws WhisperError: 'version' (waku/0 with another version number), 'packet', 'rlp', 'field-count'. */
export function decodeWakuStatus(version: WakuVersion, payload: Uint8Array): StatusOptions {
  const what = `waku/${version} status`
  const item = rlpDecodeFirst(payload, what, DECODE_LIMITS)
  if (version === 1) return decodeStatusOptions(1, item, what)
  if (!Array.isArray(item)) throw new WhisperError('packet', `${what}: expected [version, options], got a byte string`)
  if (item.length !== 2) throw new WhisperError('packet', `${what}: expected [version, options], got ${item.length} items`)
  let peerVersion: bigint
  try {
    peerVersion = rlpUint(item[0], 8, `${what} version`)
  } catch (e) {
    throw new WhisperError('packet', (e as Error).message)
  }
  if (peerVersion !== 0n) throw new WhisperError('version', `protocol version mismatch: peer sent ${peerVersion}, expected 0`)
  return decodeStatusOptions(0, item[1], what)
}

export function encodeStatusUpdate(version: WakuVersion, changed: StatusOptions): Uint8Array {
  return encodeStatusOptions(version, changed)
}

export function decodeStatusUpdate(version: WakuVersion, payload: Uint8Array): StatusOptions {
  const what = `waku/${version} status update`
  return decodeStatusOptions(version, rlpDecodeFirst(payload, what, DECODE_LIMITS), what)
}

/** What we know of a peer: its status with status-go's defaults filled in, then its updates applied. */
export interface PeerStatus {
  powRequirement: number
  lightNode: boolean
  confirmations: boolean
  packetRateLimits: RateLimits
  bytesRateLimits: RateLimits
  /** topic interest wins over the bloom filter whenever the peer sent one */
  interest: PeerInterest
}

export type PeerInterest =
  | { kind: 'topics'; topics: ReadonlySet<string> /* topic hex */ }
  /** null: a full node (bloom absent, empty or all 0xff) */
  | { kind: 'bloom'; bloom: Uint8Array | null }

/** The handshake: options the peer left out take WithDefaults' values (PoW 0.001, full-node bloom, no limits). */
export function peerStatusFromHandshake(o: StatusOptions): PeerStatus {
  const base: PeerStatus = {
    powRequirement: PEER_DEFAULT_POW,
    lightNode: false,
    confirmations: false,
    packetRateLimits: NO_RATE_LIMITS,
    bytesRateLimits: NO_RATE_LIMITS,
    interest: { kind: 'bloom', bloom: null },
  }
  return applyStatusUpdate(base, o.bloomFilter === undefined && o.topicInterest === undefined ? { ...o, bloomFilter: fullBloom() } : o)
}

/** A status update changes only what it carries (setOptions without WithDefaults). */
export function applyStatusUpdate(s: PeerStatus, o: StatusOptions): PeerStatus {
  const next = { ...s }
  if (o.powRequirement !== undefined) next.powRequirement = o.powRequirement
  if (o.topicInterest !== undefined) {
    next.interest = { kind: 'topics', topics: new Set(o.topicInterest.map(toHex)) }
  } else if (o.bloomFilter !== undefined) {
    next.interest = { kind: 'bloom', bloom: o.bloomFilter.every((b) => b === 0xff) ? null : o.bloomFilter }
  }
  if (o.lightNode !== undefined) next.lightNode = o.lightNode
  if (o.confirmations !== undefined) next.confirmations = o.confirmations
  if (o.packetRateLimits !== undefined) next.packetRateLimits = o.packetRateLimits
  if (o.bytesRateLimits !== undefined) next.bytesRateLimits = o.bytesRateLimits
  return next
}

/**
 * Whether the peer asked for envelopes of this topic (topicOrBloomMatch): its topic set, else its bloom
 * (bloom of the topic a subset of the peer's). PoW is checked apart (envelope.PoW() >= requirement).
 */
export function interestMatches(i: PeerInterest, topic: Uint8Array, topicBloom: Uint8Array): boolean {
  return i.kind === 'topics' ? i.topics.has(toHex(topic)) : bloomMatch(i.bloom, topicBloom)
}

/** Two light nodes refuse each other (setOptions, when our host restricts light-to-light connections). */
export function lightNodesClash(ours: { lightNode: boolean; restrictLightToLight: boolean }, peer: StatusOptions): string | null {
  if (peer.lightNode && ours.lightNode && ours.restrictLightToLight) return 'useless peer: two light client communication restricted'
  return null
}
