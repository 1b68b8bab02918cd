// The format-6 packet parts that shh/6 and Waku (waku/0, waku/1) share, since both carry the same
// envelope: a messages or p2p-message payload is an RLP list of envelopes, a p2p request may be one
// envelope, and PoW requirements travel as the IEEE-754 bits of a float64 (math.Float64bits).
import { WhisperError } from './errors.js'
import { rlpDecodeFirst, rlpEncode, rlpForEachListItem } from './rlp.js'
import { decodeEnvelope, envelopeFields, envelopeFromFields, envelopeWire, keepWire, type Envelope, type ShhVersion } from './envelope.js'

export function float64ToBits(x: number): bigint {
  const dv = new DataView(new ArrayBuffer(8))
  dv.setFloat64(0, x)
  return dv.getBigUint64(0)
}

export function bitsToFloat64(b: bigint): number {
  const dv = new DataView(new ArrayBuffer(8))
  dv.setBigUint64(0, BigInt.asUintN(64, b))
  return dv.getFloat64(0)
}

/** geth and status-go refuse a PoW requirement that is NaN, infinite or negative. */
export function checkPow(pow: number, what: string): number {
  if (!Number.isFinite(pow) || pow < 0) throw new WhisperError('packet', `${what}: invalid PoW ${pow} (must be finite and >= 0)`)
  return pow
}

/**
 * A list of format-6 envelopes in one packet. Envelopes received from a peer are forwarded in the
 * bytes they came in (envelopeWire): the list is one header and one copy of each.
 */
export function encodeEnvelopeList(envs: Envelope[]): Uint8Array {
  const items = envs.map((e) => {
    if (e.shh !== 6) throw new WhisperError('params', `shh/${e.shh} envelope in a format-6 envelope list`)
    return envelopeWire(e)
  })
  let bodyLen = 0
  for (const it of items) bodyLen += it.length
  const head = listHeader(bodyLen)
  const out = new Uint8Array(head.length + bodyLen)
  out.set(head, 0)
  let p = head.length
  for (const it of items) {
    out.set(it, p)
    p += it.length
  }
  return out
}

function listHeader(len: number): Uint8Array {
  if (len < 56) return Uint8Array.of(0xc0 + len)
  const bytes: number[] = []
  for (let x = len; x > 0; x = Math.floor(x / 256)) bytes.unshift(x & 0xff)
  return Uint8Array.of(0xf7 + bytes.length, ...bytes)
}

export interface DecodeEnvelopeListOptions {
  /** keep each envelope's wire bytes with it (envelope.ts keepWire): the node's receive path */
  keepWire?: boolean
}

/** Throws WhisperError ('rlp' and the envelope codes) at the first bad element; trailing bytes ignored. */
export function decodeEnvelopeList(payload: Uint8Array, what: string, opts: DecodeEnvelopeListOptions = {}): Envelope[] {
  // one envelope at a time: a hostile list stops at its first bad element, nothing is built ahead
  const envs: Envelope[] = []
  rlpForEachListItem(payload, what, (encoded) => {
    const env = decodeEnvelope(6, encoded)
    envs.push(opts.keepWire ? keepWire(env, encoded) : env)
  })
  return envs
}

/** A single envelope as in p2p message / p2p request packets (both shh versions, and Waku's old mail request). */
export function encodeEnvelopePacket(env: Envelope): Uint8Array {
  return rlpEncode(envelopeFields(env))
}

export function decodeEnvelopePacket(shh: ShhVersion, payload: Uint8Array, what = `shh/${shh} envelope packet`): Envelope {
  return envelopeFromFields(shh, rlpDecodeFirst(payload, what, { maxListItems: shh === 5 ? 7 : 5 }))
}
