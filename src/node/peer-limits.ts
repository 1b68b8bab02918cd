// Per-peer limits, so that one peer sending envelopes as fast as it can neither starves the node's
// other peers nor keeps the node busy for free. (geth has none: its 300 ms broadcast tick and PoW are
// its only brakes.) Two budgets per connected peer, both token buckets:
//  - CPU: the time the node spends on the peer's envelopes (geth's add checks, pool, filters). A peer
//    may use `cpuShare` of one core on average, `cpuBurstMs` at once. Over budget, its connection is
//    paused (TCP backpressure slows the sender down, nothing is lost) until the bucket has refilled;
//    so a flood of valid envelopes is LIMITED, never dropped.
//  - useless envelopes: ones the node already has, or drops quietly (expired, v5 PoW below minimum).
//    Valid new envelopes are free (the sender paid PoW for them). A peer that sends more useless
//    envelopes than `uselessPerSec` on average, `uselessBurst` at once, is DROPPED and refused for
//    `banMs` (doubling for each repeat offence): such floods cost the flooder nothing.
// Legitimate bursts (a peer handing over its whole pool after a reconnect, mesh duplicates) stay well
// inside the defaults; a slowed-down peer just gets its traffic through later.
import type { Logger } from '../log/log.js'
import { short } from '../log/log.js'

/**
 * Per-peer limits on the node's CPU and on useless envelopes (duplicates, expired), beyond what geth has: a
 * flooding peer is slowed, then dropped and refused for a while.
 */
export interface PeerLimitOptions {
  /** average share of one core the node spends on one peer's envelopes (default 0.5) */
  cpuShare?: number
  /** CPU milliseconds a peer may use at once before being slowed down (default 50: at a 0.5 share, at most
   *  ~100 ms of uninterrupted work for one peer, the worst stall its flood can cause the others) */
  cpuBurstMs?: number
  /** longest single pause of a peer's connection, ms (default 1000; devp2p pings must still get through) */
  maxPauseMs?: number
  /** useless envelopes per second a peer may send on average (default 1000) */
  uselessPerSec?: number
  /** ... and at once (default 20000) */
  uselessBurst?: number
  /** how long a dropped flooder is refused, ms; doubles per repeat offence up to 32x (default 60000) */
  banMs?: number
}

/** The part of a p2p ShhPeer the limits act on. */
export interface LimitedPeer {
  readonly id: string
  /** stop / restart reading the peer's connection (optional: a peer without it is never paused) */
  pauseReading?(): void
  resumeReading?(): void
  drop(why: string): void
}

export interface PeerLimitStats {
  /** times a peer's connection was paused for using too much CPU */
  pauses: number
  /** peers dropped for sending too many useless envelopes */
  floodDrops: number
  /** connections refused because the peer was still banned */
  bansRefused: number
}

interface Bucket {
  tokens: number
  at: number
}

interface PeerBudget {
  peer: LimitedPeer
  /** what it is kept under (add's key) */
  key: string
  cpu: Bucket
  useless: Bucket
  paused: boolean
  timer: NodeJS.Timeout | null
}

const DEFAULTS: Required<PeerLimitOptions> = {
  cpuShare: 0.5, cpuBurstMs: 50, maxPauseMs: 1000, uselessPerSec: 1000, uselessBurst: 20_000, banMs: 60_000,
}

export class PeerLimits {
  readonly options: Required<PeerLimitOptions>
  private readonly peers = new Map<string, PeerBudget>()
  private readonly bans = new Map<string, { until: number; offences: number }>()
  private readonly counters: PeerLimitStats = { pauses: 0, floodDrops: 0, bansRefused: 0 }
  private readonly now: () => number

  constructor(opts: PeerLimitOptions = {}, private readonly log?: Logger, now: () => number = () => performance.now()) {
    this.options = { ...DEFAULTS, ...stripUndefined(opts) }
    const o = this.options
    for (const [k, v] of Object.entries(o)) {
      if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new RangeError(`peer limits: ${k} must be a positive number, got ${v}`)
    }
    this.now = now
  }

