import { describe, expect, it } from 'vitest'
import {
  decodeHex,
  encodeBytes,
  encodeUint64,
  HexError,
  unmarshalBytesText,
  unmarshalFixedText,
  unmarshalUint64Text,
} from '../../src/rpc/hexutil.js'

const err = (f: () => unknown): string => {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(HexError)
    return (e as Error).message
  }
  throw new Error('no error')
}

describe('hexutil (geth common/hexutil)', () => {
  it('encodes bytes and quantities as geth', () => {
    expect(encodeBytes(new Uint8Array(0))).toBe('0x')
    expect(encodeBytes(Uint8Array.of(0, 0xab, 0x0f))).toBe('0x00ab0f')
    expect(encodeUint64(0)).toBe('0x0')
    expect(encodeUint64(255)).toBe('0xff')
    expect(encodeUint64(2n ** 64n - 1n)).toBe('0xffffffffffffffff')
  })

  it('Bytes.UnmarshalText: empty allowed, prefix required, odd length before bad digits', () => {
    expect(unmarshalBytesText('')).toEqual(new Uint8Array(0))
    expect(unmarshalBytesText('0x')).toEqual(new Uint8Array(0))
    expect(unmarshalBytesText('0XAbCd')).toEqual(Uint8Array.of(0xab, 0xcd))
    expect(err(() => unmarshalBytesText('abcd'))).toBe('hex string without 0x prefix')
    expect(err(() => unmarshalBytesText('0xabc'))).toBe('hex string of odd length')
    expect(err(() => unmarshalBytesText('0xzzz'))).toBe('hex string of odd length')
    expect(err(() => unmarshalBytesText('0xzz'))).toBe('invalid hex string')
  })

  it('Decode: empty is an error and a bad digit comes before odd length', () => {
    expect(err(() => decodeHex(''))).toBe('empty hex string')
    expect(err(() => decodeHex('12'))).toBe('hex string without 0x prefix')
    expect(err(() => decodeHex('0xzzz'))).toBe('invalid hex string')
    expect(err(() => decodeHex('0x123'))).toBe('hex string of odd length')
    expect(decodeHex('0x0102')).toEqual(Uint8Array.of(1, 2))
  })

  it('UnmarshalFixedText (TopicType) messages', () => {
    expect(unmarshalFixedText('Topic', '0xdeadbeef', 4)).toEqual(Uint8Array.of(0xde, 0xad, 0xbe, 0xef))
    expect(err(() => unmarshalFixedText('Topic', '0x1234', 4))).toBe('hex string has length 4, want 8 for Topic')
    expect(err(() => unmarshalFixedText('Topic', '', 4))).toBe('hex string has length 0, want 8 for Topic')
    expect(err(() => unmarshalFixedText('Topic', 'deadbeef', 4))).toBe('hex string without 0x prefix')
    expect(err(() => unmarshalFixedText('Topic', '0xdeadbee', 4))).toBe('hex string of odd length')
    expect(err(() => unmarshalFixedText('Topic', '0xdeadbeeg', 4))).toBe('invalid hex string')
  })

  it('Uint64.UnmarshalText messages', () => {
    expect(unmarshalUint64Text('0x0')).toBe(0n)
    expect(unmarshalUint64Text('0xffffffffffffffff')).toBe(2n ** 64n - 1n)
    expect(err(() => unmarshalUint64Text('0x'))).toBe('hex string "0x"')
    expect(err(() => unmarshalUint64Text('0x01'))).toBe('hex number with leading zero digits')
    expect(err(() => unmarshalUint64Text('0x10000000000000000'))).toBe('hex number > 64 bits')
    expect(err(() => unmarshalUint64Text('10'))).toBe('hex string without 0x prefix')
    expect(err(() => unmarshalUint64Text('0xg'))).toBe('invalid hex string')
  })
})
