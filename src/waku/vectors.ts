// `vectors verify` for status-go's Waku v1 vector file (fixtures/waku1-statusgo.json, its .md tells the
// format): every entry is decoded and re-encoded byte for byte with this folder's codecs, envelopes are
// hashed, PoW-checked, opened and re-encrypted, and the file's code table and constants are compared
// with codes.ts. Entries that record a status-go bug (an unknown option key placed first, the other
// version's options) are checked against our rule instead: the unknown pair is skipped, the rest decodes.
import { equalBytes, fromHex, toHex } from '../whisper/bytes.js'
import { aesGcmEncrypt, publicKeyOf, symKeyFromPassword } from '../whisper/crypto.js'
import { decodeEnvelope, encodeEnvelope, envelopeBloom, envelopeHash, envelopeSize, type Envelope } from '../whisper/envelope.js'
import { decodeEnvelopeList, encodeEnvelopeList, bitsToFloat64 } from '../whisper/envelope-packets.js'
import { WhisperError } from '../whisper/errors.js'
import { openEnvelope } from '../whisper/open.js'
import { rlpDecode, rlpEncode, type RlpItem } from '../whisper/rlp.js'
import { parseTopic } from '../whisper/topic.js'
import { bool, Checker, checkEnvelopeWire, hex, isObj, num, runVector, str, type Obj, type VectorResult } from '../whisper/vector-fields.js'
import {
  ENVELOPE_OTHER_ERROR, ENVELOPE_TIME_NOT_SYNCED, MAX_LIMIT_IN_MESSAGES_REQUEST, MAX_TOPIC_INTEREST, PEER_DEFAULT_POW, WAKU_CODES,
  type WakuVersion,
} from './codes.js'
import { batchHash, decodeBatchAcknowledged, decodeMessageResponse, encodeBatchAcknowledged, encodeMessageResponse, type EnvelopeError } from './confirmations.js'
import {
  decodeMessagesRequestPayload, decodeP2PRequest, encodeMessagesRequest, encodeMessagesRequestPayload, validateMessagesRequest,
  type MessagesRequest, type MessagesRequestPayload,
} from './messages-request.js'
import type { StatusOptions } from './options.js'
import type { RateLimits } from './rate-limits.js'
import { CURSOR_LENGTH, DB_KEY_LENGTH, decodeRequestComplete, encodeCursor, encodeDbKey, encodeRequestCompleted, encodeRequestFailed } from './request-complete.js'
import { decodeStatusUpdate, decodeWakuStatus, encodeStatusUpdate, encodeWakuStatus } from './status.js'


interface Ctx {
  /** a key from a password, derived once per run (65356 PBKDF2 rounds; the file uses one password throughout) */
  kdf(password: string): Uint8Array
}

export interface WakuVectorReport {
  protocol: 'waku/0,waku/1'
  results: VectorResult[]
  passed: number
  failed: number
}

/** A Waku vector file names both capabilities under `protocols`. */
export function isWakuVectorFile(json: unknown): boolean {
  return isObj(json) && isObj(json.protocols) && isObj(json.protocols['waku/1']) && Array.isArray(json.entries)
}

export function checkWakuVectorFile(json: unknown): WakuVectorReport {
  if (!isWakuVectorFile(json)) throw new WhisperError('params', 'not a Waku vector file: expected "protocols" with "waku/1" and an "entries" list')
  const file = json as Obj
  const results: VectorResult[] = []
  const protocols = file.protocols as Obj
  for (const name of Object.keys(protocols)) results.push(runVector(`protocols[${name}]`, (c) => checkProtocol(name, protocols[name], c)))
  if (isObj(file.constants)) results.push(runVector('constants', (c) => checkConstants(file.constants as Obj, c)))
  const keys = new Map<string, Uint8Array>()
  const ctx: Ctx = {
    kdf(password) {
      let k = keys.get(password)
      if (!k) keys.set(password, (k = symKeyFromPassword(password)))
      return k
    },
  }
  const seen = new Map<string, number>()
  for (const e of file.entries as unknown[]) {
    const kind = isObj(e) && typeof e.kind === 'string' ? e.kind : '?'
    const base = `${kind}[${isObj(e) && typeof e.name === 'string' ? e.name : '?'}${isObj(e) && typeof e.protocol === 'string' ? ` ${e.protocol}` : ''}]`
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    results.push(runVector(n === 0 ? base : `${base}#${n}`, (c) => {
      if (!isObj(e)) throw new Error('entry is not an object')
      const check = CHECKS[kind]
      if (!check) throw new Error(`unknown entry kind "${kind}"`)
      check(e, c, ctx)
    }))
  }
  const failed = results.filter((r) => !r.ok).length
  return { protocol: 'waku/0,waku/1', results, passed: results.length - failed, failed }
}

