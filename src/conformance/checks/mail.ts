// The node as a geth mail server (only with --mail-password): a signed history request answers the
// archived envelopes of its range as p2p messages to the asking peer only, with geth's range rule per
// version, and a request it must refuse gets no answer and costs no connection.
import type { RawShhConnection } from '../../p2p/raw-shh-connection.js'
import { generatePrivateKey, randomBytes, symKeyFromPassword } from '../../whisper/crypto.js'
import { envelopePow, envelopeSent, type Envelope } from '../../whisper/envelope.js'
import { encodeMailRequestPayload } from '../../whisper/mailrequest.js'
import { decodeEnvelopePacket, decodeMessages, encodeEnvelopePacket } from '../../whisper/packets.js'
import { sealMessage } from '../../whisper/seal.js'
import { hashOf, type SuiteContext } from '../context.js'
import { fail, pass, SkipCheck, type Check, type Outcome } from '../types.js'
import { expectKept, nowSec, sleep } from './util.js'

/** geth's default minimum PoW of a request (wnode -mspow, mailserver.Init) */
const REQUEST_POW = 0.2
/** how long a refused (or complete) request is watched for answers */
const QUIET_MS = 1500

function password(ctx: SuiteContext): string {
  if (ctx.mailPassword === null) throw new SkipCheck('no --mail-password: cannot tell whether the node is a mail server')
  return ctx.mailPassword
}

/** The envelopes in a p2p message packet: one envelope as geth sends it, or (leniently) a list of them. */
function p2pEnvelopes(ctx: SuiteContext, payload: Uint8Array): Envelope[] {
  try {
    return [decodeEnvelopePacket(ctx.shh, payload)]
  } catch {
    try {
      return decodeMessages(ctx.shh, payload)
    } catch {
      return []
    }
  }
}

/** Hashes of the envelopes that arrived on `c` as p2p messages so far. */
function p2pHashes(ctx: SuiteContext, c: RawShhConnection): Set<string> {
  const got = new Set<string>()
  for (const p of c.received) if (p.code === ctx.codes.p2pMessage) for (const e of p2pEnvelopes(ctx, p.payload)) got.add(hashOf(e))
  return got
}

/** Sends envelopes dated `sent` (unix s) on a fresh connection, closed once the node forwarded each (it accepted them). */
export async function archived(ctx: SuiteContext, sents: number[], topic?: Uint8Array): Promise<Envelope[]> {
  const a = await ctx.session()
  const envs = sents.map((now) => ctx.seal({ now, ttl: 600 + (nowSec() - now), ...(topic ? { topic } : {}) }))
  const seen = Promise.all(envs.map((e) => ctx.waitEnvelope(ctx.observer, e)))
  ctx.sendEnvelopes(a, envs)
  const ok = await seen
  const missing = ok.filter((x) => !x).length
  if (missing > 0) throw new Error(`${missing} of ${envs.length} envelopes sent for the archive did not reach another peer within ${ctx.timeoutMs / 1000} s (not accepted)`)
  // done with: its slot is free again before the asking peer wants one (a node's slots may be few)
  a.close()
  await a.waitClosed(3000)
  return envs
}

/** A history request as wnode builds it: symmetric with the mail password's key, signed, PoW >= max(node minimum, geth's 0.2). */
function request(ctx: SuiteContext, o: { lower: number; upper: number; signer: Uint8Array | null; password: string }): Uint8Array {
  return encodeEnvelopePacket(sealRequest(ctx, encodeMailRequestPayload(ctx.shh, { lower: o.lower, upper: o.upper }), o.signer, o.password))
}

/** A request envelope carrying `payload`, sealed as wnode (and status-go's envelope form) seals it. */
export function sealRequest(ctx: SuiteContext, payload: Uint8Array, signer: Uint8Array | null, password: string): Envelope {
  const need = Math.max(ctx.node.minPow, REQUEST_POW)
  let target = need * 1.2
  for (let i = 0; i < 8; i++, target *= 1.5) {
    const env = sealMessage({
      shh: ctx.shh,
      topic: randomBytes(4),
      payload,
      symKey: symKeyFromPassword(password),
      src: signer ?? undefined,
      ttl: 50,
      pow: target,
      workTime: 30,
    })
    if (envelopePow(env) >= need) return env
  }
  throw new Error(`cannot seal a request reaching PoW ${need}`)
}

/** A connection whose node key we hold (shh/5 requests must be signed with it). */
async function asker(ctx: SuiteContext): Promise<{ c: RawShhConnection; key: Uint8Array }> {
  const key = generatePrivateKey()
  return { c: await ctx.session({}, key), key }
}

/** Waits until every hash in `want` arrived on `c` as a p2p message (or the timeout), then QUIET_MS more for strays. */
async function collect(ctx: SuiteContext, c: RawShhConnection, want: string[]): Promise<Set<string>> {
  const deadline = Date.now() + ctx.timeoutMs
  while (Date.now() < deadline && c.isOpen) {
    const got = p2pHashes(ctx, c)
    if (want.every((h) => got.has(h))) break
    await c.waitPacket((p) => p.code === ctx.codes.p2pMessage, Math.max(1, deadline - Date.now()), c.received.length)
  }
  await sleep(QUIET_MS)
  return p2pHashes(ctx, c)
}

