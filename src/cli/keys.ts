// Key files for the CLI (--nodekey, --identity, keygen --out): geth's node key format, errors as CliError.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { loadNodeKey, loadOrCreateNodeKey, makeDirs, NodeKeyError, type NodeKey } from '../p2p/nodekey.js'
import { CliError } from './errors.js'
import { cliIo } from './io.js'

/**
 * Loads a key file, creating it on first use (a missing file is how a persistent key starts). A created
 * key is said on stderr with its full path: a mistyped path must not pass for the key the user meant.
 */
export function loadOrCreateKeyFile(file: string, flag: string, note: ((line: string) => void) | null = (l) => cliIo().stderr.write(l + '\n')): NodeKey {
  let key: NodeKey
  try {
    key = loadOrCreateNodeKey(file)
  } catch (err) {
    throw keyFileError(err, flag)
  }
  if (key.created) note?.(`created a new key for ${flag}: ${resolve(file)}`)
  return key
}

/** Makes sure `dir` is a directory we can use (creating it), or fails naming the flag that gave it. */
export function ensureDirectory(dir: string, flag: string): void {
  try {
    makeDirs(dir, 0o700)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const why =
      e.code === 'ENOTDIR' ? `${e.path ?? dir} is not a directory`
        : e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied'
          : e.code === 'EROFS' ? 'read-only file system'
            : e.code === 'ENOENT' ? `cannot create ${e.path ?? dir} (not a place for files)`
              : e.message.split('\n')[0]
    throw new CliError(`${flag} ${dir}: ${why}`)
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

/** What the file of each flag holds: `--identity /tmp` names an identity file, not a node key file. */
const FILE_KIND: Record<string, string> = { '--identity': 'identity file', '--show': 'key file' }

function keyFileError(err: unknown, flag: string): CliError {
  if (err instanceof NodeKeyError) {
    const kind = FILE_KIND[flag]
    return new CliError(`${flag}: ${kind ? err.message.replace(/^node key file /, `${kind} `) : err.message}`)
  }
  return new CliError(`${flag}: ${err instanceof Error ? err.message : String(err)}`)
}