const CODE_NAMES: Record<string, number> = {
  statusCode: WAKU_CODES.status, messagesCode: WAKU_CODES.messages, batchAcknowledgedCode: WAKU_CODES.batchAcknowledged,
  messageResponseCode: WAKU_CODES.messageResponse, statusUpdateCode: WAKU_CODES.statusUpdate,
  p2pRequestCompleteCode: WAKU_CODES.p2pRequestComplete, p2pRequestCode: WAKU_CODES.p2pRequest, p2pMessageCode: WAKU_CODES.p2pMessage,
}

function checkProtocol(name: string, p: unknown, c: Checker): void {
  if (!isObj(p)) throw new Error('not an object')
  c.eq('name', p.name, 'waku')
  c.eq('version', `waku/${String(p.version)}`, name)
  c.eq('length', num(p, 'length'), WAKU_CODES.count)
  const codes = Array.isArray(p.codes) ? p.codes : []
  c.eq('number of codes', codes.length, Object.keys(CODE_NAMES).length)
  for (const x of codes) {
    if (!isObj(x)) continue
    const want = CODE_NAMES[str(x, 'name')]
    if (want === undefined) c.fail(`code ${str(x, 'name')} unknown to codes.ts`)
    else c.eq(`code of ${str(x, 'name')}`, num(x, 'code'), want)
  }
}

function checkConstants(k: Obj, c: Checker): void {
  c.eq('EnvelopeTimeNotSynced', num(k, 'EnvelopeTimeNotSynced'), ENVELOPE_TIME_NOT_SYNCED)
  c.eq('EnvelopeOtherError', num(k, 'EnvelopeOtherError'), ENVELOPE_OTHER_ERROR)
  c.eq('MaxTopicInterest', num(k, 'MaxTopicInterest'), MAX_TOPIC_INTEREST)
  c.eq('MaxLimitInMessagesRequest', num(k, 'MaxLimitInMessagesRequest'), MAX_LIMIT_IN_MESSAGES_REQUEST)
  c.eq('peerDefaultPoWWhenOptionAbsent', num(k, 'peerDefaultPoWWhenOptionAbsent'), PEER_DEFAULT_POW)
  c.eq('mailserverCursorLength', num(k, 'mailserverCursorLength'), CURSOR_LENGTH)
  c.eq('mailserverDBKeyLength', num(k, 'mailserverDBKeyLength'), DB_KEY_LENGTH)
}

function versionOf(e: Obj): WakuVersion {
  const p = str(e, 'protocol')
  if (p === 'waku/0') return 0
  if (p === 'waku/1') return 1
  throw new Error(`protocol "${p}" is not waku/0 or waku/1`)
}

function obj(o: Obj, k: string): Obj {
  const v = o[k]
  if (!isObj(v)) throw new Error(`field "${k}" missing or not an object`)
  return v
}

function hexList(o: Obj, k: string): Uint8Array[] {
  const v = o[k]
  if (!Array.isArray(v)) throw new Error(`field "${k}" missing or not a list`)
  return v.map((x, i) => fromHex(String(x), `${k}[${i}]`))
}

function limits(o: Obj): RateLimits {
  return { ip: num(o, 'ipLimits'), peerId: num(o, 'peerIdLimits'), topic: num(o, 'topicLimits') }
}

/** The options a vector's fields describe (absent fields are unset options). */
function optionsOf(f: Obj, version: WakuVersion): StatusOptions {
  const o: StatusOptions = {}
  if (f.powRequirementUint64Hex !== undefined) o.powRequirement = bitsToFloat64(BigInt(`0x${str(f, 'powRequirementUint64Hex')}`))
  else if (f.powRequirement !== undefined) o.powRequirement = num(f, 'powRequirement')
  if (f.bloomFilter !== undefined) o.bloomFilter = hex(f, 'bloomFilter')
  if (f.lightNodeEnabled !== undefined) o.lightNode = bool(f, 'lightNodeEnabled')
  if (f.confirmationsEnabled !== undefined) o.confirmations = bool(f, 'confirmationsEnabled')
  const packet = version === 0 ? f.rateLimits : f.packetRateLimits
  if (isObj(packet)) o.packetRateLimits = limits(packet)
  if (f.topicInterest !== undefined) o.topicInterest = hexList(f, 'topicInterest')
  if (version === 1 && isObj(f.bytesRateLimits)) o.bytesRateLimits = limits(f.bytesRateLimits)
  return o
}

