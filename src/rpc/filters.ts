// Poll filters of the shh API (shh_newMessageFilter / shh_getFilterMessages / shh_deleteMessageFilter):
// each is a node subscription whose messages wait here until polled. As in geth (whisperv5's
// PublicWhisperAPI.run: a 2-minute sweep, filterTimeout 300 s), a filter not polled for 5 minutes is
// removed. geth keeps every unpolled message; here a filter keeps at most `maxMessages` of them and
// `maxBytes` of their buffers, and all filters together `maxTotalBytes` (a count alone let one unpolled
// filter and 1,117 room messages of 400 KiB take RSS from 94 to 813 MB). Past a bound the oldest
// messages go first (from the filter holding the most bytes, for the total); the drops are counted,
// per filter and in all (shh_info's `droppedMessages`), and logged once per filter until it is polled.
import type { ReceivedMessage } from '../whisper/open.js'
import { LogLevel, type LogSink } from '../log/log.js'
import type { FilterCriteria, ShhBackend } from './backend.js'

export const FILTER_TIMEOUT_MS = 5 * 60 * 1000
const SWEEP_INTERVAL_MS = 2 * 60 * 1000

export interface PollFiltersOptions {
  timeoutMs?: number
  sweepIntervalMs?: number
  /** unpolled messages kept per filter (default 10000) */
  maxMessages?: number
  /** bytes of unpolled messages kept per filter (default 32 MiB) */
  maxBytes?: number
  /** bytes of unpolled messages kept by all filters together (default 128 MiB) */
  maxTotalBytes?: number
  /** live poll filters at most (default 1000) */
  maxFilters?: number
  /** where the first drop of a filter (until it is polled again) is said */
  log?: LogSink
  now?: () => number
  /** false: no sweep timer (tests call sweep() themselves) */
  autoSweep?: boolean
}

interface PollFilter {
  id: string
  lastUsed: number
  messages: { m: ReceivedMessage; bytes: number }[]
  hashes: Set<string>
  bytes: number
  /** messages dropped unpolled since the filter was created */
  dropped: number
  /** a drop was logged since the last poll */
  toldDrop: boolean
}

/** Per message beyond its buffers: the object, its fields, the hash key in the set (measured ~0.5 KiB). */
const MESSAGE_OVERHEAD = 512

/** The bytes a message keeps alive: every distinct buffer its byte fields are views of, and the overhead. */
export function messageBytes(m: object): number {
  const buffers = new Set<ArrayBufferLike>()
  const visit = (v: unknown, depth: number): void => {
    if (v instanceof Uint8Array) buffers.add(v.buffer)
    else if (depth < 2 && v !== null && typeof v === 'object') for (const x of Object.values(v)) visit(x, depth + 1)
  }
  visit(m, 0)
  let n = MESSAGE_OVERHEAD
  for (const b of buffers) n += b.byteLength
  return n
}

const hashKey = (h: Uint8Array): string => Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('hex')

export class PollFilters {
  private readonly filters = new Map<string, PollFilter>()
  private readonly timeoutMs: number
  private readonly maxMessages: number
  private readonly maxFilters: number
  private readonly maxBytes: number
  private readonly maxTotalBytes: number
  private readonly now: () => number
  private readonly log: LogSink
  private timer: NodeJS.Timeout | null = null
  private totalBytes = 0
  private totalDropped = 0

  constructor(
    private readonly backend: ShhBackend,
    opts: PollFiltersOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? FILTER_TIMEOUT_MS
    this.maxMessages = opts.maxMessages ?? 10_000
    this.maxFilters = opts.maxFilters ?? 1000
    this.maxBytes = opts.maxBytes ?? 32 * 1024 * 1024
    this.maxTotalBytes = opts.maxTotalBytes ?? 128 * 1024 * 1024
    this.log = opts.log ?? (() => {})
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

  /** Bytes of unpolled messages held by all filters. */
  get bytes(): number {
    return this.totalBytes
  }

  /** Messages dropped unpolled (over a bound) since start, all filters. */
  get dropped(): number {
    return this.totalDropped
  }

  /** Messages one filter dropped unpolled since it was created; undefined when unknown. */
  droppedBy(id: string): number | undefined {
    return this.filters.get(id)?.dropped
  }

  create(criteria: FilterCriteria): string {
    if (this.filters.size >= this.maxFilters) throw new Error(`too many message filters (${this.maxFilters})`)
    const f: PollFilter = { id: '', lastUsed: this.now(), messages: [], hashes: new Set(), bytes: 0, dropped: 0, toldDrop: false }
    f.id = this.backend.subscribe(criteria, (m) => {
      // geth's Filter.Trigger keeps one copy per envelope hash
      const k = hashKey(m.hash)
      if (f.hashes.has(k)) return
      const bytes = messageBytes(m)
      f.messages.push({ m, bytes })
      f.hashes.add(k)
      f.bytes += bytes
      this.totalBytes += bytes
      while (f.messages.length > 0 && (f.messages.length > this.maxMessages || f.bytes > this.maxBytes)) this.dropOldest(f)
      while (this.totalBytes > this.maxTotalBytes) this.dropOldest(this.biggest())
    })
    this.filters.set(f.id, f)
    return f.id
  }

  private dropOldest(f: PollFilter): void {
    const old = f.messages.shift()
    if (!old) return
    f.hashes.delete(hashKey(old.m.hash))
    f.bytes -= old.bytes
    this.totalBytes -= old.bytes
    f.dropped++
    this.totalDropped++
    if (!f.toldDrop) {
      f.toldDrop = true
      this.log(LogLevel.warn, `rpc: message filter ${f.id} is not polled fast enough: its oldest unpolled messages are dropped (${f.messages.length} kept, ${f.bytes} bytes; bounds ${this.maxMessages} messages, ${this.maxBytes} bytes per filter, ${this.maxTotalBytes} in all; dropped so far ${f.dropped})`)
    }
  }

  private biggest(): PollFilter {
    let best: PollFilter | null = null
    for (const f of this.filters.values()) if (best === null || f.bytes > best.bytes) best = f
    return best!
  }

  /** geth GetFilterMessages: "filter not found" when unknown (or timed out). */
  retrieve(id: string): ReceivedMessage[] {
    const f = this.filters.get(id)
    if (!f) throw new Error('filter not found')
    f.lastUsed = this.now()
    const out = f.messages.map((x) => x.m)
    this.forgetMessages(f)
    return out
  }

  private forgetMessages(f: PollFilter): void {
    this.totalBytes -= f.bytes
    f.bytes = 0
    f.messages = []
    f.hashes = new Set()
    f.toldDrop = false
  }

  /** geth DeleteMessageFilter: whisper's "Unsubscribe: Invalid ID" when unknown. */
  delete(id: string): void {
    const f = this.filters.get(id)
    if (!f) throw new Error('Unsubscribe: Invalid ID')
    this.forgetMessages(f)
    this.filters.delete(id)
    this.backend.unsubscribe(id)
  }

  /** Removes the filters not polled within the timeout; returns how many. */
  sweep(): number {
    const now = this.now()
    let n = 0
    for (const [id, f] of this.filters) {
      if (now - f.lastUsed >= this.timeoutMs) {
        this.forgetMessages(f)
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
    this.totalBytes = 0
  }
}
