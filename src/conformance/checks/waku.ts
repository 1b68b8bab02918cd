// Waku v1 (6/WAKU1; status-go v0.78.0 waku/v0, waku/v1): the keyed status options, status updates,
// light nodes, topic interest, rate limits and confirmations, run on each waku version the node offers.
import { closeText, type RawShhConnection } from '../../p2p/raw-shh-connection.js'
import { WAKU_CODES } from '../../waku/codes.js'
import { batchHash, decodeBatchAcknowledged, decodeMessageResponse } from '../../waku/confirmations.js'
import { encodeStatusUpdate } from '../../waku/status.js'
import { toHex, utf8 } from '../../whisper/bytes.js'
import { randomBytes } from '../../whisper/crypto.js'
import { encodeEnvelopeList, float64ToBits } from '../../whisper/envelope-packets.js'
import type { Envelope } from '../../whisper/envelope.js'
import { fail, pass, skip, SkipCheck, type Check, type Outcome } from '../types.js'
import type { SuiteContext } from '../context.js'
import { WakuContext } from '../waku-context.js'
import { envelopesOf, hashOf } from '../context.js'
import { expectDropped, expectKept, hexStart, rlp } from './util.js'

function wk(ctx: SuiteContext): WakuContext {
  if (!(ctx instanceof WakuContext)) throw new SkipCheck('not a waku session')
  return ctx
}

/** Everything `c` received up to and including the messages packet carrying `env` (null: it never came). */
async function receivedUntil(ctx: WakuContext, c: RawShhConnection, env: Envelope): Promise<Envelope[] | null> {
  const h = hashOf(env)
  const p = await c.waitPacket((pk) => pk.code === WAKU_CODES.messages && envelopesOf(6, pk).some((e) => hashOf(e) === h), ctx.timeoutMs)
  if (!p) return null
  return c.received.slice(0, c.received.indexOf(p) + 1).filter((pk) => pk.code === WAKU_CODES.messages).flatMap((pk) => envelopesOf(6, pk))
}

/**
 * The node forwards to `sub` only the topic it asked for: `unwanted` is sent first and must reach the
 * observer (so it was pooled and could have been forwarded); then `wanted` is sent and must reach
 * `sub` without `unwanted` before or beside it. status-go broadcasts everything pooled on each tick in
 * one bundle, so an envelope pooled earlier would come in the same packet or an earlier one.
 */
async function onlyWanted(ctx: WakuContext, sub: RawShhConnection, wanted: Uint8Array, unwantedTopic: Uint8Array, what: string): Promise<Outcome> {
  const sender = await ctx.session()
  const unwanted = ctx.seal({ topic: unwantedTopic })
  const pooled = ctx.waitEnvelope(ctx.observer, unwanted)
  ctx.sendEnvelopes(sender, [unwanted])
  if (!(await pooled)) return fail(`${what}: an envelope of topic ${toHex(unwantedTopic)} did not reach the observer within ${ctx.timeoutMs / 1000} s`)
  const want = ctx.seal({ topic: wanted })
  const got = receivedUntil(ctx, sub, want)
  ctx.sendEnvelopes(sender, [want])
  const seen = await got
  if (seen === null) return fail(`${what}: the envelope of topic ${toHex(wanted)} did not reach us within ${ctx.timeoutMs / 1000} s (${closeText(await sub.waitClosed(0))})`)
  if (seen.some((e) => hashOf(e) === hashOf(unwanted))) return fail(`${what}: the node also sent us topic ${toHex(unwantedTopic)}, which we did not ask for`)
  return pass(`${what}: topic ${toHex(wanted)} forwarded, ${toHex(unwantedTopic)} (pooled first) not`)
}

const rlpKey = (ctx: WakuContext, k: number): Uint8Array | number => (ctx.waku === 0 ? utf8(String(k)) : k)

