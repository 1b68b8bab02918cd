// A Waku history request (code 126) as status-go v0.78.0's WakuMailServer reads it (mailserver.go:
// DeliverMail for the envelope form, Deliver for the MessagesRequest form, then mailServer.DeliverMail),
// turned into the mail server's query (whisper/mailrequest.ts MailQuery, shh/6 rules: range
// [lower, upper + 1), bloom match, limit and cursor).
//
// Envelope form: PoW at the server's minimum, opened with the mail password's key, signed by anyone
// (checkMsgSignature compares nothing), payload the RLP MessagesRequestPayload; unlike the whisper
// server it reads no byte form. MessagesRequest form: the struct's fields as they are, Batch true, the
// request id as Go's BytesToHash makes it (the last 32 bytes, zero-padded on the left). Then, for both,
// SetDefaults (limit 0 = 1000, upper 0 = now + 60 s) and Validate. Every refusal carries status-go's
// words and the request id, for the request-complete failure answer (ERROR=).
//
// Topics are not matched: status-go's LevelDB iterator filters by the bloom alone (GetEnvelope), and a
// request's topics are in its bloom. A cursor must be the 36 bytes the server hands out or a 40-byte DB
// key; status-go ignores one of another size and starts over, which would answer page 1 again: refused.
import { BLOOM_SIZE } from '../whisper/bloom.js'
import { envelopeHash, envelopePow, type Envelope } from '../whisper/envelope.js'
import { isWhisperError } from '../whisper/errors.js'
import type { MailQuery } from '../whisper/mailrequest.js'
import { openEnvelope } from '../whisper/open.js'
import { MAX_LIMIT_IN_MESSAGES_REQUEST } from './codes.js'
import { decodeMessagesRequestPayload, validateMessagesRequestPayload, type MessagesRequest, type MessagesRequestPayload } from './messages-request.js'
import { parseCursor } from './request-complete.js'
import { HASH_LENGTH } from './go-rlp.js'

/** status-go's whisperTTLSafeThreshold: an upper bound of 0 means now plus this */
const TTL_SAFE_THRESHOLD = 60

export type WakuMailCheck =
  | { ok: true; query: MailQuery; requestId: Uint8Array; payload: MessagesRequestPayload }
  | { ok: false; requestId: Uint8Array; message: string }

export interface WakuMailCheckOptions {
  /** the key derived from the mail password */
  symKey: Uint8Array
  /** the server's request PoW minimum (checked only when > 0) */
  minPow: number
  /** unix seconds */
  now: number
}

/** The envelope form (WakuMailServer.DeliverMail + decodeRequest). Never throws on bad input. */
export function checkWakuEnvelopeRequest(env: Envelope, o: WakuMailCheckOptions): WakuMailCheck {
  const requestId = envelopeHash(env)
  const refuse = (message: string): WakuMailCheck => ({ ok: false, requestId, message })
  if (o.minPow > 0 && envelopePow(env) < o.minPow) return refuse('PoW too low')
  let msg
  try {
    msg = openEnvelope(env, { symKey: o.symKey })
  } catch (err) {
    if (!isWhisperError(err)) throw err
    if (err.code === 'signature') return refuse('check message signature failed: wrong signature of p2p request')
    return refuse('failed to decrypt p2p request')
  }
  if (msg.src === undefined) return refuse('check message signature failed: wrong signature of p2p request')
  let p: MessagesRequestPayload
  try {
    p = decodeMessagesRequestPayload(msg.payload)
  } catch (err) {
    if (!isWhisperError(err)) throw err
    return refuse(`failed to decode data: ${err.message}`)
  }
  if (p.upper === 0) p = { ...p, upper: o.now + TTL_SAFE_THRESHOLD }
  if (p.upper < p.lower) return refuse('query range is invalid: lower > upper')
  return payloadQuery(p, requestId, o.now)
}

/** The MessagesRequest form (WakuMailServer.Deliver). */
export function checkWakuMessagesRequest(r: MessagesRequest, now: number): WakuMailCheck {
  const requestId = wakuRequestId(r)
  const p: MessagesRequestPayload = { lower: r.from, upper: r.to, bloom: r.bloom, topics: r.topics, limit: r.limit, cursor: r.cursor, batch: true }
  return payloadQuery(p, requestId, now)
}

/** The id a MessagesRequest is answered under: Go's BytesToHash of its id. */
export function wakuRequestId(r: MessagesRequest): Uint8Array {
  const out = new Uint8Array(HASH_LENGTH)
  const id = r.id.subarray(Math.max(0, r.id.length - HASH_LENGTH))
  out.set(id, HASH_LENGTH - id.length)
  return out
}

/** mailServer.DeliverMail: SetDefaults, Validate (its failures are "request is invalid: ..."), the cursor. */
function payloadQuery(given: MessagesRequestPayload, requestId: Uint8Array, now: number): WakuMailCheck {
  const p = { ...given }
  if (p.limit === 0) p.limit = MAX_LIMIT_IN_MESSAGES_REQUEST
  if (p.upper === 0) p.upper = now + TTL_SAFE_THRESHOLD
  const invalid = (why: string): WakuMailCheck => ({ ok: false, requestId, message: `request is invalid: ${why}` })
  const why = validateMessagesRequestPayload(p)
  if (why !== null) return invalid(why)
  if (p.bloom.length !== BLOOM_SIZE) return invalid(`bloom filter of ${p.bloom.length} bytes, expected ${BLOOM_SIZE}`)
  let cursor
  try {
    cursor = parseCursor(p.cursor)
  } catch (err) {
    if (!isWhisperError(err)) throw err
    return invalid(err.message)
  }
  const query: MailQuery = { shh: 6, lower: p.lower, upper: p.upper, topic: null, bloom: p.bloom, limit: p.limit, cursor }
  return { ok: true, query, requestId, payload: p }
}
