// Envelope validation: each rule of geth's Whisper.add, and which failures disconnect (an error from
// add) and which drop the envelope quietly, per version. Every check that expects a drop has its own
// connection.
import { bloomMatch, isFullBloom, topicBloom } from '../../whisper/bloom.js'
import { randomBytes } from '../../whisper/crypto.js'
import { envelopeFields, envelopeHash, envelopePow, type Envelope } from '../../whisper/envelope.js'
import { toHex } from '../../whisper/bytes.js'
import { buildEnvelope } from '../../whisper/seal.js'
import type { RawShhConnection } from '../../p2p/raw-shh-connection.js'
import type { RlpInput } from '../../whisper/rlp.js'
import type { SuiteContext } from '../context.js'
import { envelopesOf } from '../context.js'
import { fail, pass, skip, SkipCheck, type Check, type Outcome } from '../types.js'
import { expectDropped, expectKept, nowSec, rlp, sleep } from './util.js'

function unsealed(ctx: SuiteContext, o: { now?: number; ttl?: number; topic?: Uint8Array } = {}): Envelope {
  return buildEnvelope({ shh: ctx.shh, topic: o.topic ?? randomBytes(4), payload: randomBytes(16), symKey: randomBytes(32), ttl: o.ttl ?? 30, pow: 0, workTime: 0, now: o.now })
}

type Fields = RlpInput[]

/** Sends envelope fields we built by hand as a messages packet (v6: inside the packet's list). */
function sendFields(ctx: SuiteContext, c: RawShhConnection, fields: Fields): boolean {
  return c.send(ctx.codes.messages, ctx.shh === 5 ? rlp(fields) : rlp([fields]))
}

/** The envelope is accepted but must not be pooled: the peer stays, the observer never sees it. */
async function quietDrop(ctx: SuiteContext, env: Envelope, what: string): Promise<Outcome> {
  ctx.requireForwarding()
  const c = await ctx.session()
  ctx.sendEnvelopes(c, [env])
  const kept = await expectKept(ctx, c, what)
  if (kept.status !== 'pass') return kept
  await sleep(700)
  const hash = toHex(envelopeHash(env))
  const leaked = ctx.observer.received.some((p) => p.code === ctx.codes.messages && envelopesOf(ctx.shh, p).some((e) => toHex(envelopeHash(e)) === hash))
  return leaked ? fail(`${what}: kept the peer but forwarded the envelope (it must be dropped)`) : pass(`${what}: peer kept, envelope not forwarded`)
}

async function dropsPeer(ctx: SuiteContext, env: Envelope | Fields, what: string): Promise<Outcome> {
  const c = await ctx.session()
  if (Array.isArray(env)) sendFields(ctx, c, env)
  else ctx.sendEnvelopes(c, [env])
  return expectDropped(ctx, c, what)
}

/** Sealed to 40% of the node minimum: just under it, so a node enforcing a lower PoW than it announces is caught. */
function lowPowEnvelope(ctx: SuiteContext): Envelope {
  if (ctx.node.minPow <= 0) throw new SkipCheck('the node requires no PoW (min PoW 0)')
  for (let i = 0; i < 20; i++) {
    const env = ctx.seal({ pow: ctx.node.minPow * 0.4 })
    if (envelopePow(env) < ctx.node.minPow) return env
  }
  for (let i = 0; i < 50; i++) {
    const env = unsealed(ctx)
    if (envelopePow(env) < ctx.node.minPow) return env
  }
  throw new Error('could not make an envelope below the minimum PoW')
}

