import { describe, expect, it } from 'vitest'
import { decodeEnvelope } from '../../src/whisper/envelope.js'
import { openEnvelope } from '../../src/whisper/open.js'
import { encodePlaintext } from '../../src/whisper/message.js'
import { addressOf, publicKeyOf } from '../../src/whisper/crypto.js'
import { checkRelayed, decodeRelayed, encodeRelayed, looksRelayed } from '../../src/whisper/relayed.js'
import { hex, loadVectors, toHex } from './helpers.js'

const GATEWAY = addressOf(publicKeyOf(hex('11'.repeat(32))))

function gethOriginal(file: 'shh5-geth.json' | 'shh6-geth.json', name: string) {
  const v = loadVectors(file).envelopes.find((e: { name: string }) => e.name === name)
  const shh = file === 'shh5-geth.json' ? 5 : 6
  const m = openEnvelope(decodeEnvelope(shh, hex(v.rlp)), { symKey: hex(v.symKey) })
  return { v, m, shh: shh as 5 | 6 }
}

describe('relayed-message format (docs/relayed-messages.md)', () => {
  it('encodes the documented bytes (fixed vector)', () => {
    const plaintext = encodePlaintext(6, { payload: Uint8Array.of(0x68, 0x69), padding: Uint8Array.of(0xaa) })
    const pad = encodeRelayed({ shh: 6, sent: 1_700_000_000, plaintext })
    // "WRLY" 01 | list [06, 6553f100, "", 01 02 6869 aa]
    expect(toHex(pad)).toBe('57524c5901' + 'cd' + '06' + '846553f100' + '80' + '85' + '01026869aa')
    expect(decodeRelayed(pad)).toEqual({ shh: 6, sent: 1_700_000_000, address: undefined, plaintext })
  })

  for (const [file, name] of [['shh5-geth.json', 'sym-password-hello-true'], ['shh6-geth.json', 'sym-password-hello-true']] as const) {
    it(`verifies geth's signed ${file.slice(0, 4)} plaintext as the original sender`, () => {
      const { v, m, shh } = gethOriginal(file, name)
      const padding = encodeRelayed({ shh, sent: m.sent, address: m.address, plaintext: m.plaintext! })
      const c = checkRelayed({ payload: m.payload, padding, address: GATEWAY })
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
    const plaintext = encodePlaintext(5, { payload: Uint8Array.of(1, 2, 3) })
    const c = checkRelayed({ payload: Uint8Array.of(1, 2, 3), padding: encodeRelayed({ shh: 5, sent: 5, plaintext }), address: GATEWAY })
    expect(c).toMatchObject({ kind: 'relayed', shh: 5, sent: 5 })
    expect(c.kind === 'relayed' && c.address).toBe(undefined)
  })

  it('forgeries count as the gateway\'s own message, never as the named sender', () => {
    const { m, shh } = gethOriginal('shh5-geth.json', 'sym-password-hello-true')
    const good = { shh, sent: m.sent, address: m.address, plaintext: m.plaintext! }
    const check = (padding: Uint8Array, payload = m.payload, address: Uint8Array | null = GATEWAY) => checkRelayed({ payload, padding, address: address ?? undefined })
    // payload differs from the outer one
    expect(check(encodeRelayed(good), Uint8Array.of(0x78))).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/payload/) })
    // tampered signature: recovers someone else (or nothing)
    const bad = Uint8Array.from(m.plaintext!)
    bad[bad.length - 10] ^= 1
    expect(check(encodeRelayed({ ...good, plaintext: bad })).kind).toBe('invalid')
    // a signer named that did not sign
    expect(check(encodeRelayed({ ...good, address: GATEWAY })).kind).toBe('invalid')
    // a signed message claimed as unsigned
    expect(check(encodeRelayed({ ...good, address: undefined })).kind).toBe('invalid')
    // the outer message is not signed: no gateway to hold responsible
    expect(check(encodeRelayed(good), m.payload, null).kind).toBe('invalid')
    // unknown format version, truncated, garbage
    const pad = encodeRelayed(good)
    const v2 = Uint8Array.from(pad)
    v2[4] = 2
    expect(check(v2)).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/version 2/) })
    expect(check(pad.subarray(0, pad.length - 3)).kind).toBe('invalid')
    expect(check(Uint8Array.of(0x57, 0x52, 0x4c, 0x59, 1, 0xff)).kind).toBe('invalid')
    // ordinary padding is no relayed message
    expect(check(Uint8Array.of(1, 2, 3))).toEqual({ kind: 'none' })
    expect(looksRelayed(new Uint8Array(0))).toBe(false)
  })

  it('refuses bad arguments with WhisperError params', () => {
    expect(() => encodeRelayed({ shh: 4 as 5, sent: 1, plaintext: Uint8Array.of(0) })).toThrow(/shh/)
    expect(() => encodeRelayed({ shh: 5, sent: -1, plaintext: Uint8Array.of(0) })).toThrow(/sent/)
    expect(() => encodeRelayed({ shh: 5, sent: 1, plaintext: new Uint8Array(0) })).toThrow(/plaintext/)
  })
})
