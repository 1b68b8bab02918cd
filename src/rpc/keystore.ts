// The shh API's key store, in memory only: key pairs and symmetric keys under random ids, with the
// semantics and error messages of geth whisperv6 (whisper.go: NewKeyPair, AddKeyPair, GetPrivateKey,
// GenerateSymKey, AddSymKeyDirect, AddSymKeyFromPassword, ... and crypto.ToECDSA for imports).
// Ids are 32 random bytes in lowercase hex without 0x (GenerateRandomID). Key material never leaves
// except as copies through the getters the API exposes (filters keep their own copy, as geth's keep
// the slice), and the stored bytes are zeroed when deleted or on clear().
import { pbkdf2 as pbkdf2Cb, randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { generatePrivateKey, isValidPrivateKey, publicKeyOf } from '../whisper/crypto.js'

const pbkdf2 = promisify(pbkdf2Cb)

const KEY_ID_SIZE = 32
const AES_KEY_LENGTH = 32
/** geth's (misspelt but normative) PBKDF2 iteration count for password-derived symmetric keys. */
const PASSWORD_KDF_ITERATIONS = 65356

const SECP256K1_N = secp256k1.Point.CURVE().n

function generateKeyId(): string {
  for (;;) {
    const b = randomBytes(KEY_ID_SIZE)
    // GenerateRandomID refuses all-zero output (validateDataIntegrity)
    if (b.some((x) => x !== 0)) return b.toString('hex')
  }
}

/** geth's crypto.ToECDSA (strict): the errors AddPrivateKey returns. */
export function privateKeyFromBytes(d: Uint8Array): Uint8Array {
  if (d.length * 8 !== 256) throw new Error('invalid length, need 256 bits')
  let n = 0n
  for (const b of d) n = (n << 8n) | BigInt(b)
  if (n >= SECP256K1_N) throw new Error('invalid private key, >=N')
  if (n === 0n) throw new Error('invalid private key, zero or negative')
  return Uint8Array.from(d)
}

/** Derives the room key from a password off the main thread (same bytes as whisper's symKeyFromPassword). */
export async function deriveSymKeyFromPassword(password: string): Promise<Uint8Array> {
  const key = await pbkdf2(Buffer.from(password, 'utf8'), Buffer.alloc(0), PASSWORD_KDF_ITERATIONS, AES_KEY_LENGTH, 'sha256')
  return new Uint8Array(key.buffer, key.byteOffset, key.byteLength)
}

export class Keystore {
  private readonly privateKeys = new Map<string, Uint8Array>()
  private readonly symKeys = new Map<string, Uint8Array>()

  /** `maxKeys` bounds each kind (geth has no bound; an RPC client must not be able to exhaust memory). */
  constructor(private readonly maxKeys = 10_000) {}

  /** shh_newKeyPair */
  newKeyPair(): string {
    let key = generatePrivateKey()
    if (!isValidPrivateKey(key)) key = generatePrivateKey() // geth retries once
    if (!isValidPrivateKey(key)) throw new Error('failed to generate valid key')
    return this.store(this.privateKeys, key)
  }

  /** shh_addPrivateKey (the key bytes as given; validated like crypto.ToECDSA) */
  addPrivateKey(raw: Uint8Array): string {
    return this.store(this.privateKeys, privateKeyFromBytes(raw))
  }

  deleteKeyPair(id: string): boolean {
    return this.remove(this.privateKeys, id)
  }

  hasKeyPair(id: string): boolean {
    return this.privateKeys.has(id)
  }

  /** geth's GetPrivateKey: "invalid id" when unknown. */
  getPrivateKey(id: string): Uint8Array {
    const k = this.privateKeys.get(id)
    if (!k) throw new Error('invalid id')
    return Uint8Array.from(k)
  }

  getPublicKey(id: string): Uint8Array {
    return publicKeyOf(this.getPrivateKey(id))
  }

  /** shh_newSymKey */
  newSymKey(): string {
    const key = new Uint8Array(randomBytes(AES_KEY_LENGTH))
    if (key.every((b) => b === 0)) throw new Error('error in GenerateSymKey: crypto/rand failed to generate random data')
    return this.store(this.symKeys, key)
  }

  /** shh_addSymKey: exactly 32 bytes (an all-zero key is stored, as in geth, and refused when used). */
  addSymKey(key: Uint8Array): string {
    if (key.length !== AES_KEY_LENGTH) throw new Error(`wrong key size: ${key.length}`)
    return this.store(this.symKeys, Uint8Array.from(key))
  }

  /** shh_generateSymKeyFromPassword */
  async addSymKeyFromPassword(password: string): Promise<string> {
    return this.store(this.symKeys, await deriveSymKeyFromPassword(password))
  }

  hasSymKey(id: string): boolean {
    return this.symKeys.has(id)
  }

  /** geth's GetSymKey: "non-existent key ID" when unknown. */
  getSymKey(id: string): Uint8Array {
    const k = this.symKeys.get(id)
    if (!k) throw new Error('non-existent key ID')
    return Uint8Array.from(k)
  }

  deleteSymKey(id: string): boolean {
    return this.remove(this.symKeys, id)
  }

  get size(): { keyPairs: number; symKeys: number } {
    return { keyPairs: this.privateKeys.size, symKeys: this.symKeys.size }
  }

  /** Forgets (and zeroes) every key. */
  clear(): void {
    for (const k of this.privateKeys.values()) k.fill(0)
    for (const k of this.symKeys.values()) k.fill(0)
    this.privateKeys.clear()
    this.symKeys.clear()
  }

  private store(map: Map<string, Uint8Array>, key: Uint8Array): string {
    if (map.size >= this.maxKeys) throw new Error(`too many keys (${this.maxKeys}): delete some first`)
    const id = generateKeyId()
    if (map.has(id)) throw new Error('failed to generate unique ID')
    map.set(id, key)
    return id
  }

  private remove(map: Map<string, Uint8Array>, id: string): boolean {
    const k = map.get(id)
    if (!k) return false
    k.fill(0)
    map.delete(id)
    return true
  }
}
