// Poll filters of the shh API (shh_newMessageFilter / shh_getFilterMessages / shh_deleteMessageFilter):
// each is a node subscription whose messages wait here until polled. As in geth (whisperv5's
// PublicWhisperAPI.run: a 2-minute sweep, filterTimeout 300 s), a filter not polled for 5 minutes is
// removed. A filter keeps at most `maxMessages` unpolled messages (the oldest are dropped first), so an
// abandoned or slow poller cannot grow memory without bound; geth keeps them all.
import type { ReceivedMessage } from '../whisper/open.js'
import type { FilterCriteria, ShhBackend } from './backend.js'

export const FILTER_TIMEOUT_MS = 5 * 60 * 1000
const SWEEP_INTERVAL_MS = 2 * 60 * 1000

export interface PollFiltersOptions {
  timeoutMs?: number
  sweepIntervalMs?: number
  /** unpolled messages kept per filter (default 10000) */
  maxMessages?: number
  /** live poll filters at most (default 1000) */
  maxFilters?: number
  now?: () => number
  /** false: no sweep timer (tests call sweep() themselves) */
  autoSweep?: boolean
}

interface PollFilter {
  lastUsed: number
  messages: ReceivedMessage[]
  hashes: Set<string>
}

const hashKey = (h: Uint8Array): string => Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('hex')

export class PollFilters {
  private readonly filters = new Map<string, PollFilter>()
  private readonly timeoutMs: number
  private readonly maxMessages: number
  private readonly maxFilters: number
  private readonly now: () => number
  private timer: NodeJS.Timeout | null = null

  constructor(
    private readonly backend: ShhBackend,
    opts: PollFiltersOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? FILTER_TIMEOUT_MS
    this.maxMessages = opts.maxMessages ?? 10_000
    this.maxFilters = opts.maxFilters ?? 1000
    this.now = opts.now ?? Date.now
    if (opts.autoSweep !== false) {
      this.timer = setInterval(() => this.sweep(), opts.sweepIntervalMs ?? SWEEP_INTERVAL_MS)
      this.timer.unref()
    }
  }

  get size(): number {
    return this.filters.size
  }

  has(id: string): boolean {
    return this.filters.has(id)
  }

  create(criteria: FilterCriteria): string {
    if (this.filters.size >= this.maxFilters) throw new Error(`too many message filters (${this.maxFilters})`)
    const f: PollFilter = { lastUsed: this.now(), messages: [], hashes: new Set() }
    const id = this.backend.subscribe(criteria, (m) => {
      // geth's Filter.Trigger keeps one copy per envelope hash
      const k = hashKey(m.hash)
      if (f.hashes.has(k)) return
      f.messages.push(m)
      f.hashes.add(k)
      if (f.messages.length > this.maxMessages) {
        const dropped = f.messages.shift() as ReceivedMessage
        f.hashes.delete(hashKey(dropped.hash))
      }
    })
    this.filters.set(id, f)
    return id
  }

  /** geth GetFilterMessages: "filter not found" when unknown (or timed out). */
  retrieve(id: string): ReceivedMessage[] {
    const f = this.filters.get(id)
    if (!f) throw new Error('filter not found')
    f.lastUsed = this.now()
    const out = f.messages
    f.messages = []
    f.hashes = new Set()
    return out
  }

  /** geth DeleteMessageFilter: whisper's "Unsubscribe: Invalid ID" when unknown. */
  delete(id: string): void {
    const f = this.filters.get(id)
    if (!f) throw new Error('Unsubscribe: Invalid ID')
    this.filters.delete(id)
    this.backend.unsubscribe(id)
  }

  /** Removes the filters not polled within the timeout; returns how many. */
  sweep(): number {
    const now = this.now()
    let n = 0
    for (const [id, f] of this.filters) {
      if (now - f.lastUsed >= this.timeoutMs) {
        this.filters.delete(id)
        this.backend.unsubscribe(id)
        n++
      }
    }
    return n
  }

  /** Removes every filter and stops the sweep timer. */
  close(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    for (const id of this.filters.keys()) this.backend.unsubscribe(id)
    this.filters.clear()
  }
}
