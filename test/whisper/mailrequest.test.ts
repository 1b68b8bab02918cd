// Mail server wire rules, checked against the formulas of geth's whisper/mailserver (v1.7.3 shh/5,
// v1.9.7 shh/6) and cmd/wnode's requestExpiredMessagesLoop. The expected bytes below are written out by
// hand from those rules (not produced by the code under test).
import { describe, expect, it } from 'vitest'
import {
  checkMailRequest, decodeMailRequestPayload, encodeMailRequestPayload, mailArchiveKey, mailMatches, mailRange,
} from '../../src/whisper/mailrequest.js'
import { buildEnvelope, sealEnvelope } from '../../src/whisper/seal.js'
import { generatePrivateKey, publicKeyOf, symKeyFromPassword } from '../../src/whisper/crypto.js'
import { envelopeHash, type Envelope, type ShhVersion } from '../../src/whisper/envelope.js'
import { topicBloom } from '../../src/whisper/bloom.js'
import { code, hex, toHex } from './helpers.js'

const FULL = 'ff'.repeat(64)

describe('request payload (wnode requestExpiredMessagesLoop)', () => {
  it('v5: lower|upper BE, topic appended only when not empty', () => {
    expect(toHex(encodeMailRequestPayload(5, { lower: 0x5a0b0c0d, upper: 0xffffffff }))).toBe('5a0b0c0dffffffff')
    expect(toHex(encodeMailRequestPayload(5, { lower: 1, upper: 2, topic: hex('44c7429f') }))).toBe('000000010000000244c7429f')
    expect(toHex(encodeMailRequestPayload(5, { lower: 1, upper: 2, topic: hex('00000000') }))).toBe('0000000100000002')
    expect(code(() => encodeMailRequestPayload(5, { lower: -1, upper: 2 }))).toBe('params')
    expect(code(() => encodeMailRequestPayload(5, { lower: 0, upper: 2 ** 32 }))).toBe('params')
  })
  it('v6: lower|upper BE followed by a 64-byte bloom (all 0xff for every topic)', () => {
    expect(toHex(encodeMailRequestPayload(6, { lower: 0x10, upper: 0x20 }))).toBe('0000001000000020' + FULL)
    // TopicToBloom(44c7429f): bits 0x44, 0xc7, 0x42 + 256 (topic[3]=0x9f sets bits 0,1,2 of the +256 flag)
    const b = new Uint8Array(64)
    b[(0x44 + 256) >> 3] = 1 << ((0x44 + 256) & 7)
    b[(0xc7 + 256) >> 3] = 1 << ((0xc7 + 256) & 7)
    b[(0x42 + 256) >> 3] = 1 << ((0x42 + 256) & 7)
    expect(toHex(encodeMailRequestPayload(6, { lower: 0, upper: 1, topic: hex('44c7429f') }))).toBe('0000000000000001' + toHex(b))
    expect(toHex(topicBloom(hex('44c7429f')))).toBe(toHex(b))
  })
  it('v5 decode: topic only from 12 bytes on, first 4 bytes, zeros = any', () => {
    expect(decodeMailRequestPayload(5, hex('0000000100000002'))).toMatchObject({ lower: 1, upper: 2, topic: null })
    expect(decodeMailRequestPayload(5, hex('000000010000000244c742'))).toMatchObject({ topic: null }) // 3 topic bytes: ignored
    expect(toHex(decodeMailRequestPayload(5, hex('000000010000000244c7429fabcd')).topic!)).toBe('44c7429f')
    expect(decodeMailRequestPayload(5, hex('000000010000000200000000')).topic).toBeNull()
    expect(code(() => decodeMailRequestPayload(5, hex('00000001000000')))).toBe('payload-size')
  })
  it('v6 decode: 8 bytes = full bloom, 9..71 refused, 72+ reads 64 bloom bytes', () => {
    expect(toHex(decodeMailRequestPayload(6, hex('0000000100000002')).bloom!)).toBe(FULL)
    expect(code(() => decodeMailRequestPayload(6, hex('0000000100000002' + '00'.repeat(63))))).toBe('payload-size')
    const q = decodeMailRequestPayload(6, hex('0000000100000002' + '01'.repeat(64) + 'ee'))
    expect(toHex(q.bloom!)).toBe('01'.repeat(64))
  })
})

