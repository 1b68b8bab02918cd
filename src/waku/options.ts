// Waku status options, the keyed [key, value] pairs of the handshake and the status update, as
// status-go v0.78.0 encodes them (waku/v0/status_options.go, waku/v1/status_options.go). Two codecs
// on purpose: waku/0 keys are RLP strings "0".."5", waku/1 keys are RLP uints 0..6 and add the bytes
// rate limits under key 6; each version reads the other's keys as unknown.
//
// Pairs are written in ascending key order, leaving out options that are not set. An unknown key is
// skipped as a whole pair wherever it stands. status-go skips only its value and then loses every
// later option (no ListEnd after s.Raw()), so a new key placed before known ones silently resets a
// status-go peer's view of us to the defaults; we read past it.
import { WhisperError } from '../whisper/errors.js'
import { rlpEncode, rlpUint, type RlpInput, type RlpItem } from '../whisper/rlp.js'
import { goBool, goBytes, goList, goUint } from './go-rlp.js'
import { bitsToFloat64, checkPow, float64ToBits } from '../whisper/envelope-packets.js'
import { BLOOM_SIZE } from '../whisper/bloom.js'
import { TOPIC_LENGTH } from '../whisper/topic.js'
import { utf8 } from '../whisper/bytes.js'
import { MAX_TOPIC_INTEREST, type WakuVersion } from './codes.js'
import { decodeRateLimits, encodeRateLimits, type RateLimits } from './rate-limits.js'

export interface StatusOptions {
  /** key 0: float64, sent as its IEEE-754 bits in an RLP uint */
  powRequirement?: number
  /** key 1: 64 bytes; empty or all 0xff means a full node */
  bloomFilter?: Uint8Array
  /** key 2 */
  lightNode?: boolean
  /** key 3 */
  confirmations?: boolean
  /** key 4: [ip, peerId, topic] packets per second (waku/0 calls it RateLimits) */
  packetRateLimits?: RateLimits
  /** key 5: 4-byte topics; an empty list means "nothing" (not "everything") */
  topicInterest?: Uint8Array[]
  /** key 6, waku/1 only: [ip, peerId, topic] bytes per second; the waku/0 codec leaves it out */
  bytesRateLimits?: RateLimits
}

type Key = keyof StatusOptions
const KEYS: readonly Key[] = ['powRequirement', 'bloomFilter', 'lightNode', 'confirmations', 'packetRateLimits', 'topicInterest', 'bytesRateLimits']
const LAST_KEY: Record<WakuVersion, number> = { 0: 5, 1: 6 }

function wireKey(version: WakuVersion, k: number): RlpInput {
  return version === 0 ? utf8(String(k)) : k
}

/** The options list (the waku/1 status payload, and the status-update payload of both versions). */
export function encodeStatusOptions(version: WakuVersion, o: StatusOptions): Uint8Array {
  return rlpEncode(statusOptionsItems(version, o))
}

export function statusOptionsItems(version: WakuVersion, o: StatusOptions): RlpInput[] {
  const pairs: RlpInput[] = []
  for (let k = 0; k <= LAST_KEY[version]; k++) {
    const name = KEYS[k]
    if (o[name] === undefined) continue
    pairs.push([wireKey(version, k), encodeValue(name, o)])
  }
  return pairs
}

function encodeValue(name: Key, o: StatusOptions): RlpInput {
  switch (name) {
    case 'powRequirement': {
      const pow = o.powRequirement as number
      if (!Number.isFinite(pow) || pow < 0) throw new WhisperError('params', `PoW requirement ${pow} must be finite and >= 0`)
      return float64ToBits(pow)
    }
    case 'bloomFilter': {
      const b = o.bloomFilter as Uint8Array
      if (b.length !== 0 && b.length !== BLOOM_SIZE) throw new WhisperError('params', `bloom filter must be ${BLOOM_SIZE} bytes (or empty), got ${b.length}`)
      return b
    }
    case 'lightNode':
    case 'confirmations':
      // Go writes false as 0x80 and true as 0x01
      return o[name] ? 1 : 0
    case 'packetRateLimits':
    case 'bytesRateLimits':
      return encodeRateLimits(o[name] as RateLimits)
    case 'topicInterest': {
      const topics = o.topicInterest as Uint8Array[]
      if (topics.length > MAX_TOPIC_INTEREST) throw new WhisperError('params', `topic interest is limited to ${MAX_TOPIC_INTEREST} topics, got ${topics.length}`)
      for (const t of topics) if (t.length !== TOPIC_LENGTH) throw new WhisperError('params', `a topic of interest must be ${TOPIC_LENGTH} bytes, got ${t.length}`)
      return topics
    }
  }
}

