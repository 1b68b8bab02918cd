// Ethereum Node Records (EIP-778) with the "v4" identity scheme, as far as the admin API needs them:
// encoding our own record for admin_nodeInfo's "enr" field (geth prints `enr:` + base64url of the
// signed RLP record), and decoding an `enr:` string given to admin_addPeer / shh_markTrustedPeer.
// Record: rlp([signature, seq, k1, v1, k2, v2, ...]) with keys sorted; the v4 signature is the 64-byte
// r || s of secp256k1 over keccak256(rlp([seq, k1, v1, ...])); "secp256k1" holds the compressed key.
import { isIPv4 } from 'node:net'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak256 } from '../whisper/keccak.js'
import { rlpDecode, rlpEncode, type RlpInput, type RlpItem } from '../whisper/rlp.js'

const ENR_MAX_SIZE = 300

export interface NodeRecordFields {
  seq: bigint
  ip?: string // IPv4 or IPv6 literal
  tcp?: number
  udp?: number
}

export interface DecodedRecord {
  seq: bigint
  /** 65-byte uncompressed public key */
  publicKey: Uint8Array
  ip?: string
  tcp?: number
  udp?: number
}

function ipBytes(ip: string): Uint8Array {
  if (isIPv4(ip)) return Uint8Array.from(ip.split('.').map(Number))
  // IPv6: expand "::" and parse groups (only called with literals from our own listen address)
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined]
  const h = head ? head.split(':') : []
  const t = tail !== undefined && tail !== '' ? tail.split(':') : []
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t]
  const out = new Uint8Array(16)
  groups.forEach((g, i) => {
    const n = parseInt(g, 16)
    out[2 * i] = n >> 8
    out[2 * i + 1] = n & 0xff
  })
  return out
}

function ipString(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.')
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] << 8) | b[i + 1]).toString(16))
  return groups.join(':')
}

function base64url(b: Uint8Array): string {
  return Buffer.from(b).toString('base64url')
}

/** The signed record of a node, as the text geth shows (`enr:...`). */
export function encodeNodeRecord(privateKey: Uint8Array, f: NodeRecordFields): string {
  const pairs: [string, RlpInput][] = [
    ['id', new TextEncoder().encode('v4')],
    ['secp256k1', secp256k1.getPublicKey(privateKey, true)],
  ]
  if (f.ip !== undefined) pairs.push([isIPv4(f.ip) ? 'ip' : 'ip6', ipBytes(f.ip)])
  if (f.tcp !== undefined && f.tcp !== 0) pairs.push([isIPv4(f.ip ?? '0.0.0.0') ? 'tcp' : 'tcp6', f.tcp])
  if (f.udp !== undefined && f.udp !== 0) pairs.push([isIPv4(f.ip ?? '0.0.0.0') ? 'udp' : 'udp6', f.udp])
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  const content: RlpInput[] = [f.seq]
  for (const [k, v] of pairs) content.push(new TextEncoder().encode(k), v)
  const sig = secp256k1.sign(keccak256(rlpEncode(content)), privateKey, { prehash: false, lowS: true, format: 'compact' })
  return 'enr:' + base64url(rlpEncode([sig, ...content]))
}

function uint(b: RlpItem, what: string): bigint {
  if (!(b instanceof Uint8Array)) throw new Error(`rlp: expected input string or byte for ${what}`)
  if (b.length > 8) throw new Error(`rlp: input string too long for ${what}`)
  if (b.length > 0 && b[0] === 0) throw new Error(`rlp: non-canonical integer (leading zero bytes) for ${what}`)
  let n = 0n
  for (const x of b) n = (n << 8n) | BigInt(x)
  return n
}

/** Reads and verifies an `enr:` record (v4 scheme only). Throws Error with a short reason. */
export function decodeNodeRecord(text: string): DecodedRecord {
  if (!text.startsWith('enr:')) throw new Error("missing 'enr:' prefix for base64-encoded record")
  const b64 = text.slice(4)
  if (!/^[A-Za-z0-9_-]*$/.test(b64) || b64.length % 4 === 1) throw new Error('illegal base64 data')
  const bin = new Uint8Array(Buffer.from(b64, 'base64url'))
  if (bin.length > ENR_MAX_SIZE) throw new Error('record bigger than 300 bytes')
  let item: RlpItem
  try {
    item = rlpDecode(bin, 'record')
  } catch (e) {
    throw new Error(`rlp: ${(e as Error).message}`)
  }
  if (!Array.isArray(item) || item.length < 2 || item.length % 2 !== 0) throw new Error('invalid record: wrong number of list elements')
  const [sig, seqItem, ...kv] = item
  const seq = uint(seqItem, 'seq')
  const fields = new Map<string, Uint8Array>()
  let prev = ''
  for (let i = 0; i < kv.length; i += 2) {
    const k = kv[i]
    const v = kv[i + 1]
    if (!(k instanceof Uint8Array)) throw new Error('invalid record: key is not a string')
    const key = new TextDecoder().decode(k)
    if (i > 0 && key <= prev) throw new Error(key === prev ? 'record contains duplicate key' : 'record key/value pairs are not sorted by key')
    prev = key
    if (v instanceof Uint8Array) fields.set(key, v)
  }
  const id = fields.get('id')
  if (!id || new TextDecoder().decode(id) !== 'v4') throw new Error('unknown or missing identity scheme')
  const pub = fields.get('secp256k1')
  if (!pub || pub.length !== 33 || !(sig instanceof Uint8Array) || sig.length !== 64) throw new Error('invalid signature')
  let publicKey: Uint8Array
  try {
    publicKey = secp256k1.Point.fromBytes(pub).toBytes(false)
  } catch {
    throw new Error('invalid public key')
  }
  const digest = keccak256(rlpEncode([seqItem as Uint8Array, ...(kv as Uint8Array[])]))
  if (!secp256k1.verify(sig, digest, pub, { prehash: false, lowS: false, format: 'compact' })) throw new Error('invalid signature')
  const out: DecodedRecord = { seq, publicKey }
  const ip = fields.get('ip') ?? fields.get('ip6')
  if (ip && (ip.length === 4 || ip.length === 16)) out.ip = ipString(ip)
  const tcp = fields.get('tcp') ?? fields.get('tcp6')
  if (tcp) out.tcp = Number(uint(tcp, 'tcp'))
  const udp = fields.get('udp') ?? fields.get('udp6')
  if (udp) out.udp = Number(uint(udp, 'udp'))
  return out
}
