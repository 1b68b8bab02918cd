// `p2pmessage envelope seal|open`: make and read single whisper envelopes offline (no network), e.g. to
// exchange test envelopes with geth's tools. Envelopes travel as one line of hex (the RLP on the wire).
import type { Command } from 'commander'
import {
  decodeEnvelope, encodeEnvelope, envelopeHash, envelopePow, type Envelope, type ShhVersion,
} from '../whisper/envelope.js'
import { buildEnvelope, sealEnvelope, type SealParams } from '../whisper/seal.js'
import { DEFAULT_MAX_MESSAGE_SIZE } from '../node/validate.js'
import { openEnvelope, type OpenKey, type ReceivedMessage } from '../whisper/open.js'
import { isValidPrivateKey, publicKeyOf, symKeyFromPassword } from '../whisper/crypto.js'
import { fromHex, toHex } from '../whisper/bytes.js'
import { rlpDecode } from '../whisper/rlp.js'
import { WhisperError } from '../whisper/errors.js'
import { parsePow, parseProtocols, parsePublicKey, parseTopicArg, parseTtl } from './options.js'
import { CliError } from './errors.js'
import { resolveSecret, secretGiven, secretOption, type SecretName } from './secrets.js'
import { cliIo } from './io.js'

/** The original chat's topic and geth's defaults. */
const DEFAULTS = { topic: '44c7429f', ttl: '50', pow: '0.2', work: '5' }

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of cliIo().stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}

function hexArg(value: string, flag: string): Uint8Array {
  try {
    return fromHex(value, flag)
  } catch (e) {
    throw new CliError(`invalid ${flag}: ${(e as Error).message.replace(/^[^:]*: /, '')}`)
  }
}

function parseShhArg(v: string | undefined): ShhVersion | undefined {
  if (v === undefined) return undefined
  const s = v.trim().replace(/^shh\/?/i, '')
  if (s === '5' || s === '6') return Number(s) as ShhVersion
  throw new CliError(`invalid --shh "${v}": expected 5 or 6`)
}

/**
 * The wire format from --shh or --protocols (Waku's envelopes are shh/6's: waku/0 and waku/1 mean
 * format 6). `what`: the command, for the one-line errors.
 */
function formatArg(opts: { shh?: string; protocols?: string }, what: string): ShhVersion | undefined {
  if (opts.shh !== undefined && opts.protocols !== undefined) throw new CliError(`${what}: give --protocols or --shh, not both`)
  if (opts.protocols === undefined) return parseShhArg(opts.shh)
  const formats = new Set(parseProtocols(opts.protocols).map((p) => (p === 'shh/5' ? 5 : 6)))
  if (formats.size > 1) throw new CliError(`${what}: --protocols "${opts.protocols}" mixes envelope formats (shh/5 is format 5; shh/6, waku/0 and waku/1 are format 6)`)
  return [...formats][0] as ShhVersion
}

function symKeyArg(v: string, flag: string): Uint8Array {
  const k = hexArg(v, flag)
  if (k.length !== 32) throw new CliError(`invalid ${flag}: a symmetric key is 32 bytes (64 hex digits), got ${k.length}`)
  return k
}

function privateKeyArg(v: string, flag: string): Uint8Array {
  const k = hexArg(v, flag)
  if (!isValidPrivateKey(k)) throw new CliError(`invalid ${flag}: a private key is 32 bytes (64 hex digits) in the secp256k1 range`)
  return k
}

function workArg(v: string): number {
  const n = Number(v.trim())
  if (v.trim() === '' || !Number.isInteger(n) || n < 0 || n > 3600) throw new CliError(`invalid --work "${v}": expected whole seconds from 0 to 3600`)
  return n
}

/** The envelope's wire version: from --shh, else from the field count (7 = v5, 5 = v6). */
function detectShh(rlp: Uint8Array): ShhVersion {
  let item
  try {
    item = rlpDecode(rlp, 'envelope', { maxListItems: 8 })
  } catch (e) {
    throw new CliError(`not an envelope: ${(e as Error).message}`)
  }
  if (Array.isArray(item) && item.length === 7) return 5
  if (Array.isArray(item) && item.length === 5) return 6
  throw new CliError(`not an envelope: expected an RLP list of 7 (shh/5) or 5 (shh/6) fields`)
}

function whisperToCli(e: unknown, what: string): never {
  if (e instanceof WhisperError) throw new CliError(`${what}: ${e.message}`)
  throw e
}

interface SealOpts {
  shh?: string; protocols?: string; password?: string; symKey?: string; to?: string; signKey?: string; topic: string; ttl: string
  pow: string; work: string; payload?: string; payloadHex?: string; paddingHex?: string; json?: boolean; force?: boolean
}

