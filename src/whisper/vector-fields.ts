// The field readers and the mismatch collector that the vector-file checkers share (whisper/vectors.ts
// for geth's shh files, waku/vectors.ts for status-go's Waku file).
import { equalBytes, fromHex, toHex } from './bytes.js'
import { WhisperError } from './errors.js'

/** The outcome of one entry of a vector file. */
export interface VectorResult {
  /** e.g. `envelopes[sym-raw-hello-true]`, `kdf[0]` */
  id: string
  /** The entry reproduced exactly. */
  ok: boolean
  /** why it failed (all reasons of the entry, '; '-joined) */
  reason?: string
}

export type Obj = Record<string, unknown>

export function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

export function str(o: Obj, k: string): string {
  const v = o[k]
  if (typeof v !== 'string') throw new Error(`field "${k}" missing or not a string`)
  return v
}

export function num(o: Obj, k: string): number {
  const v = o[k]
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN
  if (!Number.isFinite(n)) throw new Error(`field "${k}" missing or not a number`)
  return n
}

export function bool(o: Obj, k: string): boolean {
  const v = o[k]
  if (typeof v === 'boolean') return v
  if (v === 'true' || v === 'True') return true
  if (v === 'false' || v === 'False') return false
  throw new Error(`field "${k}" missing or not a boolean`)
}

export function hex(o: Obj, k: string): Uint8Array {
  return fromHex(str(o, k), `field "${k}"`)
}

/** Collects mismatches of one entry instead of stopping at the first. */
export class Checker {
  readonly reasons: string[] = []
  bytes(what: string, got: Uint8Array, want: Uint8Array): void {
    if (!equalBytes(got, want)) this.reasons.push(`${what} ${clipHex(toHex(got))} differs from vector ${clipHex(toHex(want))}`)
  }
  eq(what: string, got: unknown, want: unknown): void {
    if (got !== want) this.reasons.push(`${what} ${String(got)} differs from vector ${String(want)}`)
  }
  fail(reason: string): void {
    this.reasons.push(reason)
  }
}

export function clipHex(h: string): string {
  return h.length > 72 ? `${h.slice(0, 32)}...${h.slice(-32)} (${h.length / 2} bytes)` : h || '(empty)'
}

export function describe(e: unknown): string {
  if (e instanceof WhisperError) return `${e.code}: ${e.message}`
  return e instanceof Error ? e.message : String(e)
}

export function relDiff(a: number, b: number): number {
  if (a === b) return 0
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b))
}

/** Runs one entry's checks: a throw is a failure with its message, and every mismatch is reported. */
export function runVector(id: string, fn: (c: Checker) => void): VectorResult {
  const c = new Checker()
  try {
    fn(c)
  } catch (e) {
    c.fail(describe(e))
  }
  return c.reasons.length === 0 ? { id, ok: true } : { id, ok: false, reason: c.reasons.join('; ') }
}
