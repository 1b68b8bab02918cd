import { describe, expect, it } from 'vitest'
import { parseTopic, topicFromPassword, topicHex, wnodeTopicKeyMaterial } from '../../src/whisper/topic.js'
import { bloomAdmitsMore, bloomMatch, bloomUnion, fullBloom, isFullBloom, topicBloom, topicsBloom } from '../../src/whisper/bloom.js'
import { WhisperError } from '../../src/whisper/errors.js'
import { hex, loadVectors, toHex } from './helpers.js'

describe('topics', () => {
  it('parse and format hex', () => {
    expect(toHex(parseTopic('44c7429f'))).toBe('44c7429f')
    expect(toHex(parseTopic('0x44C7429F'))).toBe('44c7429f')
    expect(topicHex(hex('0102ff00'))).toBe('0102ff00')
    for (const bad of ['', '44c742', '44c7429f00', 'zzzzzzzz', '0x', '44c7 29f']) {
      expect(() => parseTopic(bad)).toThrowError(WhisperError)
      try { parseTopic(bad) } catch (e) { expect((e as WhisperError).code).toBe('topic') }
    }
  })
  it("cmd/wnode's generateTopic XOR-folds the 128-byte PBKDF2-SHA512 output: '123456' gives the original chat's default topic 44c7429f", () => {
    expect(topicHex(topicFromPassword('123456'))).toBe('44c7429f')
    const x = wnodeTopicKeyMaterial('wwww')
    const t = [0, 0, 0, 0]
    x.forEach((b, i) => { t[i % 4] ^= b })
    expect(Array.from(topicFromPassword('wwww'))).toEqual(t)
  })
  it.each(['shh5-geth.json', 'shh6-geth.json'] as const)('the vector files (%s) hold the fold', (file) => {
    const entries = loadVectors(file).wnodeTopicFromPassword as { password: string; topic: string }[]
    expect(entries.find((v) => v.password === '123456')?.topic).toBe('44c7429f')
    for (const v of entries) expect(topicHex(topicFromPassword(v.password))).toBe(v.topic)
  })
})

describe('v6 blooms', () => {
  it.each(loadVectors('shh6-geth.json').bloom.map((b: { topic: string; bloom: string }) => [b.topic, b.bloom]) as [string, string][])('TopicToBloom(%s)', (t, b) => {
    expect(toHex(topicBloom(hex(t)))).toBe(b)
  })
  it('match, union, full', () => {
    const a = topicBloom(hex('44c7429f'))
    const b = topicBloom(hex('01020304'))
    const u = bloomUnion(a, b)
    expect(bloomMatch(u, a)).toBe(true)
    expect(bloomMatch(u, b)).toBe(true)
    expect(bloomMatch(a, b)).toBe(false)
    expect(bloomMatch(null, b)).toBe(true)
    expect(bloomMatch(fullBloom(), b)).toBe(true)
    expect(toHex(topicsBloom([hex('44c7429f'), hex('01020304')]))).toBe(toHex(u))
    expect(isFullBloom(null)).toBe(true)
    expect(isFullBloom(fullBloom())).toBe(true)
    expect(isFullBloom(u)).toBe(false)
    expect(() => bloomMatch(new Uint8Array(63), a)).toThrowError(WhisperError)
    expect(() => topicBloom(new Uint8Array(3))).toThrowError(WhisperError)
  })
})

describe('bloomAdmitsMore (does a new bloom let through a topic the old one did not?)', () => {
  const a = topicBloom(parseTopic('44c7429f'))
  const b = topicBloom(parseTopic('ffff0000'))
  it('a wider bloom does, the same or a narrower one does not; null is a full node', () => {
    expect(bloomAdmitsMore(a, bloomUnion(a, b))).toBe(true)
    expect(bloomAdmitsMore(a, a)).toBe(false)
    expect(bloomAdmitsMore(bloomUnion(a, b), a)).toBe(false)
    expect(bloomAdmitsMore(a, null)).toBe(true)
    expect(bloomAdmitsMore(null, a)).toBe(false)
    expect(bloomAdmitsMore(null, null)).toBe(false)
  })
})
