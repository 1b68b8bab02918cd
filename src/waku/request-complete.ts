// The request-complete packet (code 125) a Waku mail server sends after answering a history request,
// and the cursor it hands out for the next page (status-go v0.78.0 waku/mailserver.go,
// mailserver/db_key.go). The packet payload is one RLP byte string holding either
//  success: requestId(32) | lastEnvelopeHash(32) | cursor(36), the cursor left out on the last page
//  failure: "ERROR=" | requestId(32) | message
// The cursor is sent time (uint32 BE) | envelope hash: the first 36 bytes of the mail server's 40-byte
// DB key (which ends with the topic). Clients copy it into the next request unchanged. The request id is
// the `id` of a new-form request, or the hash of a deprecated request's envelope.
import { WhisperError } from '../whisper/errors.js'
import { concatBytes, equalBytes, utf8 } from '../whisper/bytes.js'
import { rlpDecodeFirst, rlpEncode } from '../whisper/rlp.js'
import { mailArchiveKey } from '../whisper/mailrequest.js'
import { envelopeHash, type Envelope } from '../whisper/envelope.js'
import { goBytes, HASH_LENGTH } from './go-rlp.js'

export const CURSOR_LENGTH = 36
export const DB_KEY_LENGTH = 40
const FAILED_PREFIX = utf8('ERROR=')

export type RequestComplete =
  | { ok: true; requestId: Uint8Array; lastEnvelopeHash: Uint8Array; cursor: Uint8Array | null }
  | { ok: false; requestId: Uint8Array; error: string }

export function encodeRequestCompleted(requestId: Uint8Array, lastEnvelopeHash: Uint8Array, cursor: Uint8Array | null): Uint8Array {
  checkLength(requestId, HASH_LENGTH, 'request id')
  checkLength(lastEnvelopeHash, HASH_LENGTH, 'last envelope hash')
  if (cursor !== null) checkLength(cursor, CURSOR_LENGTH, 'cursor')
  return rlpEncode(concatBytes(requestId, lastEnvelopeHash, cursor ?? new Uint8Array(0)))
}

export function encodeRequestFailed(requestId: Uint8Array, message: string): Uint8Array {
  checkLength(requestId, HASH_LENGTH, 'request id')
  return rlpEncode(concatBytes(FAILED_PREFIX, requestId, utf8(message)))
}

/**
 * As CreateMailServerEvent reads it: under 32 bytes is an error; "ERROR=" and at least 32 more bytes is a
 * failure; otherwise at most 100 bytes, the last envelope hash when 32 more are there (else zero), and a
 * cursor when 36 more follow. Throws WhisperError 'packet'.
 */
export function decodeRequestComplete(payload: Uint8Array): RequestComplete {
  const what = 'waku request complete'
  const p = goBytes(rlpDecodeFirst(payload, what, { maxListItems: 0 }), what)
  if (p.length < HASH_LENGTH) throw new WhisperError('packet', `${what}: unexpected payload size: ${p.length}`)
  if (p.length >= HASH_LENGTH + FAILED_PREFIX.length && equalBytes(p.subarray(0, FAILED_PREFIX.length), FAILED_PREFIX)) {
    const rest = p.subarray(FAILED_PREFIX.length)
    return { ok: false, requestId: rest.subarray(0, HASH_LENGTH), error: new TextDecoder().decode(rest.subarray(HASH_LENGTH)) }
  }
  if (p.length > 2 * HASH_LENGTH + CURSOR_LENGTH) throw new WhisperError('packet', `${what}: unexpected payload size: ${p.length}`)
  const rest = p.subarray(HASH_LENGTH)
  const lastEnvelopeHash = rest.length >= HASH_LENGTH ? rest.subarray(0, HASH_LENGTH) : new Uint8Array(HASH_LENGTH)
  const tail = rest.length >= HASH_LENGTH ? rest.subarray(HASH_LENGTH) : new Uint8Array(0)
  return { ok: true, requestId: p.subarray(0, HASH_LENGTH), lastEnvelopeHash, cursor: tail.length >= CURSOR_LENGTH ? tail : null }
}

/** The cursor after `env`: sent time | hash (our archive's key, whisper/mailrequest.ts mailArchiveKey). */
export function mailCursor(env: Envelope, hash: Uint8Array = envelopeHash(env)): Uint8Array {
  return mailArchiveKey(env, hash)
}

/** NewDBKey(sent, topic, hash).Cursor(), from its parts. */
export function encodeCursor(sent: number, hash: Uint8Array): Uint8Array {
  checkLength(hash, HASH_LENGTH, 'envelope hash')
  if (!Number.isInteger(sent) || sent < 0 || sent > 0xffffffff) throw new WhisperError('params', `sent time must be a uint32, got ${sent}`)
  const k = new Uint8Array(CURSOR_LENGTH)
  new DataView(k.buffer).setUint32(0, sent)
  k.set(hash, 4)
  return k
}

/** The mail server's DB key: the cursor followed by the topic. */
export function encodeDbKey(sent: number, hash: Uint8Array, topic: Uint8Array): Uint8Array {
  checkLength(topic, 4, 'topic')
  return concatBytes(encodeCursor(sent, hash), topic)
}

/**
 * A cursor from a request: the 36 bytes status-go hands out, or a whole 40-byte DB key (all its old
 * envelope-form reader accepts). Empty: from the start. Throws WhisperError 'packet' for other sizes.
 */
export function parseCursor(cursor: Uint8Array): { sent: number; hash: Uint8Array } | null {
  if (cursor.length === 0) return null
  if (cursor.length !== CURSOR_LENGTH && cursor.length !== DB_KEY_LENGTH) {
    throw new WhisperError('packet', `cursor of ${cursor.length} bytes, expected ${CURSOR_LENGTH} (or a ${DB_KEY_LENGTH}-byte key)`)
  }
  const sent = new DataView(cursor.buffer, cursor.byteOffset, 4).getUint32(0)
  return { sent, hash: cursor.subarray(4, 4 + HASH_LENGTH) }
}

function checkLength(b: Uint8Array, n: number, what: string): void {
  if (b.length !== n) throw new WhisperError('params', `${what} must be ${n} bytes, got ${b.length}`)
}
