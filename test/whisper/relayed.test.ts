import { describe, expect, it } from 'vitest'
import { decodeEnvelope, encodeEnvelope, type Envelope } from '../../src/whisper/envelope.js'
import { openEnvelope } from '../../src/whisper/open.js'
import { addressOf, generatePrivateKey, publicKeyOf, randomBytes } from '../../src/whisper/crypto.js'
import { sealMessage } from '../../src/whisper/seal.js'
import { rlpEncode } from '../../src/whisper/rlp.js'
import { concatBytes } from '../../src/whisper/bytes.js'
import { checkRelayed, decodeRelayed, encodeRelayed, looksRelayed } from '../../src/whisper/relayed.js'
import { hex, loadVectors, toHex } from './helpers.js'

const GATEWAY = addressOf(publicKeyOf(hex('11'.repeat(32))))
const TOPIC = Uint8Array.of(0x44, 0xc7, 0x42, 0x9f)

function gethOriginal(file: 'shh5-geth.json' | 'shh6-geth.json', name: string) {
  const v = loadVectors(file).envelopes.find((e: { name: string }) => e.name === name)
  const shh = file === 'shh5-geth.json' ? 5 : 6
  const rlp = hex(v.rlp)
  const env = decodeEnvelope(shh, rlp)
  const symKey = hex(v.symKey)
  const m = openEnvelope(env, { symKey })
  return { v, m, env, rlp, symKey, shh: shh as 5 | 6 }
}

/** A room message as a member's client seals it. */
const roomEnvelope = (shh: 5 | 6, symKey: Uint8Array, payload: Uint8Array, src?: Uint8Array): Envelope =>
  sealMessage({ shh, topic: TOPIC, payload, symKey, src, ttl: 60, pow: 0.001, workTime: 2 })

/** The outer message as a reader opened it, with `padding`. */
const outer = (payload: Uint8Array, padding: Uint8Array, address: Uint8Array | undefined = GATEWAY, topic: Uint8Array = TOPIC) => ({ topic, payload, padding, address })

