// The mail server role (geth's whisper/mailserver): archive what the node accepts, and answer signed
// history requests from peers with the archived envelopes of the asked time range, one p2p message
// packet per envelope, to that peer only.
//
// geth answers a request in one synchronous loop over its LevelDB range. Here an answer is a job that
// sends at most `batchEnvelopes` envelopes / `batchBytes` bytes per turn of the event loop and waits
// while the peer's socket holds more than `maxBuffered` bytes, so a request for years of history
// neither blocks the node nor buffers the archive in memory, and other peers' jobs interleave.
// Each page is one archive read (an index range scan of at most `batchEnvelopes` rows, whatever the
// range and however little of it matches), so no request holds the event loop for more than a page.
// Requests are rate limited per peer (token bucket) and each peer has at most one job running and
// `maxQueued` waiting; a request the same peer made already (same version, range and topic or bloom)
// is answered once: dropped while the first is queued or running and for `dedupeMs` after it ended;
// the very same envelope resent is dropped by its hash, before any decryption, until it expires (at
// most 10 minutes): answering it again could only repeat the answer, so a resent sealed request costs
// the server nothing. Whatever is over is dropped quietly, like every refused request (geth logs and
// drops, it never disconnects for a request that decodes).
import { fromHex, toHex } from '../whisper/bytes.js'
import { symKeyFromPassword } from '../whisper/crypto.js'
import { decodeEnvelope, envelopeHash, type Envelope } from '../whisper/envelope.js'
import { checkMailRequest, mailMatches, mailRange, type MailQuery } from '../whisper/mailrequest.js'
import type { NetPeer } from '../p2p/net-peer.js'
import type { Archive, ArchiveCursor, ArchivedRow } from './archive.js'
import { NodeError } from './errors.js'
import { short, type Logger } from '../log/log.js'
import type { MailServerHooks, WhisperNode } from './whisper-node.js'

export interface MailServerOptions {
  /** the mail password: requests are encrypted with the key derived from it (like a room key) */
  password: string
  archive: Archive
  /** minimum PoW of a request (geth -mspow, default 0.2; 0 = no check) */
  minPow?: number
  /** require every request to be signed by the requesting peer's node key (default: geth's rule per version, v5 yes, v6 no) */
  requireNodeKey?: boolean
  batchEnvelopes?: number
  batchBytes?: number
  maxBuffered?: number
  /** request rate per peer: a burst of `burst`, then one per `refillMs` */
  burst?: number
  refillMs?: number
  maxQueued?: number
  /** how long after an answer the same request from the same peer is still dropped (default 5000 ms) */
  dedupeMs?: number
}

export interface MailServerStats {
  requests: number
  answered: number
  refused: number
  rateLimited: number
  /** dropped as the same request from the same peer, queued, running or just answered */
  duplicates: number
  delivered: number
  deliveredBytes: number
}

interface Job {
  peer: NetPeer
  query: MailQuery
  from: number
  to: number
  after: ArchiveCursor | null
  sent: number
  key: string
  /** the request envelope's hash: a resent one is dropped before it is decrypted and its signature recovered */
  envKey: string
  /** the request envelope's expiry, unix seconds */
  expiry: number
}

interface PeerSlot {
  tokens: number
  last: number
  running: Job | null
  queue: Job[]
  /** request key -> until when the same request is dropped (IN_FLIGHT while queued or running), ms */
  recent: Map<string, number>
}

const IN_FLIGHT = Infinity
const ENVELOPE_DEDUPE_MAX_MS = 10 * 60_000

export class MailServer {
  readonly archive: Archive
  private readonly symKey: Uint8Array
  private readonly o: Required<Omit<MailServerOptions, 'password' | 'archive' | 'requireNodeKey'>> & { requireNodeKey?: boolean }
  private readonly slots = new Map<string, PeerSlot>()
  private readonly counters: MailServerStats = { requests: 0, answered: 0, refused: 0, rateLimited: 0, duplicates: 0, delivered: 0, deliveredBytes: 0 }
  private readonly log: Logger
  private pruneTimer: NodeJS.Timeout | null = null
  private closed = false

