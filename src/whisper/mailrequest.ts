// geth's mail server wire rules (whisper/mailserver at v1.7.3 for shh/5, v1.9.7 for shh/6), pure.
//
// A history request is an ordinary envelope sent in a p2p request packet (v5 code 3, v6 code 126),
// symmetric with the key derived from the mail password (symKeyFromPassword), signed. Its plaintext
// payload is `lower u32 BE | upper u32 BE | filter`:
//  - v5: filter = an optional 4-byte topic (only the first 4 bytes count, fewer than 4 = none;
//    all zeros = every topic). The signer must be the requesting peer's node key.
//  - v6: filter = nothing (every topic) or a 64-byte bloom (bytes after it ignored; 1..63 = refused).
//    Any signer will do; an unsigned request is refused.
// The server's archive key is `sent u32 BE | envelope hash` with sent = expiry - ttl (uint32), and it
// answers the keys in [lower|0…0, upper|0…0) for v5 and [lower|0…0, (upper+1)|0…0) for v6: v5 leaves
// out `upper` itself, v6 includes it, and v6's uint32 `upper + 1` wraps for upper = 0xffffffff, which
// gives geth 1.9.7 an empty range. Matching envelopes go back one per p2p message packet (v5 code 2,
// v6 code 127) in key order.
import { bloomMatch, BLOOM_SIZE, fullBloom, isFullBloom, topicBloom } from './bloom.js'
import { concatBytes, equalBytes, isAllZero } from './bytes.js'
import { envelopeBloom, envelopeHash, envelopePow, envelopeSent, U32_MAX, type Envelope, type ShhVersion } from './envelope.js'
import { isWhisperError, WhisperError } from './errors.js'
import { openEnvelope } from './open.js'
import { TOPIC_LENGTH } from './topic.js'

const MAIL_KEY_LENGTH = 4 + 32

export interface MailQuery {
  shh: ShhVersion
  /** unix seconds, inclusive */
  lower: number
  /** unix seconds as sent on the wire (v5: exclusive, v6: inclusive) */
  upper: number
  /** v5: the topic asked for, null = every topic */
  topic: Uint8Array | null
  /** v6: the bloom asked for (64 bytes; all 0xff = every topic) */
  bloom: Uint8Array | null
}

export interface MailRequestParams {
  lower: number
  upper: number
  /** v5: one topic (omitted or all zeros: every topic); v6: turned into its bloom */
  topic?: Uint8Array
  /** v6 only: an explicit bloom (64 bytes) instead of a topic */
  bloom?: Uint8Array
}

function checkU32(x: number, what: string): void {
  if (!Number.isInteger(x) || x < 0 || x > U32_MAX) throw new WhisperError('params', `${what} must be a uint32, got ${x}`)
}

/** The plaintext payload of a request, as cmd/wnode builds it for each version. */
export function encodeMailRequestPayload(shh: ShhVersion, p: MailRequestParams): Uint8Array {
  checkU32(p.lower, 'lower')
  checkU32(p.upper, 'upper')
  const head = new Uint8Array(8)
  const dv = new DataView(head.buffer)
  dv.setUint32(0, p.lower)
  dv.setUint32(4, p.upper)
  if (p.topic !== undefined && p.topic.length !== TOPIC_LENGTH) throw new WhisperError('topic', `topic must be ${TOPIC_LENGTH} bytes`)
  if (shh === 5) {
    if (p.bloom !== undefined) throw new WhisperError('params', 'shh/5 requests carry a topic, not a bloom')
    // wnode sends no topic bytes for "every topic"
    return p.topic === undefined || isAllZero(p.topic) ? head : concatBytes(head, p.topic)
  }
  if (p.bloom !== undefined && p.topic !== undefined) throw new WhisperError('params', 'give a topic or a bloom, not both')
  if (p.bloom !== undefined) {
    if (p.bloom.length !== BLOOM_SIZE) throw new WhisperError('params', `bloom must be ${BLOOM_SIZE} bytes`)
    return concatBytes(head, p.bloom)
  }
  // wnode 1.9.7 always appends a bloom (all 0xff for every topic); so do we
  const bloom = p.topic === undefined ? fullBloom() : topicBloom(p.topic)
  return concatBytes(head, bloom)
}

