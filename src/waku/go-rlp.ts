// Reading RLP the way go-ethereum's rlp package fills Go values, for the packets status-go decodes
// straight into structs: a struct takes a list of exactly its field count, a common.Hash exactly 32
// bytes, a bool exactly 0x80 or 0x01, a uintN a canonical integer of at most N/8 bytes. Every failure is
// a WhisperError 'packet' naming the field.
import { WhisperError } from '../whisper/errors.js'
import { rlpUint, type RlpItem } from '../whisper/rlp.js'

export const HASH_LENGTH = 32

export function goStruct(item: RlpItem | undefined, n: number, what: string): RlpItem[] {
  if (!Array.isArray(item)) throw new WhisperError('packet', `${what}: expected a list of ${n} fields, got ${item === undefined ? 'nothing' : 'a byte string'}`)
  if (item.length !== n) throw new WhisperError('packet', `${what}: ${item.length} fields, expected ${n}`)
  return item
}

export function goList(item: RlpItem | undefined, what: string): RlpItem[] {
  if (!Array.isArray(item)) throw new WhisperError('packet', `${what}: expected a list, got ${item === undefined ? 'nothing' : 'a byte string'}`)
  return item
}

export function goBytes(item: RlpItem | undefined, what: string): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new WhisperError('packet', `${what}: expected bytes, got ${item === undefined ? 'nothing' : 'a list'}`)
  return item
}

export function goHash(item: RlpItem | undefined, what: string): Uint8Array {
  const b = goBytes(item, what)
  if (b.length !== HASH_LENGTH) throw new WhisperError('packet', `${what}: ${b.length} bytes, expected ${HASH_LENGTH}`)
  return b
}

export function goUint(item: RlpItem | undefined, bytes: number, what: string): bigint {
  try {
    return rlpUint(item, bytes, what)
  } catch (e) {
    throw new WhisperError('packet', (e as Error).message)
  }
}

export function goUint32(item: RlpItem | undefined, what: string): number {
  return Number(goUint(item, 4, what))
}

/** A uint64 as a number; beyond 2^53 - 1 it reads as Number.MAX_SAFE_INTEGER (callers use it as "no limit"). */
export function goUint64Number(item: RlpItem | undefined, what: string): number {
  const n = goUint(item, 8, what)
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n)
}

export function goBool(item: RlpItem | undefined, what: string): boolean {
  if (item instanceof Uint8Array && item.length === 0) return false
  if (item instanceof Uint8Array && item.length === 1 && item[0] === 1) return true
  throw new WhisperError('packet', `${what}: invalid boolean (Go reads only 0x80 and 0x01)`)
}
