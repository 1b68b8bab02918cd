// Envelope wire codecs for shh/5 (whisperv5, geth 1.6/1.7) and shh/6 (whisperv6, geth 1.9), the
// envelope hash, and the PoW value exactly as geth computes it.
//  v5: [version bytes, expiry u32, ttl u32, topic [4]byte, aesNonce bytes, data bytes, nonce u64]
//  v6: [expiry u32, ttl u32, topic [4]byte, data bytes, nonce u64]
import { keccak256 } from './keccak.js'
import { powBitsV5, powBitsV6, powValue, workHashV5, workHashV6 } from './pow.js'
import { WhisperError } from './errors.js'
import { rlpBytes, rlpDecode, rlpEncode, rlpList, rlpUint, rlpUint32, type RlpItem } from './rlp.js'
import { uintBE } from './bytes.js'
import { topicBloom } from './bloom.js'
import { TOPIC_LENGTH } from './topic.js'
import { AES_NONCE_LENGTH } from './crypto.js'

/** A Whisper protocol version: shh/5 (geth 1.6-1.8) or shh/6 (geth 1.9, EIP-627). */
export type ShhVersion = 5 | 6

/** A Whisper envelope as on the wire: the header in the clear, the message encrypted in `data`. */
export interface Envelope {
  /** The protocol version whose wire format the envelope has. */
  shh: ShhVersion
  /** v5 wire field (normally [0]); empty for v6 */
  version: Uint8Array
  /** unix seconds */
  expiry: number
  /** seconds */
  ttl: number
  /** 4 bytes */
  topic: Uint8Array
  /** v5: 12 bytes when symmetric, empty when asymmetric; v6: always empty */
  aesNonce: Uint8Array
  /** The encrypted message (v6 symmetric: ciphertext, tag and the 12-byte AES nonce). */
  data: Uint8Array
  /** uint64 */
  nonce: bigint
}

/** geth's EnvelopeHeaderLength: the fixed part counted by size(). */
const ENVELOPE_HEADER_LENGTH = 20
/** geth v5 rejects envelopes whose version field is longer than this (whisper.add). */
const MAX_VERSION_LENGTH = 4
export const U32_MAX = 0xffffffff
const U64_MAX = (1n << 64n) - 1n

function isShhVersion(v: unknown): v is ShhVersion {
  return v === 5 || v === 6
}

function checkShh(shh: unknown): asserts shh is ShhVersion {
  if (!isShhVersion(shh)) throw new WhisperError('version', `unsupported shh version ${String(shh)} (5 or 6)`)
}

function checkU32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > U32_MAX) throw new WhisperError('params', `${what} must be a uint32, got ${v}`)
}

/** Field checks shared by encoding (our own envelopes) and decoding (a peer's). */
export function checkEnvelope(env: Envelope): void {
  checkShh(env.shh)
  checkU32(env.expiry, 'expiry')
  checkU32(env.ttl, 'ttl')
  if (typeof env.nonce !== 'bigint' || env.nonce < 0n || env.nonce > U64_MAX) throw new WhisperError('params', `nonce must be a uint64`)
  if (!(env.topic instanceof Uint8Array) || env.topic.length !== TOPIC_LENGTH) throw new WhisperError('field-size', `topic must be ${TOPIC_LENGTH} bytes`)
  if (!(env.data instanceof Uint8Array)) throw new WhisperError('field-size', 'data must be bytes')
  if (env.shh === 5) {
    if (env.version.length > MAX_VERSION_LENGTH) throw new WhisperError('version', `oversized envelope version field (${env.version.length} bytes, at most ${MAX_VERSION_LENGTH})`)
    if (env.aesNonce.length !== 0 && env.aesNonce.length !== AES_NONCE_LENGTH) {
      throw new WhisperError('aes-nonce', `wrong size of AESNonce: ${env.aesNonce.length} bytes (0 or ${AES_NONCE_LENGTH})`)
    }
  } else {
    if (env.version.length !== 0) throw new WhisperError('version', 'shh/6 envelopes have no version field')
    if (env.aesNonce.length !== 0) throw new WhisperError('aes-nonce', 'shh/6 envelopes carry the AES nonce inside data')
  }
}

/** The RLP list items (integers as minimal big-endian bytes). */
export function envelopeFields(env: Envelope): Uint8Array[] {
  checkEnvelope(env)
  const head = [uintBE(env.expiry), uintBE(env.ttl), env.topic]
  return env.shh === 5
    ? [env.version, ...head, env.aesNonce, env.data, uintBE(env.nonce)]
    : [...head, env.data, uintBE(env.nonce)]
}

/** The envelope's RLP bytes as on the wire. */
export function encodeEnvelope(env: Envelope): Uint8Array {
  return rlpEncode(envelopeFields(env))
}

/** geth rlpWithoutNonce: the list of all fields but the nonce (the input of the PoW). */
export function rlpWithoutNonce(env: Envelope): Uint8Array {
  const raw = wire.get(env)
  if (raw !== undefined) return withoutNonceFromWire(raw, env.nonce)
  return rlpEncode(envelopeFields(env).slice(0, -1))
}

// ---- wire bytes kept from decoding ----
// A relay hashes, PoW-checks and forwards every envelope it receives. The bytes it arrived in are its
// canonical encoding (decoding is strict), so the node keeps them with the envelope (a WeakMap: the
// Envelope type and its equality stay as they are) and never re-encodes it. Only the receive path
// opts in (decodeMessages(..., { keepWire: true })): the pure codecs and the vector checks that
// compare a re-encoding with the input always encode. Envelopes are not mutated after decoding
// anywhere in this project; a copy ({...env}) has no wire bytes and is encoded afresh.
const wire = new WeakMap<Envelope, Uint8Array>()

