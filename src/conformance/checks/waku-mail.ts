// Waku mail (8/WAKU-MAIL; status-go v0.78.0 waku/mailserver.go + mailserver/mailserver.go), only with
// --mail-password as the shh mail group: envelopes archived through the node come back paged, the
// cursor of each request-complete leading to the next page, and a malformed cursor is refused.
import type { RawShhConnection } from '../../p2p/raw-shh-connection.js'
import { WAKU_CODES } from '../../waku/codes.js'
import { encodeMessagesRequestPayload } from '../../waku/messages-request.js'
import { decodeRequestComplete, type RequestComplete } from '../../waku/request-complete.js'
import { topicBloom } from '../../whisper/bloom.js'
import { equalBytes, toHex } from '../../whisper/bytes.js'
import { generatePrivateKey, randomBytes } from '../../whisper/crypto.js'
import { envelopeHash, type Envelope } from '../../whisper/envelope.js'
import { decodeEnvelopePacket, decodeMessages, encodeEnvelopePacket } from '../../whisper/packets.js'
import { hashOf, type SuiteContext } from '../context.js'
import { fail, pass, SkipCheck, type Check, type Outcome } from '../types.js'
import { WakuContext } from '../waku-context.js'
import { archived, sealRequest } from './mail.js'
import { expectKept, nowSec, sleep } from './util.js'

/** envelopes archived, and the page size asked for: three pages (2, 2, 1) */
const COUNT = 5
const LIMIT = 2
/** a cursor of a size no server hands out (status-go's are 36 bytes, its DB keys 40) */
const BAD_CURSOR_LENGTH = 7

type Answer = { done: RequestComplete; page: Envelope[] } | { missing: string }

/** The envelopes of a p2p message packet: one, or a bundle (status-go sends batched answers as a list). */
function p2pEnvelopes(payload: Uint8Array): Envelope[] {
  try {
    return [decodeEnvelopePacket(6, payload)]
  } catch {
    try {
      return decodeMessages(6, payload)
    } catch {
      return []
    }
  }
}

/** Sends one envelope-form request and reads its answer: the p2p messages before its request-complete. */
async function ask(ctx: SuiteContext, c: RawShhConnection, password: string, o: { lower: number; upper: number; topic: Uint8Array; cursor: Uint8Array }): Promise<Answer> {
  const payload = encodeMessagesRequestPayload({ lower: o.lower, upper: o.upper, bloom: topicBloom(o.topic), topics: [o.topic], limit: LIMIT, cursor: o.cursor, batch: true })
  const env = sealRequest(ctx, payload, generatePrivateKey(), password)
  const id = envelopeHash(env)
  const from = c.received.length
  c.send(WAKU_CODES.p2pRequest, encodeEnvelopePacket(env))
  const mine = (p: Uint8Array): RequestComplete | null => {
    try {
      const rc = decodeRequestComplete(p)
      return equalBytes(rc.requestId, id) ? rc : null
    } catch {
      return null
    }
  }
  const pk = await c.waitPacket((p) => p.code === WAKU_CODES.p2pRequestComplete && mine(p.payload) !== null, ctx.timeoutMs, from)
  if (!pk) return { missing: `no request-complete for request ${toHex(id).slice(0, 16)}… within ${ctx.timeoutMs / 1000} s${c.isOpen ? '' : ' (the node closed the connection)'}` }
  const page = c.received.slice(from, c.received.indexOf(pk)).filter((p) => p.code === WAKU_CODES.p2pMessage).flatMap((p) => p2pEnvelopes(p.payload))
  return { done: mine(pk.payload)!, page }
}

/**
 * ask(), resent while the answer is status-go's "rate limit exceeded" (an operator's MailServerRateLimit
 * allows one request per peer per so many seconds): pacing is the client's part, not what is checked.
 */
async function askPaced(ctx: SuiteContext, c: RawShhConnection, password: string, o: Parameters<typeof ask>[3]): Promise<Answer> {
  const deadline = Date.now() + ctx.timeoutMs
  for (;;) {
    const a = await ask(ctx, c, password, o)
    if ('missing' in a || a.done.ok || !/rate limit/i.test(a.done.error) || Date.now() >= deadline) return a
    await sleep(1000)
  }
}

