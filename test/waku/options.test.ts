// The status options' rules that the vectors do not pin down: an unknown key anywhere, the topic limit,
// Go's strict value reading, and what a peer's status means (defaults, updates, interest).
import { describe, expect, it } from 'vitest'
import { rlpEncode } from '../../src/whisper/rlp.js'
import { topicBloom } from '../../src/whisper/bloom.js'
import { utf8 } from '../../src/whisper/bytes.js'
import { isWhisperError } from '../../src/whisper/errors.js'
import { encodeStatusOptions, type StatusOptions } from '../../src/waku/options.js'
import {
  applyStatusUpdate, decodeStatusUpdate, decodeWakuStatus, encodeWakuStatus, interestMatches, lightNodesClash, peerStatusFromHandshake,
} from '../../src/waku/status.js'

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))
const POW_02 = 0x3fc999999999999an
const code = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    return isWhisperError(e) ? `${e.code}: ${e.message}` : `not a WhisperError: ${String(e)}`
  }
  return 'no error'
}

describe('an unknown option key is skipped as a whole pair', () => {
  // status-go's DecodeRLP keeps only what comes before an unknown key (no ListEnd after s.Raw())
  const unknown = [9, utf8('future-option')]
  it.each([0, 1, 2, 3])('waku/1, unknown key at position %i of 4', (at) => {
    const pairs: unknown[] = [[0, POW_02], [2, 1], [3, 0]]
    pairs.splice(at, 0, unknown)
    expect(decodeWakuStatus(1, rlpEncode(pairs as never))).toEqual({ powRequirement: 0.2, lightNode: true, confirmations: false })
  })
  it('waku/0, an unknown string key in the middle, and a uint key (waku/1 spelling) too', () => {
    const opts = [[utf8('0'), POW_02], [utf8('9'), [1, 2, 3]], [2, 1], [utf8('2'), 1]]
    expect(decodeWakuStatus(0, rlpEncode([0, opts]))).toEqual({ powRequirement: 0.2, lightNode: true })
  })
  it('waku/1 reads key 6 (bytes limits); waku/0 has no key "6"', () => {
    const limits = [1048576, 524288, 0]
    expect(decodeWakuStatus(1, rlpEncode([[6, limits]]))).toEqual({ bytesRateLimits: { ip: 1048576, peerId: 524288, topic: 0 } })
    expect(decodeWakuStatus(0, rlpEncode([0, [[utf8('6'), limits]]]))).toEqual({})
  })
  it('the waku/0 encoder leaves the bytes rate limits out (waku/0 has no key for them)', () => {
    const o: StatusOptions = { lightNode: false, bytesRateLimits: { ip: 1, peerId: 2, topic: 3 } }
    expect(Buffer.from(encodeWakuStatus(0, o)).toString('hex')).toBe('c580c3c23280')
    expect(Buffer.from(encodeWakuStatus(1, o)).toString('hex')).toBe('c9c20280c506c3010203')
  })
})

describe('options decode as Go reads them, and setOptions checks them', () => {
  const status1 = (pairs: unknown[]) => () => decodeWakuStatus(1, rlpEncode(pairs as never))
  it.each([
    ['a bool other than 0x80/0x01', [[2, 2]], /invalid boolean/],
    ['rate limits with 2 items', [[4, [1, 2]]], /2 fields, expected 3/],
    ['a topic of 5 bytes', [[5, [hex('0102030405')]]], /not 4 bytes/],
    ['a pair with two values', [[2, 1, 1]], /2 values, expected 1/],
    ['an option that is not a pair list', [hex('01')], /expected a \[key, value\] list/],
    ['a NaN PoW', [[0, 0x7ff8000000000000n]], /invalid PoW NaN/],
    ['a negative PoW', [[0, 0xbff0000000000000n]], /invalid PoW -1/],
    ['an infinite PoW', [[0, 0x7ff0000000000000n]], /invalid PoW Infinity/],
    ['a PoW of 9 bytes', [[0, 0x1ffffffffffffffffn]], /exceeds 8/],
    ['a 63-byte bloom', [[1, new Uint8Array(63)]], /wrong bloom filter size 63/],
    ['a key that is a list', [[[0], 1]], /invalid key/],
  ])('refuses %s', (_what, pairs, why) => {
    expect(code(status1(pairs))).toMatch(/^packet: /)
    expect(code(status1(pairs))).toMatch(why)
  })
  it('a wrong-size bloom passes when topic interest came with it (setOptions checks the bloom only without)', () => {
    expect(decodeWakuStatus(1, rlpEncode([[1, new Uint8Array(3)], [5, []]]))).toEqual({ bloomFilter: new Uint8Array(3), topicInterest: [] })
  })
  it('at most 10000 topics of interest', () => {
    const topics = (n: number) => Array.from({ length: n }, (_, i) => Uint8Array.of(0, 0, i >> 8, i & 0xff))
    expect(decodeWakuStatus(1, rlpEncode([[5, topics(10000)]])).topicInterest).toHaveLength(10000)
    expect(code(status1([[5, topics(10001)]]))).toMatch(/^packet: .*limited to 10000 topics, got 10001/)
    // a longer list is refused before it is built
    expect(code(status1([[5, topics(10002)]]))).toMatch(/^field-count: /)
    expect(code(() => encodeStatusOptions(1, { topicInterest: topics(10001) }))).toMatch(/^params: /)
  })
  it('waku/0: the version must be 0 and the status exactly [version, options]', () => {
    expect(code(() => decodeWakuStatus(0, rlpEncode([1, []])))).toMatch(/^version: protocol version mismatch: peer sent 1, expected 0/)
    expect(code(() => decodeWakuStatus(0, rlpEncode([0, [], 1])))).toMatch(/^packet: .*got 3 items/)
    expect(code(() => decodeWakuStatus(0, rlpEncode([])))).toMatch(/^packet: /)
  })
  it('trailing bytes after the payload are ignored, as Msg.Decode does', () => {
    const p = encodeWakuStatus(1, { lightNode: true })
    expect(decodeWakuStatus(1, Uint8Array.from([...p, 0xc0]))).toEqual({ lightNode: true })
  })
  it('encoding refuses what a peer would refuse', () => {
    expect(code(() => encodeWakuStatus(1, { powRequirement: -1 }))).toMatch(/^params: /)
    expect(code(() => encodeWakuStatus(1, { bloomFilter: new Uint8Array(10) }))).toMatch(/^params: /)
    expect(code(() => encodeWakuStatus(1, { packetRateLimits: { ip: 1.5, peerId: 0, topic: 0 } }))).toMatch(/^params: /)
  })
  it('a rate limit beyond 2^53 reads as Number.MAX_SAFE_INTEGER', () => {
    expect(decodeWakuStatus(1, rlpEncode([[4, [2n ** 64n - 1n, 0, 1]]])).packetRateLimits).toEqual({ ip: Number.MAX_SAFE_INTEGER, peerId: 0, topic: 1 })
  })
})

