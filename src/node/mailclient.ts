// The mail client side (geth's cmd/wnode -mailclient, RequestHistoricMessages): ask a connected mail
// server for the envelopes of a time range; it answers with p2p messages, which reach this node's
// filters that allow p2p (the server is marked trusted, as geth does when it sends a request).
//
// geth's protocol has no "end of history" packet, so its answer counts as complete once messages stopped
// arriving for `quietMs`, and as unanswered when nothing came within `timeoutMs` (which is also what
// an empty range, a wrong password or a server that refused the request look like).
//
// Over shh/6 the request also asks for pages (status-go's limit and cursor, mailrequest.ts): a server
// that pages ends each with a request-complete packet naming our request, and a cursor while there is
// more; the next request carries that cursor, until a page ends without one. geth reads only the bloom
// and answers everything without a request-complete: until a server has sent one, the quiet rule above
// still ends the answer. Envelopes are counted once by hash across pages.
//
// A page that says "more" but brought nothing new ends the answer as failed, so a server whose cursor does
// not move on cannot keep us asking. status-go v0.78.0's whisper mail server is one, in this payload form:
// it reads a cursor here only at 40 bytes and its LevelDB seeks to one only at 36, so every request gets
// the first page again (its own clients page with the RLP form, which we do not send: geth cannot read it).
//
// Over Waku (8/WAKU-MAIL) the same client asks in the form status-go's wakuext_requestMessages sends, the
// only one statusd's Waku mail server reads: an envelope (empty topic, signed with the node key, sealed
// with the mail password's key) whose payload is the RLP MessagesRequestPayload {lower, upper, bloom,
// topics, limit, cursor, batch}. Only the payload differs (requestCodec); a Waku server always pages.
import { encodeMailRequestPayload, MAX_PAGE_LIMIT } from '../whisper/mailrequest.js'
import { symKeyFromPassword } from '../whisper/crypto.js'
import { equalBytes, toHex } from '../whisper/bytes.js'
import { envelopeHash, type Envelope, type ShhVersion } from '../whisper/envelope.js'
import { nodeIdOf } from '../p2p/enode.js'
import type { RequestComplete } from '../waku/request-complete.js'
import { encodeMessagesRequestPayload } from '../waku/messages-request.js'
import { fullBloom, topicBloom } from '../whisper/bloom.js'
import { formatOfNet, type Net } from '../p2p/net-peer.js'
import { NodeError } from './errors.js'
import type { PeerSummary, WhisperNode } from './whisper-node.js'

export interface HistoryOptions {
  /** enode URL or node id of a connected mail server */
  mailserver: string
  /** the mail server's password */
  password: string
  /** unix seconds: from (inclusive) ... */
  lower: number
  /** ... to (v5 servers leave this second out, v6 servers include it) */
  upper: number
  /** only this topic (v5: the topic; v6: its bloom); default every topic */
  topic?: Uint8Array
  /** PoW of the request (geth's servers default to 0.2) */
  pow?: number
  workTime?: number
  /** no answer within this: 'no-answer' (default 10 s) */
  timeoutMs?: number
  /** answers stopped this long: 'complete' (default 2 s) */
  quietMs?: number
  /** signing key; default the node key, which geth 1.7.3 (shh/5) servers require */
  signer?: Uint8Array
  signal?: AbortSignal
  /** shh/6: envelopes per page (default 1000, status-go's most; 0 = one request without a limit, as geth's clients) */
  pageLimit?: number
  /** the network to ask on, when the server is a peer on several (default: the first it is on) */
  net?: Net
  /** after each page a server ended with a request-complete */
  onPage?: (p: HistoryPage) => void
}

export interface HistoryPage {
  /** 1, 2, ... */
  page: number
  /** new envelopes in this page */
  envelopes: number
  /** new envelopes so far */
  total: number
  /** the server has more: another page follows */
  more: boolean
}

export interface HistoryResult {
  /** 'failed': the server answered a page with an error (`error`) */
  status: 'complete' | 'no-answer' | 'failed'
  /** p2p messages received from the server while waiting, each hash once (not all need be for our filters) */
  envelopes: number
  shh: ShhVersion
  /** the network asked on */
  net: Net
  /** pages the server ended with a request-complete (0: it does not page) */
  pages: number
  error?: string
}

/** Resolves with the mail server's peer summary once it is connected (NodeError 'timeout' after timeoutMs). */
export function waitForMailServer(node: WhisperNode, mailserver: string, timeoutMs: number): Promise<PeerSummary> {
  const id = nodeIdOf(mailserver)
  const now = node.peers().find((p) => p.id === id)
  if (now) return Promise.resolve(now)
  return new Promise((resolve, reject) => {
    const onPeer = (p: PeerSummary) => {
      if (p.id !== id) return
      clearTimeout(timer)
      node.off('peer:added', onPeer)
      resolve(p)
    }
    const timer = setTimeout(() => {
      node.off('peer:added', onPeer)
      reject(new NodeError('timeout', `mail server ${id.slice(0, 16)} did not connect within ${Math.round(timeoutMs / 1000)} s`))
    }, timeoutMs)
    timer.unref()
    node.on('peer:added', onPeer)
  })
}