/** Reads a request payload as geth's validateRequest does; throws WhisperError 'payload-size' where geth refuses. */
export function decodeMailRequestPayload(shh: ShhVersion, payload: Uint8Array): MailQuery {
  if (payload.length < 8) throw new WhisperError('payload-size', `undersized p2p request (${payload.length} bytes)`)
  const dv = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
  const lower = dv.getUint32(0)
  const upper = dv.getUint32(4)
  if (shh === 5) {
    let topic: Uint8Array | null = null
    if (payload.length >= 8 + TOPIC_LENGTH) topic = payload.slice(8, 8 + TOPIC_LENGTH)
    if (topic !== null && isAllZero(topic)) topic = null
    return { shh, lower, upper, topic, bloom: null }
  }
  if (payload.length === 8) return { shh, lower, upper, topic: null, bloom: fullBloom() }
  if (payload.length < 8 + BLOOM_SIZE) throw new WhisperError('payload-size', `undersized bloom filter in p2p request (${payload.length - 8} bytes)`)
  return { shh, lower, upper, topic: null, bloom: payload.slice(8, 8 + BLOOM_SIZE) }
}

/**
 * The archive's `sent` values a query covers, as a half-open range [from, to) of numbers (no wrap):
 * v5 [lower, upper), v6 [lower, (upper + 1) mod 2^32). Empty when to <= from.
 */
export function mailRange(q: Pick<MailQuery, 'shh' | 'lower' | 'upper'>): { from: number; to: number } {
  const to = q.shh === 5 ? q.upper : (q.upper + 1) >>> 0
  return { from: q.lower, to }
}

/** Does an archived envelope answer the query's topic (v5) or bloom (v6)? */
export function mailMatches(q: MailQuery, env: Envelope): boolean {
  if (q.shh === 5) return q.topic === null || equalBytes(q.topic, env.topic)
  return q.bloom === null || isFullBloom(q.bloom) || bloomMatch(q.bloom, envelopeBloom(env))
}

/** geth's archive key: sent (uint32 BE) followed by the envelope hash. Sorting by it is the answer order. */
export function mailArchiveKey(env: Envelope, hash: Uint8Array = envelopeHash(env)): Uint8Array {
  const k = new Uint8Array(MAIL_KEY_LENGTH)
  new DataView(k.buffer).setUint32(0, envelopeSent(env))
  k.set(hash, 4)
  return k
}

export type MailRejectReason = 'low-pow' | 'decrypt' | 'payload-size' | 'unsigned' | 'wrong-signer'

export type MailCheck =
  | { ok: true; query: MailQuery; signer: Uint8Array }
  | { ok: false; reason: MailRejectReason; message: string }

export interface MailCheckOptions {
  /** the key derived from the mail password */
  symKey: Uint8Array
  /** the server's request PoW minimum (geth checks it only when > 0) */
  minPow: number
  /** node id of the requesting peer (64 bytes, or 128 hex chars decoded) */
  peerId: Uint8Array
  /**
   * Require the signer to be the peer's node key. geth 1.7.3 (shh/5) does; geth 1.9.7 (shh/6) does
   * not (wnode 1.9.7 signs with another key). Default: each version's geth rule.
   */
  requireNodeKey?: boolean
}

/** geth's validateRequest, in its order: PoW, decrypt, (v5: size, signer), (v6: signed, size). Never throws on bad input. */
export function checkMailRequest(req: Envelope, o: MailCheckOptions): MailCheck {
  const shh = req.shh
  if (o.minPow > 0) {
    const pow = envelopePow(req)
    if (pow < o.minPow) return { ok: false, reason: 'low-pow', message: `request PoW ${pow} below ${o.minPow}` }
  }
  let msg
  try {
    msg = openEnvelope(req, { symKey: o.symKey })
  } catch (err) {
    if (!isWhisperError(err)) throw err
    // a signature that does not recover leaves geth's Src nil: that is an unsigned request to it
    if (err.code === 'signature') return { ok: false, reason: 'unsigned', message: 'wrong signature of p2p request' }
    return { ok: false, reason: 'decrypt', message: 'failed to decrypt p2p request' }
  }
  const strict = o.requireNodeKey ?? shh === 5
  const src = msg.src
  const sameAsPeer = src !== undefined && equalBytes(src.subarray(1), o.peerId)
  if (shh === 5 && msg.payload.length < 8) return { ok: false, reason: 'payload-size', message: 'undersized p2p request' }
  if (src === undefined) return { ok: false, reason: 'unsigned', message: 'wrong signature of p2p request (unsigned)' }
  if (strict && !sameAsPeer) return { ok: false, reason: 'wrong-signer', message: 'wrong signature of p2p request (not the peer\'s node key)' }
  let query: MailQuery
  try {
    query = decodeMailRequestPayload(shh, msg.payload)
  } catch (err) {
    if (!isWhisperError(err)) throw err
    return { ok: false, reason: 'payload-size', message: err.message }
  }
  return { ok: true, query, signer: src }
}