describe('what a peer status means', () => {
  const deadbeef = hex('deadbeef')
  const other = hex('01020304')
  it('the handshake fills in WithDefaults: PoW 0.001, full node, no light mode, no confirmations, no limits', () => {
    const s = peerStatusFromHandshake({})
    expect(s).toEqual({
      powRequirement: 0.001, lightNode: false, confirmations: false,
      packetRateLimits: { ip: 0, peerId: 0, topic: 0 }, bytesRateLimits: { ip: 0, peerId: 0, topic: 0 },
      interest: { kind: 'bloom', bloom: null },
    })
    expect(interestMatches(s.interest, other, topicBloom(other))).toBe(true)
  })
  it('topic interest wins over a bloom sent with it; an empty topic list wants nothing', () => {
    const s = peerStatusFromHandshake({ bloomFilter: new Uint8Array(64).fill(0xff), topicInterest: [deadbeef] })
    expect(interestMatches(s.interest, deadbeef, topicBloom(deadbeef))).toBe(true)
    expect(interestMatches(s.interest, other, topicBloom(other))).toBe(false)
    const none = peerStatusFromHandshake({ topicInterest: [] })
    expect(interestMatches(none.interest, deadbeef, topicBloom(deadbeef))).toBe(false)
  })
  it('a bloom filter: its topics pass, others do not; empty or all 0xff is a full node', () => {
    const s = peerStatusFromHandshake({ bloomFilter: topicBloom(deadbeef) })
    expect(interestMatches(s.interest, deadbeef, topicBloom(deadbeef))).toBe(true)
    expect(interestMatches(s.interest, other, topicBloom(other))).toBe(false)
    expect(peerStatusFromHandshake({ bloomFilter: new Uint8Array(0) }).interest).toEqual({ kind: 'bloom', bloom: null })
  })
  it('an update changes only what it carries, and can switch between topics and bloom', () => {
    let s = peerStatusFromHandshake({ powRequirement: 0.2, topicInterest: [deadbeef], confirmations: true })
    s = applyStatusUpdate(s, decodeStatusUpdate(1, encodeStatusOptions(1, { powRequirement: 0.5 })))
    expect(s.powRequirement).toBe(0.5)
    expect(s.confirmations).toBe(true)
    expect(interestMatches(s.interest, other, topicBloom(other))).toBe(false)
    s = applyStatusUpdate(s, decodeStatusUpdate(0, encodeStatusOptions(0, { bloomFilter: topicBloom(other) })))
    expect(interestMatches(s.interest, other, topicBloom(other))).toBe(true)
    expect(interestMatches(s.interest, deadbeef, topicBloom(deadbeef))).toBe(false)
  })
  it('two light nodes clash only when we restrict light-to-light connections', () => {
    expect(lightNodesClash({ lightNode: true, restrictLightToLight: true }, { lightNode: true })).toMatch(/two light client/)
    expect(lightNodesClash({ lightNode: true, restrictLightToLight: false }, { lightNode: true })).toBeNull()
    expect(lightNodesClash({ lightNode: true, restrictLightToLight: true }, { lightNode: false })).toBeNull()
    expect(lightNodesClash({ lightNode: false, restrictLightToLight: true }, { lightNode: true })).toBeNull()
  })
})
