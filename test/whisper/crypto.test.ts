import { describe, expect, it } from 'vitest'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { ctr } from '@noble/ciphers/aes.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import {
  addressOf, aesGcmDecrypt, aesGcmEncrypt, eciesDecrypt, eciesEncrypt, generatePrivateKey, publicKeyOf,
  randomBytes, recoverPublicKey, sign, symKeyFromPassword,
} from '../../src/whisper/crypto.js'
import { code, hex, loadVectors, toHex } from './helpers.js'

describe('symmetric key from password (PBKDF2-SHA256, 65356 rounds, no salt)', () => {
  it.each(loadVectors('shh6-geth.json').kdf.map((k: { password: string; symKey: string }) => [k.password, k.symKey]) as [string, string][])('%s', (pw, key) => {
    expect(toHex(symKeyFromPassword(pw))).toBe(key)
  })
})

describe('AES-256-GCM', () => {
  const key = new Uint8Array(32).fill(3)
  const nonce = new Uint8Array(12).fill(4)
  it('round trip, 16-byte tag appended', () => {
    const ct = aesGcmEncrypt(key, nonce, hex('68656c6c6f'))
    expect(ct.length).toBe(5 + 16)
    expect(toHex(aesGcmDecrypt(key, nonce, ct))).toBe('68656c6c6f')
  })
  it('typed errors', () => {
    const ct = aesGcmEncrypt(key, nonce, hex('68656c6c6f'))
    expect(code(() => aesGcmDecrypt(new Uint8Array(32).fill(5), nonce, ct))).toBe('decrypt')
    expect(code(() => aesGcmDecrypt(key, nonce, ct.subarray(0, 15)))).toBe('ciphertext')
    expect(code(() => aesGcmDecrypt(key, new Uint8Array(11), ct))).toBe('aes-nonce')
    expect(code(() => aesGcmDecrypt(new Uint8Array(31), nonce, ct))).toBe('key')
    expect(code(() => aesGcmEncrypt(new Uint8Array(32), nonce, ct))).toBe('key') // all-zero key, as geth
  })
})

describe('ECIES as geth crypto/ecies (secp256k1, AES-128-CTR, SHA-256 KDF, HMAC-SHA256)', () => {
  const priv = generatePrivateKey()
  const pub = publicKeyOf(priv)
  it('layout R(65) || iv(16) || ct || tag(32), and the exact key schedule', () => {
    const m = hex('000102030405060708090a0b0c0d0e0f10')
    const c = eciesEncrypt(pub, m)
    expect(c.length).toBe(65 + 16 + m.length + 32)
    expect(c[0]).toBe(4)
    // recompute independently: z = x(priv * R); K = sha256(00000001 || z); Ke = K[:16]; Km = sha256(K[16:])
    const z = secp256k1.getSharedSecret(priv, c.subarray(0, 65), true).subarray(1)
    const k = sha256(Uint8Array.from([0, 0, 0, 1, ...z]))
    const km = sha256(k.subarray(16))
    const em = c.subarray(65, c.length - 32)
    expect(toHex(hmac(sha256, km, em))).toBe(toHex(c.subarray(c.length - 32)))
    expect(toHex(ctr(k.subarray(0, 16), em.subarray(0, 16)).decrypt(em.subarray(16)))).toBe(toHex(m))
    expect(toHex(eciesDecrypt(priv, c))).toBe(toHex(m))
  })
  it('typed errors: other key, tampering, truncation, bad ephemeral key', () => {
    const c = eciesEncrypt(pub, hex('aabbcc'))
    expect(code(() => eciesDecrypt(generatePrivateKey(), c))).toBe('decrypt')
    const t = c.slice()
    t[70] ^= 1
    expect(code(() => eciesDecrypt(priv, t))).toBe('decrypt')
    expect(code(() => eciesDecrypt(priv, c.subarray(0, 112)))).toBe('ciphertext')
    const r = c.slice()
    r[0] = 2
    expect(code(() => eciesDecrypt(priv, r))).toBe('ciphertext')
    const off = c.slice()
    off[10] ^= 0xff // ephemeral key no longer on the curve
    expect(code(() => eciesDecrypt(priv, off))).toBe('ciphertext')
    expect(code(() => eciesEncrypt(pub.subarray(0, 64), hex('aa')))).toBe('key')
  })
})

describe('signatures', () => {
  it('65 bytes r || s || v, v in {0,1}, low s, deterministic; recover gives the public key and address', () => {
    const priv = hex('4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318')
    const h = sha256(hex('01'))
    const s = sign(h, priv)
    expect(s.length).toBe(65)
    expect(s[64] <= 1).toBe(true)
    expect(toHex(sign(h, priv))).toBe(toHex(s))
    expect(BigInt('0x' + toHex(s.subarray(32, 64))) <= secp256k1.Point.CURVE().n / 2n).toBe(true)
    expect(recoverPublicKey(h, s)).toEqual(publicKeyOf(priv))
    // well-known key/address pair (web3 docs)
    expect(toHex(addressOf(publicKeyOf(priv)))).toBe('2c7536e3605d9c16a7a3d7b1898e529396a65c23')
  })
  it('geth vector signer: recovered address matches the vector address', () => {
    const v = loadVectors('shh6-geth.json').envelopes[0]
    expect(toHex(addressOf(hex(v.senderPublicKey)))).toBe(v.senderAddress)
  })
  it('bad signatures are typed errors', () => {
    const h = new Uint8Array(32).fill(1)
    expect(code(() => recoverPublicKey(h, new Uint8Array(64)))).toBe('signature')
    expect(code(() => recoverPublicKey(h, new Uint8Array(65)))).toBe('signature')
    const bad = new Uint8Array(65).fill(0xff)
    bad[64] = 0
    expect(code(() => recoverPublicKey(h, bad))).toBe('signature') // r, s >= n
    bad[64] = 4
    expect(code(() => recoverPublicKey(h, bad))).toBe('signature')
  })
})

describe('randomBytes', () => {
  it('fills requests larger than one CSPRNG call (64 KiB), without repeating a chunk', () => {
    const b = randomBytes(200_000)
    expect(b.length).toBe(200_000)
    expect(Buffer.from(b.subarray(0, 65536)).equals(Buffer.from(b.subarray(65536, 131072)))).toBe(false)
    expect(b.subarray(131072).some((x) => x !== 0)).toBe(true)
    expect(randomBytes(0).length).toBe(0)
  })
})
