// Building and sealing envelopes with geth's Wrap/Seal semantics.
import { concatBytes } from './bytes.js'
import { AES_NONCE_LENGTH, aesGcmEncrypt, eciesEncrypt, isValidPrivateKey, isValidPublicKey, randomBytes } from './crypto.js'
import { envelopeSize, rlpWithoutNonce, U32_MAX, type Envelope, type ShhVersion } from './envelope.js'
import { WhisperError } from './errors.js'
import { encodePlaintext } from './message.js'
import { powToFirstBit, searchNonce } from './pow.js'
import { TOPIC_LENGTH } from './topic.js'

/** geth's DefaultTTL, used when ttl is 0. */
const DEFAULT_TTL = 50
/** geth's MaxMessageSize: the hard cap of any envelope. */
const MAX_MESSAGE_SIZE = 10 * 1024 * 1024

/** What to seal into an envelope (geth's MessageParams): topic, payload, key, signer, TTL and proof of work. */
export interface SealParams {
  /** The protocol version of the envelope to build. */
  shh: ShhVersion
  /** 4-byte topic. */
  topic: Uint8Array
  /** The message. */
  payload: Uint8Array
  /** Padding to use instead of random padding (geth pads the plaintext to a multiple of 256 bytes). */
  padding?: Uint8Array
  /** seconds; 0 = DEFAULT_TTL */
  ttl: number
  /**
   * target PoW. v5: 0 = no target, best nonce within workTime (expiry += workTime).
   * v6: 0 = no proof of work at all; < 0 = best nonce within workTime (expiry += workTime).
   */
  pow: number
  /** seconds */
  workTime: number
  /** 32 bytes: symmetric (exactly one of symKey / dst) */
  symKey?: Uint8Array
  /** 65-byte uncompressed public key: asymmetric */
  dst?: Uint8Array
  /** 32-byte private key: sign */
  src?: Uint8Array
  /** unix seconds, default now */
  now?: number
}

function checkParams(p: SealParams): void {
  if (p.shh !== 5 && p.shh !== 6) throw new WhisperError('params', `shh must be 5 or 6, got ${String(p.shh)}`)
  if (!(p.topic instanceof Uint8Array) || p.topic.length !== TOPIC_LENGTH) throw new WhisperError('topic', `topic must be ${TOPIC_LENGTH} bytes`)
  if (!(p.payload instanceof Uint8Array)) throw new WhisperError('params', 'payload must be bytes')
  if (p.payload.length + (p.padding?.length ?? 0) > MAX_MESSAGE_SIZE) throw new WhisperError('params', `message larger than ${MAX_MESSAGE_SIZE} bytes`)
  if (!Number.isInteger(p.ttl) || p.ttl < 0 || p.ttl > U32_MAX) throw new WhisperError('params', `ttl must be a uint32 number of seconds, got ${p.ttl}`)
  if (!Number.isInteger(p.workTime) || p.workTime < 0 || p.workTime > U32_MAX) throw new WhisperError('params', `workTime must be a uint32 number of seconds, got ${p.workTime}`)
  if (typeof p.pow !== 'number' || Number.isNaN(p.pow) || p.pow === Infinity) throw new WhisperError('params', `pow must be a finite number, got ${p.pow}`)
  if ((p.symKey === undefined) === (p.dst === undefined)) throw new WhisperError('params', 'exactly one of symKey (symmetric) and dst (asymmetric) is required')
  if (p.dst !== undefined && !isValidPublicKey(p.dst)) throw new WhisperError('key', 'dst must be a 65-byte uncompressed secp256k1 public key')
  if (p.src !== undefined && !isValidPrivateKey(p.src)) throw new WhisperError('key', 'src must be a 32-byte secp256k1 private key')
}

