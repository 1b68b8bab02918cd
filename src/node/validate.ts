// The checks of geth's `Whisper.add`, in geth's order, for both protocol versions:
//   whisperv5 (v1.7.3): future -> error; expired <= 20 s -> quiet drop; older -> error; too big -> error;
//     version field > 4 bytes -> error; aesNonce neither 0 nor 12 bytes -> error; PoW < min -> quiet drop.
//   whisperv6 (v1.9.7): future -> error; expired <= 20 s -> quiet drop; older -> error; too big -> error;
//     PoW < min (and < the previous min during the 10 s after a change) -> error;
//     topic outside our bloom (and outside the previous bloom after a change) -> error.
// An error means "disconnect the peer that sent it"; a drop means "ignore it". Times are uint32
// seconds as in geth, so the subtractions wrap the way Go's do.
import { envelopePow, envelopeBloom, envelopeSize, type Envelope } from '../whisper/envelope.js'
import { bloomMatch } from '../whisper/bloom.js'

/** geth's DefaultSyncAllowance / SynchAllowance: tolerated clock skew in seconds. */
export const SYNC_ALLOWANCE = 10
/** geth's MaxMessageSize: the hard cap a node may be configured to accept. */
export const MAX_MESSAGE_SIZE_CAP = 10 * 1024 * 1024
/** Largest packet a node accepts by default (1 MiB, as geth). */
export const DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024
/** PoW a node requires by default (0.2, as geth). */
export const DEFAULT_MIN_POW = 0.2
const AES_NONCE_LENGTH = 12

export type RejectReason = 'future' | 'very-old' | 'too-big' | 'version-size' | 'aes-nonce-size' | 'low-pow' | 'bloom'
export type DropReason = 'expired' | 'low-pow' | 'zero-ttl'

export type Verdict =
  /** `pow` is the envelope's PoW as geth caches it (adjusted for a sender clock ahead of ours). */
  | { kind: 'accept'; pow: number }
  | { kind: 'drop'; reason: DropReason; pow?: number }
  | { kind: 'reject'; reason: RejectReason; message: string }

export interface ValidationPolicy {
  /** unix seconds */
  now: number
  minPow: number
  /** v6: the minimum tolerated for a while after minPow changed (peers may not know the new value yet). */
  minPowTolerance: number
  maxMessageSize: number
  /** v6: our advertised bloom (null = everything). */
  bloom: Uint8Array | null
  /** v6: the bloom tolerated for a while after ours changed. */
  bloomTolerance: Uint8Array | null
}

const u32 = (n: number): number => n >>> 0

export function validateEnvelope(env: Envelope, policy: ValidationPolicy): Verdict {
  const now = u32(Math.floor(policy.now))
  const sent = u32(env.expiry - env.ttl)
  let diff = 0
  if (sent > now) {
    if (u32(sent - SYNC_ALLOWANCE) > now) {
      return { kind: 'reject', reason: 'future', message: `envelope created in the future (sent ${sent}, now ${now})` }
    }
    // geth recomputes the PoW for the skew, plus one second of latency
    diff = sent - now + 1
  }

  if (env.expiry < now) {
    if (env.expiry + SYNC_ALLOWANCE * 2 < now) return { kind: 'reject', reason: 'very-old', message: 'very old message' }
    return { kind: 'drop', reason: 'expired' }
  }

  // Not in geth: a TTL of 0 makes geth's PoW (2^bits / (size * ttl)) infinite without any work, so
  // zero-work envelopes would pass any PoW requirement and push real ones out of pools and room
  // histories. Such envelopes are dropped quietly (not an error: a geth peer may relay one it accepted),
  // never pooled, delivered or forwarded. A TTL of 0 also means "expires now": nothing honest uses it.
  if (env.ttl === 0) return { kind: 'drop', reason: 'zero-ttl' }

  const size = envelopeSize(env)
  if (size > policy.maxMessageSize) {
    return { kind: 'reject', reason: 'too-big', message: `huge messages are not allowed (${size} > ${policy.maxMessageSize})` }
  }

  if (env.shh === 5) {
    if (env.version.length > 4) return { kind: 'reject', reason: 'version-size', message: 'oversized version' }
    const n = env.aesNonce.length
    if (n !== 0 && n !== AES_NONCE_LENGTH) {
      return { kind: 'reject', reason: 'aes-nonce-size', message: `wrong size of AESNonce: ${n} bytes` }
    }
  }

  const pow = envelopePow(env, diff)

  if (env.shh === 5) {
    if (pow < policy.minPow) return { kind: 'drop', reason: 'low-pow', pow }
    return { kind: 'accept', pow }
  }

  if (pow < policy.minPow && pow < policy.minPowTolerance) {
    return { kind: 'reject', reason: 'low-pow', message: `envelope with low PoW received: PoW=${pow}` }
  }
  if (policy.bloom !== null) {
    const b = envelopeBloom(env)
    if (!bloomMatch(policy.bloom, b) && (policy.bloomTolerance === null ? false : !bloomMatch(policy.bloomTolerance, b))) {
      return { kind: 'reject', reason: 'bloom', message: 'envelope does not match bloom filter' }
    }
  }
  return { kind: 'accept', pow }
}
