// History requests, request-complete payloads, cursors and confirmations: the rules around the vectors
// (status-go's Validate messages, CreateMailServerEvent's size cases, the 36-byte cursor).
import { describe, expect, it } from 'vitest'
import { rlpEncode } from '../../src/whisper/rlp.js'
import { encodeEnvelopePacket } from '../../src/whisper/envelope-packets.js'
import { envelopeHash, type Envelope } from '../../src/whisper/envelope.js'
import { mailArchiveKey } from '../../src/whisper/mailrequest.js'
import { isWhisperError } from '../../src/whisper/errors.js'
import {
  decodeMessagesRequest, decodeP2PRequest, encodeMessagesRequest, validateMessagesRequest, validateMessagesRequestPayload, type MessagesRequest,
} from '../../src/waku/messages-request.js'
import {
  decodeRequestComplete, encodeCursor, encodeDbKey, encodeRequestCompleted, encodeRequestFailed, mailCursor, parseCursor,
} from '../../src/waku/request-complete.js'
import { batchHash, decodeBatchAcknowledged, decodeMessageResponse, encodeMessageResponse } from '../../src/waku/confirmations.js'
import { keccak256 } from '../../src/whisper/keccak.js'

const id = new Uint8Array(32).fill(0x17)
const last = new Uint8Array(32).fill(0x35)
const req = (o: Partial<MessagesRequest> = {}): MessagesRequest => ({
  id, from: 10, to: 20, limit: 100, cursor: new Uint8Array(0), bloom: new Uint8Array(64).fill(1), topics: [], ...o,
})
const env: Envelope = {
  shh: 6, version: new Uint8Array(0), expiry: 1600000050, ttl: 50, topic: Uint8Array.of(1, 2, 3, 4),
  aesNonce: new Uint8Array(0), data: new Uint8Array(40).fill(9), nonce: 7n,
}
const errOf = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    return isWhisperError(e) ? `${e.code}: ${e.message}` : `not a WhisperError: ${String(e)}`
  }
  return 'no error'
}

describe('MessagesRequest (new form)', () => {
  it('round-trips, and Validate refuses in status-go order and words', () => {
    expect(decodeMessagesRequest(encodeMessagesRequest(req()))).toEqual(req())
    expect(validateMessagesRequest(req())).toBeNull()
    expect(validateMessagesRequest(req({ topics: [Uint8Array.of(1, 2, 3, 4)], bloom: new Uint8Array(0) }))).toBeNull()
    expect(validateMessagesRequest(req({ id: new Uint8Array(31), from: 30 }))).toBe("invalid 'ID', expected a 32-byte slice")
    expect(validateMessagesRequest(req({ from: 21 }))).toBe("invalid 'From' value which is greater than To")
    expect(validateMessagesRequest(req({ limit: 1000 }))).toBeNull()
    expect(validateMessagesRequest(req({ limit: 1001 }))).toBe("invalid 'Limit' value, expected value lower than 1000")
    expect(validateMessagesRequest(req({ bloom: new Uint8Array(0) }))).toBe("invalid 'Bloom' or 'Topics', one must be non-empty")
  })
  it('decodes as a Go struct: exactly 7 fields, uint32 times', () => {
    const fields = [id, 10, 20, 100, new Uint8Array(0), new Uint8Array(64), []]
    expect(errOf(() => decodeMessagesRequest(rlpEncode(fields.slice(0, 6) as never)))).toMatch(/^packet: .*6 fields, expected 7/)
    expect(errOf(() => decodeMessagesRequest(rlpEncode([...fields, 1] as never)))).toMatch(/^packet: .*8 fields, expected 7/)
    expect(errOf(() => decodeMessagesRequest(rlpEncode([id, 2 ** 32, ...fields.slice(2)] as never)))).toMatch(/^packet: .*exceeds 4/)
    expect(errOf(() => encodeMessagesRequest(req({ to: 2 ** 32 })))).toMatch(/^params: to must be a uint32/)
  })
})

describe('code 126: envelope form first, then the new form', () => {
  it('an envelope is the deprecated form; a request list the new one', () => {
    const asEnv = decodeP2PRequest(encodeEnvelopePacket(env))
    expect(asEnv.form).toBe('envelope')
    expect(asEnv.form === 'envelope' && envelopeHash(asEnv.envelope)).toEqual(envelopeHash(env))
    const asReq = decodeP2PRequest(encodeMessagesRequest(req()))
    expect(asReq).toEqual({ form: 'request', request: req() })
  })
  it('neither: a clean error naming both attempts', () => {
    expect(errOf(() => decodeP2PRequest(rlpEncode([1, 2, 3])))).toMatch(/^packet: invalid p2p request message: not an envelope \(.*\) nor a messages request \(.*\)/)
    expect(errOf(() => decodeP2PRequest(new Uint8Array(0)))).toMatch(/^packet: /)
  })
  it('the deprecated payload Validate', () => {
    const p = { lower: 5, upper: 10, bloom: new Uint8Array(64), topics: [], limit: 10, cursor: new Uint8Array(0), batch: true }
    expect(validateMessagesRequestPayload(p)).toBeNull()
    expect(validateMessagesRequestPayload({ ...p, lower: 11 })).toBe('query range is invalid: lower > upper')
    expect(validateMessagesRequestPayload({ ...p, bloom: new Uint8Array(0) })).toBe('bloom filter is empty')
    expect(validateMessagesRequestPayload({ ...p, limit: 1001 })).toBe('limit exceeds the maximum allowed value')
  })
})

