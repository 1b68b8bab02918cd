// Conformance check of a vector file in the format of /work/shared/vectors (geth-produced samples):
// every entry is decoded, re-encoded, hashed, PoW-checked and opened with this package's code.
import { equalBytes, fromHex, toHex } from './bytes.js'
import { publicKeyOf, symKeyFromPassword } from './crypto.js'
import {
  decodeEnvelope, encodeEnvelope, envelopeBloom, envelopeHash, envelopePow, envelopePowBits, envelopeSent, envelopeSize,
  type Envelope, type ShhVersion,
} from './envelope.js'
import { WhisperError } from './errors.js'
import { keccak256 } from './keccak.js'
import { openEnvelope, type OpenKey } from './open.js'
import {
  decodeBloomFilterEx, decodeMessages, decodePowRequirement, decodeStatus, encodeBloomFilterEx, encodeMessages,
  encodePowRequirement, encodeStatus,
} from './packets.js'
import { powToFirstBit } from './pow.js'
import { parseTopic, topicFromPassword, topicHex } from './topic.js'
import { topicBloom } from './bloom.js'

const POW_RELATIVE_TOLERANCE = 1e-9

/** The outcome of one entry of a vector file. */
export interface VectorResult {
  /** e.g. `envelopes[sym-raw-hello-true]`, `kdf[0]` */
  id: string
  /** The entry reproduced exactly. */
  ok: boolean
  /** why it failed (all reasons of the entry, '; '-joined) */
  reason?: string
}

/** What checkVectorFile found in one file. */
export interface VectorReport {
  /** The protocol version the file is for. */
  shh: ShhVersion
  /** One result per entry, in file order. */
  results: VectorResult[]
  /** Entries that reproduced. */
  passed: number
  /** Entries that did not. */
  failed: number
}

type Obj = Record<string, unknown>

/** The shh version a vector file is for, from its `protocol` field ("shh/5", "shh/6"). Throws WhisperError 'params'. */
export function vectorFileVersion(json: unknown): ShhVersion {
  const p = isObj(json) ? json.protocol : undefined
  if (p === 'shh/5' || p === 5 || p === '5') return 5
  if (p === 'shh/6' || p === 6 || p === '6') return 6
  throw new WhisperError('params', `not a whisper vector file: "protocol" must be "shh/5" or "shh/6", got ${JSON.stringify(p)}`)
}

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function str(o: Obj, k: string): string {
  const v = o[k]
  if (typeof v !== 'string') throw new Error(`field "${k}" missing or not a string`)
  return v
}

function num(o: Obj, k: string): number {
  const v = o[k]
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN
  if (!Number.isFinite(n)) throw new Error(`field "${k}" missing or not a number`)
  return n
}

function bool(o: Obj, k: string): boolean {
  const v = o[k]
  if (typeof v === 'boolean') return v
  if (v === 'true' || v === 'True') return true
  if (v === 'false' || v === 'False') return false
  throw new Error(`field "${k}" missing or not a boolean`)
}

function hex(o: Obj, k: string): Uint8Array {
  return fromHex(str(o, k), `field "${k}"`)
}

/** Collects mismatches of one entry instead of stopping at the first. */
class Checker {
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

function clipHex(h: string): string {
  return h.length > 72 ? `${h.slice(0, 32)}...${h.slice(-32)} (${h.length / 2} bytes)` : h || '(empty)'
}

function describe(e: unknown): string {
  if (e instanceof WhisperError) return `${e.code}: ${e.message}`
  return e instanceof Error ? e.message : String(e)
}

function relDiff(a: number, b: number): number {
  if (a === b) return 0
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b))
}

/**
 * Checks a parsed test-vector file (shared/vectors format: envelopes, keys, PoW, KDF) against this
 * implementation; throws WhisperError 'params' when it is not a vector file.
 */
