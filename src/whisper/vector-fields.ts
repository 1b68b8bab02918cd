// The field readers and the mismatch collector that the vector-file checkers share (whisper/vectors.ts
// for geth's shh files, waku/vectors.ts for status-go's Waku file).
import { equalBytes, fromHex, toHex } from './bytes.js'
import { encodeEnvelope, envelopeHash, envelopePow, envelopePowBits, envelopeSize, type Envelope } from './envelope.js'
import { WhisperError } from './errors.js'
import { keccak256 } from './keccak.js'
import { powToFirstBit } from './pow.js'
import { parseTopic } from './topic.js'

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

/** A vector's PoW must match ours this closely (geth computes it in float64 too, in another order). */
const POW_RELATIVE_TOLERANCE = 1e-9

/**
 * What every envelope vector is held to, whoever sealed it (geth's shh files, status-go's Waku file): the
 * decoded envelope re-encodes to the same bytes, its hash is keccak256 of them and the vector's `hash`, its
 * topic, ttl, expiry and nonce are the vector's (fields of `v`), its PoW is the vector's `pow`, and it
 * reaches `powTarget`, the PoW the sender asked for, when the vector gives one. Returns our PoW of it.
 */
export function checkEnvelopeWire(c: Checker, env: Envelope, rlp: Uint8Array, v: Obj, powTarget: number | undefined): number {
  c.bytes('re-encoding', encodeEnvelope(env), rlp)
  c.bytes('hash', envelopeHash(env), hex(v, 'hash'))
  c.bytes('keccak256(rlp)', keccak256(rlp), hex(v, 'hash'))
  c.bytes('topic', env.topic, parseTopic(str(v, 'topic')))
  c.eq('ttl', env.ttl, num(v, 'ttl'))
  c.eq('expiry', env.expiry, num(v, 'expiry'))
  c.eq('nonce', env.nonce, BigInt(str(v, 'nonce')))
  const pow = envelopePow(env)
  const wantPow = num(v, 'pow')
  if (!(relDiff(pow, wantPow) <= POW_RELATIVE_TOLERANCE)) c.fail(`PoW ${pow} differs from vector ${wantPow} (relative ${relDiff(pow, wantPow).toExponential(2)})`)
  if (powTarget !== undefined) {
    const target = powToFirstBit(powTarget, envelopeSize(env), env.ttl)
    const bits = envelopePowBits(env)
    if (bits < target) c.fail(`PoW bits ${bits} below the sealing target ${target} for powTarget ${powTarget}`)
  }
  return pow
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
