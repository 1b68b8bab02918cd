// Envelopes received with their wire bytes kept (the node's receive path) give exactly what the
// pure codecs give: the same hash, the same PoW input (rlpWithoutNonce cut out of the wire bytes),
// the same PoW and the same messages packet, for short and long bodies and every nonce size.
import { describe, expect, it } from 'vitest'
import {
  decodeEnvelope, encodeEnvelope, envelopeHash, envelopePow, envelopeWire, keepWire, rlpWithoutNonce, type Envelope,
} from '../../src/whisper/envelope.js'
import { decodeMessages, encodeMessages } from '../../src/whisper/packets.js'

const NONCES = [0n, 1n, 0x7fn, 0x80n, 0xffn, 0x100n, 0xdeadbeefn, (1n << 64n) - 1n]
const SIZES = [0, 1, 30, 31, 40, 200, 300, 70_000]

function sample(dataLen: number, nonce: bigint): Envelope {
  const data = new Uint8Array(dataLen).map((_, i) => (i * 7 + 3) & 0xff)
  return { shh: 6, version: new Uint8Array(0), expiry: 1_800_000_050, ttl: 50, topic: Uint8Array.of(1, 2, 3, 4), aesNonce: new Uint8Array(0), data, nonce }
}

// byte for byte like toEqual, without its per-element walk (seconds for a 70 kB array)
function expectSameBytes(got: Uint8Array, want: Uint8Array): void {
  expect(got.length).toBe(want.length)
  expect(Buffer.from(got.buffer, got.byteOffset, got.length).equals(Buffer.from(want.buffer, want.byteOffset, want.length))).toBe(true)
}

describe('wire bytes kept from decoding', () => {
  for (const size of SIZES) {
    it(`data of ${size} bytes, every nonce size`, () => {
      for (const nonce of NONCES) {
        const rlp = encodeEnvelope(sample(size, nonce))
        const pure = decodeEnvelope(6, rlp)
        const kept = keepWire(decodeEnvelope(6, rlp), rlp)
        expect(envelopeWire(kept)).toBe(rlp)
        expectSameBytes(rlpWithoutNonce(kept), rlpWithoutNonce(pure))
        expectSameBytes(envelopeHash(kept), envelopeHash(pure))
        expect(envelopePow(kept)).toBe(envelopePow(pure))
        expectSameBytes(encodeMessages(6, [kept, pure]), encodeMessages(6, [pure, pure]))
      }
    })
  }

  it('decodeMessages keeps them only when asked; the packet re-encodes to its input either way', () => {
    const packet = encodeMessages(6, [sample(10, 5n), sample(100, 0x1234n), sample(60_000, 9n)])
    const kept = decodeMessages(6, packet, { keepWire: true })
    const pure = decodeMessages(6, packet)
    expect(kept.map(envelopeWire).every((b) => b.buffer === packet.buffer)).toBe(true)
    expect(pure.map(envelopeWire).every((b) => b.buffer !== packet.buffer)).toBe(true)
    expectSameBytes(encodeMessages(6, kept), packet)
    expectSameBytes(encodeMessages(6, pure), packet)
  })

  it('a copy of a kept envelope is encoded afresh (a changed field is not hidden by old bytes)', () => {
    const rlp = encodeEnvelope(sample(20, 1n))
    const kept = keepWire(decodeEnvelope(6, rlp), rlp)
    const changed = { ...kept, nonce: 2n }
    expect(envelopeWire(changed)).toEqual(encodeEnvelope(sample(20, 2n)))
  })
})
