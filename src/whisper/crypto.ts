// The cryptography geth's whisper uses, on the noble libraries (portable: no node:crypto import). AES goes
// through the runtime's OpenSSL when there is one (aes-gcm-native.ts): GCM decryption is the hot path of
// every filter, and noble's AES builds 1.3 MB of lookup tables when its module is imported, which a relay
// (it opens nothing) or a chat kept for life (docs/memory.md). noble's AES is imported only where the
// runtime has no OpenSSL.
//  - room key from password: PBKDF2-HMAC-SHA256, 65356 iterations (sic), no salt, 32 bytes
//    (whisperv5 deriveKeyMaterial / whisperv6 AddSymKeyFromPassword)
//  - symmetric: AES-256-GCM, 12-byte nonce, no additional data, 16-byte tag appended
//  - asymmetric: geth crypto/ecies with secp256k1 defaults (ECIES_AES128_SHA256)
//  - signatures: 65 bytes r || s || v with v in {0,1} (geth crypto.Sign), over keccak256
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { pbkdf2 } from '@noble/hashes/pbkdf2.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js'
import { keccak256 } from './keccak.js'
import { concatBytes, equalBytes, isAllZero, utf8 } from './bytes.js'
import { WhisperError } from './errors.js'
import { nativeAes128Ctr, nativeAesGcmDecrypt, nativeAesGcmEncrypt, withoutStack } from './aes-gcm-native.js'

const nobleAes = nativeAesGcmEncrypt && nativeAesGcmDecrypt && nativeAes128Ctr ? null : await import('@noble/ciphers/aes.js')

const AES_KEY_LENGTH = 32
export const AES_NONCE_LENGTH = 12
const GCM_TAG_LENGTH = 16
export const SIGNATURE_LENGTH = 65
const PUBLIC_KEY_LENGTH = 65
const PRIVATE_KEY_LENGTH = 32
/** 65-byte ephemeral key + 16-byte IV + 32-byte HMAC: the fixed overhead of geth's ECIES. */
export const ECIES_OVERHEAD = 65 + 16 + 32

/** The platform's CSPRNG gives at most 65536 bytes per call; larger requests are filled in chunks. */
export function randomBytes(n: number): Uint8Array {
  const CHUNK = 65536
  if (n <= CHUNK) return nobleRandomBytes(n)
  const out = new Uint8Array(n)
  for (let o = 0; o < n; o += CHUNK) out.set(nobleRandomBytes(Math.min(CHUNK, n - o)), o)
  return out
}

/** geth's AddSymKeyFromPassword. Slow on purpose (~0.1 s). */
export function symKeyFromPassword(password: string | Uint8Array): Uint8Array {
  const pw = typeof password === 'string' ? utf8(password) : password
  return pbkdf2(sha256, pw, new Uint8Array(0), { c: 65356, dkLen: AES_KEY_LENGTH })
}

function checkSymKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== AES_KEY_LENGTH || isAllZero(key)) {
    throw new WhisperError('key', `symmetric key must be ${AES_KEY_LENGTH} bytes, not all zero`)
  }
}

export function aesGcmEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array {
  checkSymKey(key)
  if (nonce.length !== AES_NONCE_LENGTH) throw new WhisperError('aes-nonce', `AES-GCM nonce must be ${AES_NONCE_LENGTH} bytes, got ${nonce.length}`)
  return nobleAes ? nobleAes.gcm(key, nonce).encrypt(plaintext) : nativeAesGcmEncrypt!(key, nonce, plaintext)
}

/** Throws 'ciphertext' when shorter than the tag, 'decrypt' when the tag does not verify (wrong key). */
export function aesGcmDecrypt(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  checkSymKey(key)
  if (nonce.length !== AES_NONCE_LENGTH) throw new WhisperError('aes-nonce', `wrong AES nonce size: want ${AES_NONCE_LENGTH}, got ${nonce.length}`)
  if (ciphertext.length < GCM_TAG_LENGTH) throw new WhisperError('ciphertext', `AES-GCM ciphertext of ${ciphertext.length} bytes is shorter than its tag`)
  if (!nobleAes) {
    const plain = nativeAesGcmDecrypt!(key, nonce, ciphertext)
    // routine (every filter key that does not fit): no stack trace, it halves the cost of a failed try
    if (plain === null) throw withoutStack(() => new WhisperError('decrypt', 'AES-GCM authentication failed (wrong key or corrupted data)'))
    return plain
  }
  try {
    return nobleAes.gcm(key, nonce).decrypt(ciphertext)
  } catch (e) {
    throw new WhisperError('decrypt', 'AES-GCM authentication failed (wrong key or corrupted data)', { cause: e })
  }
}

export function isValidPrivateKey(key: Uint8Array): boolean {
  return key instanceof Uint8Array && key.length === PRIVATE_KEY_LENGTH && secp256k1.utils.isValidSecretKey(key)
}

/** 65-byte uncompressed public key that lies on the curve (geth also rejects the compressed forms here). */
export function isValidPublicKey(key: Uint8Array): boolean {
  return key instanceof Uint8Array && key.length === PUBLIC_KEY_LENGTH && key[0] === 4 && secp256k1.utils.isValidPublicKey(key, false)
}