  get stats(): PeerLimitStats {
    return { ...this.counters }
  }

  /** Whether a (re)connecting peer is still banned; counts the refusal. */
  refuse(id: string): boolean {
    const b = this.bans.get(id)
    if (!b) return false
    if (Date.now() >= b.until) return false
    this.counters.bansRefused++
    return true
  }

  /** `key`: the peer's key (the node keys a peer by network and id: one node may be a peer on two networks). */
  add(peer: LimitedPeer, key = peer.id): void {
    const t = this.now()
    const o = this.options
    this.remove(key)
    this.peers.set(key, { peer, key, cpu: { tokens: o.cpuBurstMs, at: t }, useless: { tokens: o.uselessBurst, at: t }, paused: false, timer: null })
  }

  /** Forgets a peer's budget (of that connection only, when `peer` is given: a reconnection may have replaced it). */
  remove(id: string, peer?: LimitedPeer): void {
    const b = this.peers.get(id)
    if (!b || (peer !== undefined && b.peer !== peer)) return
    if (b.timer) clearTimeout(b.timer)
    this.peers.delete(id)
  }

  /**
   * Charges one packet's cost to its peer: `cpuMs` spent on it, `useless` envelopes in it. Pauses the
   * peer's connection when it is over its CPU budget; drops (and bans) it when over its useless budget.
   * Returns 'drop' when the peer was dropped.
   */
  charge(key: string, cpuMs: number, useless: number): 'ok' | 'paused' | 'drop' {
    const b = this.peers.get(key)
    if (!b) return 'ok'
    const o = this.options
    const t = this.now()
    refill(b.useless, t, o.uselessPerSec / 1000, o.uselessBurst)
    b.useless.tokens -= useless
    if (b.useless.tokens < 0) {
      this.counters.floodDrops++
      this.ban(b.peer.id) // the node, on every network
      this.remove(key)
      this.log?.warn('Peer dropped for flooding', { peer: short(b.peer.id), useless, limit: `${o.uselessPerSec}/s` })
      b.peer.drop(`flooding: more than ${o.uselessBurst} useless envelopes (already known or expired) at ${o.uselessPerSec}/s`)
      return 'drop'
    }
    refill(b.cpu, t, o.cpuShare, o.cpuBurstMs)
    b.cpu.tokens -= cpuMs
    if (b.cpu.tokens < 0 && !b.paused && b.peer.pauseReading && b.peer.resumeReading) {
      this.pause(b, Math.min(o.maxPauseMs, -b.cpu.tokens / o.cpuShare))
      return 'paused'
    }
    return 'ok'
  }

  /** Forget every peer and timer (node stop). Bans are kept for the life of the object. */
  close(): void {
    for (const id of [...this.peers.keys()]) this.remove(id)
  }

  private pause(b: PeerBudget, ms: number): void {
    b.paused = true
    this.counters.pauses++
    this.log?.trace('Peer slowed down', { peer: short(b.peer.id), ms: Math.ceil(ms) })
    b.peer.pauseReading!()
    b.timer = setTimeout(() => {
      b.timer = null
      b.paused = false
      if (this.peers.get(b.key) === b) b.peer.resumeReading!()
    }, Math.ceil(ms))
    b.timer.unref()
  }

  private ban(id: string): void {
    const prev = this.bans.get(id)
    const offences = (prev?.offences ?? 0) + 1
    this.bans.set(id, { until: Date.now() + this.options.banMs * Math.min(32, 2 ** (offences - 1)), offences })
    // keep the ban list small: forget bans that ran out
    if (this.bans.size > 1000) for (const [k, v] of this.bans) if (v.until < Date.now()) this.bans.delete(k)
  }
}

function refill(b: Bucket, t: number, perMs: number, cap: number): void {
  b.tokens = Math.min(cap, b.tokens + (t - b.at) * perMs)
  b.at = t
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