export function checkVectorFile(json: unknown): VectorReport {
  const shh = vectorFileVersion(json)
  const file = json as Obj
  const results: VectorResult[] = []
  const kdfCache = new Map<string, Uint8Array>()
  const kdf = (pw: string): Uint8Array => {
    let k = kdfCache.get(pw)
    if (!k) kdfCache.set(pw, (k = symKeyFromPassword(pw)))
    return k
  }
  const run = (id: string, fn: (c: Checker) => void): void => {
    const c = new Checker()
    try {
      fn(c)
    } catch (e) {
      c.fail(describe(e))
    }
    results.push(c.reasons.length === 0 ? { id, ok: true } : { id, ok: false, reason: c.reasons.join('; ') })
  }
  const list = (k: string): unknown[] => {
    const v = file[k]
    return Array.isArray(v) ? v : []
  }

  for (const [i, v] of list('kdf').entries()) {
    run(`kdf[${i}]`, (c) => {
      if (!isObj(v)) throw new Error('entry is not an object')
      c.bytes('symmetric key', kdf(str(v, 'password')), hex(v, 'symKey'))
    })
  }

  for (const [i, v] of list('wnodeTopicFromPassword').entries()) {
    run(`wnodeTopicFromPassword[${i}]`, (c) => {
      if (!isObj(v)) throw new Error('entry is not an object')
      const pw = str(v, 'password')
      const want = parseTopic(str(v, 'topic'))
      const got = topicFromPassword(pw)
      if (!equalBytes(got, want)) {
        c.fail(`topic ${topicHex(got)} (cmd/wnode: PBKDF2-SHA512(password, password, 4096, 128) XOR-folded into 4 bytes) differs from vector ${topicHex(want)}`)
      }
    })
  }

  for (const [i, v] of list('status').entries()) {
    run(`status[${i}]`, (c) => {
      if (!isObj(v)) throw new Error('entry is not an object')
      const rlp = hex(v, 'rlp')
      const st = decodeStatus(shh, rlp)
      c.eq('version', st.version, shh)
      if (shh === 5) {
        c.bytes('encoding', encodeStatus(5), rlp)
      } else {
        const minPow = num(v, 'minPow')
        const bloomHex = str(v, 'bloom')
        const bloom = bloomHex === '' ? null : fromHex(bloomHex, 'bloom')
        const light = bool(v, 'lightNode')
        c.bytes('encoding', encodeStatus(6, { minPow, bloom, lightNode: light }), rlp)
        c.eq('minPow', st.minPow, minPow)
        if (bloom === null ? st.bloom !== null && st.bloom !== undefined : !st.bloom || !equalBytes(st.bloom, bloom)) {
          c.fail(`bloom ${st.bloom ? clipHex(toHex(st.bloom)) : String(st.bloom)} differs from vector ${clipHex(bloomHex)}`)
        }
        c.eq('lightNode', st.lightNode, light)
      }
    })
  }

  for (const [i, v] of list('bloom').entries()) {
    run(`bloom[${i}]`, (c) => {
      if (!isObj(v)) throw new Error('entry is not an object')
      c.bytes(`bloom of topic ${str(v, 'topic')}`, topicBloom(parseTopic(str(v, 'topic'))), hex(v, 'bloom'))
    })
  }

  if (isObj(file.powRequirementPacket)) {
    const v = file.powRequirementPacket
    run('powRequirementPacket', (c) => {
      const rlp = hex(v, 'rlp')
      c.bytes('encoding', encodePowRequirement(num(v, 'pow')), rlp)
      c.eq('decoded PoW', decodePowRequirement(rlp), num(v, 'pow'))
    })
  }

  if (isObj(file.bloomFilterExPacket)) {
    const v = file.bloomFilterExPacket
    run('bloomFilterExPacket', (c) => {
      const rlp = hex(v, 'rlp')
      const bloom = topicBloom(parseTopic(str(v, 'topic')))
      c.bytes('encoding', encodeBloomFilterEx(bloom), rlp)
      c.bytes('decoded bloom', decodeBloomFilterEx(rlp), bloom)
    })
  }

  const envelopesByName = new Map<string, Uint8Array>()
  for (const [i, v] of list('envelopes').entries()) {
    const name = isObj(v) && typeof v.name === 'string' ? v.name : String(i)
    run(`envelopes[${name}]`, (c) => {
      if (!isObj(v)) throw new Error('entry is not an object')
      const rlp = hex(v, 'rlp')
      envelopesByName.set(name, rlp)
      checkEnvelopeVector(shh, v, rlp, c, kdf)
    })
  }

  if (isObj(file.messagesPacket)) {
    const v = file.messagesPacket
    run('messagesPacket', (c) => {
      const rlp = hex(v, 'rlp')
      const envs = decodeMessages(shh, rlp)
      const names = Array.isArray(v.envelopeNames) ? (v.envelopeNames as unknown[]).map(String) : []
      c.eq('envelope count', envs.length, names.length)
      envs.forEach((env, j) => {
        const want = envelopesByName.get(names[j])
        if (!want) c.fail(`envelope ${names[j]} is not among the file's envelopes`)
        else c.bytes(`envelope ${j} (${names[j]})`, encodeEnvelope(env), want)
      })
      c.bytes('re-encoding', encodeMessages(shh, envs), rlp)
    })
  }

  const failed = results.filter((r) => !r.ok).length
  return { shh, results, passed: results.length - failed, failed }
}