/** Sends a request the node must refuse; passes when nothing is answered and the peer is kept. */
async function refused(ctx: SuiteContext, what: string, make: (key: Uint8Array, lower: number, upper: number) => Uint8Array): Promise<Outcome> {
  const t = nowSec() - 30
  const [env] = await archived(ctx, [t])
  const { c, key } = await asker(ctx)
  c.send(ctx.codes.p2pRequest, make(key, t - 5, t + 5))
  await sleep(QUIET_MS)
  const got = p2pHashes(ctx, c)
  if (got.size > 0) return fail(`${what}: answered with ${got.size} p2p message envelope(s)${got.has(hashOf(env)) ? ', the archived one among them' : ''}`)
  return expectKept(ctx, c, `${what}: no answer within ${QUIET_MS / 1000} s`)
}

export const mailChecks: Check[] = [
  {
    id: 'mail.answer',
    group: 'mail',
    rule: 'a signed request (key from the mail password, shh/5 signed with the peer\'s node key) is answered with the archived envelopes of its range as p2p messages (shh/5 code 2, shh/6 code 127), to the asking peer only',
    source: 'geth mailserver DeliverMail/validateRequest + SendP2PDirect (v1.6.6, v1.7.3 for shh/5, v1.9.7 for shh/6); wnode -mailserver',
    async run(ctx) {
      const pw = password(ctx)
      const t = nowSec() - 30
      const [env] = await archived(ctx, [t])
      const h = hashOf(env)
      const bystander = await ctx.session()
      const { c, key } = await asker(ctx)
      c.send(ctx.codes.p2pRequest, request(ctx, { lower: t - 5, upper: t + 5, signer: key, password: pw }))
      const got = await collect(ctx, c, [h])
      if (!got.has(h)) return fail(`no p2p message with our envelope dated ${nowSec() - t} s ago (the node accepted it) within ${ctx.timeoutMs / 1000} s of a request for [${t - 5}, ${t + 5}] (${got.size} other envelopes came${c.isOpen ? '' : '; the node closed the connection'}): not a mail server, or another password`)
      const leaked = [bystander, ctx.observer].filter((x) => p2pHashes(ctx, x).has(h)).length
      if (leaked > 0) return fail(`the answer also went as a p2p message to ${leaked} peer(s) that did not ask`)
      return pass(`answered with the archived envelope (${got.size} envelope(s) in the answer), to the asking peer only`)
    },
  },
  {
    id: 'mail.range',
    group: 'mail',
    rule: 'the answer covers sent times [lower, upper) for shh/5 and [lower, upper] for shh/6 (envelopes at lower-1, lower, upper, upper+1)',
    source: 'geth mailserver processRequest: upper key is `upper` (v1.6.6, v1.7.3, exclusive) or `upper+1` (v1.9.7, inclusive)',
    async run(ctx) {
      const pw = password(ctx)
      const lower = nowSec() - 60
      const upper = lower + 3
      const sents = [lower - 1, lower, upper, upper + 1]
      const envs = await archived(ctx, sents)
      const inRange = (s: number) => s >= lower && (ctx.shh === 5 ? s < upper : s <= upper)
      const want = envs.filter((e) => inRange(envelopeSent(e))).map(hashOf)
      const { c, key } = await asker(ctx)
      c.send(ctx.codes.p2pRequest, request(ctx, { lower, upper, signer: key, password: pw }))
      const got = await collect(ctx, c, want)
      const wrong = envs.filter((e) => got.has(hashOf(e)) !== inRange(envelopeSent(e)))
      const rel = (e: Envelope) => { const d = envelopeSent(e) - (envelopeSent(e) >= upper ? upper : lower); return `${envelopeSent(e) >= upper ? 'upper' : 'lower'}${d === 0 ? '' : d > 0 ? `+${d}` : d}` }
      if (wrong.length > 0) return fail(`request [${lower}, ${upper}]: ${wrong.map((e) => `${rel(e)} ${got.has(hashOf(e)) ? 'answered' : 'missing'}`).join(', ')} (expected ${ctx.shh === 5 ? 'lower..upper-1' : 'lower..upper'})`)
      return pass(`answered ${envs.filter((e) => got.has(hashOf(e))).map(rel).join(', ')}; not ${envs.filter((e) => !got.has(hashOf(e))).map(rel).join(', ')}`)
    },
  },
  {
    id: 'mail.unsigned',
    group: 'mail',
    rule: 'an unsigned request is refused quietly: no answer, the peer is kept',
    source: 'geth mailserver validateRequest: `wrong signature of p2p request`, logged, no disconnect (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      const pw = password(ctx)
      return refused(ctx, 'unsigned request', (_key, lower, upper) => request(ctx, { lower, upper, signer: null, password: pw }))
    },
  },
  {
    id: 'mail.wrong-password',
    group: 'mail',
    rule: 'a signed request encrypted with another password\'s key is refused quietly: no answer, the peer is kept',
    source: 'geth mailserver validateRequest: `failed to decrypt p2p request`, logged, no disconnect (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      const pw = password(ctx)
      return refused(ctx, 'request with another password', (key, lower, upper) => request(ctx, { lower, upper, signer: key, password: `${pw} but not` }))
    },
  },
  {
    id: 'mail.foreign-signer',
    group: 'mail',
    versions: [5],
    rule: 'shh/5: a request signed with a key other than the peer\'s node key is refused quietly (shh/6 accepts any signer)',
    source: 'geth mailserver validateRequest: src must equal the peer id (v1.6.6, v1.7.3); v1.9.7 dropped the rule',
    async run(ctx) {
      const pw = password(ctx)
      return refused(ctx, 'request signed with another key', (_key, lower, upper) => request(ctx, { lower, upper, signer: generatePrivateKey(), password: pw }))
    },
  },
]