describe('relayed-message format (docs/relayed-messages.md)', () => {
  it('encodes the documented bytes (fixed vector)', () => {
    const env: Envelope = { shh: 6, version: new Uint8Array(0), expiry: 1_700_000_050, ttl: 50, topic: TOPIC, aesNonce: new Uint8Array(0), data: Uint8Array.of(0xaa, 0xbb, 0xcc), nonce: 0n }
    const pad = encodeRelayed(env)
    // "WRLY" 02 | list [06, envelope RLP (17 bytes)]
    expect(toHex(pad)).toBe('57524c5902' + 'd3' + '06' + '91' + 'd0846553f132328444c7429f83aabbcc80')
    expect(decodeRelayed(pad)).toEqual({ shh: 6, envelope: encodeEnvelope(env) })
  })

  for (const [file, name] of [['shh5-geth.json', 'sym-password-hello-true'], ['shh6-geth.json', 'sym-password-hello-true']] as const) {
    it(`verifies geth's signed ${file.slice(0, 4)} envelope as the original sender`, () => {
      const { v, m, env, rlp, symKey, shh } = gethOriginal(file, name)
      const padding = encodeRelayed(env, rlp)
      const c = checkRelayed({ ...outer(m.payload, padding), topic: env.topic }, symKey)
      expect(c.kind).toBe('relayed')
      if (c.kind !== 'relayed') return
      expect(toHex(c.address!)).toBe(v.senderAddress)
      expect(toHex(c.src!)).toBe(v.senderPublicKey)
      expect(c.sent).toBe(v.sent)
      expect(c.shh).toBe(shh)
      expect(toHex(c.by)).toBe(toHex(GATEWAY))
    })
  }

  it('an unsigned original is relayed without a sender', () => {
    const key = randomBytes(32)
    const env = roomEnvelope(5, key, Uint8Array.of(1, 2, 3))
    const c = checkRelayed(outer(Uint8Array.of(1, 2, 3), encodeRelayed(env)), key)
    expect(c).toMatchObject({ kind: 'relayed', shh: 5, sent: env.expiry - env.ttl })
    expect(c.kind === 'relayed' && c.address).toBe(undefined)
  })

  it("a member's signed shh/6 message claimed as shh/5 is rejected (the layout is bound)", () => {
    const key = randomBytes(32)
    const alice = generatePrivateKey()
    const env = roomEnvelope(6, key, new TextEncoder().encode('hello from alice'), alice)
    const m = openEnvelope(env, { symKey: key })
    // what the v5 layout makes of alice's plaintext: another payload, still "signed" by alice
    const garbage = (() => {
      const raw = m.plaintext!
      const padSize = raw[1] // flags say one size byte
      return raw.subarray(1 + padSize, raw.length - 65)
    })()
    // format 1 (the bare plaintext with a stated version) is no longer believed
    const v1 = concatBytes(Uint8Array.of(0x57, 0x52, 0x4c, 0x59, 1), rlpEncode([5, m.sent, addressOf(publicKeyOf(alice)), m.plaintext!]))
    expect(checkRelayed(outer(garbage, v1), key)).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/format version 1/) })
    // format 2 with alice's shh/6 envelope stated as shh/5: not a shh/5 envelope
    const claimed5 = concatBytes(Uint8Array.of(0x57, 0x52, 0x4c, 0x59, 2), rlpEncode([5, encodeEnvelope(env)]))
    expect(checkRelayed(outer(garbage, claimed5), key)).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/not a shh\/5 envelope/) })
    // stated truly, it verifies as alice's, with her payload
    expect(checkRelayed(outer(m.payload, encodeRelayed(env)), key)).toMatchObject({ kind: 'relayed', shh: 6, address: addressOf(publicKeyOf(alice)) })
  })

  it("forgeries count as the gateway's own message, never as the named sender", () => {
    const { m, env, rlp, symKey } = gethOriginal('shh5-geth.json', 'sym-password-hello-true')
    const padding = encodeRelayed(env, rlp)
    // null: none (an explicit undefined would take the default)
    const check = (pad: Uint8Array, payload: Uint8Array = m.payload, address: Uint8Array | null = GATEWAY, key: Uint8Array | null = symKey, topic: Uint8Array = env.topic) =>
      checkRelayed({ topic, payload, padding: pad, address: address ?? undefined }, key ?? undefined)
    expect(check(padding).kind).toBe('relayed')
    // payload differs from the outer one
    expect(check(padding, Uint8Array.of(0x78))).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/payload/) })
    // another topic than the outer message
    expect(check(padding, m.payload, GATEWAY, symKey, Uint8Array.of(9, 9, 9, 9))).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/topic/) })
    // tampered ciphertext: does not open
    const bad = decodeEnvelope(5, rlp)
    const data = Uint8Array.from(bad.data)
    data[3] ^= 1
    expect(check(encodeRelayed({ ...bad, data }))).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/room key/) })
    // another room's key, or no room at all
    expect(check(padding, m.payload, GATEWAY, randomBytes(32)).kind).toBe('invalid')
    expect(check(padding, m.payload, GATEWAY, null)).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/outside a room/) })
    // the outer message is not signed: no gateway to hold responsible
    expect(check(padding, m.payload, null)).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/not signed/) })
    // unknown format version, truncated, garbage
    const v3 = Uint8Array.from(padding)
    v3[4] = 3
    expect(check(v3)).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/version 3/) })
    expect(check(padding.subarray(0, padding.length - 3)).kind).toBe('invalid')
    expect(check(Uint8Array.of(0x57, 0x52, 0x4c, 0x59, 2, 0xff)).kind).toBe('invalid')
    // ordinary padding is no relayed message
    expect(check(Uint8Array.of(1, 2, 3))).toEqual({ kind: 'none' })
    expect(looksRelayed(new Uint8Array(0))).toBe(false)
  })

  it('refuses bad arguments with WhisperError params', () => {
    const env = roomEnvelope(5, randomBytes(32), Uint8Array.of(1))
    expect(() => encodeRelayed({ ...env, shh: 4 as 5 })).toThrow(/shh/)
  })
})