/** Asks for the history, page by page where the server pages, and waits for the answer to end (see the file comment). */
export async function fetchHistory(node: WhisperNode, o: HistoryOptions): Promise<HistoryResult> {
  const id = nodeIdOf(o.mailserver)
  const peer = node.peers().find((p) => p.id === id && (o.net === undefined || p.net === o.net))
  if (!peer) throw new NodeError('peer', `mail server ${id.slice(0, 16)} is not connected${o.net ? ` on ${o.net}` : ''}`)
  const { shh, net } = peer
  const pageLimit = o.pageLimit ?? MAX_PAGE_LIMIT
  if (!Number.isInteger(pageLimit) || pageLimit < 0 || pageLimit > MAX_PAGE_LIMIT) throw new NodeError('params', `page limit must be 0..${MAX_PAGE_LIMIT}, got ${pageLimit}`)
  const paged = net === 'waku' || (shh === 6 && pageLimit > 0)
  const symKey = symKeyFromPassword(o.password)
  const codec = requestCodec(net, o, paged ? pageLimit : null)
  const request = async (cursor: Uint8Array | null): Promise<Envelope> => {
    const payload = codec(cursor)
    return node.wrap({
      shh,
      topic: new Uint8Array(4), // wnode leaves the request's topic empty
      payload,
      symKey,
      src: o.signer ?? node.privateKey,
      ttl: 50,
      pow: o.pow ?? 0.2,
      workTime: o.workTime ?? 5,
    })
  }
  const timeoutMs = o.timeoutMs ?? 10_000
  const quietMs = o.quietMs ?? 2_000
  const first = await request(null)
  let requestId = envelopeHash(first)
  const seen = new Set<string>()
  let pages = 0
  let pageNew = 0
  // set once the server ended a page with a request-complete: from then on only that ends the answer
  let serverPages = false
  return new Promise<HistoryResult>((resolve, reject) => {
    let timer: NodeJS.Timeout
    let settled = false
    const cleanup = () => {
      settled = true
      clearTimeout(timer)
      node.off('p2pMessage', onMessage)
      node.off('mailComplete', onComplete)
      o.signal?.removeEventListener('abort', onAbort)
    }
    const done = (status: HistoryResult['status'], error?: string) => {
      if (settled) return
      cleanup()
      resolve({ status, envelopes: seen.size, shh, net, pages, ...(error !== undefined ? { error } : {}) })
    }
    const fail = (err: unknown) => {
      if (settled) return
      cleanup()
      reject(err)
    }
    const onAbort = () => fail(new NodeError('aborted', 'history request cancelled'))
    // no answer at all within timeoutMs; once the server pages, no end of this page within it
    const waitAnswer = () => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        if (serverPages) done('failed', `page ${pages + 1} did not end within ${Math.round(timeoutMs / 1000)} s`)
        else done(seen.size > 0 ? 'complete' : 'no-answer')
      }, timeoutMs)
    }
    const onMessage = (from: string, _env: Envelope, hash: Uint8Array) => {
      if (from !== id) return
      const key = toHex(hash)
      if (seen.has(key)) return
      seen.add(key)
      pageNew++
      if (serverPages) return waitAnswer()
      clearTimeout(timer)
      timer = setTimeout(() => done('complete'), quietMs)
    }
    const onComplete = (from: string, r: RequestComplete) => {
      if (from !== id || !equalBytes(r.requestId, requestId)) return
      serverPages = true
      if (!r.ok) return done('failed', r.error)
      pages++
      const more = r.cursor !== null
      o.onPage?.({ page: pages, envelopes: pageNew, total: seen.size, more })
      const progressed = pageNew > 0
      pageNew = 0
      if (!more) return done('complete')
      if (!progressed) return done('failed', `page ${pages} brought nothing new but the server says there is more (its cursor does not move on)`)
      const cursor = Uint8Array.from(r.cursor!)
      waitAnswer()
      request(cursor).then((next) => {
        if (settled) return
        requestId = envelopeHash(next)
        node.requestHistory(id, next, net)
      }).catch(fail)
    }
    node.on('p2pMessage', onMessage)
    if (paged) node.on('mailComplete', onComplete)
    o.signal?.addEventListener('abort', onAbort, { once: true })
    waitAnswer()
    try {
      node.requestHistory(id, first, net)
    } catch (err) {
      fail(err)
    }
  })
}

/**
 * A network's request plaintext for a page (`limit` null: not paged, geth's form). shh: wnode's bytes
 * (mailrequest.ts); Waku: status-go's MessagesRequestPayload, whose limit 0 the server reads as 1000.
 */
function requestCodec(net: Net, o: HistoryOptions, limit: number | null): (cursor: Uint8Array | null) => Uint8Array {
  if (net === 'waku') {
    const bloom = o.topic ? topicBloom(o.topic) : fullBloom()
    const topics = o.topic ? [o.topic] : []
    return (cursor) => encodeMessagesRequestPayload({ lower: o.lower, upper: o.upper, bloom, topics, limit: limit ?? 0, cursor: cursor ?? new Uint8Array(0), batch: true })
  }
  return (cursor) => encodeMailRequestPayload(formatOfNet(net), {
    lower: o.lower, upper: o.upper, topic: o.topic,
    ...(limit !== null ? { limit, ...(cursor ? { cursor } : {}) } : {}),
  })
}
