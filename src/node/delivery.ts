// Own posts that never left: the node remembers each post (all its version copies together) until one
// copy is handed to a peer. A post whose every copy expired first is reported once, with the reason
// the connected peers give at that moment: none of the post's versions connected, all of them ask for
// more PoW than it carries, or their blooms exclude its topic. Nothing posted goes silently nowhere.
import type { NetPeer } from '../p2p/net-peer.js'
import type { PoolEntry } from './pool.js'

/**
 * Why an own post reached nobody: no peer connected, every peer required more PoW, or no peer's bloom
 * admitted the topic.
 */
export type UndeliveredReason = 'no-peer' | 'pow' | 'bloom'

/** An own post that expired before any copy was handed to a peer (event 'undelivered'). */
export interface UndeliveredEvent {
  /** the post's envelope hashes (hex), as post()/send() returned them */
  hashes: string[]
  /** Why. */
  reason: UndeliveredReason
  /** one line for people: why nobody got it */
  message: string
}

export type DeliveryPeer = Pick<NetPeer, 'net' | 'interest' | 'wants'>

interface Post {
  entries: PoolEntry[]
  expiry: number
}

/** At most this many posts are watched; the oldest are forgotten first (a post flood must not grow memory). */
const MAX_WATCHED = 10_000

export class DeliveryWatch {
  private readonly posts = new Map<string, Post>() // by each copy's hash; copies share one Post
  private readonly order: Post[] = []
  readonly counts: Record<UndeliveredReason, number> = { 'no-peer': 0, pow: 0, bloom: 0 }

  constructor(
    private readonly peers: () => Iterable<DeliveryPeer>,
    private readonly report: (ev: UndeliveredEvent) => void,
  ) {}

  get size(): number {
    return this.order.length
  }

  /** One post: its copies, one per version. */
  track(entries: PoolEntry[]): void {
    if (entries.length === 0) return
    const post: Post = { entries, expiry: Math.max(...entries.map((e) => e.expiry)) }
    for (const e of entries) this.posts.set(e.key, post)
    this.order.push(post)
    if (this.order.length > MAX_WATCHED) this.forget(this.order[0])
  }

  /** Entries just handed to a peer: their posts are delivered. */
  sent(entries: PoolEntry[]): void {
    for (const e of entries) {
      if (!e.local) continue
      const post = this.posts.get(e.key)
      if (post) this.forget(post)
    }
  }

  /** Reports the posts that expired undelivered (geth's expiry: expiry < now). */
  check(now: number): void {
    while (this.order.length > 0) {
      const due = this.order.findIndex((p) => p.expiry < now)
      if (due < 0) return
      const post = this.order[due]
      this.forget(post)
      const reason = this.reason(post)
      this.counts[reason]++
      this.report({ hashes: post.entries.map((e) => e.key), reason, message: REASON_TEXT[reason](post, [...this.peers()]) })
    }
  }

  clear(): void {
    this.posts.clear()
    this.order.length = 0
  }

  private forget(post: Post): void {
    for (const e of post.entries) this.posts.delete(e.key)
    const i = this.order.indexOf(post)
    if (i >= 0) this.order.splice(i, 1)
  }

  private reason(post: Post): UndeliveredReason {
    const relevant = [...this.peers()].filter((p) => post.entries.some((e) => e.net === p.net))
    if (relevant.length === 0) return 'no-peer'
    const powOk = relevant.filter((p) => post.entries.some((e) => e.net === p.net && e.pow >= p.interest.minPow))
    if (powOk.length === 0) return 'pow'
    const bloomOk = powOk.filter((p) => post.entries.some((e) => e.net === p.net && p.wants(e.env, e.pow, e.bloom)))
    // a peer that would have taken it but did not get it in time (it left, or came at the last moment)
    return bloomOk.length === 0 ? 'bloom' : 'no-peer'
  }
}

const versionsOf = (post: Post): string => [...new Set(post.entries.map((e) => e.net))].join(' or ')

const REASON_TEXT: Record<UndeliveredReason, (post: Post, peers: DeliveryPeer[]) => string> = {
  'no-peer': (post) => `no peer speaking ${versionsOf(post)} took it before it expired`,
  pow: (post, peers) => {
    const need = Math.min(...peers.filter((p) => post.entries.some((e) => e.net === p.net)).map((p) => p.interest.minPow))
    const had = Math.max(...post.entries.map((e) => e.pow))
    return `the peers require more PoW (at least ${round(need)}) than it carried (${round(had)})`
  },
  bloom: () => `the peers' bloom filters (or topic interests) exclude its topic`,
}

function round(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 1000) / 1000) : String(n)
}
