// The gateway's pending crossings, shared fairly between senders. One global bound let one sender
// shed everybody else: with the default room's public password, 400 spam crossings and 5 legitimate
// ones gave 0/5 crossed. Here every crossing belongs to a sender: the peer it came from, and within
// that peer the original's signer (unsigned: the peer itself). Shares are taken at both levels,
// because a signature costs nothing (one peer sending under 400 fresh keys is still one peer) while a
// relay peer carries many people (one key spamming through it must not shed the others behind it).
//
// When the bound is reached a newcomer takes the slot of the newest waiting crossing of the peer
// holding the most (within it, of the signer holding the most), unless the newcomer's own peer (or,
// inside the same peer, its own signer) already holds as many; and the next crossing to seal is taken
// from the peers in turn and inside a peer from its signers in turn, so a long queue of one sender does
// not delay the others either.

export interface Sender {
  /** the peer the original came from ('local' for our own) */
  readonly peer: string
  /** the original's signer, '' when unsigned */
  readonly signer: string
}

export interface Pending<T> {
  readonly sender: Sender
  readonly job: T
}

interface Slot<T> extends Pending<T> {
  /** waiting for its delay to end (cancel with it), or ready to seal */
  cancel: (() => void) | null
  ready: boolean
}

/** One level of sharing: slots held per key, and the keys with a ready crossing in turn order. */
class Share {
  readonly held = new Map<string, number>()
  readonly turn = new Set<string>()

  of(key: string): number {
    return this.held.get(key) ?? 0
  }

  take(key: string): void {
    this.held.set(key, this.of(key) + 1)
  }

  release(key: string): void {
    const n = this.of(key) - 1
    if (n <= 0) this.held.delete(key)
    else this.held.set(key, n)
  }

  /** The key holding the most among `candidates`. */
  biggest(candidates: Iterable<string>): string | null {
    let best: string | null = null
    let most = 0
    for (const k of candidates) {
      const n = this.of(k)
      if (n > most) {
        best = k
        most = n
      }
    }
    return best
  }
}

export class FairPending<T> {
  /** peer -> signer -> crossings not yet sealing, oldest first */
  private readonly waiting = new Map<string, Map<string, Slot<T>[]>>()
  private readonly peers = new Share()
  /** keyed by peer and signer together */
  private readonly signers = new Map<string, Share>()
  private count = 0

  constructor(private readonly max: number) {}

  /** Slots held in all (waiting, ready or sealing). */
  get size(): number {
    return this.count
  }

  heldBy(sender: Sender): number {
    return this.signers.get(sender.peer)?.of(sender.signer) ?? 0
  }

  /**
   * Takes a slot for `job`; null when it is shed. When the bound is reached, the newest waiting crossing
   * of the biggest holder is shed instead (returned as `evicted`, its `cancel` already called).
   */
  add(sender: Sender, job: T, cancel: (() => void) | null): { slot: Pending<T>; evicted: Pending<T> | null } | null {
    let evicted: Pending<T> | null = null
    if (this.count >= this.max) {
      const victim = this.victim(sender)
      if (victim === null) return null
      evicted = this.evictNewest(victim)
    }
    const slot: Slot<T> = { sender, job, cancel, ready: false }
    const bySigner = this.waiting.get(sender.peer) ?? new Map<string, Slot<T>[]>()
    this.waiting.set(sender.peer, bySigner)
    const list = bySigner.get(sender.signer) ?? []
    bySigner.set(sender.signer, list)
    list.push(slot)
    this.peers.take(sender.peer)
    this.share(sender.peer).take(sender.signer)
    this.count++
    return { slot, evicted }
  }

  /** The slot's delay is over: it may be taken to seal. */
  ready(slot: Pending<T>): void {
    const s = slot as Slot<T>
    s.cancel = null
    s.ready = true
    this.peers.turn.add(s.sender.peer)
    this.share(s.sender.peer).turn.add(s.sender.signer)
  }

  /** The next ready crossing, from the peers in turn (inside one, its signers in turn); it keeps its slot until `done`. */
  next(): Pending<T> | null {
    for (const peer of this.peers.turn) {
      this.peers.turn.delete(peer)
      const share = this.share(peer)
      const bySigner = this.waiting.get(peer)
      for (const signer of share.turn) {
        share.turn.delete(signer)
        const list = bySigner?.get(signer) ?? []
        const i = list.findIndex((s) => s.ready)
        if (i < 0) continue
        const [s] = list.splice(i, 1)
        if (list.some((x) => x.ready)) share.turn.add(signer) // to the back of the peer's turn
        if (list.length === 0) bySigner!.delete(signer)
        if (bySigner!.size === 0) this.waiting.delete(peer)
        if (share.turn.size > 0) this.peers.turn.add(peer) // to the back of the turn
        return s
      }
    }
    return null
  }

  /** A crossing taken with `next` finished sealing: its slot is free. */
  done(slot: Pending<T>): void {
    this.release(slot.sender)
  }

  /** Forgets everything (the cancels of waiting crossings are called). */
  clear(): void {
    for (const bySigner of this.waiting.values()) for (const list of bySigner.values()) for (const s of list) s.cancel?.()
    this.waiting.clear()
    this.peers.held.clear()
    this.peers.turn.clear()
    this.signers.clear()
    this.count = 0
  }

  /** Whose waiting crossing `sender`'s newcomer may take the slot of; null: the newcomer is shed. */
  private victim(sender: Sender): Sender | null {
    const peer = this.peers.biggest(this.waiting.keys())
    if (peer === null) return null
    const bySigner = this.waiting.get(peer)!
    const share = this.share(peer)
    if (peer !== sender.peer) {
      if (this.peers.of(peer) <= this.peers.of(sender.peer)) return null
      return { peer, signer: share.biggest(bySigner.keys())! }
    }
    const signer = share.biggest(bySigner.keys())!
    if (share.of(signer) <= share.of(sender.signer)) return null
    return { peer, signer }
  }

  private evictNewest(sender: Sender): Pending<T> {
    const bySigner = this.waiting.get(sender.peer)!
    const list = bySigner.get(sender.signer)!
    const s = list.pop()!
    if (!list.some((x) => x.ready)) this.share(sender.peer).turn.delete(sender.signer)
    if (list.length === 0) bySigner.delete(sender.signer)
    if (bySigner.size === 0) this.waiting.delete(sender.peer)
    if (this.share(sender.peer).turn.size === 0) this.peers.turn.delete(sender.peer)
    s.cancel?.()
    this.release(sender)
    return s
  }

  private share(peer: string): Share {
    let s = this.signers.get(peer)
    if (!s) {
      s = new Share()
      this.signers.set(peer, s)
    }
    return s
  }

  private release(sender: Sender): void {
    this.peers.release(sender.peer)
    const share = this.share(sender.peer)
    share.release(sender.signer)
    if (share.held.size === 0 && share.turn.size === 0) this.signers.delete(sender.peer)
    this.count--
  }
}
