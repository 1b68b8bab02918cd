import { describe, expect, it } from 'vitest'
import { deriveSymKeyFromPassword, Keystore, privateKeyFromBytes } from '../../src/rpc/keystore.js'
import { publicKeyOf, symKeyFromPassword } from '../../src/whisper/crypto.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('keystore (geth whisperv6 key storage)', () => {
  it('key pairs: 64-hex ids, geth errors for unknown ids', () => {
    const ks = new Keystore()
    const id = ks.newKeyPair()
    expect(id).toMatch(/^[0-9a-f]{64}$/)
    expect(ks.hasKeyPair(id)).toBe(true)
    const priv = ks.getPrivateKey(id)
    expect(priv.length).toBe(32)
    expect(ks.getPublicKey(id)).toEqual(publicKeyOf(priv))
    expect(() => ks.getPrivateKey('nope')).toThrow('invalid id')
    expect(ks.deleteKeyPair(id)).toBe(true)
    expect(ks.deleteKeyPair(id)).toBe(false)
    expect(ks.hasKeyPair(id)).toBe(false)
  })

  it('imports private keys with crypto.ToECDSA errors', () => {
    const ks = new Keystore()
    const key = new Uint8Array(32).fill(7)
    const id = ks.addPrivateKey(key)
    expect(ks.getPrivateKey(id)).toEqual(key)
    expect(() => privateKeyFromBytes(new Uint8Array(31))).toThrow('invalid length, need 256 bits')
    expect(() => privateKeyFromBytes(new Uint8Array(32))).toThrow('invalid private key, zero or negative')
    expect(() => privateKeyFromBytes(new Uint8Array(32).fill(0xff))).toThrow('invalid private key, >=N')
  })

  it('symmetric keys: generate, add (32 bytes only), derive from password like geth', async () => {
    const ks = new Keystore()
    const a = ks.newSymKey()
    expect(ks.getSymKey(a).length).toBe(32)
    expect(() => ks.addSymKey(new Uint8Array(16))).toThrow('wrong key size: 16')
    const zero = ks.addSymKey(new Uint8Array(32)) // geth stores it; using it fails later
    expect(ks.getSymKey(zero)).toEqual(new Uint8Array(32))
    const p = await ks.addSymKeyFromPassword('123456')
    expect(hex(ks.getSymKey(p))).toBe(hex(symKeyFromPassword('123456')))
    expect(hex(await deriveSymKeyFromPassword('pässwörd'))).toBe(hex(symKeyFromPassword('pässwörd')))
    expect(() => ks.getSymKey('x')).toThrow('non-existent key ID')
    expect(ks.deleteSymKey(p)).toBe(true)
    expect(ks.deleteSymKey(p)).toBe(false)
  })

  it('hands out copies, so deleting a key cannot change a filter that took it', () => {
    const ks = new Keystore()
    const id = ks.addSymKey(new Uint8Array(32).fill(9))
    const copy = ks.getSymKey(id)
    ks.deleteSymKey(id)
    expect(copy).toEqual(new Uint8Array(32).fill(9))
    ks.clear()
    expect(ks.size).toEqual({ keyPairs: 0, symKeys: 0 })
  })

  it('bounds the number of keys of each kind', () => {
    const ks = new Keystore(2)
    ks.newSymKey()
    ks.newSymKey()
    expect(() => ks.newSymKey()).toThrow('too many keys (2): delete some first')
    ks.newKeyPair()
    ks.newKeyPair()
    expect(() => ks.addPrivateKey(new Uint8Array(32).fill(1))).toThrow('too many keys (2)')
  })
})
