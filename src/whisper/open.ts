// Opening an envelope with a key: decrypt, parse the plaintext, recover the signer (geth Envelope.Open).
import { AES_NONCE_LENGTH, aesGcmDecrypt, eciesDecrypt } from './crypto.js'
import { checkEnvelope, envelopeHash, envelopePow, envelopeSent, type Envelope, type ShhVersion } from './envelope.js'
import { WhisperError } from './errors.js'
import { decodePlaintext } from './message.js'

/** The key to open an envelope with: exactly one of the two. */
export interface OpenKey {
  /** 32-byte AES key of a room (symmetric messages). */
  symKey?: Uint8Array
  /** 32-byte secp256k1 private key (messages encrypted to its public key). */
  privateKey?: Uint8Array
}

/** A message opened from an envelope: the plaintext's parts, its signer when signed, and the envelope's header. */
export interface ReceivedMessage {
  /** The protocol version of the envelope it came in. */
  shh: ShhVersion
  /** The envelope's 4-byte topic. */
  topic: Uint8Array
  /** The message itself. */
  payload: Uint8Array
  /** The padding after the payload (random, or what the sender put there). */
  padding: Uint8Array
  /** 65-byte signature r || s || v, when the message is signed. */
  signature?: Uint8Array
  /** 65-byte public key of the signer */
  src?: Uint8Array
  /** 20-byte address of the signer */
  address?: Uint8Array
  /** When it was sealed: expiry - ttl, unix seconds. */
  sent: number
  /** Time to live, seconds. */
  ttl: number
  /** Unix seconds after which nodes drop the envelope. */
  expiry: number
  /** geth's PoW of the envelope as received (no clock-skew adjustment) */
  pow: number
  /** envelope hash */
  hash: Uint8Array
  /** Opened with a symmetric key (true) or a private key (false). */
  symmetric: boolean
  /** the decrypted plaintext exactly as it was (what a version gateway carries, relayed.ts) */
  plaintext?: Uint8Array
}

function decryptSymmetric(env: Envelope, key: Uint8Array): Uint8Array {
  if (env.shh === 5) {
    if (env.aesNonce.length !== AES_NONCE_LENGTH) {
      throw new WhisperError(env.aesNonce.length === 0 ? 'decrypt' : 'aes-nonce',
        env.aesNonce.length === 0 ? 'asymmetric envelope: a symmetric key cannot open it' : `wrong AES nonce size: ${env.aesNonce.length}`)
    }
    return aesGcmDecrypt(key, env.aesNonce, env.data)
  }
  if (env.data.length < AES_NONCE_LENGTH) throw new WhisperError('aes-nonce', 'missing AES nonce or invalid payload in symmetric message')
  const n = env.data.length - AES_NONCE_LENGTH
  return aesGcmDecrypt(key, env.data.subarray(n), env.data.subarray(0, n))
}

function decryptAsymmetric(env: Envelope, key: Uint8Array): Uint8Array {
  if (env.shh === 5 && env.aesNonce.length > 0) throw new WhisperError('decrypt', 'symmetric envelope: a private key cannot open it')
  return eciesDecrypt(key, env.data)
}

/**
 * Decrypts with the given key and parses the plaintext. Throws WhisperError: 'decrypt' when the key
 * does not fit (not for us), other codes when the envelope or its plaintext is malformed.
 */
export function openEnvelope(env: Envelope, key: OpenKey): ReceivedMessage {
  checkEnvelope(env)
  if (!key.symKey && !key.privateKey) throw new WhisperError('key', 'a symmetric key or a private key is required to open an envelope')
  // v5 tells symmetric from asymmetric by the aesNonce; v6 cannot, so each given key is tried.
  const attempts: Array<[boolean, () => Uint8Array]> = []
  const v5sym = env.shh === 5 ? env.aesNonce.length > 0 : undefined
  if (key.symKey && v5sym !== false) attempts.push([true, () => decryptSymmetric(env, key.symKey!)])
  if (key.privateKey && v5sym !== true) attempts.push([false, () => decryptAsymmetric(env, key.privateKey!)])
  if (attempts.length === 0) {
    throw new WhisperError('decrypt', v5sym ? 'symmetric envelope: a private key cannot open it' : 'asymmetric envelope: a symmetric key cannot open it')
  }
  let raw: Uint8Array | undefined
  let symmetric = false
  const errors: unknown[] = []
  for (const [sym, attempt] of attempts) {
    try {
      raw = attempt()
      symmetric = sym
      break
    } catch (e) {
      if (!(e instanceof WhisperError) || e.code === 'key') throw e
      errors.push(e)
    }
  }
  if (raw === undefined) {
    if (errors.length === 1) throw errors[0]
    throw new WhisperError('decrypt', `neither key opens this envelope (${errors.map((e) => (e as Error).message).join('; ')})`)
  }
  const plain = decodePlaintext(env.shh, raw)
  return {
    shh: env.shh,
    topic: env.topic.slice(),
    payload: plain.payload,
    padding: plain.padding,
    signature: plain.signature,
    src: plain.src,
    address: plain.address,
    sent: envelopeSent(env),
    ttl: env.ttl,
    expiry: env.expiry,
    pow: envelopePow(env),
    hash: envelopeHash(env),
    symmetric,
    plaintext: raw,
  }
}