function optionsText(o: StatusOptions): string {
  return JSON.stringify(o, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v))
}

function sameOptions(c: Checker, what: string, got: StatusOptions, want: StatusOptions): void {
  const g = optionsText(got)
  const w = optionsText(want)
  if (g !== w) c.fail(`${what} ${g} differs from vector ${w}`)
}

function checkStatus(e: Obj, c: Checker): void {
  const version = versionOf(e)
  const rlp = hex(e, 'rlp')
  const want = optionsOf(obj(e, 'fields'), version)
  c.bytes('encoding', encodeWakuStatus(version, want), rlp)
  sameOptions(c, 'decoded options', decodeWakuStatus(version, rlp), want)
}

/** Our rule: the unknown pair is skipped wherever it stands, so the known options decode in both positions. */
function checkUnknownKey(e: Obj, c: Checker): void {
  const version = versionOf(e)
  const rlp = hex(e, 'rlp')
  const f = obj(e, 'fields')
  const want = optionsOf(obj(f, 'knownOptions'), version)
  const unknown = hex(obj(f, 'unknownOption'), 'rlp')
  sameOptions(c, 'decoded options', decodeWakuStatus(version, rlp), want)
  // the vector with the unknown pair cut out is exactly what we encode for the known options
  const item = rlpDecode(rlp, 'vector status')
  const withoutPair = (list: RlpItem): RlpItem => (list as RlpItem[]).filter((p) => !equalBytes(rlpEncode(p), unknown))
  const cut = version === 0 ? [(item as RlpItem[])[0], withoutPair((item as RlpItem[])[1])] : withoutPair(item)
  c.bytes('vector without the unknown pair', rlpEncode(cut), encodeWakuStatus(version, want))
}

/** Each version reads the other's keys as unknown: nothing decodes, and nothing fails. */
function checkCrossVersion(e: Obj, c: Checker): void {
  const version = versionOf(e)
  const other: WakuVersion = version === 0 ? 1 : 0
  const f = obj(e, 'fields')
  const rlp = hex(e, 'rlp')
  const theirs = optionsOf(obj(f, other === 1 ? 'waku1Options' : 'waku0Options'), other)
  c.bytes(`waku/${other} encoding`, encodeStatusUpdate(other, theirs), rlp)
  sameOptions(c, `options read by waku/${version}`, decodeStatusUpdate(version, rlp), {})
}

function checkStatusUpdate(e: Obj, c: Checker): void {
  const version = versionOf(e)
  const rlp = hex(e, 'rlp')
  const want = optionsOf(obj(e, 'fields'), version)
  c.bytes('encoding', encodeStatusUpdate(version, want), rlp)
  sameOptions(c, 'decoded options', decodeStatusUpdate(version, rlp), want)
}

function checkEnvelope(e: Obj, c: Checker): void {
  const f = obj(e, 'fields')
  const seal = obj(f, 'sealInputs')
  const rlp = hex(e, 'rlp')
  const env = decodeEnvelope(6, rlp)
  checkEnvelopeWire(c, env, rlp, f, num(seal, 'powTarget'))
  c.eq('expiry - ttl (seal time)', env.expiry - env.ttl, num(seal, 'now'))
  c.bytes('data', env.data, hex(f, 'data'))
  c.bytes('bloom', envelopeBloom(env), hex(f, 'bloom'))
  c.eq('size', envelopeSize(env), num(f, 'size'))
  const symKey = hex(seal, 'symKey')
  // data = AES-256-GCM(plaintext) with the recorded nonce appended: status-go's sealing, redone
  const nonce = hex(f, 'aesGcmNonce')
  const plaintext = hex(f, 'plaintext')
  c.bytes('AES-GCM of the plaintext', Uint8Array.from([...aesGcmEncrypt(symKey, nonce, plaintext), ...nonce]), env.data)
  const msg = openEnvelope(env, { symKey })
  c.bytes('payload', msg.payload, hex(f, 'receivedPayload'))
  c.bytes('padding', msg.padding, hex(f, 'receivedPadding'))
  if (bool(seal, 'signed')) {
    if (!msg.signature || !msg.src) c.fail('vector is signed but the opened message carries no signature')
    else {
      c.bytes('signature', msg.signature, hex(f, 'signature'))
      c.bytes('signer public key', msg.src, hex(f, 'signerPublicKey'))
      c.bytes('signer key pair', publicKeyOf(hex(f, 'signerPrivateKey')), hex(f, 'signerPublicKey'))
    }
  } else if (msg.signature) c.fail('vector is unsigned but the opened message is signed')
  const shh6 = obj(f, 'shh6Comparison')
  c.bytes('shh/6 hash (same envelope format)', envelopeHash(env), hex(shh6, 'shh6Hash'))
}