describe('paged request payload (status-go v0.78.0 decompositeRequest)', () => {
  const cursor = '5a0b0c0d' + 'ab'.repeat(32)
  it('v6: bloom, then limit u32 BE, then the cursor as handed out', () => {
    expect(toHex(encodeMailRequestPayload(6, { lower: 1, upper: 2, limit: 1000 }))).toBe('0000000100000002' + FULL + '000003e8')
    expect(toHex(encodeMailRequestPayload(6, { lower: 1, upper: 2, limit: 7, cursor: hex(cursor) }))).toBe('0000000100000002' + FULL + '00000007' + cursor)
    expect(code(() => encodeMailRequestPayload(6, { lower: 1, upper: 2, cursor: hex(cursor) }))).toBe('params')
    expect(code(() => encodeMailRequestPayload(6, { lower: 1, upper: 2, limit: 7, cursor: hex('00') }))).toBe('params')
  })
  it('v6 decode: 72..75 bytes are not paged, 76 pages from the start, +36 or +40 carries a cursor, other sizes refused', () => {
    const head = '0000000100000002' + FULL
    expect(decodeMailRequestPayload(6, hex(head + 'ee'))).toMatchObject({ limit: null, cursor: null })
    expect(decodeMailRequestPayload(6, hex(head + '00000000'))).toMatchObject({ limit: 0, cursor: null })
    const q = decodeMailRequestPayload(6, hex(head + '00000005' + cursor))
    expect(q.limit).toBe(5)
    expect(q.cursor!.sent).toBe(0x5a0b0c0d)
    expect(toHex(q.cursor!.hash)).toBe('ab'.repeat(32))
    // a DB key: the topic after the cursor is not part of the position
    const k = decodeMailRequestPayload(6, hex(head + '00000005' + cursor + '44c7429f'))
    expect([k.cursor!.sent, toHex(k.cursor!.hash)]).toEqual([0x5a0b0c0d, 'ab'.repeat(32)])
    expect(code(() => decodeMailRequestPayload(6, hex(head + '00000005' + 'ab'.repeat(20))))).toBe('payload-size')
  })
  it('check: a bad cursor or a limit over 1000 is a bad page (answered with an error), not a short payload', () => {
    const key = symKeyFromPassword('pw')
    const make = (payload: Uint8Array) => sealEnvelope(buildEnvelope({ shh: 6, topic: new Uint8Array(4), payload, ttl: 50, pow: 0, workTime: 1, symKey: key, src: generatePrivateKey() }), 0.001, 1)
    const opts = { symKey: key, minPow: 0, peerId: new Uint8Array(64) }
    const head = '0000000100000002' + FULL
    expect(checkMailRequest(make(hex(head + '00000005' + 'ab'.repeat(20))), opts)).toMatchObject({ ok: false, reason: 'bad-page' })
    expect(checkMailRequest(make(hex(head + '000003e9')), opts)).toMatchObject({ ok: false, reason: 'bad-page', message: 'limit exceeds the maximum allowed value' })
    expect(checkMailRequest(make(hex(head + '000003e8')), opts)).toMatchObject({ ok: true, query: { limit: 1000 } })
  })
})

describe('archive key and range (NewDbKey, processRequest)', () => {
  const env = (shh: ShhVersion, expiry: number, ttl: number, topic = '01020304'): Envelope => ({
    shh, version: shh === 5 ? Uint8Array.of(0) : new Uint8Array(0), expiry, ttl, topic: hex(topic),
    aesNonce: new Uint8Array(0), data: Uint8Array.of(1, 2, 3), nonce: 7n,
  })
  it('key = (expiry - ttl) uint32 BE || keccak256(rlp)', () => {
    const e = env(6, 0x5a000032, 0x32)
    expect(toHex(mailArchiveKey(e))).toBe('5a000000' + toHex(envelopeHash(e)))
    // uint32 wrap as in Go when ttl > expiry
    expect(toHex(mailArchiveKey(env(6, 1, 2))).slice(0, 8)).toBe('ffffffff')
  })
  it('v5 excludes upper, v6 includes it; v6 upper 0xffffffff wraps to an empty range', () => {
    expect(mailRange({ shh: 5, lower: 10, upper: 20 })).toEqual({ from: 10, to: 20 })
    expect(mailRange({ shh: 6, lower: 10, upper: 20 })).toEqual({ from: 10, to: 21 })
    expect(mailRange({ shh: 5, lower: 0, upper: 0xffffffff })).toEqual({ from: 0, to: 0xffffffff })
    expect(mailRange({ shh: 6, lower: 0, upper: 0xffffffff })).toEqual({ from: 0, to: 0 })
  })
  it('matching: v5 topic equality (null = any), v6 bloom subset', () => {
    const e5 = env(5, 100, 50, '44c7429f')
    expect(mailMatches({ shh: 5, lower: 0, upper: 1, topic: null, bloom: null, limit: null, cursor: null }, e5)).toBe(true)
    expect(mailMatches({ shh: 5, lower: 0, upper: 1, topic: hex('44c7429f'), bloom: null, limit: null, cursor: null }, e5)).toBe(true)
    expect(mailMatches({ shh: 5, lower: 0, upper: 1, topic: hex('44c7429e'), bloom: null, limit: null, cursor: null }, e5)).toBe(false)
    const e6 = env(6, 100, 50, '44c7429f')
    const own = topicBloom(hex('44c7429f'))
    expect(mailMatches({ shh: 6, lower: 0, upper: 1, topic: null, bloom: own, limit: null, cursor: null }, e6)).toBe(true)
    expect(mailMatches({ shh: 6, lower: 0, upper: 1, topic: null, bloom: topicBloom(hex('01020304')), limit: null, cursor: null }, e6)).toBe(false)
    const superset = Uint8Array.from(own)
    superset[0] |= 0x80
    expect(mailMatches({ shh: 6, lower: 0, upper: 1, topic: null, bloom: superset, limit: null, cursor: null }, e6)).toBe(true)
    expect(mailMatches({ shh: 6, lower: 0, upper: 1, topic: null, bloom: new Uint8Array(64), limit: null, cursor: null }, e6)).toBe(false)
  })
})

