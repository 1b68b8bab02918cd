// The plaintext inside an envelope (before encryption), per geth version.
//  byte 0 = flags: bit 2 (0x04) signed; low 2 bits = length of the size field that follows.
//  v5: flags || padSize(LE, counts itself) || padding || payload [|| signature]
//      default padding makes 1 + len(payload) [+ 65] a multiple of 256 (none when already aligned)
//  v6: flags || payloadSize(LE) || payload || padding [|| signature]
//      default padding: 256 - (1 + sizeField + len(payload) [+ 65]) % 256 random bytes (1..256)
//  signature: 65 bytes r || s || v over keccak256(everything before it, flags with the signed bit set)
import { keccak256 } from './keccak.js'
import { concatBytes, uintLE, uintLEBytes } from './bytes.js'
import { addressOf, randomBytes, recoverPublicKey, sign, SIGNATURE_LENGTH } from './crypto.js'
import { WhisperError } from './errors.js'
import type { ShhVersion } from './envelope.js'

export const FLAG_SIGNED = 0x04
const SIZE_MASK = 0x03
const PAD_SIZE_LIMIT = 256
/** v6's payload-size field must fit in the 2 flag bits: at most 3 bytes. */
const MAX_PAYLOAD_V6 = (1 << 24) - 1

export interface PlaintextParams {
  payload: Uint8Array
  /** explicit padding; default: random, aligning the plaintext to 256 bytes */
  padding?: Uint8Array
  /** 32-byte private key: sign */
  src?: Uint8Array
  /** source of random padding bytes (default crypto random) */
  random?: (n: number) => Uint8Array
}

export interface Plaintext {
  flags: number
  payload: Uint8Array
  padding: Uint8Array
  signature?: Uint8Array
  /** 65-byte public key recovered from the signature */
  src?: Uint8Array
  /** 20-byte address of src */
  address?: Uint8Array
}

/** Number of bytes to write an integer (at least 1): geth's intSize. */
function intSize(i: number): number {
  let s = 1
  for (; i >= 256; s++) i = Math.floor(i / 256)
  return s
}

function v5Padding(p: PlaintextParams, random: (n: number) => Uint8Array): { flags: number; field: Uint8Array } {
  if (p.padding && p.padding.length > 0) {
    // getSizeOfLength: the size field counts itself, so size it twice
    let sz = intSize(p.padding.length)
    sz = intSize(p.padding.length + sz)
    if (sz > 3) throw new WhisperError('params', `oversized padding parameter (${p.padding.length} bytes)`)
    return { flags: sz, field: concatBytes(uintLEBytes(p.padding.length + sz, sz), p.padding) }
  }
  let rawSize = p.payload.length + 1
  if (p.src) rawSize += SIGNATURE_LENGTH
  const odd = rawSize % PAD_SIZE_LIMIT
  if (odd === 0) return { flags: 0, field: new Uint8Array(0) }
  const total = PAD_SIZE_LIMIT - odd
  const buf = new Uint8Array(total)
  buf.set(random(total - 1), 1)
  buf[0] = total
  return { flags: 1, field: buf }
}

/** The raw plaintext geth's NewSentMessage + sign produce (before encryption). */
export function encodePlaintext(shh: ShhVersion, p: PlaintextParams): Uint8Array {
  const random = p.random ?? randomBytes
  let raw: Uint8Array
  if (shh === 5) {
    const { flags, field } = v5Padding(p, random)
    raw = concatBytes(Uint8Array.of(flags), field, p.payload)
  } else {
    if (p.payload.length > MAX_PAYLOAD_V6) throw new WhisperError('params', `payload of ${p.payload.length} bytes is too large for shh/6`)
    const fieldSize = intSize(p.payload.length)
    let padding = p.padding && p.padding.length > 0 ? p.padding : undefined
    if (!padding) {
      let rawSize = 1 + fieldSize + p.payload.length
      if (p.src) rawSize += SIGNATURE_LENGTH
      padding = random(PAD_SIZE_LIMIT - (rawSize % PAD_SIZE_LIMIT))
    }
    raw = concatBytes(Uint8Array.of(fieldSize), uintLEBytes(p.payload.length, fieldSize), p.payload, padding)
  }
  if (p.src) {
    raw[0] |= FLAG_SIGNED // set before hashing: the flag is signed too
    raw = concatBytes(raw, sign(keccak256(raw), p.src))
  }
  return raw
}

/**
 * geth's ReceivedMessage.Validate (v5) / ValidateAndParse (v6), total: every inconsistency is a
 * WhisperError ('flags', 'signature', 'padding', 'payload-size'), never an out-of-range read.
 */
export function decodePlaintext(shh: ShhVersion, raw: Uint8Array): Plaintext {
  let end = raw.length
  if (end < 1) throw new WhisperError('flags', 'empty plaintext (no flags byte)')
  const flags = raw[0]
  const out: Plaintext = { flags, payload: new Uint8Array(0), padding: new Uint8Array(0) }
  if (flags & FLAG_SIGNED) {
    end -= SIGNATURE_LENGTH
    if (end <= 1) throw new WhisperError('signature', `signed plaintext of ${raw.length} bytes is too short for its signature`)
    out.signature = raw.subarray(end, end + SIGNATURE_LENGTH)
    out.src = recoverPublicKey(keccak256(raw.subarray(0, end)), out.signature)
    out.address = addressOf(out.src)
  }
  const sz = flags & SIZE_MASK
  if (shh === 5) {
    let paddingSize = 0
    if (sz !== 0) {
      if (1 + sz > end) throw new WhisperError('padding', `padding-size field of ${sz} bytes overruns the plaintext`)
      paddingSize = uintLE(raw.subarray(1, 1 + sz))
      if (paddingSize < sz || paddingSize + 1 > end) {
        throw new WhisperError('padding', `bad padding size ${paddingSize} (field ${sz} bytes, plaintext ${end} bytes)`)
      }
      out.padding = raw.subarray(1 + sz, 1 + paddingSize)
    }
    out.payload = raw.subarray(1 + paddingSize, end)
  } else {
    let beg = 1
    let payloadSize = 0
    if (sz !== 0) {
      if (1 + sz > end) throw new WhisperError('payload-size', `payload-size field of ${sz} bytes overruns the plaintext`)
      payloadSize = uintLE(raw.subarray(1, 1 + sz))
      // geth checks payloadSize + 1 > end and would panic past that; the payload must fit before `end`
      if (1 + sz + payloadSize > end) {
        throw new WhisperError('payload-size', `payload size ${payloadSize} exceeds the plaintext (${end - 1 - sz} bytes available)`)
      }
      beg += sz
      out.payload = raw.subarray(beg, beg + payloadSize)
    }
    beg += payloadSize
    out.padding = raw.subarray(beg, end)
  }
  return out
}