function checkEnvelopeList(e: Obj, c: Checker, confirmed: boolean): void {
  const f = obj(e, 'fields')
  const rlp = hex(e, 'rlp')
  const envs = decodeEnvelopeList(rlp, 'vector packet')
  const hashes = hexList(f, 'envelopeHashes')
  c.eq('envelope count', envs.length, hashes.length)
  envs.forEach((env, i) => c.bytes(`envelope ${i} hash`, envelopeHash(env), hashes[i] ?? new Uint8Array(0)))
  if (f.envelopeRlps !== undefined) hexList(f, 'envelopeRlps').forEach((r, i) => c.bytes(`envelope ${i}`, envs[i] ? encodeEnvelope(envs[i]) : new Uint8Array(0), r))
  c.bytes('re-encoding', encodeEnvelopeList(envs), rlp)
  if (confirmed) c.bytes('batch hash', batchHash(rlp), hex(f, 'batchHash'))
}

function checkMessageResponse(e: Obj, c: Checker): void {
  const f = obj(e, 'fields')
  const rlp = hex(e, 'rlp')
  const errors: EnvelopeError[] = (Array.isArray(f.errors) ? f.errors : []).map((x) => {
    if (!isObj(x)) throw new Error('an error is not an object')
    return { hash: hex(x, 'hash'), code: num(x, 'code'), description: str(x, 'description') }
  })
  c.eq('version', num(f, 'version'), 1)
  c.bytes('encoding', encodeMessageResponse({ batchHash: hex(f, 'batchHash'), errors }), rlp)
  const got = decodeMessageResponse(rlp)
  c.eq('decoded version', got.version, 1)
  if (!got.response) return c.fail('no response decoded')
  c.bytes('decoded batch hash', got.response.batchHash, hex(f, 'batchHash'))
  c.eq('decoded error count', got.response.errors.length, errors.length)
  got.response.errors.forEach((g, i) => {
    const w = errors[i]
    if (!w) return
    c.bytes(`error ${i} hash`, g.hash, w.hash)
    c.eq(`error ${i} code`, g.code, w.code)
    c.eq(`error ${i} description`, g.description, w.description)
  })
}

function checkBatchAck(e: Obj, c: Checker): void {
  const f = obj(e, 'fields')
  const rlp = hex(e, 'rlp')
  c.bytes('encoding', encodeBatchAcknowledged(hex(f, 'batchHash')), rlp)
  c.bytes('decoded', decodeBatchAcknowledged(rlp), hex(f, 'batchHash'))
}

function checkMessagesRequest(e: Obj, c: Checker): void {
  const f = obj(e, 'fields')
  const rlp = hex(e, 'rlp')
  const want: MessagesRequest = {
    id: hex(f, 'id'), from: num(f, 'from'), to: num(f, 'to'), limit: num(f, 'limit'),
    cursor: hex(f, 'cursor'), bloom: hex(f, 'bloom'), topics: hexList(f, 'topics'),
  }
  c.bytes('encoding', encodeMessagesRequest(want), rlp)
  const got = decodeP2PRequest(rlp)
  if (got.form !== 'request') return c.fail('code-126 payload read as an envelope, expected the new-form request')
  c.bytes('re-encoding', encodeMessagesRequest(got.request), rlp)
  c.eq('Validate', validateMessagesRequest(got.request), f.validate ?? null)
}

function payloadOf(p: Obj): MessagesRequestPayload {
  return {
    lower: num(p, 'lower'), upper: num(p, 'upper'), bloom: hex(p, 'bloom'), topics: hexList(p, 'topics'),
    limit: num(p, 'limit'), cursor: hex(p, 'cursor'), batch: bool(p, 'batch'),
  }
}

