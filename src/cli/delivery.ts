// What the chat knows about its own lines: which envelopes reached a peer. The `<mine>` line is printed
// when a line was handed to a peer (not when it was sealed), so that the screen tells what happened: a
// line typed while no peer is connected shows once it is sent, or is said not sent when it expires.

/** A line posted by this chat: the envelopes carrying it, and what to print once one of them is sent. */
interface OwnLine {
  hashes: string[]
  echo: string
  text: string
  deadline: number
  done: boolean
  timer: NodeJS.Timeout | null
}

const RECENT_CAP = 10_000
/**
 * The node reports an own post undelivered (with its reason) on its expiry sweep, just after the TTL;
 * the chat's own timer waits this much longer, so that the reason wins when there is one.
 */
const EXPIRY_GRACE_MS = 2500

export interface DeliveryOptions {
  /** prints the `<mine>` line of a line that reached a peer */
  delivered: (echo: string) => void
  /** a line whose TTL ran out before any peer took it; `reason` when the node said why */
  expired: (text: string, reason?: string) => void
}

export class Delivery {
  private readonly own = new Map<string, OwnLine>()
  /** hashes already handed to a peer: a 'sent' can come before post() returned */
  private readonly sentRecently = new Set<string>()
  private readonly pending = new Set<OwnLine>()
  private waiter: (() => void) | null = null
  private expiredCount = 0

  constructor(private readonly opts: DeliveryOptions) {}

  /** Registers a posted line; `echo` is its formatted `<mine>` line. */
  add(hashes: string[], text: string, echo: string, ttlSeconds: number): void {
    const line: OwnLine = { hashes, echo, text, deadline: Date.now() + ttlSeconds * 1000 + EXPIRY_GRACE_MS, done: false, timer: null }
    for (const h of hashes) remember(this.own, h, line)
    if (hashes.some((h) => this.sentRecently.has(h))) {
      this.deliver(line)
      return
    }
    this.pending.add(line)
    line.timer = setTimeout(() => this.expire(line), ttlSeconds * 1000 + EXPIRY_GRACE_MS)
    line.timer.unref()
  }

  /** The lines no peer has taken yet (still in the pool, within their TTL). */
  unsent(): string[] {
    return [...this.pending].map((l) => l.text)
  }

  /** True for an envelope this chat posted (its echo from our own filter is not shown twice). */
  isOwn(hash: string): boolean {
    return this.own.has(hash)
  }

  /** The node handed these envelopes to a peer. */
  sent(hashes: string[]): void {
    for (const h of hashes) {
      this.sentRecently.add(h)
      if (this.sentRecently.size > RECENT_CAP) this.sentRecently.delete(this.sentRecently.values().next().value as string)
      const line = this.own.get(h)
      if (line && !line.done) this.deliver(line)
    }
  }

  /** The node gave up on these envelopes (expired unsent), saying why. */
  undelivered(hashes: string[], reason: string): void {
    for (const h of hashes) {
      const line = this.own.get(h)
      if (line && !line.done) this.expire(line, reason)
    }
  }

  private deliver(line: OwnLine): void {
    this.finish(line)
    this.opts.delivered(line.echo)
  }

  private expire(line: OwnLine, reason?: string): void {
    if (line.done) return
    this.finish(line)
    this.expiredCount++
    this.opts.expired(line.text, reason)
  }

  private finish(line: OwnLine): void {
    line.done = true
    if (line.timer) clearTimeout(line.timer)
    this.pending.delete(line)
    if (this.pending.size === 0) this.waiter?.()
  }

  /** Waits until every line was sent or expired; resolves with the number that expired unsent. */
  async settle(): Promise<number> {
    while (this.pending.size > 0) {
      const latest = Math.max(...[...this.pending].map((l) => l.deadline))
      const now = Date.now()
      if (now >= latest) {
        for (const l of [...this.pending]) this.expire(l)
        break
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, latest - now)
        this.waiter = () => {
          clearTimeout(t)
          resolve()
        }
      })
      this.waiter = null
    }
    return this.expiredCount
  }
}

function remember(map: Map<string, OwnLine>, hash: string, line: OwnLine): void {
  map.set(hash, line)
  if (map.size > RECENT_CAP) map.delete(map.keys().next().value as string)
}