export const wakuMailChecks: Check[] = [
  {
    id: 'waku.mail-paging',
    group: 'waku',
    rule: `with --mail-password: ${COUNT} envelopes archived through the node, asked for with limit ${LIMIT} (envelope form, signed, key from the password) and the cursor of each request-complete copied into the next request, come back each once, in archive order (sent time), the last page's cursor empty; a ${BAD_CURSOR_LENGTH}-byte cursor is answered with an ERROR= request-complete and the peer is kept`,
    source: "8/WAKU-MAIL; status-go v0.78.0 waku/mailserver.go DeliverMail, mailserver/mailserver.go processRequestInBundles (limit, next cursor = the last DB key's first 36 bytes, none after the last envelope) and sendHistoricMessageErrorResponse; status-go itself fails the bad-cursor part: its iterator ignores a cursor of another size and answers page 1 again",
    async run(ctx) {
      if (!(ctx instanceof WakuContext)) throw new SkipCheck('not a waku session')
      if (ctx.mailPassword === null) throw new SkipCheck('no --mail-password: cannot tell whether the node serves Waku mail')
      if (ctx.node.status.lightNode) throw new SkipCheck('the node announces light mode (it does not forward, so we cannot see our envelopes archived)')
      const password = ctx.mailPassword
      const topic = randomBytes(4)
      // well before the other checks' envelopes (dated now, or at most a minute ago), so the range is ours
      const lower = nowSec() - 300
      const envs = await archived(ctx, Array.from({ length: COUNT }, (_, i) => lower + i), topic)
      const want = envs.map(hashOf)
      const c = await ctx.session()
      const got: string[] = []
      const pages: number[] = []
      let cursor: Uint8Array = new Uint8Array(0)
      for (;;) {
        if (pages.length > COUNT) return fail(`still a cursor after ${pages.length} pages of limit ${LIMIT} for ${COUNT} envelopes (pages ${pages.join(', ')})`)
        const a = await askPaced(ctx, c, password, { lower: lower - 1, upper: lower + COUNT, topic, cursor })
        if ('missing' in a) {
          if (pages.length === 0 && c.isOpen && !c.received.some((p) => p.code === WAKU_CODES.p2pMessage)) throw new SkipCheck(`${a.missing}: the node serves no Waku mail, or under another password`)
          return fail(`page ${pages.length + 1}: ${a.missing}`)
        }
        if (!a.done.ok) return fail(`page ${pages.length + 1}: the request failed: ${a.done.error}`)
        if (a.page.length > LIMIT) return fail(`page ${pages.length + 1}: ${a.page.length} envelopes for limit ${LIMIT}`)
        pages.push(a.page.length)
        got.push(...a.page.map(hashOf).filter((h) => want.includes(h)))
        if (a.done.cursor === null) break
        cursor = a.done.cursor
      }
      const twice = want.filter((h) => got.indexOf(h) !== got.lastIndexOf(h))
      if (twice.length > 0) return fail(`${twice.length} envelope(s) answered on two pages (pages ${pages.join(', ')})`)
      const missing = want.filter((h) => !got.includes(h))
      if (missing.length > 0) return fail(`cursor empty after ${pages.length} page(s) (${pages.join(', ')}) with ${COUNT - missing.length} of our ${COUNT} envelopes`)
      if (got.join() !== want.join()) return fail(`all ${COUNT} envelopes came, not in archive order: sent times ${got.map((h) => envs.findIndex((e) => hashOf(e) === h)).map((i) => `+${i}`).join(', ')}`)
      // a fresh peer: a server limiting requests per peer would refuse a fourth one in a row for that alone
      const c2 = await ctx.session()
      const bad = await ask(ctx, c2, password, { lower: lower - 1, upper: lower + COUNT, topic, cursor: randomBytes(BAD_CURSOR_LENGTH) })
      const paged = `${COUNT} envelopes in order on pages of ${pages.join(', ')}, the last cursor empty`
      if ('missing' in bad) return fail(`${paged}; a ${BAD_CURSOR_LENGTH}-byte cursor: ${bad.missing}`)
      if (bad.done.ok) return fail(`${paged}; a ${BAD_CURSOR_LENGTH}-byte cursor was answered as a page of ${bad.page.length} envelope(s), not an error`)
      const kept: Outcome = await expectKept(ctx, c2, `${paged}; a ${BAD_CURSOR_LENGTH}-byte cursor: ERROR= "${bad.done.error}"`)
      return kept
    },
  },
]