function checkPrivateKey(key: Uint8Array): void {
  if (!isValidPrivateKey(key)) throw new WhisperError('key', 'private key must be 32 bytes, a valid secp256k1 scalar')
}

function checkPublicKey(key: Uint8Array): void {
  if (!isValidPublicKey(key)) throw new WhisperError('key', 'public key must be 65 bytes (04 || x || y) on secp256k1')
}

/**
 * A fresh random secp256k1 private key (32 bytes): an identity that signs, or receives messages encrypted to
 * its public key.
 */
export function generatePrivateKey(): Uint8Array {
  return secp256k1.utils.randomSecretKey()
}

/** 65-byte uncompressed public key. */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  checkPrivateKey(privateKey)
  return secp256k1.getPublicKey(privateKey, false)
}

/** Ethereum address: last 20 bytes of keccak256(x || y). */
export function addressOf(publicKey: Uint8Array): Uint8Array {
  checkPublicKey(publicKey)
  return keccak256(publicKey.subarray(1)).slice(12)
}

/** geth crypto.Sign: deterministic (RFC 6979), low-s, r || s || v with v = recovery id (0/1). */
export function sign(hash: Uint8Array, privateKey: Uint8Array): Uint8Array {
  checkPrivateKey(privateKey)
  if (hash.length !== 32) throw new WhisperError('params', 'can only sign a 32-byte hash')
  const rec = secp256k1.sign(hash, privateKey, { prehash: false, format: 'recovered', lowS: true })
  // noble: recid || r || s -> geth: r || s || v
  return concatBytes(rec.subarray(1, 65), rec.subarray(0, 1))
}

/** geth crypto.SigToPub: 65-byte uncompressed public key, or WhisperError 'signature'. */
export function recoverPublicKey(hash: Uint8Array, signature: Uint8Array): Uint8Array {
  if (signature.length !== SIGNATURE_LENGTH) throw new WhisperError('signature', `signature must be ${SIGNATURE_LENGTH} bytes, got ${signature.length}`)
  const v = signature[64]
  if (v >= 4) throw new WhisperError('signature', `invalid signature recovery id ${v}`)
  try {
    const sig = secp256k1.Signature.fromBytes(concatBytes(Uint8Array.of(v), signature.subarray(0, 64)), 'recovered')
    return sig.recoverPublicKey(hash).toBytes(false)
  } catch (e) {
    throw new WhisperError('signature', 'cannot recover the signer from the signature', { cause: e })
  }
}

// geth crypto/ecies, ECIES_AES128_SHA256: z = x(shared point) (32 bytes); K = concatKDF-SHA256(z)
// (one block: sha256(00000001 || z)); Ke = K[0:16] for AES-128-CTR, Km = sha256(K[16:32]) for
// HMAC-SHA256 over iv || ciphertext (no shared info s1/s2). Wire: R(65) || iv(16) || ct || tag(32).
function eciesKeys(z: Uint8Array): { ke: Uint8Array; km: Uint8Array } {
  const k = sha256(concatBytes(Uint8Array.of(0, 0, 0, 1), z))
  return { ke: k.slice(0, 16), km: sha256(k.subarray(16, 32)) }
}

export function eciesEncrypt(publicKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
  checkPublicKey(publicKey)
  const ephemeral = generatePrivateKey()
  const z = secp256k1.getSharedSecret(ephemeral, publicKey, true).subarray(1)
  const { ke, km } = eciesKeys(z)
  const iv = randomBytes(16)
  const em = concatBytes(iv, aes128Ctr(ke, iv, plaintext))
  const tag = hmac(sha256, km, em)
  return concatBytes(secp256k1.getPublicKey(ephemeral, false), em, tag)
}

/** Throws 'ciphertext' when malformed, 'decrypt' when the MAC does not verify (not addressed to this key). */
export function eciesDecrypt(privateKey: Uint8Array, data: Uint8Array): Uint8Array {
  checkPrivateKey(privateKey)
  // geth: len < 65 + 32 + 1 is ErrInvalidMessage; we also need a whole IV to decrypt without panicking.
  if (data.length < ECIES_OVERHEAD) throw new WhisperError('ciphertext', `ECIES message of ${data.length} bytes is shorter than its ${ECIES_OVERHEAD}-byte overhead`)
  if (data[0] !== 4) throw new WhisperError('ciphertext', `ECIES ephemeral key is not an uncompressed point (prefix ${data[0]})`)
  const r = data.subarray(0, 65)
  if (!isValidPublicKey(r)) throw new WhisperError('ciphertext', 'ECIES ephemeral key is not on the curve')
  let z: Uint8Array
  try {
    z = secp256k1.getSharedSecret(privateKey, r, true).subarray(1)
  } catch (e) {
    throw new WhisperError('ciphertext', 'ECIES shared secret failed', { cause: e })
  }
  const { ke, km } = eciesKeys(z)
  const em = data.subarray(65, data.length - 32)
  const tag = data.subarray(data.length - 32)
  if (!equalBytes(hmac(sha256, km, em), tag)) throw new WhisperError('decrypt', 'ECIES MAC mismatch (not addressed to this key, or corrupted)')
  return aes128Ctr(ke, em.subarray(0, 16), em.subarray(16))
}

function aes128Ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  return nobleAes ? nobleAes.ctr(key, iv).encrypt(data) : nativeAes128Ctr!(key, iv, data)
}
