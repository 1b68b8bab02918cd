// Byte helpers shared by the codecs. Hex is lowercase without 0x on output; input may carry 0x.
import { WhisperError } from './errors.js'

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Lowercase hex without 0x. */
export function toHex(b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < b.length; i++) s += HEX[b[i]]
  return s
}

/** Strict hex decoding (optional 0x prefix, even length, hex digits only); throws WhisperError 'hex'. */
export function fromHex(hex: string, what = 'hex string'): Uint8Array {
  if (typeof hex !== 'string') throw new WhisperError('hex', `${what}: not a string`)
  let s = hex.trim()
  if (s.startsWith('0x') || s.startsWith('0X')) s = s.slice(2)
  if (s.length % 2 !== 0) throw new WhisperError('hex', `${what}: odd number of hex digits`)
  if (!/^[0-9a-fA-F]*$/.test(s)) throw new WhisperError('hex', `${what}: not hexadecimal`)
  const out = new Uint8Array(s.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16)
  return out
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let d = 0
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i]
  return d === 0
}

export function isAllZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false
  return true
}

/** geth's bytesToUintLittleEndian (only ever used on <= 4 bytes here, so a number is exact). */
export function uintLE(b: Uint8Array): number {
  let res = 0
  let mul = 1
  for (let i = 0; i < b.length; i++) {
    res += b[i] * mul
    mul *= 256
  }
  return res
}

export function uintLEBytes(value: number, size: number): Uint8Array {
  const out = new Uint8Array(size)
  let v = value
  for (let i = 0; i < size; i++) {
    out[i] = v & 0xff
    v = Math.floor(v / 256)
  }
  return out
}

/** Minimal big-endian bytes of a non-negative integer (empty for 0), as RLP encodes integers. */
export function uintBE(value: number | bigint): Uint8Array {
  let v = BigInt(value)
  if (v < 0n) throw new RangeError('negative integer')
  const bytes: number[] = []
  while (v > 0n) {
    bytes.unshift(Number(v & 0xffn))
    v >>= 8n
  }
  return Uint8Array.from(bytes)
}

/** The UTF-8 bytes of a string. */
export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s)
}
