// The runtime AES path (node:crypto: GCM both ways, ECIES's CTR) agrees with noble byte for byte, and refuses
// what noble refuses.
import { describe, expect, it } from 'vitest'
import { ctr, gcm } from '@noble/ciphers/aes.js'
import { nativeAes128Ctr, nativeAesGcmDecrypt, nativeAesGcmEncrypt } from '../../src/whisper/aes-gcm-native.js'
import { aesGcmDecrypt, aesGcmEncrypt, randomBytes } from '../../src/whisper/crypto.js'
import { WhisperError } from '../../src/whisper/errors.js'

describe('native AES-256-GCM decryption', () => {
  it('is available on Node', () => {
    expect(nativeAesGcmDecrypt).not.toBeNull()
  })

  it('opens what noble seals, every size from 0 to 600 bytes and a few large ones', () => {
    for (const n of [...Array.from({ length: 601 }, (_, i) => i), 4096, 65_537, 1 << 20]) {
      const key = randomBytes(32)
      const nonce = randomBytes(12)
      const plain = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff)
      const ct = gcm(key, nonce).encrypt(plain)
      const out = nativeAesGcmDecrypt!(key, nonce, ct)
      expect(out).toBeInstanceOf(Uint8Array)
      expect(Buffer.isBuffer(out)).toBe(false)
      expect(Buffer.from(out!).equals(Buffer.from(plain))).toBe(true)
    }
  })

  it('returns null for a wrong key, a flipped bit anywhere, a truncated tag', () => {
    const key = randomBytes(32)
    const nonce = randomBytes(12)
    const ct = gcm(key, nonce).encrypt(randomBytes(100))
    expect(nativeAesGcmDecrypt!(randomBytes(32), nonce, ct)).toBeNull()
    expect(nativeAesGcmDecrypt!(key, randomBytes(12), ct)).toBeNull()
    for (let i = 0; i < ct.length; i++) {
      const bad = ct.slice()
      bad[i] ^= 1 << (i % 8)
      expect(nativeAesGcmDecrypt!(key, nonce, bad), `bit flip at ${i}`).toBeNull()
    }
    expect(nativeAesGcmDecrypt!(key, nonce, ct.subarray(0, ct.length - 1))).toBeNull()
  })

  it('aesGcmDecrypt keeps its contract on the native path', () => {
    const key = randomBytes(32)
    const nonce = randomBytes(12)
    const plain = randomBytes(300)
    const ct = aesGcmEncrypt(key, nonce, plain)
    expect(Buffer.from(aesGcmDecrypt(key, nonce, ct)).equals(Buffer.from(plain))).toBe(true)
    const err = (() => {
      try {
        aesGcmDecrypt(randomBytes(32), nonce, ct)
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(WhisperError)
    expect((err as WhisperError).code).toBe('decrypt')
    expect(() => aesGcmDecrypt(key, nonce, new Uint8Array(15))).toThrow(WhisperError)
  })

  it('encryption, GCM and CTR, gives noble\'s bytes, every size from 0 to 600 bytes and a few large ones', () => {
    expect(nativeAesGcmEncrypt).not.toBeNull()
    expect(nativeAes128Ctr).not.toBeNull()
    for (const n of [...Array.from({ length: 601 }, (_, i) => i), 4096, 65_537, 1 << 20]) {
      const key = randomBytes(32)
      const nonce = randomBytes(12)
      const iv = randomBytes(16)
      const plain = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff)
      const sealed = nativeAesGcmEncrypt!(key, nonce, plain)
      expect(Buffer.isBuffer(sealed)).toBe(false)
      expect(Buffer.from(sealed).equals(Buffer.from(gcm(key, nonce).encrypt(plain))), `gcm ${n}`).toBe(true)
      expect(Buffer.from(aesGcmEncrypt(key, nonce, plain)).equals(Buffer.from(sealed))).toBe(true)
      const streamed = nativeAes128Ctr!(key.subarray(0, 16), iv, plain)
      expect(Buffer.isBuffer(streamed)).toBe(false)
      expect(Buffer.from(streamed).equals(Buffer.from(ctr(key.subarray(0, 16), iv).encrypt(plain))), `ctr ${n}`).toBe(true)
    }
  })
})
