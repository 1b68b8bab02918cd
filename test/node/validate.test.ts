import { describe, it, expect } from 'vitest'
import { validateEnvelope, type ValidationPolicy } from '../../src/node/validate.js'
import { envelopePow } from '../../src/whisper/envelope.js'
import { topicBloom } from '../../src/whisper/bloom.js'
import { rawEnvelope, nowSec } from './helpers.js'

const policy = (o: Partial<ValidationPolicy> = {}): ValidationPolicy => ({
  now: nowSec(),
  minPow: 0,
  minPowTolerance: 0,
  maxMessageSize: 1024 * 1024,
  bloom: null,
  bloomTolerance: null,
  ...o,
})

for (const shh of [5, 6] as const) {
  describe(`validateEnvelope shh/${shh} (geth add)`, () => {
    it('accepts a fresh envelope and reports its PoW', () => {
      const env = rawEnvelope(shh)
      const v = validateEnvelope(env, policy())
      expect(v).toEqual({ kind: 'accept', pow: envelopePow(env) })
    })

    it('rejects an envelope sent more than 10 s in the future', () => {
      const now = nowSec()
      const v = validateEnvelope(rawEnvelope(shh, { sent: now + 11 }), policy({ now }))
      expect(v.kind).toBe('reject')
      expect(v.kind === 'reject' && v.reason).toBe('future')
    })

    it('accepts up to 10 s in the future with the PoW adjusted for the skew plus one second', () => {
      const now = nowSec()
      const env = rawEnvelope(shh, { sent: now + 10 })
      const v = validateEnvelope(env, policy({ now }))
      expect(v).toEqual({ kind: 'accept', pow: envelopePow(env, 11) })
      expect(envelopePow(env, 11)).toBeLessThan(envelopePow(env))
    })

    it('treats sent as uint32 (ttl > expiry wraps into the far future)', () => {
      const v = validateEnvelope(rawEnvelope(shh, { expiry: 10, ttl: 50 }), policy())
      expect(v.kind === 'reject' && v.reason).toBe('future')
    })

    it('drops quietly an envelope expired less than 20 s ago, rejects older', () => {
      const now = nowSec()
      expect(validateEnvelope(rawEnvelope(shh, { sent: now - 60, ttl: 50 }), policy({ now }))).toEqual({ kind: 'drop', reason: 'expired' })
      expect(validateEnvelope(rawEnvelope(shh, { sent: now - 70, ttl: 50 }), policy({ now }))).toEqual({ kind: 'drop', reason: 'expired' })
      const old = validateEnvelope(rawEnvelope(shh, { sent: now - 71, ttl: 50 }), policy({ now }))
      expect(old.kind === 'reject' && old.reason).toBe('very-old')
      // expiry == now is not expired yet
      expect(validateEnvelope(rawEnvelope(shh, { sent: now - 50, ttl: 50 }), policy({ now })).kind).toBe('accept')
    })

    it('rejects an envelope bigger than the max message size (geth size())', () => {
      const env = rawEnvelope(shh, { data: new Uint8Array(100) })
      const size = 20 + 100 + (shh === 5 ? 1 + 12 : 0)
      expect(validateEnvelope(env, policy({ maxMessageSize: size })).kind).toBe('accept')
      const v = validateEnvelope(env, policy({ maxMessageSize: size - 1 }))
      expect(v.kind === 'reject' && v.reason).toBe('too-big')
    })

    it(shh === 5 ? 'drops quietly below the minimum PoW' : 'rejects below the minimum PoW (and tolerance)', () => {
      const env = rawEnvelope(shh)
      const pow = envelopePow(env)
      const v = validateEnvelope(env, policy({ minPow: pow * 2, minPowTolerance: pow * 2 }))
      if (shh === 5) expect(v).toEqual({ kind: 'drop', reason: 'low-pow', pow })
      else expect(v.kind === 'reject' && v.reason).toBe('low-pow')
      expect(validateEnvelope(env, policy({ minPow: pow })).kind).toBe('accept')
    })
  })
}

describe('validateEnvelope shh/5 field checks', () => {
  it('rejects a version field over 4 bytes', () => {
    const v = validateEnvelope(rawEnvelope(5, { version: new Uint8Array(5) }), policy())
    expect(v.kind === 'reject' && v.reason).toBe('version-size')
  })
  it('rejects an aesNonce that is neither empty nor 12 bytes', () => {
    const v = validateEnvelope(rawEnvelope(5, { aesNonce: new Uint8Array(11) }), policy())
    expect(v.kind === 'reject' && v.reason).toBe('aes-nonce-size')
    expect(validateEnvelope(rawEnvelope(5, { aesNonce: new Uint8Array(0) }), policy()).kind).toBe('accept')
  })
})

describe('validateEnvelope shh/6 tolerance and bloom', () => {
  it('accepts PoW between the new minimum and the tolerated previous one', () => {
    const env = rawEnvelope(6)
    const pow = envelopePow(env)
    expect(validateEnvelope(env, policy({ minPow: pow * 2, minPowTolerance: pow / 2 })).kind).toBe('accept')
  })
  it('rejects a topic outside our bloom unless the tolerated bloom has it', () => {
    const env = rawEnvelope(6, { topic: new Uint8Array([9, 9, 9, 9]) })
    const other = topicBloom(new Uint8Array([1, 2, 3, 4]))
    const v = validateEnvelope(env, policy({ bloom: other, bloomTolerance: other }))
    expect(v.kind === 'reject' && v.reason).toBe('bloom')
    expect(validateEnvelope(env, policy({ bloom: other, bloomTolerance: null })).kind).toBe('accept')
    expect(validateEnvelope(env, policy({ bloom: topicBloom(env.topic), bloomTolerance: other })).kind).toBe('accept')
  })
})