export async function sealCommand(opts: SealOpts): Promise<string> {
  const shh = formatArg(opts, 'envelope seal')
  if (shh === undefined) throw new CliError('envelope seal: --shh 5 or --shh 6 is required (or --protocols, e.g. waku/1)')
  const keys = [opts.password !== undefined, opts.symKey !== undefined, opts.to !== undefined].filter(Boolean).length
  if (keys !== 1) throw new CliError('envelope seal: give exactly one of --password, --sym-key, --to')
  if (opts.payload !== undefined && opts.payloadHex !== undefined) throw new CliError('envelope seal: give --payload or --payload-hex, not both')
  const payload = opts.payload !== undefined ? new TextEncoder().encode(opts.payload)
    : opts.payloadHex !== undefined ? hexArg(opts.payloadHex, '--payload-hex')
    : new Uint8Array(await readStdin())
  const p: SealParams = {
    shh,
    topic: parseTopicArg(opts.topic),
    payload,
    ttl: parseTtl(opts.ttl),
    pow: parsePow(opts.pow),
    workTime: workArg(opts.work),
  }
  if (opts.paddingHex !== undefined) p.padding = hexArg(opts.paddingHex, '--padding-hex')
  if (opts.password !== undefined) p.symKey = symKeyFromPassword(opts.password)
  if (opts.symKey !== undefined) p.symKey = symKeyArg(opts.symKey, '--sym-key')
  if (opts.to !== undefined) p.dst = parsePublicKey(opts.to, '--to')
  if (opts.signKey !== undefined) p.src = privateKeyArg(opts.signKey, '--sign-key')
  let env: Envelope
  try {
    env = buildEnvelope(p)
    // checked before the proof of work, which grows with the size: an envelope over geth's default limit
    // is refused by its peers (the connection with it), so making one is almost always a mistake
    const size = encodeEnvelope(env).length
    if (size > DEFAULT_MAX_MESSAGE_SIZE && !opts.force) {
      throw new CliError(`envelope seal: the envelope would be ${size} bytes, over geth's default limit of ${DEFAULT_MAX_MESSAGE_SIZE} (1 MiB): ` +
        'peers with default settings drop it and disconnect; --force seals it anyway')
    }
    env = sealEnvelope(env, p.pow, p.workTime)
  } catch (e) {
    if (e instanceof CliError) throw e
    whisperToCli(e, 'cannot seal')
  }
  const rlp = encodeEnvelope(env)
  if (!opts.json) return toHex(rlp) + '\n'
  return JSON.stringify({
    shh, envelope: toHex(rlp), hash: toHex(envelopeHash(env)), pow: envelopePow(env), topic: toHex(env.topic),
    expiry: env.expiry, ttl: env.ttl, sent: env.expiry - env.ttl, nonce: env.nonce.toString(),
    ...(p.src ? { signer: toHex(publicKeyOf(p.src)) } : {}),
  }) + '\n'
}

interface OpenOpts { shh?: string; protocols?: string; password?: string; symKey?: string; key?: string; json?: boolean }

function utf8OrNull(b: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b)
  } catch {
    return null
  }
}

export function describeOpened(m: ReceivedMessage, json: boolean): string {
  const text = utf8OrNull(m.payload)
  if (json) {
    return JSON.stringify({
      shh: m.shh, payload: text, payloadHex: toHex(m.payload), paddingHex: toHex(m.padding),
      signer: m.src ? { publicKey: toHex(m.src), address: toHex(m.address!) } : null,
      pow: m.pow, topic: toHex(m.topic), sent: m.sent, ttl: m.ttl, expiry: m.expiry, hash: toHex(m.hash), symmetric: m.symmetric,
    }) + '\n'
  }
  // control characters of a peer's text are escaped (they could rewrite the terminal)
  // eslint-disable-next-line no-control-regex
  const shown = text === null ? `(hex) ${toHex(m.payload)}` : text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
  return [
    `payload: ${shown}`,
    `signer:  ${m.address ? toHex(m.address) : '(unsigned)'}`,
    `pow:     ${m.pow}`,
    `topic:   ${toHex(m.topic)}`,
    `sent:    ${m.sent} (${new Date(m.sent * 1000).toISOString().replace('T', ' ').replace('.000Z', ' UTC')})`,
  ].join('\n') + '\n'
}