  /** Attaches a mail server to a node that has not started yet. */
  constructor(node: WhisperNode, o: MailServerOptions) {
    if (typeof o.password !== 'string' || o.password.length === 0) throw new NodeError('params', 'the mail server needs a password')
    this.archive = o.archive
    this.symKey = symKeyFromPassword(o.password)
    this.log = node.log
    this.o = {
      minPow: o.minPow ?? 0.2,
      requireNodeKey: o.requireNodeKey,
      batchEnvelopes: o.batchEnvelopes ?? 64,
      batchBytes: o.batchBytes ?? 256 * 1024,
      maxBuffered: o.maxBuffered ?? 1024 * 1024,
      burst: o.burst ?? 10,
      refillMs: o.refillMs ?? 1000,
      maxQueued: o.maxQueued ?? 4,
      dedupeMs: o.dedupeMs ?? 5000,
    }
    if (!(Number.isFinite(this.o.minPow) && this.o.minPow >= 0)) throw new NodeError('params', `invalid request PoW ${this.o.minPow}`)
    const hooks: MailServerHooks = {
      archive: (env, hash) => this.archive.add(env, hash),
      request: (peer, env) => this.onRequest(peer, env),
    }
    node.setMailServer(hooks)
    this.pruneTimer = setInterval(() => {
      this.archive.prune()
      this.sweep()
    }, 60_000)
    this.pruneTimer.unref()
  }

  stats(): MailServerStats {
    return { ...this.counters }
  }

  /** Stops answering and closes the archive (committing what is queued). */
  close(): void {
    if (this.closed) return
    this.closed = true
    if (this.pruneTimer) clearInterval(this.pruneTimer)
    this.slots.clear()
    this.archive.close()
  }

  private onRequest(peer: NetPeer, env: Envelope): void {
    if (this.closed) return
    this.counters.requests++
    const slot = this.slot(peer.id)
    if (!this.takeToken(slot)) {
      this.counters.rateLimited++
      this.log.debug('Mail request dropped: rate limit', { peer: short(peer.id) })
      return
    }
    const envKey = `e:${toHex(envelopeHash(env))}`
    if (this.isRecent(slot, envKey)) {
      this.counters.duplicates++
      this.log.debug('Mail request dropped: same request answered already', { peer: short(peer.id) })
      return
    }
    const check = checkMailRequest(env, { symKey: this.symKey, minPow: this.o.minPow, peerId: fromHex(peer.id), requireNodeKey: this.o.requireNodeKey })
    if (!check.ok) {
      this.counters.refused++
      this.log.info('Mail request refused', { peer: short(peer.id), reason: check.reason, err: check.message })
      return
    }
    const { from, to } = mailRange(check.query)
    const key = requestKey(check.query)
    if (this.isRecent(slot, key)) {
      this.counters.duplicates++
      this.log.debug('Mail request dropped: same request answered already', { peer: short(peer.id) })
      return
    }
    const job: Job = { peer, query: check.query, from, to, after: null, sent: 0, key, envKey, expiry: env.expiry }
    this.log.info('Mail request', { peer: short(peer.id), shh: peer.format, lower: check.query.lower, upper: check.query.upper })
    if (slot.running) {
      if (slot.queue.length >= this.o.maxQueued) {
        this.counters.rateLimited++
        this.log.debug('Mail request dropped: too many pending', { peer: short(peer.id) })
        return
      }
      this.remember(slot, job, true)
      slot.queue.push(job)
      return
    }
    this.remember(slot, job, true)
    // what the node accepted just before the request is still in the write queue: commit it first
    this.archive.flush()
    slot.running = job
    setImmediate(() => this.step(slot))
  }

  private step(slot: PeerSlot): void {
    const job = slot.running
    if (!job || this.closed) return
    const peer = job.peer
    if (peer.closed) return this.finish(slot, 'peer gone')
    if (peer.bufferedBytes > this.o.maxBuffered) {
      setTimeout(() => this.step(slot), 20).unref()
      return
    }
    const topic = job.query.shh === 5 ? job.query.topic : null
    this.archive.page(peer.format, job.from, job.to, job.after, this.o.batchEnvelopes, topic).then(
      (rows) => {
        if (slot.running === job && !this.closed) this.send(slot, job, rows)
      },
      (err: unknown) => {
        this.log.error('Mail archive read failed', { err: err instanceof Error ? err.message : String(err) })
        if (slot.running === job) this.finish(slot, 'archive error')
      },
    )
  }