/** Remembers `rlp` as the encoding of `env` (the caller guarantees they match: strict decode). */
export function keepWire(env: Envelope, rlp: Uint8Array): Envelope {
  wire.set(env, rlp)
  return env
}

/** The envelope's RLP: the bytes it was received in when kept, else encoded. */
export function envelopeWire(env: Envelope): Uint8Array {
  return wire.get(env) ?? encodeEnvelope(env)
}

/** rlpWithoutNonce cut out of the full encoding: a new list header over all items but the last (the nonce). */
function withoutNonceFromWire(raw: Uint8Array, nonce: bigint): Uint8Array {
  const b0 = raw[0]
  const headLen = b0 <= 0xf7 ? 1 : 1 + (b0 - 0xf7)
  const n = uintBE(nonce)
  const nonceItem = n.length === 1 && n[0] < 0x80 ? 1 : 1 + n.length
  const bodyLen = raw.length - headLen - nonceItem
  let head: number[]
  if (bodyLen < 56) head = [0xc0 + bodyLen]
  else {
    const len: number[] = []
    for (let x = bodyLen; x > 0; x = Math.floor(x / 256)) len.unshift(x & 0xff)
    head = [0xf7 + len.length, ...len]
  }
  const out = new Uint8Array(head.length + bodyLen)
  out.set(head, 0)
  out.set(raw.subarray(headLen, headLen + bodyLen), head.length)
  return out
}

/** Decodes an envelope's RLP bytes strictly, as geth's rlp does; throws WhisperError on malformed input. */
export function decodeEnvelope(shh: ShhVersion, rlp: Uint8Array): Envelope {
  checkShh(shh)
  return envelopeFromFields(shh, rlpDecode(rlp, `shh/${shh} envelope`, { maxListItems: shh === 5 ? 7 : 5 }))
}

/** From an RLP-decoded item (e.g. one element of a v6 messages packet). Throws WhisperError. */
export function envelopeFromFields(shh: ShhVersion, fields: unknown): Envelope {
  checkShh(shh)
  const what = `shh/${shh} envelope`
  const items = rlpList(fields as RlpItem, what)
  const want = shh === 5 ? 7 : 5
  if (items.length !== want) throw new WhisperError('field-count', `${what}: ${items.length} fields, expected ${want}`)
  for (const it of items) {
    if (!(it instanceof Uint8Array)) throw new WhisperError('field-size', `${what}: a field is a list, expected bytes`)
  }
  const o = shh === 5 ? 1 : 0
  const topic = rlpBytes(items[o + 2], `${what} topic`)
  if (topic.length !== TOPIC_LENGTH) throw new WhisperError('field-size', `${what}: topic of ${topic.length} bytes, expected ${TOPIC_LENGTH}`)
  const env: Envelope = {
    shh,
    version: shh === 5 ? rlpBytes(items[0], `${what} version`) : new Uint8Array(0),
    expiry: rlpUint32(items[o], `${what} expiry`),
    ttl: rlpUint32(items[o + 1], `${what} ttl`),
    topic,
    aesNonce: shh === 5 ? rlpBytes(items[4], `${what} aesNonce`) : new Uint8Array(0),
    data: rlpBytes(items[shh === 5 ? 5 : 3], `${what} data`),
    nonce: rlpUint(items[shh === 5 ? 6 : 4], 8, `${what} nonce`),
  }
  checkEnvelope(env)
  return env
}

/** keccak256 of the whole RLP encoding: the envelope's identity (dedup key). */
export function envelopeHash(env: Envelope): Uint8Array {
  return keccak256(envelopeWire(env))
}

/** expiry - ttl, as geth's uint32 arithmetic. */
export function envelopeSent(env: Envelope): number {
  return (env.expiry - env.ttl) >>> 0
}

/** geth's Envelope.size(): v5 20 + len(version) + len(aesNonce) + len(data); v6 20 + len(data). */
export function envelopeSize(env: Envelope): number {
  return env.shh === 5
    ? ENVELOPE_HEADER_LENGTH + env.version.length + env.aesNonce.length + env.data.length
    : ENVELOPE_HEADER_LENGTH + env.data.length
}

/** The number of PoW bits of the envelope's nonce as its geth version counts them. */
export function envelopePowBits(env: Envelope): number {
  const rlp = rlpWithoutNonce(env)
  return env.shh === 5 ? powBitsV5(workHashV5(rlp, env.nonce)) : powBitsV6(workHashV6(rlp, env.nonce))
}

/**
 * geth's calculatePoW(diff): 2^bits / size / (ttl + diff), where v5 divides by size() and v6 by
 * len(rlpWithoutNonce) (both quirks are geth's). `diff` is the clock-skew allowance a receiver adds
 * for envelopes sent in the future (sent - now + 1); ttl + diff is uint32 arithmetic as in geth.
 */
export function envelopePow(env: Envelope, diff = 0): number {
  const rlp = rlpWithoutNonce(env)
  const ttl = (env.ttl + diff) >>> 0
  if (env.shh === 5) return powValue(powBitsV5(workHashV5(rlp, env.nonce)), envelopeSize(env), ttl, 0)
  return powValue(powBitsV6(workHashV6(rlp, env.nonce)), rlp.length, ttl, 0)
}

/** The topic's bloom (shh/6; defined for v5 envelopes too, for filtering). */
export function envelopeBloom(env: Envelope): Uint8Array {
  return topicBloom(env.topic)
}