function checkEnvelopeVector(shh: ShhVersion, v: Obj, rlp: Uint8Array, c: Checker, kdf: (pw: string) => Uint8Array): void {
  const env: Envelope = decodeEnvelope(shh, rlp)
  c.bytes('re-encoding', encodeEnvelope(env), rlp)
  c.bytes('hash', envelopeHash(env), hex(v, 'hash'))
  c.bytes('keccak256(rlp)', keccak256(rlp), hex(v, 'hash'))
  c.bytes('topic', env.topic, parseTopic(str(v, 'topic')))
  c.eq('ttl', env.ttl, num(v, 'ttl'))
  c.eq('expiry', env.expiry, num(v, 'expiry'))
  c.eq('sent', envelopeSent(env), num(v, 'sent'))
  c.eq('nonce', env.nonce, BigInt(str(v, 'nonce')))
  if (shh === 5) {
    c.bytes('version', env.version, hex(v, 'version'))
    c.bytes('aesNonce', env.aesNonce, v.aesNonce === undefined ? new Uint8Array(0) : hex(v, 'aesNonce'))
  } else if (v.bloom !== undefined) {
    c.bytes('bloom', envelopeBloom(env), hex(v, 'bloom'))
  }
  const pow = envelopePow(env)
  const wantPow = num(v, 'pow')
  if (!(relDiff(pow, wantPow) <= POW_RELATIVE_TOLERANCE)) c.fail(`PoW ${pow} differs from vector ${wantPow} (relative ${relDiff(pow, wantPow).toExponential(2)})`)
  if (v.powTarget !== undefined) {
    const target = powToFirstBit(num(v, 'powTarget'), envelopeSize(env), env.ttl)
    const bits = envelopePowBits(env)
    if (bits < target) c.fail(`PoW bits ${bits} below the sealing target ${target} for powTarget ${num(v, 'powTarget')}`)
  }

  const mode = str(v, 'mode')
  const key: OpenKey = {}
  if (mode === 'sym-password') {
    key.symKey = kdf(str(v, 'password'))
    if (v.symKey !== undefined) c.bytes('key from password', key.symKey, hex(v, 'symKey'))
  } else if (mode === 'sym-raw') {
    key.symKey = hex(v, 'symKey')
  } else if (mode === 'asym') {
    key.privateKey = hex(v, 'recipientPrivateKey')
    if (v.recipientPublicKey !== undefined) c.bytes('recipient public key', publicKeyOf(key.privateKey), hex(v, 'recipientPublicKey'))
  } else {
    throw new Error(`unknown mode "${mode}"`)
  }
  const msg = openEnvelope(env, key)
  c.eq('symmetric', msg.symmetric, mode !== 'asym')
  c.bytes('payload', msg.payload, hex(v, 'payload'))
  if (v.receivedPadding !== undefined) c.bytes('padding', msg.padding, hex(v, 'receivedPadding'))
  if (v.padding !== undefined && v.receivedPadding === undefined) c.bytes('padding', msg.padding, hex(v, 'padding'))
  const signed = bool(v, 'signed')
  if (signed) {
    if (!msg.signature || !msg.src || !msg.address) {
      c.fail('vector is signed but the opened message carries no signature')
    } else {
      c.bytes('signature', msg.signature, hex(v, 'signature'))
      c.bytes('signer public key', msg.src, hex(v, 'senderPublicKey'))
      c.bytes('signer address', msg.address, hex(v, 'senderAddress'))
    }
  } else if (msg.signature) {
    c.fail('vector is unsigned but the opened message is signed')
  }
  c.eq('opened PoW', msg.pow, pow)
  c.eq('opened sent', msg.sent, num(v, 'sent'))
}