export const wakuChecks: Check[] = [
  {
    id: 'waku.status-options',
    group: 'waku',
    rule: "the node's status decodes with the negotiated version's codec: waku/0 [0, options] with string keys, waku/1 bare options with uint keys",
    source: '6/WAKU1 Status; status-go v0.78.0 v0/peer.go:402 SendItems(Version, opts) with v0/status_options.go string keys, v1/peer.go handshake with v1/status_options.go uint keys',
    async run(ctx) {
      const w = wk(ctx)
      if (w.node.statusError) return fail(`${w.node.statusError}: ${hexStart(w.node.statusPayload)}`)
      const o = w.wakuStatus
      const parts = [
        o.powRequirement !== undefined ? `PoW ${o.powRequirement}` : null,
        o.bloomFilter ? `bloom ${o.bloomFilter.every((b) => b === 0xff) ? 'full' : o.bloomFilter.length === 0 ? 'empty' : 'partial'}` : null,
        o.topicInterest ? `${o.topicInterest.length} topics of interest` : null,
        o.lightNode !== undefined ? `light ${o.lightNode}` : null,
        o.confirmations !== undefined ? `confirmations ${o.confirmations}` : null,
        o.packetRateLimits ? `packet limits ${o.packetRateLimits.ip}/${o.packetRateLimits.peerId}/${o.packetRateLimits.topic}` : null,
        o.bytesRateLimits ? `byte limits ${o.bytesRateLimits.ip}/${o.bytesRateLimits.peerId}/${o.bytesRateLimits.topic}` : null,
      ].filter((x) => x !== null)
      return pass(parts.join(', ') || 'no options (all defaults)')
    },
  },
  {
    id: 'waku.unknown-option',
    group: 'waku',
    rule: 'an unknown option key in the middle of our status is skipped as a whole [key, value] pair: the node keeps us and honours the options after it (our topic interest)',
    source: '6/WAKU1 Status (unknown keys are ignored); status-go v0.78.0 fails it: v1/status_options.go:198-202 skips only the value and loses every later option (no ListEnd), and over waku/0 the handshake then fails and drops us',
    async run(ctx) {
      const w = wk(ctx)
      w.requireForwarding()
      const mine = randomBytes(4)
      const opts = [[rlpKey(w, 0), float64ToBits(0)], [rlpKey(w, 99), 1], [rlpKey(w, 5), [mine]]]
      const sub = await w.connect({ status: rlp(w.waku === 0 ? [0, opts] : opts) })
      if (!(await sub.waitPacket((p) => p.code === WAKU_CODES.status, w.timeoutMs))) return fail(`no status from the node (${closeText(await sub.waitClosed(0))})`)
      return onlyWanted(w, sub, mine, randomBytes(4), 'options [PoW, key 99, topic interest]')
    },
  },
  {
    id: 'waku.topic-interest',
    group: 'waku',
    rule: 'a peer that announced a topic interest is sent envelopes of those topics only',
    source: '6/WAKU1 topic-interest; status-go v0.78.0 v1/peer.go:526 broadcast (topicOrBloomMatch), :585 setTopicInterest',
    async run(ctx) {
      const w = wk(ctx)
      w.requireForwarding()
      const mine = randomBytes(4)
      const sub = await w.wakuSession(w.wakuOptions({ topicInterest: [mine] }))
      return onlyWanted(w, sub, mine, randomBytes(4), 'topic interest [1 topic]')
    },
  },
  {
    id: 'waku.status-update',
    group: 'waku',
    wakuVersions: [1],
    rule: 'a status update (code 22) replaces what the node forwards to us: after moving our topic interest from A to B, B is forwarded and A no more',
    source: '6/WAKU1 status-update; status-go v0.78.0 v1/peer.go:221 statusUpdateCode -> :338 handleStatusUpdateCode -> setOptions',
    async run(ctx) {
      const w = wk(ctx)
      w.requireForwarding()
      const a = randomBytes(4)
      const b = randomBytes(4)
      const sub = await w.wakuSession(w.wakuOptions({ topicInterest: [a] }))
      sub.send(WAKU_CODES.statusUpdate, encodeStatusUpdate(1, { topicInterest: [b] }))
      // the node reads our packets in order: once an envelope sent after the update is forwarded, the update is in force
      const marker = w.seal()
      const applied = w.waitEnvelope(w.observer, marker)
      w.sendEnvelopes(sub, [marker])
      if (!(await applied)) return fail(`an envelope sent after the update was not forwarded within ${w.timeoutMs / 1000} s (${closeText(await sub.waitClosed(0))})`)
      return onlyWanted(w, sub, b, a, 'interest moved from A to B')
    },
  },
  {
    id: 'waku.light-node',
    group: 'waku',
    rule: 'a light node refuses a light peer (two light nodes do not connect); a full node keeps one',
    source: '6/WAKU1 light-node; status-go v0.78.0 v1/peer.go:487 setOptions "is useless: two light client communication restricted" (LightClientModeConnectionRestricted)',
    async run(ctx) {
      const w = wk(ctx)
      const c = await w.connect({ status: w.ourStatus({ lightNode: true }) })
      if (w.node.status.lightNode) return expectDropped(w, c, 'the node is light, so are we')
      // its envelopes are judged once the handshake is through on its side: wait for its status first
      if (!(await c.waitPacket((p) => p.code === WAKU_CODES.status, w.timeoutMs))) return fail(`a light peer of a full node: no status (${closeText(await c.waitClosed(0))})`)
      return expectKept(w, c, 'a light peer of a full node')
    },
  },
  {
    id: 'waku.rate-limit',
    group: 'waku',
    rule: 'a peer sending far more packets per second than the limit the node announced is dropped',
    source: '6/WAKU1 rate limits; status-go v0.78.0 common/rate_limiter.go Decorate: throttlePeer, then DropPeerRateLimiterHandler past its tolerance',
    async run(ctx) {
      const w = wk(ctx)
      const perPeer = w.wakuStatus.packetRateLimits?.peerId ?? 0
      if (perPeer <= 0) return skip('the node announces no per-peer packet rate limit')
      const c = await w.session()
      // empty messages packets: valid, cheap, and each one counts against the packet limit
      const n = Math.min(perPeer * 20 + 100, 5000)
      const empty = encodeEnvelopeList([])
      for (let i = 0; i < n && c.isOpen; i++) c.send(WAKU_CODES.messages, empty)
      return expectDropped(w, c, `${n} packets at once (limit ${perPeer}/s per peer)`)
    },
  },
  {
    id: 'waku.confirmations',
    group: 'waku',
    rule: 'a node with confirmations on answers a messages batch with a message response (code 12), then a batch acknowledgement (code 11), both naming keccak256 of the batch as sent',
    source: '6/WAKU1 confirmations; status-go v0.78.0 v1/peer.go:267 go sendConfirmation, :385 batchHash = Keccak256(data), messageResponseCode then batchAcknowledgedCode',
    async run(ctx) {
      const w = wk(ctx)
      if (!w.wakuStatus.confirmations) return skip('the node does not announce confirmations')
      const c = await w.session()
      const payload = encodeEnvelopeList([w.seal()])
      const want = toHex(batchHash(payload))
      const from = c.received.length
      c.send(WAKU_CODES.messages, payload)
      const ack = await c.waitPacket((p) => p.code === WAKU_CODES.batchAcknowledged, w.timeoutMs, from)
      if (!ack) return fail(`no batch acknowledgement within ${w.timeoutMs / 1000} s (${closeText(await c.waitClosed(0))})`)
      const resp = c.received.slice(from, c.received.indexOf(ack)).find((p) => p.code === WAKU_CODES.messageResponse)
      if (!resp) return fail('a batch acknowledgement came without a message response before it')
      let ackHash: string
      let respHash: string | undefined
      try {
        ackHash = toHex(decodeBatchAcknowledged(ack.payload))
        const r = decodeMessageResponse(resp.payload)
        respHash = r.response ? toHex(r.response.batchHash) : undefined
      } catch (e) {
        return fail(`confirmation does not decode: ${(e as Error).message}`)
      }
      if (respHash !== want) return fail(`message response names ${respHash ?? 'nothing'}, expected ${want}`)
      if (ackHash !== want) return fail(`batch acknowledgement names ${ackHash}, expected ${want}`)
      return pass(`message response then batch acknowledgement, both ${want.slice(0, 16)}…`)
    },
  },
]
