// Property test: hostile bytes never escape the decoders as anything but a result or a WhisperError
// (no TypeError/RangeError, no hang, no huge allocation). Seeded, so a failure is reproducible.
import { describe, expect, it } from 'vitest'
import { RLP } from '@ethereumjs/rlp'
import { decodeEnvelope, encodeEnvelope, type ShhVersion } from '../../src/whisper/envelope.js'
import {
  decodeBloomFilterEx, decodeEnvelopePacket, decodeMessages, decodePowRequirement, decodeStatus,
} from '../../src/whisper/packets.js'
import { decodePlaintext, encodePlaintext } from '../../src/whisper/message.js'
import { openEnvelope } from '../../src/whisper/open.js'
import { aesGcmEncrypt, eciesEncrypt, generatePrivateKey, publicKeyOf } from '../../src/whisper/crypto.js'
import { rlpDecode } from '../../src/whisper/rlp.js'
import { WhisperError } from '../../src/whisper/errors.js'
import { hex, loadVectors, toHex } from './helpers.js'
import { mutate, prng, randomRlp } from '../fuzz/gen.js'

/** Runs fn; anything thrown must be a WhisperError. Returns whether it succeeded. */
function total<T>(fn: () => T, input: Uint8Array, label: string): T | undefined {
  try {
    return fn()
  } catch (e) {
    if (!(e instanceof WhisperError)) {
      throw new Error(`${label}: non-WhisperError ${(e as Error)?.name}: ${(e as Error)?.message} for input ${toHex(input).slice(0, 400)}`)
    }
    expect(e.code).toBeTypeOf('string')
    return undefined
  }
}

const f5 = loadVectors('shh5-geth.json')
const f6 = loadVectors('shh6-geth.json')

