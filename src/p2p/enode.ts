// enode URLs as geth (p2p/discover ParseNode, v1.6.6) reads and prints them:
//   enode://<128 hex node id>@<ip>:<tcp port>[?discport=<udp port>]
// Only complete URLs are accepted (we need somewhere to dial). Like geth, the host must be an IP
// literal: DNS names are refused rather than resolved behind the user's back.
import { isIP } from 'node:net'
import { secp256k1 } from '@noble/curves/secp256k1.js'

/** A node's address, as in `enode://<id>@<host>:<port>[?discport=<udp port>]`. */
export interface Enode {
  /** 128 lowercase hex chars: the uncompressed public key without its 0x04 prefix. */
  id: string
  /** IP literal (IPv6 without brackets). */
  host: string
  /** TCP (RLPx) port; 0 means "not listening". */
  port: number
  /** UDP (discovery) port, only when it differs from `port`. */
  discport?: number
}

/** A malformed enode URL; the message quotes it and says what is wrong. */
export class EnodeError extends Error {
  /** An error naming the URL and the reason. */
  constructor(url: string, reason: string) {
    super(`invalid enode URL ${JSON.stringify(truncate(url))}: ${reason}`)
    this.name = 'EnodeError'
  }
}

const HEX_128 = /^[0-9a-fA-F]{128}$/
const DIGITS = /^[0-9]+$/

/** Parses an enode URL as geth does (IP literals only, no DNS); throws EnodeError. */
export function parseEnode(url: string): Enode {
  if (typeof url !== 'string') throw new EnodeError(String(url), 'not a string')
  const s = url.trim()
  const schemeEnd = s.indexOf('://')
  if (schemeEnd < 0) throw new EnodeError(url, 'missing scheme, want "enode://<node id>@<ip>:<port>"')
  const scheme = s.slice(0, schemeEnd)
  if (scheme.toLowerCase() !== 'enode') throw new EnodeError(url, `invalid scheme "${scheme}", want "enode"`)
  let rest = s.slice(schemeEnd + 3)

  let query = ''
  const q = rest.indexOf('?')
  if (q >= 0) {
    query = rest.slice(q + 1)
    rest = rest.slice(0, q)
  }
  const at = rest.indexOf('@')
  if (at < 0) {
    if (HEX_128.test(rest)) throw new EnodeError(url, 'missing "@<ip>:<port>" after the node id')
    throw new EnodeError(url, 'missing node id (want "enode://<node id>@<ip>:<port>")')
  }
  const id = rest.slice(0, at)
  const hostPort = rest.slice(at + 1).replace(/\/$/, '')
  checkNodeId(url, id)

  const { host, portText } = splitHostPort(url, hostPort)
  const port = parsePort(url, portText, 'port')

  let discport: number | undefined
  if (query !== '') {
    for (const part of query.split('&')) {
      const eq = part.indexOf('=')
      const key = eq < 0 ? part : part.slice(0, eq)
      if (key !== 'discport') continue // geth ignores other query parameters
      const value = eq < 0 ? '' : part.slice(eq + 1)
      if (value === '') throw new EnodeError(url, 'empty discport in query')
      const d = parsePort(url, value, 'discport')
      if (d !== port) discport = d
    }
  }
  const out: Enode = { id: id.toLowerCase(), host, port }
  if (discport !== undefined) out.discport = discport
  return out
}

/** The enode URL of an Enode (IPv6 hosts in brackets). */
export function formatEnode(e: Enode): string {
  const host = isIP(e.host) === 6 ? `[${e.host}]` : e.host
  let url = `enode://${e.id.toLowerCase()}@${host}:${e.port}`
  if (e.discport !== undefined && e.discport !== e.port) url += `?discport=${e.discport}`
  return url
}

// Accepts a bare node id (128 hex), or an enode URL; returns the node id in lowercase hex.
export function nodeIdOf(enodeOrId: string): string {
  const s = enodeOrId.trim()
  if (HEX_128.test(s)) return s.toLowerCase()
  return parseEnode(s).id
}

function checkNodeId(url: string, id: string): void {
  if (id === '') throw new EnodeError(url, 'missing node id before "@"')
  if (!/^[0-9a-fA-F]*$/.test(id)) throw new EnodeError(url, 'node id is not hex')
  if (id.length !== 128) throw new EnodeError(url, `node id has ${id.length} hex chars, want 128`)
  const point = new Uint8Array(65)
  point[0] = 4
  point.set(Buffer.from(id, 'hex'), 1)
  if (!secp256k1.utils.isValidPublicKey(point, false)) {
    throw new EnodeError(url, 'node id is not a valid secp256k1 public key')
  }
}

function splitHostPort(url: string, hostPort: string): { host: string; portText: string } {
  if (hostPort === '') throw new EnodeError(url, 'missing "<ip>:<port>" after "@"')
  let host: string
  let portText: string
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']')
    if (close < 0) throw new EnodeError(url, 'unterminated "[" in IPv6 host')
    host = hostPort.slice(1, close)
    const after = hostPort.slice(close + 1)
    if (!after.startsWith(':')) throw new EnodeError(url, 'missing port after the host')
    portText = after.slice(1)
    if (isIP(host) !== 6) throw new EnodeError(url, `invalid IPv6 address "${host}"`)
  } else {
    const colon = hostPort.lastIndexOf(':')
    if (colon < 0) throw new EnodeError(url, 'missing port after the host')
    host = hostPort.slice(0, colon)
    portText = hostPort.slice(colon + 1)
    if (host === '') throw new EnodeError(url, 'missing host before the port')
    if (host.includes(':')) throw new EnodeError(url, 'IPv6 hosts must be written in brackets, e.g. [::1]:30303')
    if (isIP(host) !== 4) {
      throw new EnodeError(url, `host "${host}" is not an IP address (enode URLs take IP addresses, not DNS names)`)
    }
  }
  if (portText === '') throw new EnodeError(url, 'missing port after the host')
  return { host, portText }
}

function parsePort(url: string, text: string, what: string): number {
  if (!DIGITS.test(text)) throw new EnodeError(url, `${what} "${text}" is not a number`)
  const n = Number(text)
  if (n > 65535) throw new EnodeError(url, `${what} ${text} out of range (0-65535)`)
  return n
}

function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}...` : s
}
