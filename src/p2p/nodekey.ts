// Node key files in geth's format (crypto.LoadECDSA/SaveECDSA): the secp256k1 private key as 64 hex
// characters, written without a newline and with mode 0600. Files made by `geth --nodekey`,
// `bootnode -genkey` or `wnode -idfile` load as they are, and ours load in them.
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, parse, resolve, sep } from 'node:path'
import { secp256k1 } from '@noble/curves/secp256k1.js'

/** A node's secp256k1 identity: its keys and node id. */
export interface NodeKey {
  /** 32 bytes. */
  privateKey: Uint8Array
  /** 65 bytes, uncompressed (0x04 || X || Y). */
  publicKey: Uint8Array
  /** 128 hex chars: publicKey without the 0x04 prefix, as in enode URLs. */
  nodeId: string
  /** True when this call generated the key and wrote the file. */
  created: boolean
}

/** A node key file that cannot be read or holds no valid key; the message names the file. */
export class NodeKeyError extends Error {
  /** The key file. */
  readonly file: string
  /** An error naming the file. */
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(`node key file ${file}: ${message}`, options)
    this.name = 'NodeKeyError'
    this.file = file
  }
}

export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  return secp256k1.getPublicKey(privateKey, false)
}

export function nodeIdOf(privateKey: Uint8Array): string {
  return Buffer.from(publicKeyOf(privateKey).subarray(1)).toString('hex')
}

export function generateNodeKey(): Uint8Array {
  return secp256k1.utils.randomSecretKey()
}

export function nodeKeyFromPrivateKey(privateKey: Uint8Array, created = false): NodeKey {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32 || !secp256k1.utils.isValidSecretKey(privateKey)) {
    throw new Error('invalid node private key: want 32 bytes, a valid secp256k1 secret key')
  }
  const publicKey = publicKeyOf(privateKey)
  return { privateKey, publicKey, nodeId: Buffer.from(publicKey.subarray(1)).toString('hex'), created }
}

// Parses the text of a key file. Tolerates surrounding whitespace (a trailing newline from an editor
// or `echo`), nothing else.
export function parseNodeKey(text: string, file = '<input>'): Uint8Array {
  const hex = text.trim()
  if (hex.length === 0) throw new NodeKeyError(file, 'file is empty (want 64 hex characters)')
  if (!/^[0-9a-fA-F]*$/.test(hex)) {
    throw new NodeKeyError(file, 'not hex (want 64 hex characters of a secp256k1 private key, no 0x prefix)')
  }
  if (hex.length !== 64) throw new NodeKeyError(file, `has ${hex.length} hex characters, want 64`)
  const key = Uint8Array.from(Buffer.from(hex, 'hex'))
  if (!secp256k1.utils.isValidSecretKey(key)) {
    throw new NodeKeyError(file, 'not a valid secp256k1 private key (zero or not below the curve order)')
  }
  return key
}

export function loadNodeKey(file: string): NodeKey {
  let text: string
  try {
    text = readFileSync(file, 'latin1')
  } catch (err) {
    throw new NodeKeyError(file, `cannot read: ${describe(err)}`, { cause: err })
  }
  return nodeKeyFromPrivateKey(parseNodeKey(text, file))
}

/**
 * Loads the key (geth's format: 64 hex digits), or on first run (file absent) generates one and writes
 * it with mode 0600 (directories 0700). Throws NodeKeyError.
 */
export function loadOrCreateNodeKey(file: string): NodeKey {
  try {
    return loadNodeKey(file)
  } catch (err) {
    if (!(err instanceof NodeKeyError) || (err.cause as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') throw err
  }
  const privateKey = generateNodeKey()
  try {
    makeDirs(dirname(file), 0o700)
    // 'wx': never overwrite a key another process wrote in the meantime.
    writeFileSync(file, Buffer.from(privateKey).toString('hex'), { mode: 0o600, flag: 'wx' })
    chmodSync(file, 0o600) // the umask may have narrowed it, never widened; make it exact
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadNodeKey(file)
    throw new NodeKeyError(file, `cannot create: ${describe(err)}`, { cause: err })
  }
  return nodeKeyFromPrivateKey(privateKey, true)
}

/**
 * mkdir -p, one level at a time. Node's recursive mkdir loops forever where a directory cannot be made
 * although its parent exists (/proc/x: ENOENT, read as "parent missing"); here every error ends it.
 */
export function makeDirs(dir: string, mode = 0o777): void {
  const abs = resolve(dir)
  const root = parse(abs).root
  let path = root
  for (const part of abs.slice(root.length).split(sep).filter((p) => p !== '')) {
    path = path === root ? root + part : path + sep + part
    try {
      mkdirSync(path, { mode })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      if (!statSync(path).isDirectory()) {
        throw Object.assign(new Error(`${path} is not a directory`), { code: 'ENOTDIR', path })
      }
    }
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException
  switch (e?.code) {
    case 'ENOENT':
      return e.syscall === 'mkdir' ? `${e.path ?? 'its directory'}: not a place where a directory can be made` : 'no such file or directory'
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'EISDIR':
      return 'is a directory'
    case 'ENOTDIR':
      return e.path ? `${e.path} is not a directory` : 'a parent path is not a directory'
    default:
      return e?.message ?? String(err)
  }
}
