// Waku confirmations (status-go v0.78.0 waku/v1/message_response.go, waku/common/message.go): after a
// messages packet, a peer whose host has confirmations enabled answers with a message response (code 12)
// and then, deprecated but still sent, a batch acknowledgement (code 11). Both name the batch by
// keccak256 of the messages packet's payload exactly as it arrived, so the receiver must hash the wire
// bytes, not a re-encoding.
//  message response: [1, [batchHash(32), [[envelopeHash(32), code, description], ...]]]
//  batch acknowledged: batchHash as a 32-byte RLP string
import { WhisperError } from '../whisper/errors.js'
import { keccak256 } from '../whisper/keccak.js'
import { rlpDecodeFirst, rlpEncode } from '../whisper/rlp.js'
import { utf8 } from '../whisper/bytes.js'
import { goBytes, goHash, goList, goStruct, goUint, goUint64Number, HASH_LENGTH } from './go-rlp.js'

export interface EnvelopeError {
  hash: Uint8Array
  /** ENVELOPE_TIME_NOT_SYNCED (21) or ENVELOPE_OTHER_ERROR (22) (codes.ts); v0.78.0 sends 21 for every error */
  code: number
  description: string
}

export interface MessagesResponse {
  batchHash: Uint8Array
  errors: EnvelopeError[]
}

/** The id of a messages packet in the confirmations: keccak256 of its raw payload. */
export function batchHash(messagesPayload: Uint8Array): Uint8Array {
  return keccak256(messagesPayload)
}

export function encodeMessageResponse(r: MessagesResponse): Uint8Array {
  checkHash(r.batchHash, 'batch hash')
  const errors = r.errors.map((e) => {
    checkHash(e.hash, 'envelope hash')
    if (!Number.isSafeInteger(e.code) || e.code < 0) throw new WhisperError('params', `envelope error code ${e.code} is not a uint`)
    return [e.hash, e.code, utf8(e.description)]
  })
  return rlpEncode([1, [r.batchHash, errors]])
}

/**
 * MultiVersionResponse: any version number decodes; only version 1's response is read (status-go logs
 * and ignores the others: `response` is then undefined). Throws WhisperError 'packet' / 'rlp'.
 */
export function decodeMessageResponse(payload: Uint8Array): { version: number; response?: MessagesResponse } {
  const what = 'waku message response'
  const [version, inner] = goStruct(rlpDecodeFirst(payload, what), 2, what)
  const v = goUint64Number(version, `${what} version`)
  if (v !== 1) return { version: v }
  const [hash, errs] = goStruct(inner, 2, `${what} body`)
  const errors = goList(errs, `${what} errors`).map((e) => {
    const [h, code, desc] = goStruct(e, 3, `${what} envelope error`)
    return {
      hash: goHash(h, `${what} envelope hash`),
      code: Number(goUint(code, 8, `${what} error code`)),
      description: new TextDecoder().decode(goBytes(desc, `${what} description`)),
    }
  })
  return { version: 1, response: { batchHash: goHash(hash, `${what} batch hash`), errors } }
}

export function encodeBatchAcknowledged(hash: Uint8Array): Uint8Array {
  checkHash(hash, 'batch hash')
  return rlpEncode(hash)
}

export function decodeBatchAcknowledged(payload: Uint8Array): Uint8Array {
  const what = 'waku batch acknowledgement'
  return goHash(rlpDecodeFirst(payload, what, { maxListItems: 0 }), what)
}

function checkHash(h: Uint8Array, what: string): void {
  if (h.length !== HASH_LENGTH) throw new WhisperError('params', `${what} must be ${HASH_LENGTH} bytes, got ${h.length}`)
}
