// Parsing and checking of command-line values. Each parser throws a CliError whose message names the
// flag and what was expected, so the user sees one line and exit status 2.
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { CliError } from './errors.js'

const HEX_RE = /^[0-9a-fA-F]*$/

function stripHexPrefix(s: string): string {
  return s.startsWith('0x') || s.startsWith('0X') ? s.slice(2) : s
}

/** A whisper topic: exactly 4 bytes written as 8 hex digits (0x prefix allowed). */
export function parseTopicArg(value: string): Uint8Array {
  const hex = stripHexPrefix(value.trim())
  if (hex.length !== 8 || !HEX_RE.test(hex)) {
    throw new CliError(`invalid --topic "${value}": a topic is 4 bytes written as 8 hex digits, e.g. 44c7429f`)
  }
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

export function parseVerbosity(value: string): number {
  if (!/^[0-5]$/.test(value.trim())) throw new CliError(`invalid --verbosity "${value}": expected 0 (silent) to 5 (trace)`)
  return Number(value)
}

export type ShhChoice = 5 | 6 | 'both'

export function parseShh(value: string): ShhChoice {
  const v = value.trim().toLowerCase().replace(/^shh\/?/, '')
  if (v === '5') return 5
  if (v === '6') return 6
  if (v === 'both') return 'both'
  throw new CliError(`invalid --shh "${value}": expected 5, 6 or both`)
}

export function shhVersionsOf(choice: ShhChoice): (5 | 6)[] {
  return choice === 'both' ? [5, 6] : [choice]
}

/** What a node offers, as `--protocols` spells it: shh/5, shh/6, waku/0, waku/1. */
export type Protocol = 'shh/5' | 'shh/6' | 'waku/0' | 'waku/1'
export const PROTOCOLS: readonly Protocol[] = ['shh/5', 'shh/6', 'waku/0', 'waku/1']

/** `--protocols shh/6,waku/1`: a comma list of PROTOCOLS (any order, repeats ignored), in PROTOCOLS order. */
export function parseProtocols(value: string): Protocol[] {
  const items = value.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '')
  if (items.length === 0) throw new CliError(`invalid --protocols "${value}": expected a comma list of ${PROTOCOLS.join(', ')}`)
  const bad = items.find((s) => !(PROTOCOLS as readonly string[]).includes(s))
  if (bad !== undefined) throw new CliError(`invalid --protocols "${value}": unknown protocol "${bad}" (expected a comma list of ${PROTOCOLS.join(', ')})`)
  return PROTOCOLS.filter((p) => items.includes(p))
}

/** The protocols a --shh choice offers. */
export function protocolsOfShh(choice: ShhChoice): Protocol[] {
  return shhVersionsOf(choice).map((v) => `shh/${v}` as Protocol)
}

export interface HostPort {
  host: string
  port: number
}

/** `host:port`, `[v6addr]:port`, `:port` or a bare port (then on all interfaces). */
export function parseListen(value: string, flag = '--listen'): HostPort {
  const v = value.trim()
  let host: string
  let portText: string
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(v)
  if (bracketed) {
    host = bracketed[1]
    portText = bracketed[2]
  } else if (/^\d+$/.test(v)) {
    host = '0.0.0.0'
    portText = v
  } else {
    const i = v.lastIndexOf(':')
    if (i < 0 || v.indexOf(':') !== i) throw new CliError(`invalid ${flag} "${value}": expected host:port, e.g. 0.0.0.0:30303`)
    host = v.slice(0, i) || '0.0.0.0'
    portText = v.slice(i + 1)
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new CliError(`invalid ${flag} "${value}": the port must be a number from 0 to 65535`)
  }
  return { host, port: Number(portText) }
}

function parseNumber(value: string, flag: string, what: string, ok: (n: number) => boolean): number {
  const n = Number(value.trim())
  if (value.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new CliError(`invalid ${flag} "${value}": expected ${what}`)
  return n
}

export const parseTtl = (v: string): number =>
  parseNumber(v, '--ttl', 'a whole number of seconds from 1 to 86400', (n) => Number.isInteger(n) && n >= 1 && n <= 86400)
export const parsePow = (v: string, flag = '--pow'): number =>
  parseNumber(v, flag, 'a proof-of-work value >= 0, e.g. 0.2', (n) => n >= 0 && n < 1e6)
export const parseWork = (v: string): number =>
  parseNumber(v, '--work', 'a whole number of seconds (1 to 3600) spent on proof of work, e.g. 5', (n) => Number.isInteger(n) && n >= 1 && n <= 3600)
export const parseSeconds = (v: string, flag: string): number =>
  parseNumber(v, flag, 'a number of seconds >= 0', (n) => n >= 0 && n <= 86400 * 365)
export const parsePositiveInt = (v: string, flag: string): number =>
  parseNumber(v, flag, 'a whole number >= 1', (n) => Number.isInteger(n) && n >= 1 && n <= 100000)

/** A recipient's public key for --to: 65 bytes (04...) or the 64-byte form without the prefix. */
export function parsePublicKey(value: string, flag = '--to'): Uint8Array {
  let hex = stripHexPrefix(value.trim())
  if (!HEX_RE.test(hex) || (hex.length !== 128 && hex.length !== 130)) {
    throw new CliError(`invalid ${flag} "${value}": expected a public key of 130 hex digits (04 followed by 128)`)
  }
  if (hex.length === 128) hex = '04' + hex
  const bytes = Uint8Array.from(Buffer.from(hex, 'hex'))
  try {
    secp256k1.Point.fromBytes(bytes).assertValidity()
  } catch {
    throw new CliError(`invalid ${flag}: ${value.slice(0, 20)}... is not a point on the secp256k1 curve`)
  }
  return bytes
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return previous.concat([value])
}

export interface RoomSpec {
  topic: Uint8Array
  password: string
}

/**
 * `--room <topic>:<password>`: the first colon splits (passwords may contain colons), the topic is 8
 * hex digits, the password is not empty.
 */
export function parseRoom(value: string, flag = '--room'): RoomSpec {
  const i = value.indexOf(':')
  if (i < 0) throw new CliError(`invalid ${flag} "${value}": expected <topic>:<password>, e.g. 44c7429f:123456`)
  const topicText = value.slice(0, i).trim()
  const hex = stripHexPrefix(topicText)
  if (hex.length !== 8 || !HEX_RE.test(hex)) {
    throw new CliError(`invalid ${flag} "${value}": the topic "${topicText}" is not 8 hex digits (4 bytes), e.g. 44c7429f`)
  }
  const password = value.slice(i + 1)
  if (password.length === 0) throw new CliError(`invalid ${flag} "${value}": the password after the colon is empty`)
  return { topic: Uint8Array.from(Buffer.from(hex, 'hex')), password }
}
