// A pre-sealed corpus for `bench relay`: envelopes sealed once (all cores, preseal.ts) into a file and
// replayed later, by the generator and by its sender processes, so that no step of a ramp waits for
// sealing and the generator's own CPU goes to sending. Each envelope is used once per run: a relay
// keeps what it has seen until it expires and would not forward it twice.
//
// The file: a first line `p2pmessage-corpus 1`, a line of JSON (CorpusHeader), then `count` records,
// each a 4-byte big-endian length and one envelope's RLP. The TTL is long enough to replay the corpus
// for a while (the PoW work grows with it, so corpora are sealed at a low PoW and the target is run
// with its minimum PoW set to match). A corpus is refused, with one line saying why, when it is
// truncated, sealed below the PoW it claims, or expired.
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { decodeEnvelope, encodeEnvelope, envelopePow, keepWire, type Envelope, type ShhVersion } from '../whisper/envelope.js'
import { toHex } from '../whisper/bytes.js'
import { presealTimed } from './preseal.js'

const MAGIC = 'p2pmessage-corpus 1\n'

export interface CorpusHeader {
  shh: ShhVersion
  /** every envelope has at least this PoW (geth's calculation at its own TTL) */
  pow: number
  ttl: number
  payloadBytes: number
  count: number
  topic: string
  /** unix seconds: sealed at, and the earliest expiry of any envelope */
  sealedAt: number
  expiresAt: number
}

export interface Corpus {
  file: string
  header: CorpusHeader
  /** the whole file */
  bytes: Uint8Array
  /** byte offset of record i (its length prefix); offsets[count] is the end */
  offsets: number[]
  /** what identifies envelope i on arrival (envelopeKey) */
  keys: string[]
}

/** One line on a bad corpus file; the CLI prints it and exits 2. */
export class CorpusError extends Error {}

/** What identifies one of our envelopes cheaply: its last 16 data bytes (AES-GCM tag: random). */
export function envelopeKey(env: Envelope): string {
  const d = env.data
  return toHex(d.subarray(Math.max(0, d.length - 16)))
}

export interface SealCorpusOptions {
  file: string
  count: number
  shh?: ShhVersion
  payloadBytes?: number
  pow: number
  ttl: number
  threads?: number
  progress?: (done: number, total: number) => void
}

export async function sealCorpus(o: SealCorpusOptions): Promise<CorpusHeader> {
  const shh = o.shh ?? 6
  const payloadBytes = o.payloadBytes ?? 256
  const topic = randomBytes(4)
  const now = Math.floor(Date.now() / 1000)
  const { envs } = await presealTimed({ shh, count: o.count, payloadBytes, topic, symKey: randomBytes(32), pow: o.pow, ttl: o.ttl, now, threads: o.threads, progress: o.progress })
  const header: CorpusHeader = {
    shh, pow: o.pow, ttl: o.ttl, payloadBytes, count: envs.length, topic: toHex(topic), sealedAt: now,
    expiresAt: envs.reduce((a, e) => Math.min(a, e.expiry), Infinity),
  }
  const fd = openSync(o.file, 'w')
  try {
    writeSync(fd, MAGIC + JSON.stringify(header) + '\n')
    for (const env of envs) {
      const rlp = encodeEnvelope(env)
      const len = Buffer.alloc(4)
      len.writeUInt32BE(rlp.length)
      writeSync(fd, len)
      writeSync(fd, rlp)
    }
  } finally {
    closeSync(fd)
  }
  return header
}

/** Reads and checks a corpus: every record present and decoding, each envelope at the PoW the file says, none expiring within `minLifeS`. */
export function loadCorpus(file: string, minLifeS = 30): Corpus {
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch (e) {
    throw new CorpusError(`corpus ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`)
  }
  if (bytes.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw new CorpusError(`corpus ${file}: not a corpus file (no '${MAGIC.trim()}' line)`)
  const nl = bytes.indexOf(0x0a, MAGIC.length)
  if (nl < 0) throw new CorpusError(`corpus ${file}: truncated in its header`)
  let header: CorpusHeader
  try {
    header = JSON.parse(bytes.subarray(MAGIC.length, nl).toString('utf8')) as CorpusHeader
  } catch {
    throw new CorpusError(`corpus ${file}: its header is not JSON`)
  }
  if ((header.shh !== 5 && header.shh !== 6) || !(header.pow >= 0) || !Number.isInteger(header.count) || header.count < 1) {
    throw new CorpusError(`corpus ${file}: its header lacks shh, pow or count`)
  }
  const offsets: number[] = []
  const keys: string[] = []
  const now = Math.floor(Date.now() / 1000)
  let at = nl + 1
  for (let i = 0; i < header.count; i++) {
    if (at + 4 > bytes.length || at + 4 + bytes.readUInt32BE(at) > bytes.length) {
      throw new CorpusError(`corpus ${file}: truncated, ${i} of ${header.count} envelopes`)
    }
    const len = bytes.readUInt32BE(at)
    let env: Envelope
    try {
      env = decodeEnvelope(header.shh, bytes.subarray(at + 4, at + 4 + len))
    } catch (e) {
      throw new CorpusError(`corpus ${file}: envelope ${i} does not decode (${(e as Error).message})`)
    }
    const pow = envelopePow(env)
    if (pow < header.pow) throw new CorpusError(`corpus ${file}: envelope ${i} has PoW ${pow.toPrecision(3)}, below the ${header.pow} the file claims`)
    if (env.expiry < now + minLifeS) {
      throw new CorpusError(`corpus ${file}: expired (envelope ${i} expires ${new Date(env.expiry * 1000).toISOString()}; replays need ${minLifeS} s left): seal a new one`)
    }
    offsets.push(at)
    keys.push(envelopeKey(env))
    at += 4 + len
  }
  offsets.push(at)
  if (at !== bytes.length) throw new CorpusError(`corpus ${file}: ${bytes.length - at} bytes after the ${header.count} envelopes its header counts`)
  return { file, header, bytes, offsets, keys }
}

/** Envelopes from..from+count-1 of the corpus, decoded (their wire bytes are the file's). */
export function corpusEnvelopes(c: Corpus, from: number, count: number): Envelope[] {
  return splitRecords(c.header.shh, c.bytes.subarray(c.offsets[from], c.offsets[from + count]))
}

/** The records of a byte range of the corpus (whole records), decoded. */
export function splitRecords(shh: ShhVersion, bytes: Uint8Array): Envelope[] {
  const out: Envelope[] = []
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let at = 0; at < bytes.length;) {
    const len = view.getUint32(at)
    const rlp = bytes.subarray(at + 4, at + 4 + len)
    // the list packets are then built over these bytes, not re-encoded
    out.push(keepWire(decodeEnvelope(shh, rlp), rlp))
    at += 4 + len
  }
  return out
}