describe('fuzz: decoders are total', () => {
  it('rlpDecode on random bytes and random trees', () => {
    const r = prng(1)
    for (let i = 0; i < 5000; i++) {
      const input = i % 2 ? r.bytes(r.int(64)) : mutate(r, randomRlp(r))
      total(() => rlpDecode(input), input, 'rlpDecode')
    }
  })

  it.each([5, 6] as const)('shh/%i envelopes: mutated geth envelopes and random RLP', (shh: ShhVersion) => {
    const r = prng(100 + shh)
    const seeds = (shh === 5 ? f5 : f6).envelopes.map((e: { rlp: string }) => hex(e.rlp)).filter((b: Uint8Array) => b.length < 5000)
    let decoded = 0
    for (let i = 0; i < 4000; i++) {
      const input = i % 4 === 3 ? randomRlp(r) : mutate(r, seeds[r.int(seeds.length)])
      const env = total(() => decodeEnvelope(shh, input), input, `decodeEnvelope(${shh})`)
      if (env) {
        decoded++
        // strict decoding: what decodes re-encodes to the same bytes (so the hash is geth's)
        expect(toHex(encodeEnvelope(env))).toBe(toHex(input))
      }
      total(() => decodeEnvelopePacket(shh, input), input, 'decodeEnvelopePacket')
    }
    expect(decoded).toBeGreaterThan(100) // the mutations also reach the field checks
  })

  it.each([5, 6] as const)('shh/%i messages packets', (shh: ShhVersion) => {
    const r = prng(200 + shh)
    const seed = hex((shh === 5 ? f5 : f6).messagesPacket.rlp)
    for (let i = 0; i < 3000; i++) {
      const input = i % 3 === 2 ? randomRlp(r) : mutate(r, seed)
      const envs = total(() => decodeMessages(shh, input), input, `decodeMessages(${shh})`)
      if (envs) expect(Array.isArray(envs)).toBe(true)
    }
  })

  it('status, PoW requirement and bloom exchange packets', () => {
    const r = prng(300)
    const seeds = [...f6.status.map((s: { rlp: string }) => hex(s.rlp)), hex(f6.powRequirementPacket.rlp), hex(f6.bloomFilterExPacket.rlp), hex('05')]
    for (let i = 0; i < 6000; i++) {
      const input = i % 3 === 2 ? randomRlp(r) : mutate(r, seeds[r.int(seeds.length)])
      total(() => decodeStatus(5, input), input, 'decodeStatus(5)')
      const st = total(() => decodeStatus(6, input), input, 'decodeStatus(6)')
      if (st?.minPow !== undefined) expect(Number.isFinite(st.minPow) && st.minPow >= 0).toBe(true)
      const pow = total(() => decodePowRequirement(input), input, 'decodePowRequirement')
      if (pow !== undefined) expect(Number.isFinite(pow) && pow >= 0).toBe(true)
      const bloom = total(() => decodeBloomFilterEx(input), input, 'decodeBloomFilterEx')
      if (bloom) expect(bloom.length).toBe(64)
    }
  })

  it.each([5, 6] as const)('shh/%i plaintexts: mutated valid (signed and unsigned) and random', (shh: ShhVersion) => {
    const r = prng(400 + shh)
    const key = r.bytes(32)
    key[0] = 1
    const seeds = [0, 5, 300].flatMap((len) => [
      encodePlaintext(shh, { payload: r.bytes(len) }),
      encodePlaintext(shh, { payload: r.bytes(len), src: key }),
      encodePlaintext(shh, { payload: r.bytes(len), padding: r.bytes(1 + r.int(300)) }),
    ])
    for (let i = 0; i < 3000; i++) {
      const input = i % 4 === 3 ? r.bytes(r.int(100)) : mutate(r, seeds[r.int(seeds.length)])
      const m = total(() => decodePlaintext(shh, input), input, `decodePlaintext(${shh})`)
      if (m) expect(m.payload.length + m.padding.length).toBeLessThanOrEqual(input.length)
    }
  })

  it.each([5, 6] as const)('shh/%i open: mutated ciphertexts and well-encrypted garbage plaintexts', (shh: ShhVersion) => {
    const r = prng(500 + shh)
    const symKey = r.bytes(32)
    const priv = generatePrivateKey()
    const envs = [0, 1].map((asym) => {
      const raw = encodePlaintext(shh, { payload: r.bytes(20), src: priv })
      return asym ? eciesEncrypt(publicKeyOf(priv), raw) : raw
    })
    for (let i = 0; i < 600; i++) {
      const asym = r.int(2) === 1
      // half: a correctly encrypted but mutated/random plaintext (reaches the plaintext parser)
      let data: Uint8Array
      let aesNonce: Uint8Array = new Uint8Array(0)
      const plain = r.int(2) ? mutate(r, encodePlaintext(shh, { payload: r.bytes(r.int(40)), src: r.int(2) ? priv : undefined })) : r.bytes(r.int(80))
      if (i % 2) {
        if (asym) data = eciesEncrypt(publicKeyOf(priv), plain)
        else {
          const n = r.bytes(12)
          const ct = aesGcmEncrypt(symKey, n, plain)
          if (shh === 5) { data = ct; aesNonce = n } else data = Uint8Array.from([...ct, ...n])
        }
      } else {
        data = mutate(r, envs[asym ? 1 : 0])
        if (shh === 5 && !asym) aesNonce = r.bytes(12)
      }
      const env = { shh, version: shh === 5 ? Uint8Array.of(0) : new Uint8Array(0), expiry: 1000, ttl: 50, topic: r.bytes(4), aesNonce, data, nonce: 0n }
      total(() => openEnvelope(env, asym ? { privateKey: priv } : { symKey }), data, `openEnvelope(${shh})`)
      total(() => openEnvelope(env, { privateKey: priv, symKey }), data, `openEnvelope(${shh}, both)`)
    }
  })

  it('many tiny items are refused without building them', () => {
    // 1 MiB of empty lists / empty strings inside one list: the decoders stop at the first bad element
    const body = (b: number) => new Uint8Array(1 << 20).fill(b)
    const list = (b: number) => Uint8Array.from([0xfa, 0x10, 0x00, 0x00, ...body(b)])
    for (const b of [0xc0, 0x80]) {
      for (const shh of [5, 6] as const) {
        expect(() => decodeEnvelope(shh, list(b))).toThrowError(WhisperError)
        expect(() => decodeMessages(shh, list(b))).toThrowError(WhisperError)
        expect(() => decodeEnvelopePacket(shh, list(b))).toThrowError(WhisperError)
      }
      // status: geth reads the first fields and ignores the rest
      expect(() => decodeStatus(6, list(b))).toThrowError(WhisperError)
    }
    expect(decodeStatus(6, Uint8Array.from([0xfa, 0x10, 0x00, 0x01, 0x06, ...body(0x80)])).version).toBe(6)
  })

  it('hostile lengths are refused before any allocation', () => {
    // a list/string header claiming 2^56..2^64 bytes, in every position of a packet
    for (const prefix of ['bf', 'ff', 'f8ff', 'b8ff', 'f9ffff', 'bbffffffff', 'fbffffffff']) {
      for (const tail of ['', '00', 'c0', '80'.repeat(64)]) {
        const input = hex(prefix + 'ffffffffffffffff'.slice(0, 16) + tail)
        for (const shh of [5, 6] as const) {
          total(() => decodeEnvelope(shh, input), input, 'decodeEnvelope')
          total(() => decodeMessages(shh, input), input, 'decodeMessages')
          total(() => decodeStatus(shh, input), input, 'decodeStatus')
        }
      }
    }
  })
})