describe('checkMailRequest (validateRequest)', () => {
  const pw = 'mail-secret'
  const symKey = symKeyFromPassword(pw)
  const nodeKey = generatePrivateKey()
  const peerId = publicKeyOf(nodeKey).subarray(1)
  const otherKey = generatePrivateKey()
  const make = (shh: ShhVersion, payload: Uint8Array, o: { key?: Uint8Array; src?: Uint8Array | null; pow?: number } = {}) => {
    const env = buildEnvelope({ shh, topic: new Uint8Array(4), payload, ttl: 50, pow: 0, workTime: 1, symKey: o.key ?? symKey, src: o.src === null ? undefined : (o.src ?? nodeKey) })
    return sealEnvelope(env, o.pow ?? 0.01, 2)
  }
  const opts = { symKey, minPow: 0.001, peerId }
  it('accepts a well-formed request of each version', () => {
    const r5 = checkMailRequest(make(5, encodeMailRequestPayload(5, { lower: 5, upper: 9, topic: hex('44c7429f') })), opts)
    expect(r5.ok && r5.query).toMatchObject({ lower: 5, upper: 9 })
    expect(r5.ok && toHex(r5.query.topic!)).toBe('44c7429f')
    const r6 = checkMailRequest(make(6, encodeMailRequestPayload(6, { lower: 5, upper: 9 })), opts)
    expect(r6.ok && r6.query).toMatchObject({ lower: 5, upper: 9 })
  })
  it('signer: v5 must be the peer node key (geth 1.7.3), v6 any key (geth 1.9.7) unless strict', () => {
    const p5 = encodeMailRequestPayload(5, { lower: 1, upper: 2 })
    const p6 = encodeMailRequestPayload(6, { lower: 1, upper: 2 })
    expect(checkMailRequest(make(5, p5, { src: otherKey }), opts)).toMatchObject({ ok: false, reason: 'wrong-signer' })
    expect(checkMailRequest(make(6, p6, { src: otherKey }), opts).ok).toBe(true)
    expect(checkMailRequest(make(6, p6, { src: otherKey }), { ...opts, requireNodeKey: true })).toMatchObject({ ok: false, reason: 'wrong-signer' })
    expect(checkMailRequest(make(5, p5, { src: otherKey }), { ...opts, requireNodeKey: false }).ok).toBe(true)
  })
  it('refuses unsigned, wrong password, low PoW, short payloads', () => {
    for (const shh of [5, 6] as const) {
      const p = encodeMailRequestPayload(shh, { lower: 1, upper: 2 })
      expect(checkMailRequest(make(shh, p, { src: null }), opts)).toMatchObject({ ok: false, reason: 'unsigned' })
      expect(checkMailRequest(make(shh, p, { key: symKeyFromPassword('nope') }), opts)).toMatchObject({ ok: false, reason: 'decrypt' })
      expect(checkMailRequest(make(shh, p, { pow: 0.0001 }), { ...opts, minPow: 1000 })).toMatchObject({ ok: false, reason: 'low-pow' })
      expect(checkMailRequest(make(shh, p.subarray(0, 7)), opts)).toMatchObject({ ok: false, reason: 'payload-size' })
    }
    expect(checkMailRequest(make(6, hex('0000000100000002ff')), opts)).toMatchObject({ ok: false, reason: 'payload-size' })
  })
  it('minPow 0 skips the PoW check as geth does (s.pow > 0)', () => {
    const env = make(6, encodeMailRequestPayload(6, { lower: 1, upper: 2 }), { pow: 0.0001 })
    expect(checkMailRequest(env, { ...opts, minPow: 0 }).ok).toBe(true)
  })
})
