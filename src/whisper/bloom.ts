// shh/6 topic bloom filters (whisperv6 TopicToBloom, BloomFilterMatch, addBloom).
import { WhisperError } from './errors.js'
import { TOPIC_LENGTH } from './topic.js'

/** Bytes in a shh/6 bloom filter. */
export const BLOOM_SIZE = 64

/** 64-byte bloom with (at most) 3 bits set: bits topic[j] + 256 * (bit j of topic[3]), j = 0..2. */
export function topicBloom(topic: Uint8Array): Uint8Array {
  if (topic.length !== TOPIC_LENGTH) throw new WhisperError('topic', `topic must be ${TOPIC_LENGTH} bytes, got ${topic.length}`)
  const b = new Uint8Array(BLOOM_SIZE)
  for (let j = 0; j < 3; j++) {
    let index = topic[j]
    if ((topic[3] & (1 << j)) !== 0) index += 256
    // geth assigns (not ORs) the byte: two indexes in the same byte keep only the last bit. Match it.
    b[index >> 3] = 1 << (index & 7)
  }
  return b
}

/** Union of several topics' blooms (what a node announces for its filters). */
export function topicsBloom(topics: Uint8Array[]): Uint8Array {
  let acc: Uint8Array = new Uint8Array(BLOOM_SIZE)
  for (const t of topics) acc = bloomUnion(acc, topicBloom(t))
  return acc
}

function checkBloom(b: Uint8Array, what: string): void {
  if (b.length !== BLOOM_SIZE) throw new WhisperError('packet', `${what} must be ${BLOOM_SIZE} bytes, got ${b.length}`)
}

/** geth BloomFilterMatch: every bit of `sample` is set in `filter`; a null filter matches everything. */
export function bloomMatch(filter: Uint8Array | null, sample: Uint8Array): boolean {
  if (filter === null) return true
  checkBloom(filter, 'bloom filter')
  checkBloom(sample, 'bloom sample')
  for (let i = 0; i < BLOOM_SIZE; i++) if ((filter[i] | sample[i]) !== filter[i]) return false
  return true
}

export function bloomUnion(a: Uint8Array, b: Uint8Array): Uint8Array {
  checkBloom(a, 'bloom')
  checkBloom(b, 'bloom')
  const c = new Uint8Array(BLOOM_SIZE)
  for (let i = 0; i < BLOOM_SIZE; i++) c[i] = a[i] | b[i]
  return c
}

export function fullBloom(): Uint8Array {
  return new Uint8Array(BLOOM_SIZE).fill(0xff)
}

/** geth isFullNode: a null or all-0xff bloom accepts everything. */
export function isFullBloom(b: Uint8Array | null): boolean {
  if (b === null) return true
  for (let i = 0; i < b.length; i++) if (b[i] !== 0xff) return false
  return true
}

/** Does bloom `next` let through a topic that `prev` did not? (null = a full node: everything) */
export function bloomAdmitsMore(prev: Uint8Array | null, next: Uint8Array | null): boolean {
  if (prev === null) return false
  if (next === null) return true
  for (let i = 0; i < next.length; i++) if ((next[i] & ~(prev[i] ?? 0)) !== 0) return true
  return false
}