export const envelopeChecks: Check[] = [
  {
    id: 'envelope.valid',
    group: 'envelope',
    quick: true,
    rule: 'a valid envelope (PoW >= the node minimum, TTL 30 s) is accepted: the peer is kept',
    source: 'EIP-627; geth Whisper.add (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      const c = await ctx.session()
      const env = ctx.seal()
      ctx.sendEnvelopes(c, [env])
      return expectKept(ctx, c, `envelope with PoW ${envelopePow(env).toFixed(3)} (node minimum ${ctx.node.minPow}, from ${ctx.node.minPowSource})`)
    },
  },
  {
    id: 'envelope.future-5s',
    group: 'envelope',
    rule: 'an envelope sent 5 s in the future (within the 10 s sync allowance) is accepted and forwarded, its PoW recomputed for the skew',
    source: 'geth Whisper.add: SynchAllowance/DefaultSyncAllowance 10 s, calculatePoW(sent-now+1) (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      ctx.requireForwarding()
      const c = await ctx.session()
      const ttl = 30
      const env = ctx.seal({ now: nowSec() + 5, ttl, pow: (ctx.node.minPow * (ttl + 7)) / ttl })
      const seen = ctx.waitEnvelope(ctx.observer, env)
      ctx.sendEnvelopes(c, [env])
      if (await seen) return pass('forwarded')
      const close = await c.waitClosed(0)
      return fail(close ? 'the node dropped the peer for it' : `not forwarded within ${ctx.timeoutMs / 1000} s`)
    },
  },
  {
    id: 'envelope.future',
    group: 'envelope',
    quick: true,
    rule: 'an envelope sent more than 10 s in the future (1 h) is an error: the peer is dropped',
    source: 'geth Whisper.add "envelope created in the future" (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      return dropsPeer(ctx, unsealed(ctx, { now: nowSec() + 3600 }), 'envelope dated 1 h ahead')
    },
  },
  {
    id: 'envelope.expired-recent',
    group: 'envelope',
    rule: 'an envelope expired less than 20 s ago is dropped quietly: peer kept, envelope not forwarded',
    source: 'geth Whisper.add "expired envelope dropped", return false, nil (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      const ttl = 10
      return quietDrop(ctx, ctx.seal({ ttl, now: nowSec() - ttl - 5 }), 'envelope expired 5 s ago')
    },
  },
  {
    id: 'envelope.too-old',
    group: 'envelope',
    rule: 'an envelope expired more than 20 s ago is an error: the peer is dropped',
    source: 'geth Whisper.add "very old message" (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      return dropsPeer(ctx, unsealed(ctx, { ttl: 10, now: nowSec() - 10 - 60 }), 'envelope expired 60 s ago')
    },
  },
  {
    id: 'envelope.low-pow',
    group: 'envelope',
    rule: 'an envelope below the node minimum PoW: shh/5 drops it quietly (peer kept, not forwarded); shh/6 treats it as an error and drops the peer',
    source: 'geth Whisper.add: v1.6.6/v1.7.3 "envelope with low PoW dropped" (nil error); v1.9.7 "envelope with low PoW received" (error)',
    async run(ctx) {
      const env = lowPowEnvelope(ctx)
      const what = `envelope with PoW ${envelopePow(env).toExponential(2)} < ${ctx.node.minPow}`
      return ctx.shh === 5 ? quietDrop(ctx, env, what) : dropsPeer(ctx, env, what)
    },
  },
  {
    id: 'envelope.v5-aes-nonce',
    group: 'envelope',
    versions: [5],
    rule: 'a shh/5 envelope whose AES nonce is neither 12 bytes nor empty is an error: the peer is dropped',
    source: 'geth whisperv5 Whisper.add "wrong size of AESNonce" (v1.6.6, v1.7.3)',
    async run(ctx) {
      const e = unsealed(ctx)
      return dropsPeer(ctx, [new Uint8Array(1), e.expiry, e.ttl, e.topic, randomBytes(5), e.data, 0], 'envelope with a 5-byte AES nonce')
    },
  },
  {
    id: 'envelope.v5-version-size',
    group: 'envelope',
    versions: [5],
    rule: 'a shh/5 envelope whose version field is longer than 4 bytes is an error: the peer is dropped',
    source: 'geth whisperv5 Whisper.add "oversized version" (v1.6.6, v1.7.3)',
    async run(ctx) {
      const e = unsealed(ctx)
      return dropsPeer(ctx, [new Uint8Array(5), e.expiry, e.ttl, e.topic, e.aesNonce, e.data, 0], 'envelope with a 5-byte version')
    },
  },
  {
    id: 'envelope.topic-size',
    group: 'envelope',
    rule: 'an envelope whose topic is not 4 bytes does not decode: the peer is dropped',
    source: 'geth rlp decoding into TopicType [4]byte: "invalid envelope(s)" (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      const e = unsealed(ctx)
      const f = envelopeFields(e)
      const i = ctx.shh === 5 ? 3 : 2
      const fields: (Uint8Array | number)[] = [...f]
      fields[i] = new Uint8Array(3)
      return dropsPeer(ctx, fields, 'envelope with a 3-byte topic')
    },
  },
  {
    id: 'envelope.nonce-size',
    group: 'envelope',
    rule: 'an envelope whose nonce does not fit 64 bits does not decode: the peer is dropped',
    source: 'geth rlp decoding into uint64 (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      const f: Uint8Array[] = [...envelopeFields(unsealed(ctx))]
      f[f.length - 1] = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9])
      return dropsPeer(ctx, f, 'envelope with a 9-byte nonce')
    },
  },
  {
    id: 'envelope.field-count',
    group: 'envelope',
    rule: 'an envelope with a field missing does not decode: the peer is dropped',
    source: 'geth rlp decoding into Envelope (too few list elements) (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      const f = envelopeFields(unsealed(ctx)).slice(0, -1)
      return dropsPeer(ctx, f, 'envelope without its nonce')
    },
  },
  {
    id: 'envelope.malformed',
    group: 'envelope',
    rule: 'a messages packet that is not RLP of envelopes is an error: the peer is dropped',
    source: 'geth runMessageLoop "failed to decode envelope(s), peer will be disconnected" (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      const c = await ctx.session()
      c.send(ctx.codes.messages, Uint8Array.from([0xc3, 0x01, 0x02]))
      return expectDropped(ctx, c, 'messages packet c30102')
    },
  },
  {
    id: 'envelope.bloom-mismatch',
    group: 'envelope',
    versions: [6],
    rule: "a shh/6 envelope whose topic is outside the node's announced bloom is an error: the peer is dropped",
    source: 'geth whisperv6 Whisper.add "envelope does not match bloom filter" (v1.9.7; shh/5 has no bloom)',
    async run(ctx) {
      const bloom = ctx.node.status.bloom ?? null
      if (bloom === null || isFullBloom(bloom)) return skip('the node announces a full bloom (it accepts every topic)')
      let topic = randomBytes(4)
      for (let i = 0; i < 1000 && bloomMatch(bloom, topicBloom(topic)); i++) topic = randomBytes(4)
      if (bloomMatch(bloom, topicBloom(topic))) return skip('no topic outside the node bloom found')
      return dropsPeer(ctx, ctx.seal({ topic }), 'envelope outside the node bloom')
    },
  },
  {
    id: 'envelope.duplicate',
    group: 'envelope',
    rule: 'the same envelope sent twice is pooled once: the peer is kept, the observer gets it once',
    source: 'geth Whisper.add alreadyCached (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      ctx.requireForwarding()
      const c = await ctx.session()
      const env = ctx.seal()
      ctx.sendEnvelopes(c, [env])
      ctx.sendEnvelopes(c, [env])
      const kept = await expectKept(ctx, c, 'envelope sent twice')
      if (kept.status !== 'pass') return kept
      await sleep(700)
      const hash = toHex(envelopeHash(env))
      const n = ctx.observer.received.filter((p) => p.code === ctx.codes.messages).reduce((k, p) => k + envelopesOf(ctx.shh, p).filter((e) => toHex(envelopeHash(e)) === hash).length, 0)
      return n === 1 ? pass('peer kept, forwarded once') : fail(`forwarded ${n} times to the observer`)
    },
  },
  {
    id: 'envelope.batch-continues',
    group: 'envelope',
    versions: [6],
    rule: 'in a shh/6 packet [bad, good], the good envelope is still pooled (and forwarded) before the peer is dropped',
    source: 'geth whisperv6 runMessageLoop: adds every envelope, then returns "invalid envelope" if any failed (v1.9.7)',
    async run(ctx) {
      ctx.requireForwarding()
      const c = await ctx.session()
      const bad = unsealed(ctx, { now: nowSec() + 3600 })
      const good = ctx.seal()
      const seen = ctx.waitEnvelope(ctx.observer, good)
      ctx.sendEnvelopes(c, [bad, good])
      const dropped = await expectDropped(ctx, c, 'packet [future, valid]')
      if (dropped.status !== 'pass') return dropped
      return (await seen) ? pass(`${dropped.detail}, and the valid one was forwarded`) : fail(`${dropped.detail}, but the valid one was not forwarded`)
    },
  },
]