describe('request complete (code 125) as CreateMailServerEvent reads it', () => {
  const inner = (b: Uint8Array) => rlpEncode(b)
  it('completed with and without a cursor; failed', () => {
    const cursor = encodeCursor(1600000000, last)
    expect(decodeRequestComplete(encodeRequestCompleted(id, last, cursor))).toEqual({ ok: true, requestId: id, lastEnvelopeHash: last, cursor })
    expect(decodeRequestComplete(encodeRequestCompleted(id, last, null))).toEqual({ ok: true, requestId: id, lastEnvelopeHash: last, cursor: null })
    expect(decodeRequestComplete(encodeRequestFailed(id, 'no luck'))).toEqual({ ok: false, requestId: id, error: 'no luck' })
  })
  it('only the request id: last hash zero; a short remainder is ignored', () => {
    expect(decodeRequestComplete(inner(id))).toEqual({ ok: true, requestId: id, lastEnvelopeHash: new Uint8Array(32), cursor: null })
    expect(decodeRequestComplete(inner(Uint8Array.from([...id, 1, 2, 3])))).toMatchObject({ ok: true, cursor: null })
    expect(decodeRequestComplete(inner(Uint8Array.from([...id, ...last, ...new Uint8Array(35)])))).toMatchObject({ ok: true, cursor: null })
  })
  it('sizes status-go refuses: under 32 bytes, over 100 in the success form', () => {
    expect(errOf(() => decodeRequestComplete(inner(new Uint8Array(31))))).toMatch(/^packet: .*unexpected payload size: 31/)
    expect(errOf(() => decodeRequestComplete(inner(new Uint8Array(101))))).toMatch(/^packet: .*unexpected payload size: 101/)
    expect(errOf(() => decodeRequestComplete(rlpEncode([id])))).toMatch(/^(packet|field-count): /)
  })
  it('encoding checks its parts', () => {
    expect(errOf(() => encodeRequestCompleted(id, last, new Uint8Array(40)))).toMatch(/^params: cursor must be 36 bytes/)
    expect(errOf(() => encodeRequestFailed(new Uint8Array(3), 'x'))).toMatch(/^params: /)
  })
})

describe('cursors', () => {
  it('the cursor is our archive key (sent | hash); the DB key adds the topic', () => {
    const h = envelopeHash(env)
    expect(mailCursor(env)).toEqual(mailArchiveKey(env, h))
    expect(mailCursor(env)).toEqual(encodeCursor(1600000000, h))
    expect(encodeDbKey(1600000000, h, env.topic)).toEqual(Uint8Array.from([...mailCursor(env), 1, 2, 3, 4]))
  })
  it('parseCursor takes the 36 bytes status-go hands out and a 40-byte key; empty starts over', () => {
    const h = envelopeHash(env)
    expect(parseCursor(mailCursor(env))).toEqual({ sent: 1600000000, hash: h })
    expect(parseCursor(encodeDbKey(1600000000, h, env.topic))).toEqual({ sent: 1600000000, hash: h })
    expect(parseCursor(new Uint8Array(0))).toBeNull()
    expect(errOf(() => parseCursor(new Uint8Array(37)))).toMatch(/^packet: cursor of 37 bytes/)
  })
})

describe('confirmations', () => {
  it('the batch hash is keccak of the raw payload', () => {
    const payload = Uint8Array.of(0xc0)
    expect(batchHash(payload)).toEqual(keccak256(payload))
  })
  it('another response version decodes with no response (status-go ignores it)', () => {
    expect(decodeMessageResponse(rlpEncode([2, [last, []]]))).toEqual({ version: 2 })
    expect(decodeMessageResponse(rlpEncode([2, 'anything' as never]))).toEqual({ version: 2 })
  })
  it('a malformed response or acknowledgement is a packet error', () => {
    expect(errOf(() => decodeMessageResponse(rlpEncode([1, [new Uint8Array(31), []]])))).toMatch(/^packet: .*31 bytes, expected 32/)
    expect(errOf(() => decodeMessageResponse(rlpEncode([1, [last, [[last, 21]]]])))).toMatch(/^packet: .*2 fields, expected 3/)
    expect(errOf(() => decodeBatchAcknowledged(rlpEncode(new Uint8Array(33))))).toMatch(/^packet: /)
    expect(errOf(() => decodeBatchAcknowledged(rlpEncode([last])))).toMatch(/^(packet|field-count): /)
    expect(decodeMessageResponse(encodeMessageResponse({ batchHash: last, errors: [{ hash: id, code: 22, description: 'é' }] }))).toEqual({
      version: 1, response: { batchHash: last, errors: [{ hash: id, code: 22, description: 'é' }] },
    })
  })
})
