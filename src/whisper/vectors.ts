// Conformance check of a vector file in the format of /work/shared/vectors (geth-produced samples):
// every entry is decoded, re-encoded, hashed, PoW-checked and opened with this package's code.
import { equalBytes, fromHex, toHex } from './bytes.js'
import { bool, Checker, checkEnvelopeWire, clipHex, hex, isObj, num, runVector, str, type Obj, type VectorResult } from './vector-fields.js'
import { publicKeyOf, symKeyFromPassword } from './crypto.js'
import {
  decodeEnvelope, encodeEnvelope, envelopeBloom, envelopeSent, type Envelope, type ShhVersion,
} from './envelope.js'
import { WhisperError } from './errors.js'
import { openEnvelope, type OpenKey } from './open.js'
import {
  decodeBloomFilterEx, decodeMessages, decodePowRequirement, decodeStatus, encodeBloomFilterEx, encodeMessages,
  encodePowRequirement, encodeStatus,
} from './packets.js'
import { parseTopic, topicFromPassword, topicHex } from './topic.js'
import { topicBloom } from './bloom.js'

export type { VectorResult } from './vector-fields.js'

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

/** The shh version a vector file is for, from its `protocol` field ("shh/5", "shh/6"). Throws WhisperError 'params'. */
export function vectorFileVersion(json: unknown): ShhVersion {
  const p = isObj(json) ? json.protocol : undefined
  if (p === 'shh/5' || p === 5 || p === '5') return 5
  if (p === 'shh/6' || p === 6 || p === '6') return 6
  throw new WhisperError('params', `not a whisper vector file: "protocol" must be "shh/5" or "shh/6", got ${JSON.stringify(p)}`)
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
    results.push(runVector(id, fn))
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
  const pow = checkEnvelopeWire(c, env, rlp, v, v.powTarget === undefined ? undefined : num(v, 'powTarget'))
  c.eq('sent', envelopeSent(env), num(v, 'sent'))
  if (shh === 5) {
    c.bytes('version', env.version, hex(v, 'version'))
    c.bytes('aesNonce', env.aesNonce, v.aesNonce === undefined ? new Uint8Array(0) : hex(v, 'aesNonce'))
  } else if (v.bloom !== undefined) {
    c.bytes('bloom', envelopeBloom(env), hex(v, 'bloom'))
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