function checkRequestEnvelope(e: Obj, c: Checker, ctx: Ctx): void {
  const f = obj(e, 'fields')
  const seal = obj(f, 'sealInputs')
  const rlp = hex(e, 'rlp')
  const got = decodeP2PRequest(rlp)
  if (got.form !== 'envelope') return c.fail('code-126 payload not read as an envelope')
  const env: Envelope = got.envelope
  c.bytes('re-encoding', encodeEnvelope(env), rlp)
  c.bytes('request id (envelope hash)', envelopeHash(env), hex(f, 'requestId'))
  c.bytes('envelope hash', envelopeHash(env), hex(obj(f, 'envelope'), 'hash'))
  const symKey = ctx.kdf(str(seal, 'symKeyPassword'))
  c.bytes('key from the mail server password', symKey, hex(seal, 'symKey'))
  const nonce = hex(f, 'aesGcmNonce')
  c.bytes('AES-GCM of the plaintext', Uint8Array.from([...aesGcmEncrypt(symKey, nonce, hex(f, 'plaintext')), ...nonce]), env.data)
  const msg = openEnvelope(env, { symKey })
  if (!msg.src) c.fail('request is not signed')
  else c.bytes('signer', msg.src, hex(seal, 'signerPublicKey'))
  c.bytes('payload', msg.payload, hex(f, 'requestPayloadRlp'))
  const want = payloadOf(obj(f, 'requestPayload'))
  c.bytes('payload encoding', encodeMessagesRequestPayload(want), msg.payload)
  c.bytes('payload re-encoding', encodeMessagesRequestPayload(decodeMessagesRequestPayload(msg.payload)), msg.payload)
}

function checkRequestComplete(e: Obj, c: Checker): void {
  const f = obj(e, 'fields')
  const rlp = hex(e, 'rlp')
  const id = hex(f, 'requestId')
  const got = decodeRequestComplete(rlp)
  if (f.error !== undefined) {
    c.bytes('encoding', encodeRequestFailed(id, str(f, 'error')), rlp)
    if (got.ok) return c.fail('decoded as completed, expected a failure')
    c.bytes('request id', got.requestId, id)
    c.eq('error', got.error, str(f, 'error'))
    return
  }
  const cursor = f.cursor === undefined ? null : hex(f, 'cursor')
  c.bytes('encoding', encodeRequestCompleted(id, hex(f, 'lastEnvelopeHash'), cursor), rlp)
  if (!got.ok) return c.fail(`decoded as a failure: ${got.error}`)
  c.bytes('request id', got.requestId, id)
  c.bytes('last envelope hash', got.lastEnvelopeHash, hex(f, 'lastEnvelopeHash'))
  if (cursor === null ? got.cursor !== null : !got.cursor || !equalBytes(got.cursor, cursor)) c.fail('cursor differs from vector')
}

function checkSymKey(e: Obj, c: Checker, ctx: Ctx): void {
  const f = obj(e, 'fields')
  c.bytes('symmetric key', ctx.kdf(str(f, 'password')), hex(f, 'symKey'))
}

function checkCursor(e: Obj, c: Checker): void {
  const f = obj(e, 'fields')
  const sent = num(f, 'timestamp')
  const hash = hex(f, 'envelopeHash')
  c.bytes('cursor', encodeCursor(sent, hash), hex(f, 'cursor'))
  c.bytes('DB key', encodeDbKey(sent, hash, parseTopic(str(f, 'topic'))), hex(f, 'dbKey'))
}

const CHECKS: Record<string, (e: Obj, c: Checker, ctx: Ctx) => void> = {
  status: checkStatus,
  'status-unknown-key': checkUnknownKey,
  'status-cross-version': checkCrossVersion,
  'status-update': checkStatusUpdate,
  envelope: checkEnvelope,
  messages: (e, c) => checkEnvelopeList(e, c, true),
  'p2p-message': (e, c) => checkEnvelopeList(e, c, false),
  'message-response': checkMessageResponse,
  'batch-acknowledged': checkBatchAck,
  'messages-request': checkMessagesRequest,
  'messages-request-envelope': checkRequestEnvelope,
  'p2p-request-complete': checkRequestComplete,
  'symkey-from-password': checkSymKey,
  'mailserver-cursor': checkCursor,
}
