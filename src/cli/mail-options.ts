// The options that make a node a mail server (`mailserver`, `relay --mailserver-password`,
// `bridge --mailserver-password`), and starting one. The archive is SQLite in --datadir unless
// `--archive` names a PostgreSQL database (mailserver and relay); the archive and its database client
// are imported only when a mail server starts.
import type { Command } from 'commander'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { WhisperNode } from '../node/whisper-node.js'
import type { MailServer } from '../node/mailserver.js'
import { CliError } from './errors.js'
import { parsePow } from './options.js'

export const DEFAULT_MAIL_DATADIR = join(homedir(), '.p2pmessage', 'mailserver')

export interface MailFlags {
  datadir?: string
  archive?: string
  retention: string
  maxArchive: string
  requestPow?: string
  strictSigner?: boolean
}

/** Where the archive is: a SQLite file in a directory, or a PostgreSQL database. */
export type ArchiveTarget = { kind: 'sqlite'; dir: string } | { kind: 'postgres'; url: string }

export interface MailConfig {
  password: string
  archive: ArchiveTarget
  retentionSeconds: number
  maxBytes: number
  requestPow?: number
  strictSigner: boolean
}

/** The archive and request options shared by `mailserver`, `relay --mailserver-password` and `bridge`. */
export function addMailOptions(cmd: Command, o: { datadir: boolean }): Command {
  if (o.datadir) {
    cmd.option('--datadir <dir>', `mail server archive directory (created 0700)`, DEFAULT_MAIL_DATADIR)
    cmd.option('--archive <url>', 'the archive: sqlite:DIR (as --datadir) or postgres://user:password@host:port/database, which several mail servers may share (default: SQLite in --datadir)')
  }
  return cmd
    .option('--retention <duration>', 'keep archived envelopes this long (e.g. 12h, 30d)', '30d')
    .option('--max-archive <size>', 'archive size bound on disk (database + WAL), oldest out (e.g. 500MB, 1GiB)', '1GiB')
    .option('--request-pow <n>', 'minimum PoW of history requests (geth -mspow; 0: no check); default: --pow')
    .option('--strict-signer', 'accept only requests signed by the requesting peer\'s node key (geth 1.7.3 does so for shh/5; geth 1.9.7 accepts any signer on shh/6)')
}

export function resolveMail(password: string, flags: MailFlags, dir: string): MailConfig {
  if (password.length === 0) throw new CliError('the mail server password must not be empty')
  return {
    password,
    archive: flags.archive !== undefined ? parseArchiveTarget(flags.archive) : { kind: 'sqlite', dir },
    retentionSeconds: parseDurationArg(flags.retention, '--retention'),
    maxBytes: parseSize(flags.maxArchive, '--max-archive'),
    requestPow: flags.requestPow !== undefined ? parsePow(flags.requestPow) : undefined,
    strictSigner: flags.strictSigner === true,
  }
}

/** Opens the archive and makes `node` (not started yet) a mail server; ArchiveErrors become one-line CliErrors. */
export async function startMailServer(node: WhisperNode, cfg: MailConfig, nodeMinPow: number): Promise<MailServer> {
  const [{ Archive, ArchiveError, openPgArchive }, { MailServer }] = await Promise.all([import('../node/archive.js'), import('../node/mailserver.js')])
  const common = {
    retentionSeconds: cfg.retentionSeconds,
    maxBytes: cfg.maxBytes,
    onError: (err: Error) => node.log.error(`Archive failed: ${err.message}`),
    onNotice: (message: string) => node.log.warn(message),
    // what an operator (or a test) can hold the archive to: these are committed, whatever happens next
    onArchived: (hashes: string[]) => node.log.trace('Archived envelopes', { count: hashes.length, hashes: hashes.join(',') }),
  }
  let archive
  try {
    archive = cfg.archive.kind === 'postgres'
      ? await openPgArchive({ url: cfg.archive.url, ...common })
      : await Archive.open({ dir: cfg.archive.dir, ...common })
  } catch (err) {
    if (err instanceof ArchiveError) throw new CliError(err.message)
    throw err
  }
  return new MailServer(node, {
    password: cfg.password,
    archive,
    minPow: cfg.requestPow ?? nodeMinPow,
    requireNodeKey: cfg.strictSigner ? true : undefined,
  })
}

/** `--archive`: sqlite:DIR or postgres://…; anything else is a one-line error that never shows a password. */
export function parseArchiveTarget(value: string): ArchiveTarget {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase()
  const expected = 'expected sqlite:DIR or postgres://user:password@host:port/database'
  if (scheme === 'sqlite') {
    const dir = value.slice('sqlite:'.length)
    if (dir === '') throw new CliError(`invalid --archive "sqlite:": give the archive directory, as sqlite:/var/lib/p2pmessage/mailserver`)
    return { kind: 'sqlite', dir }
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    let u: URL
    try {
      u = new URL(value)
    } catch {
      throw new CliError(`invalid --archive URL: ${expected}`)
    }
    if (u.hostname === '') throw new CliError(`invalid --archive URL ${scheme}://…: it names no host (${expected})`)
    if (u.pathname.length <= 1) throw new CliError(`invalid --archive URL: it names no database (${expected})`)
    return { kind: 'postgres', url: value }
  }
  if (scheme === undefined) throw new CliError(`invalid --archive "${value}": ${expected}`)
  throw new CliError(`unknown --archive scheme "${scheme}:": ${expected}`)
}

export function parseDurationArg(value: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/i.exec(value)
  const unit = m ? { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2].toLowerCase() as '' | 's' | 'm' | 'h' | 'd' | 'w'] : 0
  const secs = m ? Math.round(Number(m[1]) * unit) : 0
  if (!(secs > 0)) throw new CliError(`invalid ${flag} "${value}": expected a duration like 90s, 30m, 24h or 7d`)
  return secs
}

function parseSize(value: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib|tb|tib|k|m|g|t)?\s*$/i.exec(value)
  const units: Record<string, number> = {
    '': 1, b: 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3, t: 1024 ** 4, tib: 1024 ** 4,
    kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
  }
  const bytes = m ? Math.floor(Number(m[1]) * units[(m[2] ?? '').toLowerCase()]) : 0
  // the database's own pages and its WAL need room: below 256 KiB the bound would hold next to no envelopes
  if (!(bytes >= 256 * 1024)) throw new CliError(`invalid ${flag} "${value}": expected a size of at least 256KiB, like 500MB or 1GiB`)
  return bytes
}