/** Plaintext + signature + encryption, wrapped in an envelope with nonce 0 (geth NewSentMessage + Wrap before Seal). */
export function buildEnvelope(p: SealParams): Envelope {
  checkParams(p)
  const ttl = p.ttl === 0 ? DEFAULT_TTL : p.ttl
  const now = Math.floor(p.now ?? Date.now() / 1000)
  const raw = encodePlaintext(p.shh, { payload: p.payload, padding: p.padding, src: p.src })
  let data: Uint8Array
  let aesNonce: Uint8Array = new Uint8Array(0)
  if (p.dst) {
    data = eciesEncrypt(p.dst, raw)
  } else {
    const nonce = randomBytes(AES_NONCE_LENGTH)
    const ct = aesGcmEncrypt(p.symKey!, nonce, raw)
    if (p.shh === 5) {
      data = ct
      aesNonce = nonce
    } else {
      data = concatBytes(ct, nonce) // v6: the nonce travels after the ciphertext
    }
  }
  const expiry = now + ttl
  if (expiry > U32_MAX) throw new WhisperError('params', 'expiry beyond uint32')
  return {
    shh: p.shh,
    version: p.shh === 5 ? new Uint8Array(1) : new Uint8Array(0), // v5 EnvelopeVersion 0
    expiry,
    ttl,
    topic: p.topic.slice(),
    aesNonce,
    data,
    nonce: 0n,
  }
}

/** What geth's Seal will do for an envelope: for sealing elsewhere (a worker pool) with the same semantics. */
export interface SealPlan {
  /** the envelope to search a nonce for (expiry already moved by workTime when the search is timed) */
  env: Envelope
  /** false: whisperv6 with pow == 0, no proof of work at all (nonce stays 0) */
  search: boolean
  /** bits to reach (geth's powToFirstBit, at least 1); 0 = no target, best nonce within the work time */
  targetBits: number
  workTimeMs: number
}

/**
 * geth's Seal prologue. v5: pow == 0 means "no target, search for workTime, expiry += workTime".
 * v6: pow == 0 means no PoW at all; pow < 0 means the timed search (expiry += workTime).
 */
export function planSeal(env: Envelope, pow: number, workTime: number): SealPlan {
  if (!Number.isInteger(workTime) || workTime < 0 || workTime > U32_MAX) throw new WhisperError('params', `workTime must be a uint32 number of seconds, got ${workTime}`)
  if (typeof pow !== 'number' || Number.isNaN(pow)) throw new WhisperError('params', 'pow must be a number')
  const plain: Envelope = { ...env, nonce: 0n }
  if (env.shh === 6 && pow === 0) return { env: plain, search: false, targetBits: 0, workTimeMs: 0 }
  const timed = env.shh === 5 ? pow === 0 : pow < 0
  if (timed) return { env: { ...plain, expiry: (env.expiry + workTime) >>> 0 }, search: true, targetBits: 0, workTimeMs: workTime * 1000 }
  return { env: plain, search: true, targetBits: powToFirstBit(pow, envelopeSize(env), env.ttl), workTimeMs: workTime * 1000 }
}

/** geth's Seal epilogue: the sealed envelope, or WhisperError 'pow' when a target was not reached in time. */
export function completeSeal(plan: SealPlan, result: { nonce: bigint; bits: number }): Envelope {
  if (plan.targetBits > 0 && result.bits < plan.targetBits) {
    throw new WhisperError('pow', `failed to reach the PoW target (${plan.targetBits} bits, best ${result.bits}): the work time of ${plan.workTimeMs / 1000} s was insufficient`)
  }
  return { ...plan.env, nonce: plan.search ? result.nonce : 0n }
}

/**
 * geth's Envelope.Seal, synchronously: search a nonce reaching `pow` within `workTime` seconds.
 * Throws WhisperError 'pow' when a target was set and not reached in time (geth >= 1.7.3).
 */
export function sealEnvelope(env: Envelope, pow: number, workTime: number): Envelope {
  const plan = planSeal(env, pow, workTime)
  if (!plan.search) return plan.env
  const found = searchNonce(env.shh, rlpWithoutNonce(plan.env), { targetBits: plan.targetBits, workTimeMs: plan.workTimeMs })
  return completeSeal(plan, found)
}

/** buildEnvelope + sealEnvelope. */
export function sealMessage(p: SealParams): Envelope {
  const env = buildEnvelope(p)
  return sealEnvelope(env, p.pow, p.workTime)
}
