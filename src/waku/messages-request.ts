// Waku history requests on code 126, both forms status-go v0.78.0 accepts (waku/v1/peer.go
// handleP2PRequestCode tries them in this order):
//  deprecated: ONE envelope (signed, encrypted to the mail server), whose plaintext payload is
//    mailserver.MessagesRequestPayload [lower, upper, bloom, [topics], limit, cursor, batch]
//  new: common.MessagesRequest [id, from, to, limit, cursor, bloom, [topics]], neither signed nor encrypted
import { WhisperError } from '../whisper/errors.js'
import { rlpDecodeFirst, rlpEncode } from '../whisper/rlp.js'
import { decodeEnvelopePacket } from '../whisper/envelope-packets.js'
import type { Envelope } from '../whisper/envelope.js'
import { MAX_LIMIT_IN_MESSAGES_REQUEST } from './codes.js'
import { goBool, goBytes, goList, goStruct, goUint32, HASH_LENGTH } from './go-rlp.js'

const U32_MAX = 0xffffffff

export interface MessagesRequest {
  /** 32 bytes to pass Validate; status-go's own client sends 32 ASCII hex characters of a UUID */
  id: Uint8Array
  from: number
  to: number
  limit: number
  /** empty, or a cursor a mail server handed out (request-complete.ts) */
  cursor: Uint8Array
  bloom: Uint8Array
  topics: Uint8Array[]
}

export function encodeMessagesRequest(r: MessagesRequest): Uint8Array {
  for (const [k, v] of [['from', r.from], ['to', r.to], ['limit', r.limit]] as const) checkU32(v, k)
  return rlpEncode([r.id, r.from, r.to, r.limit, r.cursor, r.bloom, r.topics])
}

/** As Go decodes the struct (exactly 7 fields; from/to/limit uint32); trailing bytes ignored. Throws WhisperError. */
export function decodeMessagesRequest(payload: Uint8Array): MessagesRequest {
  const what = 'waku messages request'
  const [id, from, to, limit, cursor, bloom, topics] = goStruct(rlpDecodeFirst(payload, what), 7, what)
  return {
    id: goBytes(id, `${what} id`),
    from: goUint32(from, `${what} from`),
    to: goUint32(to, `${what} to`),
    limit: goUint32(limit, `${what} limit`),
    cursor: goBytes(cursor, `${what} cursor`),
    bloom: goBytes(bloom, `${what} bloom`),
    topics: goList(topics, `${what} topics`).map((t) => goBytes(t, `${what} topic`)),
  }
}

/** MessagesRequest.Validate: the reason it is refused, in status-go's order and words, or null. */
export function validateMessagesRequest(r: MessagesRequest): string | null {
  if (r.id.length !== HASH_LENGTH) return "invalid 'ID', expected a 32-byte slice"
  if (r.from > r.to) return "invalid 'From' value which is greater than To"
  if (r.limit > MAX_LIMIT_IN_MESSAGES_REQUEST) return `invalid 'Limit' value, expected value lower than ${MAX_LIMIT_IN_MESSAGES_REQUEST}`
  if (r.bloom.length === 0 && r.topics.length === 0) return "invalid 'Bloom' or 'Topics', one must be non-empty"
  return null
}

/** mailserver.MessagesRequestPayload: the plaintext of a deprecated (envelope) request. */
export interface MessagesRequestPayload {
  lower: number
  upper: number
  bloom: Uint8Array
  topics: Uint8Array[]
  limit: number
  cursor: Uint8Array
  /** the client takes batched answers */
  batch: boolean
}

export function encodeMessagesRequestPayload(p: MessagesRequestPayload): Uint8Array {
  for (const [k, v] of [['lower', p.lower], ['upper', p.upper], ['limit', p.limit]] as const) checkU32(v, k)
  return rlpEncode([p.lower, p.upper, p.bloom, p.topics, p.limit, p.cursor, p.batch ? 1 : 0])
}

export function decodeMessagesRequestPayload(payload: Uint8Array): MessagesRequestPayload {
  const what = 'waku mail request payload'
  const [lower, upper, bloom, topics, limit, cursor, batch] = goStruct(rlpDecodeFirst(payload, what), 7, what)
  return {
    lower: goUint32(lower, `${what} lower`),
    upper: goUint32(upper, `${what} upper`),
    bloom: goBytes(bloom, `${what} bloom`),
    topics: goList(topics, `${what} topics`).map((t) => goBytes(t, `${what} topic`)),
    limit: goUint32(limit, `${what} limit`),
    cursor: goBytes(cursor, `${what} cursor`),
    batch: goBool(batch, `${what} batch`),
  }
}

/** MessagesRequestPayload.Validate (status-go's mailserver), in its order and words, or null. */
export function validateMessagesRequestPayload(p: MessagesRequestPayload): string | null {
  if (p.upper < p.lower) return 'query range is invalid: lower > upper'
  if (p.bloom.length === 0) return 'bloom filter is empty'
  if (p.limit > MAX_LIMIT_IN_MESSAGES_REQUEST) return 'limit exceeds the maximum allowed value'
  return null
}

export type P2PRequest = { form: 'envelope'; envelope: Envelope } | { form: 'request'; request: MessagesRequest }

/** A code-126 payload: the envelope form first, then the new form, as status-go. Throws WhisperError 'packet'. */
export function decodeP2PRequest(payload: Uint8Array): P2PRequest {
  let envelopeError: unknown
  try {
    return { form: 'envelope', envelope: decodeEnvelopePacket(6, payload, 'waku p2p request envelope') }
  } catch (e) {
    envelopeError = e
  }
  try {
    return { form: 'request', request: decodeMessagesRequest(payload) }
  } catch (e) {
    throw new WhisperError('packet', `invalid p2p request message: not an envelope (${(envelopeError as Error).message}) nor a messages request (${(e as Error).message})`)
  }
}

function checkU32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > U32_MAX) throw new WhisperError('params', `${what} must be a uint32, got ${v}`)
}
