// AES through the runtime's OpenSSL (GCM both ways, ECIES's CTR). GCM decryption (AES-NI, carry-less multiply) where the runtime
// is Node: a node tries every envelope on a subscribed topic with each of its room keys, and a failed
// try of a 1 KB envelope costs ~6 us here against ~33 us in noble's pure JS (bench: ingest). Portable:
// node:crypto is looked up at run time (process.getBuiltinModule), never imported; where it is missing,
// `nativeAesGcmDecrypt` is null and callers use noble.
import type * as NodeCrypto from 'node:crypto'

type Lookup = { process?: { getBuiltinModule?: (id: string) => unknown } }

const nodeCrypto: typeof NodeCrypto | null = (() => {
  try {
    const m = (globalThis as Lookup).process?.getBuiltinModule?.('node:crypto') as typeof NodeCrypto | undefined
    return m && typeof m.createDecipheriv === 'function' ? m : null
  } catch {
    return null
  }
})()

const TAG = 16

/**
 * Decrypts `ciphertext || 16-byte tag` with a 32-byte key and 12-byte nonce, no additional data (the
 * caller checks the sizes). Returns the plaintext (a fresh Uint8Array), or null when the tag does not
 * verify (wrong key, tampered data).
 */
export const nativeAesGcmDecrypt: ((key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array) => Uint8Array | null) | null = nodeCrypto
  ? (key, nonce, ciphertext) => {
      const d = nodeCrypto.createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG })
      d.setAuthTag(ciphertext.subarray(ciphertext.length - TAG))
      const head = d.update(ciphertext.subarray(0, ciphertext.length - TAG))
      let tail: Buffer
      // A wrong key is the common case (every filter key is tried): no stack trace for OpenSSL's error.
      const limit = Error.stackTraceLimit
      Error.stackTraceLimit = 0
      try {
        tail = d.final()
      } catch {
        return null
      } finally {
        Error.stackTraceLimit = limit
      }
      // a plain Uint8Array (Buffer's slice() shares memory, and small Buffers live in a shared pool)
      const out = new Uint8Array(head.length + tail.length)
      out.set(head, 0)
      out.set(tail, head.length)
      return out
    }
  : null

/** AES-256-GCM encryption (12-byte nonce, no additional data): `ciphertext || 16-byte tag`, as noble's gcm(). */
export const nativeAesGcmEncrypt: ((key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array) => Uint8Array) | null = nodeCrypto
  ? (key, nonce, plaintext) => {
      const c = nodeCrypto.createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG })
      const head = c.update(plaintext)
      const tail = c.final()
      return join(head, tail, c.getAuthTag())
    }
  : null

/** AES-128-CTR with a 16-byte IV (geth's ECIES), one direction: encrypting and decrypting are the same. */
export const nativeAes128Ctr: ((key: Uint8Array, iv: Uint8Array, data: Uint8Array) => Uint8Array) | null = nodeCrypto
  ? (key, iv, data) => {
      const c = nodeCrypto.createCipheriv('aes-128-ctr', key, iv)
      return join(c.update(data), c.final())
    }
  : null

/** One plain Uint8Array of the parts (not a Buffer: small Buffers share one pool, and slice() shares memory). */
function join(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

/** An error built without capturing a stack trace: for failures that are routine and always caught. */
export function withoutStack<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return make()
  } finally {
    Error.stackTraceLimit = limit
  }
}