  /** Sends one page; the next page is read in a later turn of the event loop. */
  private send(slot: PeerSlot, job: Job, rows: ArchivedRow[]): void {
    const peer = job.peer
    let bytes = 0
    let full = false
    for (const row of rows) {
      job.after = { sent: row.sent, seq: row.seq, hash: row.hash }
      let env: Envelope
      try {
        env = decodeEnvelope(peer.format, row.rlp)
      } catch (err) {
        this.log.error('Archived envelope does not decode', { hash: toHex(row.hash), err })
        continue
      }
      if (!mailMatches(job.query, env)) continue
      if (!peer.sendP2PMessage(env)) return this.finish(slot, 'peer gone')
      job.sent++
      bytes += row.rlp.length
      this.counters.delivered++
      this.counters.deliveredBytes += row.rlp.length
      if (bytes >= this.o.batchBytes) {
        full = true
        break
      }
    }
    if (!full && rows.length < this.o.batchEnvelopes) return this.finish(slot, 'done')
    setImmediate(() => this.step(slot))
  }

  private finish(slot: PeerSlot, how: string): void {
    const job = slot.running
    slot.running = null
    if (job) {
      // an answer cut short (peer gone, archive error) may be asked for again at once
      if (how === 'done') this.remember(slot, job, false)
      else {
        slot.recent.delete(job.key)
        slot.recent.delete(job.envKey)
      }
      if (how === 'done') this.counters.answered++
      this.log.info('Mail request answered', { peer: short(job.peer.id), envelopes: job.sent, end: how })
    }
    const next = slot.queue.shift()
    if (next && !this.closed) {
      this.archive.flush()
      slot.running = next
      setImmediate(() => this.step(slot))
    }
  }

  /** Forgets idle peers whose bucket is full again (the map would otherwise grow with every peer ever seen). */
  private sweep(): void {
    const now = Date.now()
    for (const [id, s] of this.slots) {
      if (!s.running && s.queue.length === 0 && [...s.recent.values()].every((until) => until <= now) && s.tokens + (now - s.last) / this.o.refillMs >= this.o.burst) this.slots.delete(id)
    }
  }

  private slot(id: string): PeerSlot {
    let s = this.slots.get(id)
    if (!s) {
      s = { tokens: this.o.burst, last: Date.now(), running: null, queue: [], recent: new Map() }
      this.slots.set(id, s)
    }
    return s
  }

  /**
   * Records a job's keys, in flight or answered; keys whose window has passed go. At most one
   * request a second gets this far per peer (the token bucket), so the map stays small.
   */
  private remember(slot: PeerSlot, job: Job, inFlight: boolean): void {
    const now = Date.now()
    for (const [k, until] of slot.recent) if (until <= now) slot.recent.delete(k)
    const until = now + this.o.dedupeMs
    slot.recent.set(job.key, inFlight ? IN_FLIGHT : until)
    slot.recent.set(job.envKey, inFlight ? IN_FLIGHT : Math.max(until, Math.min(job.expiry * 1000, now + ENVELOPE_DEDUPE_MAX_MS)))
  }

  private isRecent(slot: PeerSlot, key: string): boolean {
    const until = slot.recent.get(key)
    return until !== undefined && until > Date.now()
  }

  private takeToken(s: PeerSlot): boolean {
    const now = Date.now()
    s.tokens = Math.min(this.o.burst, s.tokens + (now - s.last) / this.o.refillMs)
    s.last = now
    if (s.tokens < 1) return false
    s.tokens -= 1
    return true
  }
}


/** What makes two requests the same: version, range and topic (v5) or bloom (v6). */
function requestKey(q: MailQuery): string {
  const sel = q.shh === 5 ? (q.topic ? toHex(q.topic) : '*') : q.bloom ? toHex(q.bloom) : '*'
  return `${q.shh}:${q.lower}:${q.upper}:${sel}`
}
