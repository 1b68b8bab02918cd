// A strict, allocation-free RLP decoder for untrusted input. It only returns subarrays of the input
// (a hostile length can never make it allocate), caps the nesting depth (no stack exhaustion), and
// rejects non-canonical encodings exactly where go-ethereum's rlp package does (ErrCanonSize,
// ErrCanonInt), so we refuse what geth refuses. Encoding is @ethereumjs/rlp's.
import { RLP } from '@ethereumjs/rlp'
import { WhisperError } from './errors.js'

export type RlpItem = Uint8Array | RlpItem[]

const MAX_DEPTH = 16

export function rlpEncode(input: RlpInput): Uint8Array {
  return RLP.encode(input)
}
export type RlpInput = Uint8Array | number | bigint | RlpInput[]

/**
 * Bounds on what a decode may build, so that many tiny items (1 MiB of empty lists) cannot make it
 * allocate millions of objects: lists longer than maxListItems are an error ('field-count'), or with
 * extraItems 'ignore' the rest is skipped (geth's Stream stops reading after the fields it wants).
 */
export interface RlpDecodeOptions {
  maxListItems?: number
  extraItems?: 'error' | 'ignore'
}

interface Ctx {
  what: string
  max: number
  ignore: boolean
}

function ctx(what: string, opts?: RlpDecodeOptions): Ctx {
  return { what, max: opts?.maxListItems ?? Infinity, ignore: opts?.extraItems === 'ignore' }
}

/** Decodes exactly one item spanning the whole input. Throws WhisperError 'rlp'. */
export function rlpDecode(input: Uint8Array, what = 'RLP', opts?: RlpDecodeOptions): RlpItem {
  if (!(input instanceof Uint8Array)) throw new WhisperError('rlp', `${what}: not bytes`)
  if (input.length === 0) throw new WhisperError('rlp', `${what}: empty input`)
  const [item, end] = decodeAt(input, 0, input.length, 0, ctx(what, opts))
  if (end !== input.length) throw new WhisperError('rlp', `${what}: ${input.length - end} trailing bytes after the value`)
  return item
}

/**
 * Walks the items of the list at the start of `input` (trailing bytes ignored, as geth's Msg.Decode),
 * handing each item's whole encoding to `fn` without decoding it: a long list of envelopes is then
 * decoded one at a time and fails at its first bad element.
 */
export function rlpForEachListItem(input: Uint8Array, what: string, fn: (encoded: Uint8Array, index: number) => void): void {
  if (!(input instanceof Uint8Array)) throw new WhisperError('rlp', `${what}: not bytes`)
  if (input.length === 0) throw new WhisperError('rlp', `${what}: empty input`)
  const [isList, start, end] = header(input, 0, input.length, what)
  if (!isList) throw new WhisperError('rlp', `${what}: expected a list, got a byte string`)
  let p = start
  for (let i = 0; p < end; i++) {
    const [, , itemEnd] = header(input, p, end, what)
    fn(input.subarray(p, itemEnd), i)
    p = itemEnd
  }
}

/**
 * Decodes the first item and ignores what follows, as geth's rlp.Stream does for packet payloads
 * (Msg.Decode never checks for trailing bytes). Throws WhisperError 'rlp'.
 */
export function rlpDecodeFirst(input: Uint8Array, what = 'RLP', opts?: RlpDecodeOptions): RlpItem {
  if (!(input instanceof Uint8Array)) throw new WhisperError('rlp', `${what}: not bytes`)
  if (input.length === 0) throw new WhisperError('rlp', `${what}: empty input`)
  return decodeAt(input, 0, input.length, 0, ctx(what, opts))[0]
}

/** Reads the header at `pos`: [isList, payload start, payload end]. */
function header(buf: Uint8Array, pos: number, limit: number, what: string): [boolean, number, number] {
  const b = buf[pos]
  if (b < 0x80) return [false, pos, pos + 1]
  if (b <= 0xb7) {
    const len = b - 0x80
    const start = pos + 1
    if (start + len > limit) throw new WhisperError('rlp', `${what}: string of ${len} bytes overruns its container`)
    if (len === 1 && buf[start] < 0x80) throw new WhisperError('rlp', `${what}: non-canonical size (single byte < 0x80 with a prefix)`)
    return [false, start, start + len]
  }
  if (b <= 0xbf) return long(buf, pos, limit, b - 0xb7, false, what)
  if (b <= 0xf7) {
    const len = b - 0xc0
    const start = pos + 1
    if (start + len > limit) throw new WhisperError('rlp', `${what}: list of ${len} bytes overruns its container`)
    return [true, start, start + len]
  }
  return long(buf, pos, limit, b - 0xf7, true, what)
}

function long(buf: Uint8Array, pos: number, limit: number, lenOfLen: number, list: boolean, what: string): [boolean, number, number] {
  const start = pos + 1 + lenOfLen
  if (start > limit) throw new WhisperError('rlp', `${what}: truncated length prefix`)
  if (buf[pos + 1] === 0) throw new WhisperError('rlp', `${what}: non-canonical size (leading zero in length)`)
  let len = 0
  for (let i = pos + 1; i < start; i++) {
    len = len * 256 + buf[i]
    // anything larger than the remaining input is an error anyway; stop before losing precision
    if (len > limit - start) throw new WhisperError('rlp', `${what}: ${list ? 'list' : 'string'} length exceeds the input`)
  }
  if (len < 56) throw new WhisperError('rlp', `${what}: non-canonical size (long form for ${len} bytes)`)
  return [list, start, start + len]
}

function decodeAt(buf: Uint8Array, pos: number, limit: number, depth: number, c: Ctx): [RlpItem, number] {
  const [isList, start, end] = header(buf, pos, limit, c.what)
  if (!isList) return [buf.subarray(start, end), end]
  if (depth >= MAX_DEPTH) throw new WhisperError('rlp', `${c.what}: lists nested deeper than ${MAX_DEPTH}`)
  const items: RlpItem[] = []
  let p = start
  while (p < end) {
    if (items.length >= c.max) {
      if (c.ignore) break
      throw new WhisperError('field-count', `${c.what}: a list has more than ${c.max} items`)
    }
    const [item, next] = decodeAt(buf, p, end, depth + 1, c)
    items.push(item)
    p = next
  }
  return [items, end]
}

/** A canonical RLP unsigned integer of at most `maxBytes` bytes, as geth's decoder into uintN. */
export function rlpUint(item: RlpItem | undefined, maxBytes: number, what: string): bigint {
  if (!(item instanceof Uint8Array)) throw new WhisperError('field-size', `${what}: expected an integer, got a list`)
  if (item.length > maxBytes) throw new WhisperError('field-size', `${what}: integer of ${item.length} bytes exceeds ${maxBytes}`)
  if (item.length > 0 && item[0] === 0) throw new WhisperError('field-size', `${what}: non-canonical integer (leading zero byte)`)
  let v = 0n
  for (let i = 0; i < item.length; i++) v = (v << 8n) | BigInt(item[i])
  return v
}

export function rlpUint32(item: RlpItem | undefined, what: string): number {
  return Number(rlpUint(item, 4, what))
}

export function rlpBytes(item: RlpItem | undefined, what: string): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new WhisperError('field-size', `${what}: expected a byte string, got ${item === undefined ? 'nothing' : 'a list'}`)
  return item
}

export function rlpList(item: RlpItem | undefined, what: string): RlpItem[] {
  if (!Array.isArray(item)) throw new WhisperError('rlp', `${what}: expected a list, got a byte string`)
  return item
}