export async function openCommand(hexArgument: string | undefined, opts: OpenOpts): Promise<string> {
  const keys = [opts.password !== undefined, opts.symKey !== undefined, opts.key !== undefined].filter(Boolean).length
  if (keys !== 1) throw new CliError('envelope open: give exactly one of --password, --sym-key, --key')
  const text = hexArgument ?? (await readStdin()).toString('utf8')
  if (text.trim() === '') throw new CliError('envelope open: no envelope given (hex as argument or on standard input)')
  const rlp = hexArg(text.trim(), 'envelope')
  const shh = formatArg(opts, 'envelope open') ?? detectShh(rlp)
  let env: Envelope
  try {
    env = decodeEnvelope(shh, rlp)
  } catch (e) {
    whisperToCli(e, `not a valid shh/${shh} envelope`)
  }
  const key: OpenKey = {}
  if (opts.password !== undefined) key.symKey = symKeyFromPassword(opts.password)
  if (opts.symKey !== undefined) key.symKey = symKeyArg(opts.symKey, '--sym-key')
  if (opts.key !== undefined) key.privateKey = privateKeyArg(opts.key, '--key')
  let m: ReceivedMessage
  try {
    m = openEnvelope(env, key)
  } catch (e) {
    whisperToCli(e, 'cannot open the envelope')
  }
  return describeOpened(m, !!opts.json)
}

/**
 * The secrets of `names` read from their flags or files; the environment variables of `keyChoices`
 * (the one-of key options) only count when no key was given on the command line (`otherKey`: one that
 * has no secret form, such as --to), and only when exactly one of them is set.
 */
function withSecrets<T extends object>(opts: T, names: SecretName[], keyChoices: SecretName[], otherKey: boolean): T {
  const o = opts as Record<string, unknown>
  const out: Record<string, unknown> = { ...o }
  const anyKeyGiven = otherKey || keyChoices.some((n) => secretGiven(o, n))
  for (const n of names) {
    const useEnv = !keyChoices.includes(n) || !anyKeyGiven
    out[n] = resolveSecret(o, n, { env: useEnv })
    delete out[`${n}File`]
  }
  return out as T
}

export function registerEnvelope(program: Command): void {
  const envelope = program.command('envelope').description('seal or open a single whisper envelope offline (hex RLP, as on the wire)')
  const seal = envelope
    .command('seal')
    .description('seal a payload into an envelope and print its RLP as one line of hex')
    .option('--shh <version>', 'wire version: 5 or 6')
    .option('--protocols <protocol>', 'the protocol it is for: shh/5, shh/6, waku/0 or waku/1 (Waku envelopes are format 6)')
  secretOption(seal, 'password', 'password', 'symmetric key from a password (as geth AddSymKeyFromPassword)')
  secretOption(seal, 'symKey', 'hex', 'raw 32-byte symmetric key')
  seal.option('--to <pubkey>', "recipient's public key: asymmetric (ECIES)")
  secretOption(seal, 'signKey', 'hex', 'sign with this 32-byte private key')
  seal
    .option('--topic <hex>', '4-byte topic', DEFAULTS.topic)
    .option('--ttl <seconds>', 'time to live', DEFAULTS.ttl)
    .option('--pow <value>', 'target proof of work (0: v5 best within --work, v6 none, as geth)', DEFAULTS.pow)
    .option('--work <seconds>', 'maximum time spent on proof of work', DEFAULTS.work)
    .option('--payload <text>', 'payload as text (UTF-8)')
    .option('--payload-hex <hex>', 'payload as hex')
    .option('--padding-hex <hex>', 'explicit padding (default: random, as geth)')
    .option('--json', 'print a JSON object (envelope, hash, pow, ...) instead of the hex line')
    .option('--force', "seal an envelope over geth's default 1 MiB limit anyway")
    .action(async (opts: SealOpts) => {
      cliIo().stdout.write(await sealCommand(withSecrets(opts, ['password', 'symKey', 'signKey'], ['password', 'symKey'], !!opts.to)))
    })
  const open = envelope
    .command('open [hex]')
    .description('open an envelope (hex as argument or on standard input) and print payload, signer, PoW, topic, sent time')
    .option('--shh <version>', 'wire version: 5 or 6 (default: told by the field count)')
    .option('--protocols <protocol>', 'the protocol it came on: shh/5, shh/6, waku/0 or waku/1 (Waku envelopes are format 6)')
  secretOption(open, 'password', 'password', 'symmetric key from a password')
  secretOption(open, 'symKey', 'hex', 'raw 32-byte symmetric key')
  secretOption(open, 'key', 'hex', 'private key (asymmetric envelopes)')
  open
    .option('--json', 'print a JSON object')
    .action(async (hex: string | undefined, opts: OpenOpts) => {
      cliIo().stdout.write(await openCommand(hex, withSecrets(opts, ['password', 'symKey', 'key'], ['password', 'symKey', 'key'], false)))
    })
}
