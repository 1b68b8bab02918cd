// geth v1.9.7's enode.Parse(enode.ValidSchemes, url) for the RPC methods that take a node URL
// (admin_addPeer, shh_markTrustedPeer, shh_post's targetPeer), with its error texts, since callers
// see them ("invalid enode: invalid public key (wrong length, want 128 hex chars)"). Accepts
// `enode://<128 hex>@<host>:<port>[?discport=N]`, the incomplete `enode://<128 hex>`, and `enr:` records.
// The node id geth compares peers by is keccak256 of the 64-byte public key.
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak256 } from '../whisper/keccak.js'
import { decodeNodeRecord } from './enr.js'

export interface ParsedNode {
  /** 64-byte public key (x || y) */
  pubkey: Uint8Array
  /** geth's enode.ID: keccak256(pubkey) */
  id: Uint8Array
  ip?: string
  tcp?: number
  udp?: number
}

const INCOMPLETE = /^(?:enode:\/\/)?([0-9a-f]+)$/i

/** Go's %#U of one character, as in encoding/hex's InvalidByteError. */
function goRuneU(ch: string): string {
  const cp = ch.codePointAt(0) as number
  const u = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0')
  const printable = cp >= 0x20 && cp !== 0x7f && !(cp >= 0x80 && cp < 0xa0)
  return printable ? `${u} '${ch}'` : u
}

/** geth's parsePubkey; throws the inner reason (callers wrap it in "invalid public key (...)"). */
function parsePubkey(hex: string): Uint8Array {
  // Go's hex.DecodeString: a bad byte is reported before an odd length
  for (let i = 0; i < hex.length; i++) {
    if (!/[0-9a-fA-F]/.test(hex[i])) {
      // Go reports the offending byte as a rune (non-ASCII input shows its first UTF-8 byte)
      const b = Buffer.from(hex[i], 'utf8')[0]
      throw new Error(`encoding/hex: invalid byte: ${goRuneU(String.fromCharCode(b))}`)
    }
  }
  if (hex.length % 2 !== 0) throw new Error('encoding/hex: odd length hex string')
  if (hex.length / 2 !== 64) throw new Error('wrong length, want 128 hex chars')
  const key = new Uint8Array(Buffer.from(hex, 'hex'))
  try {
    secp256k1.Point.fromBytes(Uint8Array.from([4, ...key])).assertValidity()
  } catch {
    throw new Error('invalid secp256k1 public key')
  }
  return key
}

function withPubkey(pubkey: Uint8Array, rest: Omit<ParsedNode, 'pubkey' | 'id'> = {}): ParsedNode {
  return { pubkey, id: keccak256(pubkey), ...rest }
}

async function resolveHost(host: string): Promise<string> {
  if (isIP(host)) return host
  if (host === '') throw new Error('lookup : no such host')
  try {
    return (await lookup(host)).address
  } catch {
    throw new Error(`lookup ${host}: no such host`)
  }
}

function parsePort(s: string): number | null {
  if (!/^[0-9]+$/.test(s)) return null
  const n = Number(s)
  return n <= 0xffff ? n : null
}

/** enode.Parse(enode.ValidSchemes, input). Throws Error with geth's message. */
export async function parseNodeUrl(input: string): Promise<ParsedNode> {
  if (!input.startsWith('enode://')) {
    if (!input.startsWith('enr:')) throw new Error("missing 'enr:' prefix for base64-encoded record")
    const r = decodeNodeRecord(input)
    return withPubkey(r.publicKey.subarray(1), { ip: r.ip, tcp: r.tcp, udp: r.udp })
  }
  const m = INCOMPLETE.exec(input)
  if (m) {
    try {
      return withPubkey(parsePubkey(m[1]))
    } catch (e) {
      throw new Error(`invalid public key (${(e as Error).message})`)
    }
  }
  // parseComplete: enode://<user>@<host>:<port>[?query]
  const rest = input.slice('enode://'.length)
  const slash = rest.search(/[/?#]/)
  const authority = slash < 0 ? rest : rest.slice(0, slash)
  const query = rest.includes('?') ? rest.slice(rest.indexOf('?') + 1).split('#')[0] : ''
  const at = authority.lastIndexOf('@')
  if (at < 0) throw new Error('does not contain node ID')
  let user: string
  try {
    user = decodeURIComponent(authority.slice(0, at))
  } catch {
    throw new Error(`parse ${input}: invalid URL escape`)
  }
  let pubkey: Uint8Array
  try {
    pubkey = parsePubkey(user)
  } catch (e) {
    throw new Error(`invalid public key (${(e as Error).message})`)
  }
  const hostPort = authority.slice(at + 1)
  let host: string
  let portText: string
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']')
    if (end < 0) throw new Error(`parse ${input}: missing ']' in host`)
    host = hostPort.slice(1, end)
    portText = hostPort.slice(end + 1).replace(/^:/, '')
  } else {
    const colon = hostPort.lastIndexOf(':')
    host = colon < 0 ? hostPort : hostPort.slice(0, colon)
    portText = colon < 0 ? '' : hostPort.slice(colon + 1)
  }
  const ip = await resolveHost(host)
  const tcp = parsePort(portText)
  if (tcp === null) throw new Error('invalid port')
  let udp = tcp
  const discport = new URLSearchParams(query).get('discport')
  if (discport !== null && discport !== '') {
    const d = parsePort(discport)
    if (d === null) throw new Error('invalid discport in query')
    udp = d
  }
  return withPubkey(pubkey, { ip, tcp, udp })
}

/** The URL form our node's addPeer takes (the host as a literal). */
export function formatEnodeUrl(n: ParsedNode): string {
  const host = n.ip && isIP(n.ip) === 6 ? `[${n.ip}]` : n.ip
  let url = `enode://${Buffer.from(n.pubkey).toString('hex')}@${host}:${n.tcp ?? 0}`
  if (n.udp !== undefined && n.udp !== n.tcp) url += `?discport=${n.udp}`
  return url
}
