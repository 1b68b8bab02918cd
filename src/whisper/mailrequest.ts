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
//
// Paging (status-go v0.78.0's whisper mail server, decompositeRequest): a v6 payload may go on after the
// bloom with `limit u32 BE` and then a cursor, the 36 bytes `sent u32 BE | hash` a server handed out in
// its request-complete packet (code 125) or a whole 40-byte DB key (that, followed by the topic). geth
// reads only the bloom and ignores the rest, so a paged request still gets everything from geth. shh/5
// has no request-complete code (its 64 codes end before 125), so it does not page.
import { bloomMatch, BLOOM_SIZE, fullBloom, isFullBloom, topicBloom } from './bloom.js'
import { concatBytes, equalBytes, isAllZero } from './bytes.js'
import { envelopeBloom, envelopeHash, envelopePow, envelopeSent, U32_MAX, type Envelope, type ShhVersion } from './envelope.js'
import { isWhisperError, WhisperError } from './errors.js'
import { openEnvelope } from './open.js'
import { TOPIC_LENGTH } from './topic.js'

const MAIL_KEY_LENGTH = 4 + 32
/** status-go's DBKey.Cursor(): sent time | hash */
export const MAIL_CURSOR_LENGTH = MAIL_KEY_LENGTH
/** status-go's DBKeyLength: the cursor followed by the topic */
export const MAIL_DB_KEY_LENGTH = MAIL_KEY_LENGTH + TOPIC_LENGTH
/** status-go's maxMessagesRequestPayloadLimit: a larger limit is refused; 0 means this many */
export const MAX_PAGE_LIMIT = 1000
const PAGED_PAYLOAD_LENGTH = 8 + BLOOM_SIZE + 4

/** Where a page ended: the next page starts after the archived envelope with this sent time and hash. */
export interface MailCursor {
  sent: number
  hash: Uint8Array
}

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
  /** v6 paged request: at most this many envelopes, then a request-complete (null: not paged, answered whole) */
  limit: number | null
  /** v6 paged request: start after this envelope (null: from `lower`) */
  cursor: MailCursor | null
}

export interface MailRequestParams {
  lower: number
  upper: number
  /** v5: one topic (omitted or all zeros: every topic); v6: turned into its bloom */
  topic?: Uint8Array
  /** v6 only: an explicit bloom (64 bytes) instead of a topic */
  bloom?: Uint8Array
  /** v6 only: ask for a page of at most this many envelopes (0: the server's maximum, 1000) */
  limit?: number
  /** v6 only, with `limit`: the cursor of the previous page's request-complete (36 or 40 bytes) */
  cursor?: Uint8Array
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
  if (p.bloom !== undefined && p.bloom.length !== BLOOM_SIZE) throw new WhisperError('params', `bloom must be ${BLOOM_SIZE} bytes`)
  // wnode 1.9.7 always appends a bloom (all 0xff for every topic); so do we
  const bloom = p.bloom ?? (p.topic === undefined ? fullBloom() : topicBloom(p.topic))
  if (p.limit === undefined) {
    if (p.cursor !== undefined) throw new WhisperError('params', 'a cursor needs a limit')
    return concatBytes(head, bloom)
  }
  checkU32(p.limit, 'limit')
  const limit = new Uint8Array(4)
  new DataView(limit.buffer).setUint32(0, p.limit)
  if (p.cursor !== undefined && p.cursor.length !== MAIL_CURSOR_LENGTH && p.cursor.length !== MAIL_DB_KEY_LENGTH) {
    throw new WhisperError('params', `cursor must be ${MAIL_CURSOR_LENGTH} or ${MAIL_DB_KEY_LENGTH} bytes, got ${p.cursor.length}`)
  }
  return concatBytes(head, bloom, limit, p.cursor ?? new Uint8Array(0))
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
    return { shh, lower, upper, topic, bloom: null, limit: null, cursor: null }
  }
  if (payload.length === 8) return { shh, lower, upper, topic: null, bloom: fullBloom(), limit: null, cursor: null }
  if (payload.length < 8 + BLOOM_SIZE) throw new WhisperError('payload-size', `undersized bloom filter in p2p request (${payload.length - 8} bytes)`)
  const bloom = payload.slice(8, 8 + BLOOM_SIZE)
  if (payload.length < PAGED_PAYLOAD_LENGTH) return { shh, lower, upper, topic: null, bloom, limit: null, cursor: null }
  const limit = dv.getUint32(8 + BLOOM_SIZE)
  const cursor = parseMailCursor(payload.subarray(PAGED_PAYLOAD_LENGTH))
  return { shh, lower, upper, topic: null, bloom, limit, cursor }
}

/**
 * A cursor as a request carries it: nothing (from the start), the 36-byte `sent | hash` status-go hands
 * out, or its 40-byte DB key. Other sizes throw WhisperError 'payload-size' (status-go would quietly
 * start over from `lower`, which a client would take for the next page).
 */
export function parseMailCursor(b: Uint8Array): MailCursor | null {
  if (b.length === 0) return null
  if (b.length !== MAIL_CURSOR_LENGTH && b.length !== MAIL_DB_KEY_LENGTH) {
    throw new WhisperError('payload-size', `cursor of ${b.length} bytes in p2p request, expected ${MAIL_CURSOR_LENGTH} (or a ${MAIL_DB_KEY_LENGTH}-byte key)`)
  }
  return { sent: new DataView(b.buffer, b.byteOffset, 4).getUint32(0), hash: b.slice(4, MAIL_KEY_LENGTH) }
}

/** The 36-byte cursor after an archived envelope (status-go's DBKey.Cursor()). */
export function encodeMailCursor(c: MailCursor): Uint8Array {
  checkU32(c.sent, 'sent')
  if (c.hash.length !== 32) throw new WhisperError('params', `envelope hash must be 32 bytes, got ${c.hash.length}`)
  const k = new Uint8Array(MAIL_CURSOR_LENGTH)
  new DataView(k.buffer).setUint32(0, c.sent)
  k.set(c.hash, 4)
  return k
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

/** 'bad-page': a paged request (a limit was given) with a bad cursor or a limit over MAX_PAGE_LIMIT; it gets an error answer */
export type MailRejectReason = 'low-pow' | 'decrypt' | 'payload-size' | 'unsigned' | 'wrong-signer' | 'bad-page'

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
    const paged = shh === 6 && msg.payload.length >= PAGED_PAYLOAD_LENGTH
    return { ok: false, reason: paged ? 'bad-page' : 'payload-size', message: err.message }
  }
  // status-go's MessagesRequestPayload.Validate, in its words
  if (query.limit !== null && query.limit > MAX_PAGE_LIMIT) return { ok: false, reason: 'bad-page', message: 'limit exceeds the maximum allowed value' }
  return { ok: true, query, signer: src }
}
