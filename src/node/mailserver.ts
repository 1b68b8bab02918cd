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
//
// Paged requests (shh/6 with a limit, as status-go's whisper mail server reads them; mailrequest.ts):
// at most `limit` envelopes, then a request-complete packet (code 125) naming the request (its envelope
// hash), the last envelope sent and, when more match, the cursor `sent | hash` of that last envelope. A
// cursor is mapped onto the archive's own order (sent, arrival) by finding its envelope among the rows
// of its second, so a page starts exactly after it however many share that second; one that is no longer
// archived (pruned) starts at the first row of its second still there (the archive prunes oldest sent
// first, so what preceded it went before it). A cursor is handed out only when another envelope
// matches, so the last page says "no more" by having none. A bad cursor or a limit over 1000 gets a
// failure answer (status-go's `ERROR=` form), as does an archive error during a paged answer. A
// request without a limit is answered as before, with no request-complete (geth's clients know none).
// Each page handed out with a cursor lets that peer's next request past the rate limit once, so a
// client walking a busy day page by page is not throttled to one page a second.
//
// Waku peers (8/WAKU-MAIL, status-go v0.78.0's WakuMailServer) are answered from the same archive as
// shh/6 ones (the same envelope format), always paged: both request forms (waku/mail-query.ts), the
// envelopes as p2p messages (127), then a request-complete (125) with the request's id (the envelope's
// hash, or the MessagesRequest's id). As status-go, every refusal that names a request is answered with
// a failure (ERROR=), a rate-limited one too ("rate limit exceeded"); Waku requests are not deduplicated
// by range (status-go does not), only the very same request (envelope hash or id) while it is answered.
import { equalBytes, fromHex, toHex } from '../whisper/bytes.js'
import { symKeyFromPassword } from '../whisper/crypto.js'
import { decodeEnvelope, envelopeHash, type Envelope } from '../whisper/envelope.js'
import { checkMailRequest, encodeMailCursor, mailMatches, mailRange, MAX_PAGE_LIMIT, type MailQuery } from '../whisper/mailrequest.js'
import type { NetPeer } from '../p2p/net-peer.js'
import type { RequestComplete } from '../waku/request-complete.js'
import { checkWakuEnvelopeRequest, checkWakuMessagesRequest, wakuRequestId, type WakuMailCheck } from '../waku/mail-query.js'
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
  /** paged requests answered with a request-complete (a page each) */
  pages: number
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
  /** paged request: its id in the request-complete (the request envelope's hash) */
  requestId: Uint8Array
  /** paged request: at most this many envelopes (null: not paged) */
  limit: number | null
  /** the last envelope sent, for the request-complete and the next page's cursor */
  last: { sent: number; hash: Uint8Array } | null
  /** a matching envelope beyond the limit was seen: the page ends with a cursor */
  more: boolean
  /** the request's cursor still has to be found in the archive before the first page */
  seek: boolean
}

interface PeerSlot {
  tokens: number
  last: number
  running: Job | null
  queue: Job[]
  /** request key -> until when the same request is dropped (IN_FLIGHT while queued or running), ms */
  recent: Map<string, number>
  /** until when (ms) the next request passes the rate limit: a page ended with a cursor (0: none) */
  nextPageUntil: number
}

const IN_FLIGHT = Infinity
const ENVELOPE_DEDUPE_MAX_MS = 10 * 60_000
/** how long a page's free follow-up request stays open */
const NEXT_PAGE_MS = 60_000
const NO_HASH = new Uint8Array(32)

