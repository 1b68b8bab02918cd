// The envelope pool of one network (shh/5, shh/6 or Waku): what this node knows and keeps forwarding until expiry.
// geth's pool is unbounded; this one has a byte and a count bound. When full, the envelope with the
// lowest PoW that is not our own goes first (spam costs PoW, so PoW buys space), and a newcomer with
// no more PoW than the weakest entry is turned away instead.
import type { Envelope } from '../whisper/envelope.js'
import type { Net } from '../p2p/net-peer.js'
import { MinHeap } from './heap.js'

export interface PoolEntry {
  readonly env: Envelope
  /** the network whose pool holds it */
  readonly net: Net
  readonly hash: Uint8Array
  /** hash as hex: the dedup key */
  readonly key: string
  /** PoW as computed on arrival (geth's cached `pow`) */
  readonly pow: number
  /** the topic's 64-byte bloom */
  readonly bloom: Uint8Array
  /** encoded length in bytes (what the pool's byte bound counts) */
  readonly size: number
  readonly expiry: number
  /** posted by this node */
  readonly local: boolean
}

export type AddResult =
  | { status: 'added'; entry: PoolEntry; evicted: PoolEntry[] }
  | { status: 'known'; entry: PoolEntry }
  | { status: 'full' }

export interface PoolLimits {
  maxBytes?: number
  maxEnvelopes?: number
}

/**
 * What an entry's PoW is worth when room is short. A TTL-0 envelope has infinite PoW by geth's formula
 * (2^bits / size / 0) without any work: it ranks lowest instead of pushing real envelopes out.
 */
export function evictionRank(e: PoolEntry): number {
  return Number.isFinite(e.pow) ? e.pow : 0
}

const DEFAULT_POOL_MAX_BYTES = 128 * 1024 * 1024
const DEFAULT_POOL_MAX_ENVELOPES = 200_000

export class EnvelopePool {
  readonly maxBytes: number
  readonly maxEnvelopes: number
  private readonly entries = new Map<string, PoolEntry>()
  private readonly byExpiry = new MinHeap<PoolEntry>((a, b) => a.expiry < b.expiry)
  private readonly byPow = new MinHeap<PoolEntry>((a, b) => evictionRank(a) < evictionRank(b))
  private totalBytes = 0

  constructor(limits: PoolLimits = {}) {
    this.maxBytes = limits.maxBytes ?? DEFAULT_POOL_MAX_BYTES
    this.maxEnvelopes = limits.maxEnvelopes ?? DEFAULT_POOL_MAX_ENVELOPES
  }

  get count(): number {
    return this.entries.size
  }

  get bytes(): number {
    return this.totalBytes
  }

  has(key: string): boolean {
    return this.entries.has(key)
  }

  get(key: string): PoolEntry | undefined {
    return this.entries.get(key)
  }

  values(): IterableIterator<PoolEntry> {
    return this.entries.values()
  }

  add(entry: PoolEntry): AddResult {
    const known = this.entries.get(entry.key)
    if (known) return { status: 'known', entry: known }
    const evicted = this.makeRoom(entry)
    if (evicted === null) return { status: 'full' }
    this.entries.set(entry.key, entry)
    this.totalBytes += entry.size
    this.byExpiry.push(entry)
    if (!entry.local) this.byPow.push(entry)
    return { status: 'added', entry, evicted }
  }

  delete(key: string): PoolEntry | undefined {
    const e = this.entries.get(key)
    if (!e) return undefined
    this.entries.delete(key)
    this.totalBytes -= e.size
    this.compact()
    return e
  }

  /** Removes and returns every entry whose expiry is before `now` (geth: `expiry < now`). */
  expire(now: number): PoolEntry[] {
    const out: PoolEntry[] = []
    for (let e = this.byExpiry.peek(); e !== undefined && e.expiry < now; e = this.byExpiry.peek()) {
      this.byExpiry.pop()
      if (this.entries.get(e.key) !== e) continue // already removed
      this.entries.delete(e.key)
      this.totalBytes -= e.size
      out.push(e)
    }
    if (out.length > 0) this.compact()
    return out
  }

  clear(): void {
    this.entries.clear()
    this.byExpiry.clear()
    this.byPow.clear()
    this.totalBytes = 0
  }

  private fits(extraBytes: number): boolean {
    return this.totalBytes + extraBytes <= this.maxBytes && this.entries.size + 1 <= this.maxEnvelopes
  }

  /** Evicts weaker entries until `entry` fits; null (and nothing evicted) when it cannot. */
  private makeRoom(entry: PoolEntry): PoolEntry[] | null {
    if (this.fits(entry.size)) return []
    const taken: PoolEntry[] = []
    let freedBytes = 0
    let freedCount = 0
    const fitsAfter = () =>
      this.totalBytes - freedBytes + entry.size <= this.maxBytes && this.entries.size - freedCount + 1 <= this.maxEnvelopes
    while (!fitsAfter()) {
      const weakest = this.popLiveWeakest()
      if (weakest === undefined || (!entry.local && evictionRank(weakest) >= evictionRank(entry))) {
        if (weakest !== undefined) taken.push(weakest)
        // not enough weaker entries: put everything back, refuse the newcomer (our own posts always get in)
        if (entry.local) break
        for (const t of taken) this.byPow.push(t)
        return null
      }
      taken.push(weakest)
      freedBytes += weakest.size
      freedCount++
    }
    for (const t of taken) {
      this.entries.delete(t.key)
      this.totalBytes -= t.size
    }
    if (taken.length > 0) this.compact()
    return taken
  }

  private popLiveWeakest(): PoolEntry | undefined {
    for (let e = this.byPow.pop(); e !== undefined; e = this.byPow.pop()) {
      if (this.entries.get(e.key) === e) return e
    }
    return undefined
  }

  /** Drops dead heap items once they outnumber the live ones, so the heaps stay O(live). */
  private compact(): void {
    const live = this.entries.size
    const isLive = (e: PoolEntry) => this.entries.get(e.key) === e
    if (this.byExpiry.size > 2 * live + 64) this.byExpiry.filter(isLive)
    if (this.byPow.size > 2 * live + 64) this.byPow.filter(isLive)
  }
}