/**
 * Reads an options list (already RLP-decoded) and checks it as status-go's setOptions does before
 * accepting a peer's options: PoW finite and >= 0, at most 10000 topics, a bloom of 0 or 64 bytes
 * (checked only when no topic interest came, as there). Throws WhisperError 'packet'.
 */
export function decodeStatusOptions(version: WakuVersion, item: RlpItem, what = `waku/${version} status options`): StatusOptions {
  if (!Array.isArray(item)) throw new WhisperError('packet', `${what}: expected a list of [key, value] pairs, got a byte string`)
  const out: StatusOptions = {}
  for (const pair of item) {
    if (!Array.isArray(pair)) throw new WhisperError('packet', `${what}: an option is a byte string, expected a [key, value] list`)
    const k = readKey(version, pair[0], what)
    if (k === undefined) continue
    const name = KEYS[k]
    if (pair.length !== 2) throw new WhisperError('packet', `${what}: option ${k} has ${pair.length - 1} values, expected 1`)
    decodeValue(name, pair[1], out, `${what}: option ${k} (${name})`)
  }
  if (out.topicInterest === undefined && out.bloomFilter !== undefined && out.bloomFilter.length !== 0 && out.bloomFilter.length !== BLOOM_SIZE) {
    throw new WhisperError('packet', `${what}: wrong bloom filter size ${out.bloomFilter.length}`)
  }
  return out
}

/** The option index, or undefined for a key this version does not know (the pair is skipped). */
function readKey(version: WakuVersion, key: RlpItem | undefined, what: string): number | undefined {
  if (!(key instanceof Uint8Array)) throw new WhisperError('packet', `${what}: invalid key (${key === undefined ? 'missing' : 'a list'})`)
  if (version === 0) {
    // string keys: "0".."5"; anything else (a waku/1 uint key too) is unknown
    if (key.length !== 1 || key[0] < 0x30 || key[0] > 0x30 + LAST_KEY[0]) return undefined
    return key[0] - 0x30
  }
  let k: bigint
  try {
    k = rlpUint(key, 8, 'key')
  } catch (e) {
    throw new WhisperError('packet', `${what}: invalid key: ${(e as Error).message}`)
  }
  return k <= BigInt(LAST_KEY[1]) ? Number(k) : undefined
}

function decodeValue(name: Key, v: RlpItem, out: StatusOptions, what: string): void {
  switch (name) {
    case 'powRequirement':
      out.powRequirement = checkPow(bitsToFloat64(goUint(v, 8, what)), what)
      return
    case 'bloomFilter':
      out.bloomFilter = goBytes(v, what)
      return
    case 'lightNode':
    case 'confirmations':
      out[name] = goBool(v, what)
      return
    case 'packetRateLimits':
    case 'bytesRateLimits':
      out[name] = decodeRateLimits(v, what)
      return
    case 'topicInterest': {
      const topics = goList(v, what)
      if (topics.length > MAX_TOPIC_INTEREST) throw new WhisperError('packet', `${what}: topic interest is limited to ${MAX_TOPIC_INTEREST} topics, got ${topics.length}`)
      out.topicInterest = topics.map((t) => {
        if (!(t instanceof Uint8Array) || t.length !== TOPIC_LENGTH) throw new WhisperError('packet', `${what}: a topic is not ${TOPIC_LENGTH} bytes`)
        return t
      })
      return
    }
  }
}