export class MailServer {
  readonly archive: Archive
  private readonly symKey: Uint8Array
  private readonly o: Required<Omit<MailServerOptions, 'password' | 'archive' | 'requireNodeKey'>> & { requireNodeKey?: boolean }
  private readonly slots = new Map<string, PeerSlot>()
  private readonly counters: MailServerStats = { requests: 0, answered: 0, refused: 0, rateLimited: 0, duplicates: 0, delivered: 0, deliveredBytes: 0, pages: 0 }
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
      request: (peer, env) => {
        if (peer.net !== 'waku') return this.onRequest(peer, env)
        const now = Math.floor(Date.now() / 1000)
        this.onWakuRequest(peer, env.expiry, envelopeHash(env), () => checkWakuEnvelopeRequest(env, { symKey: this.symKey, minPow: this.o.minPow, now }))
      },
      messagesRequest: (peer, req) => this.onWakuRequest(peer, 0, wakuRequestId(req), () => checkWakuMessagesRequest(req, Math.floor(Date.now() / 1000))),
    }
    node.setMailServer(hooks)
    this.pruneTimer = setInterval(() => {
      void this.archive.prune()
      this.sweep()
    }, 60_000)
    this.pruneTimer.unref()
  }

  stats(): MailServerStats {
    return { ...this.counters }
  }

  /** Stops answering and closes the archive; resolves once what was queued is committed. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve()
    this.closed = true
    if (this.pruneTimer) clearInterval(this.pruneTimer)
    this.slots.clear()
    return this.archive.close()
  }

  private onRequest(peer: NetPeer, env: Envelope): void {
    if (this.closed) return
    this.counters.requests++
    const slot = this.slot(peer.id)
    const nextPage = slot.nextPageUntil > Date.now()
    slot.nextPageUntil = 0
    if (!nextPage && !this.takeToken(slot)) {
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
      if (check.reason === 'bad-page') this.answer(peer, { ok: false, requestId: envelopeHash(env), error: `request is invalid: ${check.message}` })
      return
    }
    const key = requestKey(check.query)
    if (this.isRecent(slot, key)) {
      this.counters.duplicates++
      this.log.debug('Mail request dropped: same request answered already', { peer: short(peer.id) })
      return
    }
    this.start(slot, peer, check.query, { key, envKey, expiry: env.expiry, requestId: envelopeHash(env) })
  }

  /** A Waku request, either form; `check` decrypts and decodes it (after the rate limit, as for shh). */
  private onWakuRequest(peer: NetPeer, expiry: number, requestId: Uint8Array, check: () => WakuMailCheck): void {
    if (this.closed) return
    this.counters.requests++
    const slot = this.slot(peer.id)
    const envKey = `w:${toHex(requestId)}`
    if (this.isRecent(slot, envKey)) {
      this.counters.duplicates++
      this.log.debug('Mail request dropped: same request answered already', { peer: short(peer.id) })
      return
    }
    const refuse = (error: string) => {
      this.log.info('Mail request refused', { peer: short(peer.id), net: peer.net, err: error })
      this.answer(peer, { ok: false, requestId, error })
    }
    const nextPage = slot.nextPageUntil > Date.now()
    slot.nextPageUntil = 0
    if (!nextPage && !this.takeToken(slot)) {
      this.counters.rateLimited++
      return refuse('rate limit exceeded')
    }
    const c = check()
    if (!c.ok) {
      this.counters.refused++
      return refuse(c.message)
    }
    this.start(slot, peer, c.query, { key: envKey, envKey, expiry, requestId })
  }

  private start(slot: PeerSlot, peer: NetPeer, q: MailQuery, r: { key: string; envKey: string; expiry: number; requestId: Uint8Array }): void {
    const { from, to } = mailRange(q)
    const limit = q.limit === null ? null : q.limit === 0 ? MAX_PAGE_LIMIT : q.limit
    const job: Job = {
      peer, query: q, from, to, after: null, sent: 0, key: r.key, envKey: r.envKey, expiry: r.expiry,
      requestId: r.requestId, limit, last: null, more: false, seek: q.cursor !== null,
    }
    this.log.info('Mail request', { peer: short(peer.id), net: peer.net, lower: q.lower, upper: q.upper, ...(limit === null ? {} : { limit, cursor: q.cursor ? toHex(encodeMailCursor(q.cursor)) : '' }) })
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
    // (a page waits for a flush begun before it)
    void this.archive.flush()
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
    if (job.seek) return this.seek(slot, job)
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

  /**
   * Finds the request's cursor in the archive's order: its envelope among the rows of its second, one
   * archive page per turn. Not there (pruned): the start of its second. Before `from`: from the start.
   */
  private seek(slot: PeerSlot, job: Job): void {
    const c = job.query.cursor!
    if (c.sent < job.from) {
      job.seek = false
      return this.step(slot)
    }
    if (c.sent >= job.to) return this.finish(slot, 'done')
    const after = job.after
    this.archive.page(job.peer.format, c.sent, c.sent + 1, after, this.o.batchEnvelopes, null).then(
      (rows) => {
        if (slot.running !== job || this.closed) return
        const hit = rows.find((r) => equalBytes(r.hash, c.hash))
        if (hit || rows.length < this.o.batchEnvelopes) {
          job.seek = false
          job.after = hit ? { sent: hit.sent, seq: hit.seq, hash: hit.hash } : { sent: c.sent, seq: -1, hash: new Uint8Array(0) }
        } else {
          const end = rows[rows.length - 1]
          job.after = { sent: end.sent, seq: end.seq, hash: end.hash }
        }
        setImmediate(() => this.step(slot))
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
      let env: Envelope
      try {
        env = decodeEnvelope(peer.format, row.rlp)
      } catch (err) {
        job.after = { sent: row.sent, seq: row.seq, hash: row.hash }
        this.log.error('Archived envelope does not decode', { hash: toHex(row.hash), err })
        continue
      }
      if (!mailMatches(job.query, env)) {
        job.after = { sent: row.sent, seq: row.seq, hash: row.hash }
        continue
      }
      if (job.limit !== null && job.sent >= job.limit) {
        job.more = true
        return this.finish(slot, 'done')
      }
      job.after = { sent: row.sent, seq: row.seq, hash: row.hash }
      if (!peer.sendP2PMessage(env)) return this.finish(slot, 'peer gone')
      job.last = { sent: row.sent, hash: row.hash }
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
      if (job.limit !== null) this.endPage(slot, job, how)
      this.log.info('Mail request answered', { peer: short(job.peer.id), envelopes: job.sent, end: how, ...(job.limit === null ? {} : { more: job.more, next: job.more && job.last ? toHex(encodeMailCursor(job.last)) : '' }) })
    }
    const next = slot.queue.shift()
    if (next && !this.closed) {
      void this.archive.flush()
      slot.running = next
      setImmediate(() => this.step(slot))
    }
  }

  /** The request-complete of a paged answer (nothing to say to a peer that is gone). */
  private endPage(slot: PeerSlot, job: Job, how: string): void {
    if (how === 'peer gone') return
    if (how !== 'done') {
      this.answer(job.peer, { ok: false, requestId: job.requestId, error: how })
      return
    }
    const cursor = job.more && job.last ? encodeMailCursor(job.last) : null
    if (!this.answer(job.peer, { ok: true, requestId: job.requestId, lastEnvelopeHash: job.last?.hash ?? NO_HASH, cursor })) return
    this.counters.pages++
    if (cursor) slot.nextPageUntil = Date.now() + NEXT_PAGE_MS
  }

  private answer(peer: NetPeer, r: RequestComplete): boolean {
    return peer.sendRequestComplete?.(r) ?? false
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
      s = { tokens: this.o.burst, last: Date.now(), running: null, queue: [], recent: new Map(), nextPageUntil: 0 }
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


/** What makes two requests the same: version, range and topic (v5) or bloom (v6), limit and cursor. */
function requestKey(q: MailQuery): string {
  const sel = q.shh === 5 ? (q.topic ? toHex(q.topic) : '*') : q.bloom ? toHex(q.bloom) : '*'
  const page = q.limit === null ? '' : `:${q.limit}:${q.cursor ? toHex(encodeMailCursor(q.cursor)) : ''}`
  return `${q.shh}:${q.lower}:${q.upper}:${sel}${page}`
}
