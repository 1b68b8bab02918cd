// Payloads of the shh packets (the RLP after the message code), as geth sends and accepts them.
//  v5: status = bare uint 5; messages = ONE envelope; p2p message = one envelope
//  v6: status = [6, float64 bits of min PoW, bloom (64 or 0 bytes), light node bool] (only the version is
//      mandatory); messages = LIST of envelopes; PoW requirement = float64 bits; bloom exchange = 64 bytes
import { WhisperError } from './errors.js'
import { rlpDecodeFirst, rlpEncode, rlpUint, type RlpItem } from './rlp.js'
import { envelopeFields, type Envelope, type ShhVersion } from './envelope.js'
import { BLOOM_SIZE } from './bloom.js'
import {
  bitsToFloat64, checkPow, decodeEnvelopeList, decodeEnvelopePacket, encodeEnvelopeList, float64ToBits, type DecodeEnvelopeListOptions,
} from './envelope-packets.js'

// the format-6 parts live in envelope-packets.ts (Waku uses them too); shh callers keep importing them from here
export { bitsToFloat64, decodeEnvelopePacket, encodeEnvelopePacket, float64ToBits } from './envelope-packets.js'

export const MESSAGE_CODES = {
  5: { status: 0, messages: 1, p2pMessage: 2, p2pRequest: 3, count: 64 },
  6: { status: 0, messages: 1, powRequirement: 2, bloomFilterEx: 3, p2pRequest: 126, p2pMessage: 127, count: 128 },
} as const

export interface StatusV6 {
  minPow: number
  /** 64 bytes, or null: accept everything */
  bloom: Uint8Array | null
  lightNode: boolean
}

export interface Status {
  version: number
  /** v6 only, when the peer sent it */
  minPow?: number
  /** v6 only: undefined when absent, null for an empty bloom (accept all) */
  bloom?: Uint8Array | null
  lightNode: boolean
}

export function encodeStatus(shh: 5): Uint8Array
export function encodeStatus(shh: 6, s: StatusV6): Uint8Array
export function encodeStatus(shh: ShhVersion, s?: StatusV6): Uint8Array {
  if (shh === 5) return rlpEncode(5)
  if (!s) throw new WhisperError('params', 'shh/6 status needs minPow, bloom and lightNode')
  checkPow(s.minPow, 'status')
  if (s.bloom !== null && s.bloom.length !== BLOOM_SIZE) throw new WhisperError('params', `bloom must be ${BLOOM_SIZE} bytes`)
  const bool = s.lightNode ? Uint8Array.of(1) : new Uint8Array(0)
  return rlpEncode([6, float64ToBits(s.minPow), s.bloom ?? new Uint8Array(0), bool])
}

/**
 * Decodes a peer's status as geth's handshake does; throws WhisperError ('packet' when malformed,
 * 'version' when the version is not `shh`). Optional v6 fields that do not decode are ignored, like geth.
 */
export function decodeStatus(shh: ShhVersion, payload: Uint8Array): Status {
  // geth reads the fields it knows and ignores the rest
  const item = rlpDecodeFirst(payload, `shh/${shh} status`, { maxListItems: 4, extraItems: 'ignore' })
  if (shh === 5) {
    const version = packetUint(item, 'shh/5 status')
    if (version !== 5n) throw new WhisperError('version', `protocol version mismatch: peer sent ${version}, expected 5`)
    return { version: 5, lightNode: false }
  }
  if (!Array.isArray(item)) throw new WhisperError('packet', 'shh/6 status: expected a list')
  if (item.length === 0) throw new WhisperError('packet', 'shh/6 status: missing version')
  const version = packetUint(item[0], 'shh/6 status version')
  if (version !== 6n) throw new WhisperError('version', `protocol version mismatch: peer sent ${version}, expected 6`)
  const out: Status = { version: 6, lightNode: false }
  const powBits = item.length > 1 ? tryUint(item[1]) : undefined
  if (powBits !== undefined) {
    out.minPow = checkPow(bitsToFloat64(powBits), 'shh/6 status')
    const bloom = item[2]
    if (bloom instanceof Uint8Array) {
      if (bloom.length !== 0 && bloom.length !== BLOOM_SIZE) throw new WhisperError('packet', `shh/6 status: wrong bloom filter size ${bloom.length}`)
      out.bloom = bloom.length === 0 ? null : bloom
    }
  }
  const light = item[3]
  out.lightNode = light instanceof Uint8Array && light.length === 1 && light[0] === 1
  return out
}

function tryUint(item: RlpItem): bigint | undefined {
  try {
    return rlpUint(item, 8, 'value')
  } catch {
    return undefined
  }
}

function packetUint(item: RlpItem, what: string): bigint {
  try {
    return rlpUint(item, 8, what)
  } catch (e) {
    throw new WhisperError('packet', (e as Error).message)
  }
}

export function encodePowRequirement(pow: number): Uint8Array {
  checkPow(pow, 'PoW requirement')
  return rlpEncode(float64ToBits(pow))
}

export function decodePowRequirement(payload: Uint8Array): number {
  const item = rlpDecodeFirst(payload, 'PoW requirement', { maxListItems: 0 })
  return checkPow(bitsToFloat64(packetUint(item, 'PoW requirement')), 'PoW requirement')
}

export function encodeBloomFilterEx(bloom: Uint8Array): Uint8Array {
  if (bloom.length !== BLOOM_SIZE) throw new WhisperError('params', `bloom must be ${BLOOM_SIZE} bytes`)
  return rlpEncode(bloom)
}

export function decodeBloomFilterEx(payload: Uint8Array): Uint8Array {
  const item = rlpDecodeFirst(payload, 'bloom filter exchange', { maxListItems: 0 })
  if (!(item instanceof Uint8Array)) throw new WhisperError('packet', 'bloom filter exchange: expected bytes, got a list')
  if (item.length !== BLOOM_SIZE) throw new WhisperError('packet', `wrong bloom filter size ${item.length}`)
  return item
}

/** v5: one envelope (send one packet per envelope); v6: a list (envelope-packets.ts, shared with Waku). */
export function encodeMessages(shh: ShhVersion, envs: Envelope[]): Uint8Array {
  for (const e of envs) if (e.shh !== shh) throw new WhisperError('params', `shh/${e.shh} envelope in a shh/${shh} packet`)
  if (shh === 5) {
    if (envs.length !== 1) throw new WhisperError('params', 'a shh/5 messages packet carries exactly one envelope')
    return rlpEncode(envelopeFields(envs[0]))
  }
  return encodeEnvelopeList(envs)
}

export type DecodeMessagesOptions = DecodeEnvelopeListOptions

export function decodeMessages(shh: ShhVersion, payload: Uint8Array, opts: DecodeMessagesOptions = {}): Envelope[] {
  if (shh === 5) return [decodeEnvelopePacket(5, payload)]
  return decodeEnvelopeList(payload, 'shh/6 messages packet', opts)
}
