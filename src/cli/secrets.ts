// Secrets on the command line (--password, --sym-key, --sign-key, --key, --token) are visible to every
// local user in the process list (ps, /proc/PID/cmdline). Each is accepted two safer ways too: from a
// file (--password-file FILE: its first line) or from an environment variable (P2PMESSAGE_PASSWORD),
// which only the user's own processes can read. The flag wins over the file; giving both is an error;
// the variable is used only when neither is given.
import type { Command } from 'commander'
import { readFileSync } from 'node:fs'
import { CliError } from './errors.js'
import { cliIo } from './io.js'

export type SecretName = 'password' | 'symKey' | 'signKey' | 'key' | 'token' | 'mailserverPassword'

const FLAG: Record<SecretName, string> = { password: 'password', symKey: 'sym-key', signKey: 'sign-key', key: 'key', token: 'token', mailserverPassword: 'mailserver-password' }

/** --password -> P2PMESSAGE_PASSWORD, --sym-key -> P2PMESSAGE_SYM_KEY, ... */
function secretEnvVar(name: SecretName): string {
  return 'P2PMESSAGE_' + FLAG[name].toUpperCase().replace(/-/g, '_')
}

const fileKey = (name: SecretName): string => `${name}File`

/**
 * Adds `--NAME <value>` (with a warning in its help) and `--NAME-file <file>` to `cmd`. `def` is the
 * value used when none of the three ways gives one (shown in the help, applied by resolveSecret).
 */
export function secretOption(cmd: Command, name: SecretName, arg: string, description: string, def?: string): Command {
  const flag = FLAG[name]
  const shown = def !== undefined ? ` (default: "${def}")` : ''
  return cmd
    .option(`--${flag} <${arg}>`, `${description}${shown}; visible to other local users in the process list: --${flag}-file or ${secretEnvVar(name)} are safer`)
    .option(`--${flag}-file <file>`, `read --${flag} from the first line of <file> (safer than the flag)`)
}

/** The flag, the file or the variable (in that order of precedence); undefined when none. */
export function resolveSecret(opts: Record<string, unknown>, name: SecretName, opt: { env?: boolean } = {}): string | undefined {
  const flag = FLAG[name]
  const direct = opts[name]
  const file = opts[fileKey(name)]
  if (direct !== undefined && file !== undefined) throw new CliError(`give --${flag} or --${flag}-file, not both`)
  if (typeof direct === 'string') return direct
  if (typeof file === 'string') return readSecretFile(file, `--${flag}-file`)
  if (opt.env !== false) {
    const v = cliIo().env[secretEnvVar(name)]
    if (v !== undefined && v !== '') return v
  }
  return undefined
}

/** Whether the flag or its file was given (not the environment). */
export function secretGiven(opts: Record<string, unknown>, name: SecretName): boolean {
  return opts[name] !== undefined || opts[fileKey(name)] !== undefined
}

function readSecretFile(file: string, what: string): string {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new CliError(`${what} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message}`)
  }
  const line = text.split(/\r?\n/, 1)[0]
  if (line === '') throw new CliError(`${what} ${file}: the first line is empty`)
  return line
}
