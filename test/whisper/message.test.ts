import { describe, expect, it } from 'vitest'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { decodePlaintext, encodePlaintext, FLAG_SIGNED } from '../../src/whisper/message.js'
import { addressOf, publicKeyOf, recoverPublicKey } from '../../src/whisper/crypto.js'
import { code, hex, toHex } from './helpers.js'

const key = hex('4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318')
const zeros = (n: number) => new Uint8Array(n)
const fixedRandom = (n: number) => new Uint8Array(n).fill(0xab)

describe('v5 plaintext (whisperv5 v1.7.3)', () => {
  it('default padding makes 1 + payload [+65] a multiple of 256; the size byte counts itself', () => {
    for (const [len, signed] of [[0, false], [5, false], [254, false], [255, false], [256, false], [1000, false], [0, true], [190, true], [191, true]] as const) {
      const raw = encodePlaintext(5, { payload: zeros(len).fill(1), src: signed ? key : undefined, random: fixedRandom })
      const unpadded = 1 + len + (signed ? 65 : 0)
      const pad = unpadded % 256 === 0 ? 0 : 256 - (unpadded % 256)
      expect(raw.length).toBe(unpadded + pad)
      expect(raw.length % 256).toBe(0)
      expect(raw[0] & 3).toBe(pad ? 1 : 0)
      expect(!!(raw[0] & FLAG_SIGNED)).toBe(signed)
      if (pad) expect(raw[1]).toBe(pad)
      const m = decodePlaintext(5, raw)
      expect(m.payload).toEqual(zeros(len).fill(1))
      expect(m.padding.length).toBe(pad ? pad - 1 : 0)
    }
  })
  it('explicit padding: LE size field of 1..3 bytes counting itself, before the payload', () => {
    const raw = encodePlaintext(5, { payload: hex('68656c6c6f'), padding: hex('0102') })
    expect(toHex(raw)).toBe('01' + '03' + '0102' + '68656c6c6f')
    const big = encodePlaintext(5, { payload: hex('aa'), padding: zeros(300).fill(9) })
    expect(big[0]).toBe(2)
    expect(big[1] + big[2] * 256).toBe(302)
    expect(decodePlaintext(5, big).padding).toEqual(zeros(300).fill(9))
    // 254 bytes + 1 = 255 fits one byte; 255 + 1 = 256 needs two, then 257
    expect(encodePlaintext(5, { payload: zeros(0), padding: zeros(254) })[0]).toBe(1)
    expect(encodePlaintext(5, { payload: zeros(0), padding: zeros(255) })[0]).toBe(2)
    expect(code(() => encodePlaintext(5, { payload: zeros(0), padding: zeros(1 << 24) }))).toBe('params')
  })
  it('signature: r||s||v over keccak256 of everything before it, with the signed flag set', () => {
    const raw = encodePlaintext(5, { payload: hex('68656c6c6f'), src: key, random: fixedRandom })
    const body = raw.subarray(0, raw.length - 65)
    expect(body[0] & FLAG_SIGNED).toBe(FLAG_SIGNED)
    const sig = raw.subarray(raw.length - 65)
    expect(sig[64] === 0 || sig[64] === 1).toBe(true)
    expect(recoverPublicKey(keccak_256(body), sig)).toEqual(publicKeyOf(key))
    const m = decodePlaintext(5, raw)
    expect(m.src).toEqual(publicKeyOf(key))
    expect(m.address).toEqual(addressOf(publicKeyOf(key)))
    expect(m.signature).toEqual(sig)
  })
  it('malformed plaintexts', () => {
    expect(code(() => decodePlaintext(5, zeros(0)))).toBe('flags')
    expect(code(() => decodePlaintext(5, Uint8Array.of(FLAG_SIGNED, ...zeros(65))))).toBe('signature') // too short
    expect(code(() => decodePlaintext(5, Uint8Array.of(FLAG_SIGNED, 0, ...zeros(65))))).toBe('signature') // r = s = 0
    expect(code(() => decodePlaintext(5, Uint8Array.of(1)))).toBe('padding') // field overruns
    expect(code(() => decodePlaintext(5, Uint8Array.of(3, 5, 0)))).toBe('padding') // field overruns
    expect(code(() => decodePlaintext(5, Uint8Array.of(1, 0, 1)))).toBe('padding') // size < field
    expect(code(() => decodePlaintext(5, Uint8Array.of(1, 9, 1, 2)))).toBe('padding') // size beyond end
    expect(code(() => decodePlaintext(5, Uint8Array.of(2, 0xff, 0xff, 1)))).toBe('padding')
    const sig = encodePlaintext(5, { payload: hex('01'), src: key, random: fixedRandom })
    sig[sig.length - 1] = 7
    expect(code(() => decodePlaintext(5, sig))).toBe('signature') // recovery id >= 4
  })
  it('flags without a size field: no padding, payload is everything up to the signature', () => {
    expect(decodePlaintext(5, Uint8Array.of(0, 1, 2, 3)).payload).toEqual(Uint8Array.of(1, 2, 3))
  })
})

describe('v6 plaintext (whisperv6 v1.9.7)', () => {
  it('payload-size field then payload then random padding to a multiple of 256 (always at least 1 byte)', () => {
    for (const [len, signed] of [[0, false], [5, false], [253, false], [254, false], [255, false], [256, false], [70000, false], [0, true], [189, true]] as const) {
      const raw = encodePlaintext(6, { payload: zeros(len).fill(2), src: signed ? key : undefined, random: fixedRandom })
      const field = len < 256 ? 1 : len < 65536 ? 2 : 3
      expect(raw[0] & 3).toBe(field)
      let size = 0
      for (let i = 0; i < field; i++) size += raw[1 + i] * 256 ** i
      expect(size).toBe(len)
      const unpadded = 1 + field + len + (signed ? 65 : 0)
      expect(raw.length).toBe(unpadded + 256 - (unpadded % 256))
      const m = decodePlaintext(6, raw)
      expect(m.payload).toEqual(zeros(len).fill(2))
      expect(m.padding.length).toBe(256 - (unpadded % 256))
    }
  })
  it('explicit padding is appended as is', () => {
    expect(toHex(encodePlaintext(6, { payload: hex('68656c6c6f'), padding: hex('0102') }))).toBe('01' + '05' + '68656c6c6f' + '0102')
  })
  it('signature round trip', () => {
    const m = decodePlaintext(6, encodePlaintext(6, { payload: hex('aa'), src: key }))
    expect(m.src).toEqual(publicKeyOf(key))
  })
  it('malformed plaintexts', () => {
    expect(code(() => decodePlaintext(6, zeros(0)))).toBe('flags')
    expect(code(() => decodePlaintext(6, Uint8Array.of(2, 1)))).toBe('payload-size') // field overruns
    expect(code(() => decodePlaintext(6, Uint8Array.of(1, 5, 1, 2)))).toBe('payload-size') // payload beyond end
    expect(code(() => decodePlaintext(6, Uint8Array.of(1, 3, 1, 2)))).toBe('payload-size') // geth would panic here
    expect(code(() => decodePlaintext(6, Uint8Array.of(FLAG_SIGNED | 1, 0)))).toBe('signature')
  })
  it('no size field: everything is padding', () => {
    const m = decodePlaintext(6, Uint8Array.of(0, 1, 2))
    expect(m.payload.length).toBe(0)
    expect(m.padding).toEqual(Uint8Array.of(1, 2))
  })
})
