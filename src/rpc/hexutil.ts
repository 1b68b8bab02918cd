// go-ethereum's common/hexutil: 0x-prefixed hex for JSON-RPC. Bytes encode as "0x" + lowercase hex
// ("0x" for empty), quantities without leading zeros ("0x0" for zero). Decoding errors carry
// hexutil's exact messages because geth returns them to RPC callers.

export class HexError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'HexError'
  }
}

const ERR_EMPTY_STRING = 'empty hex string'
const ERR_SYNTAX = 'invalid hex string'
const ERR_MISSING_PREFIX = 'hex string without 0x prefix'
const ERR_ODD_LENGTH = 'hex string of odd length'
const ERR_EMPTY_NUMBER = 'hex string "0x"'
const ERR_LEADING_ZERO = 'hex number with leading zero digits'
const ERR_UINT64_RANGE = 'hex number > 64 bits'

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** hexutil.Encode / Bytes.MarshalText. */
export function encodeBytes(b: Uint8Array): string {
  let s = '0x'
  for (let i = 0; i < b.length; i++) s += HEX[b[i]]
  return s
}

/** hexutil.EncodeUint64 / Uint64.MarshalText. */
export function encodeUint64(n: number | bigint): string {
  return '0x' + BigInt(n).toString(16)
}

const has0x = (s: string): boolean => s.length >= 2 && s[0] === '0' && (s[1] === 'x' || s[1] === 'X')

function nibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10
  return -1
}

function decodeDigits(raw: string): Uint8Array {
  const out = new Uint8Array(raw.length / 2)
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(raw.charCodeAt(2 * i))
    const lo = nibble(raw.charCodeAt(2 * i + 1))
    if (hi < 0 || lo < 0) throw new HexError(ERR_SYNTAX)
    out[i] = (hi << 4) | lo
  }
  return out
}

/** hexutil.Decode: the 0x prefix is mandatory and "" is an error. */
export function decodeHex(input: string): Uint8Array {
  if (input.length === 0) throw new HexError(ERR_EMPTY_STRING)
  if (!has0x(input)) throw new HexError(ERR_MISSING_PREFIX)
  const raw = input.slice(2)
  // Go's hex.DecodeString reports a bad byte before an odd length when both apply; keep that order
  for (let i = 0; i < raw.length; i++) if (nibble(raw.charCodeAt(i)) < 0) throw new HexError(ERR_SYNTAX)
  if (raw.length % 2 !== 0) throw new HexError(ERR_ODD_LENGTH)
  return decodeDigits(raw)
}

/** Bytes.UnmarshalText: "" decodes to empty bytes; otherwise the 0x prefix is mandatory. */
export function unmarshalBytesText(input: string): Uint8Array {
  if (input.length === 0) return new Uint8Array(0)
  if (!has0x(input)) throw new HexError(ERR_MISSING_PREFIX)
  const raw = input.slice(2)
  if (raw.length % 2 !== 0) throw new HexError(ERR_ODD_LENGTH)
  return decodeDigits(raw)
}

/** UnmarshalFixedText: exactly `size` bytes (e.g. TopicType with typeName "Topic"). */
export function unmarshalFixedText(typeName: string, input: string, size: number): Uint8Array {
  if (input.length === 0) {
    // checkText lets "" through, then the length check fails
    throw new HexError(`hex string has length 0, want ${size * 2} for ${typeName}`)
  }
  if (!has0x(input)) throw new HexError(ERR_MISSING_PREFIX)
  const raw = input.slice(2)
  if (raw.length % 2 !== 0) throw new HexError(ERR_ODD_LENGTH)
  if (raw.length / 2 !== size) throw new HexError(`hex string has length ${raw.length}, want ${size * 2} for ${typeName}`)
  for (let i = 0; i < raw.length; i++) if (nibble(raw.charCodeAt(i)) < 0) throw new HexError(ERR_SYNTAX)
  return decodeDigits(raw)
}

/** Uint64.UnmarshalText (as bigint, exact). */
export function unmarshalUint64Text(input: string): bigint {
  if (input.length === 0) return 0n
  if (!has0x(input)) throw new HexError(ERR_MISSING_PREFIX)
  const raw = input.slice(2)
  if (raw.length === 0) throw new HexError(ERR_EMPTY_NUMBER)
  if (raw.length > 1 && raw[0] === '0') throw new HexError(ERR_LEADING_ZERO)
  if (raw.length > 16) throw new HexError(ERR_UINT64_RANGE)
  for (let i = 0; i < raw.length; i++) if (nibble(raw.charCodeAt(i)) < 0) throw new HexError(ERR_SYNTAX)
  return BigInt('0x' + raw)
}
