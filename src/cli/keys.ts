// Key files for the CLI (--nodekey, --identity, keygen --out): geth's node key format, errors as CliError.
import { existsSync } from 'node:fs'
import { loadNodeKey, loadOrCreateNodeKey, NodeKeyError, type NodeKey } from '../p2p/nodekey.js'
import { CliError } from './errors.js'

/** Loads a key file, creating it on first use (a missing file is how a persistent key starts). */
export function loadOrCreateKeyFile(file: string, flag: string): NodeKey {
  try {
    return loadOrCreateNodeKey(file)
  } catch (err) {
    throw keyFileError(err, flag)
  }
}

/** Loads an existing key file; a missing file is an error. */
export function loadKeyFile(file: string, flag: string): NodeKey {
  if (!existsSync(file)) throw new CliError(`${flag} ${file}: no such file`)
  try {
    return loadNodeKey(file)
  } catch (err) {
    throw keyFileError(err, flag)
  }
}

function keyFileError(err: unknown, flag: string): CliError {
  if (err instanceof NodeKeyError) return new CliError(`${flag}: ${err.message}`)
  return new CliError(`${flag}: ${err instanceof Error ? err.message : String(err)}`)
}
