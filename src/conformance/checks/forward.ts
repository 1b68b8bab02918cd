// Forwarding: valid envelopes reach other peers, unchanged and in the version's packet format, never
// back to their sender; shh/6 honours each peer's PoW requirement and bloom; expired ones stop.
// Each check holds as few connections as it can (a node's peer slots may be few): the observer
// sends where nothing has to be seen arriving elsewhere, and a connection is closed once done with.
import { bloomMatch, topicBloom } from '../../whisper/bloom.js'
import { randomBytes } from '../../whisper/crypto.js'
import { envelopePow, type Envelope } from '../../whisper/envelope.js'
import { encodeBloomFilterEx, encodePowRequirement } from '../../whisper/packets.js'
import { rlpDecodeFirst } from '../../whisper/rlp.js'
import type { SuiteContext } from '../context.js'
import type { RawShhConnection } from '../../p2p/raw-shh-connection.js'
import { fail, pass, type Check, type Outcome } from '../types.js'
import { expectKept, hexStart, sleep } from './util.js'

/**
 * The observer sends `control` (which `b` asks for) and `withheld` (which it does not) in one packet:
 * `b` must get the control and not the other (within 1 s after the control: the node broadcasts
 * every 300 ms, and a broadcast that carried one had the other in the pool too).
 */
async function withheldFrom(ctx: SuiteContext, b: RawShhConnection, what: string, pair: { control: Envelope; withheld: Envelope; controlText: string }): Promise<Outcome> {
  const { control, withheld, controlText } = pair
  const atB = ctx.waitEnvelope(b, withheld, ctx.timeoutMs)
  const controlAtB = ctx.waitEnvelope(b, control)
  ctx.sendEnvelopes(ctx.observer, [control, withheld])
  if (!(await controlAtB)) return fail(`${what}: the control envelope (${controlText}) did not reach that peer within ${ctx.timeoutMs / 1000} s`)
  const leaked = await Promise.race([atB, sleep(1000).then(() => false)])
  return leaked ? fail(`${what}: the node sent it anyway (PoW ${envelopePow(withheld).toFixed(3)})`) : pass(`${what}: not sent to that peer, the control envelope (${controlText}) was`)
}

/** An envelope at the node's minimum PoW, a requirement above it, and a control envelope above that. */
function powPair(ctx: SuiteContext): { withheld: Envelope; requirement: number; control: Envelope; controlText: string } {
  const withheld = ctx.seal()
  const requirement = Number((envelopePow(withheld) * 1.5).toPrecision(3))
  const control = ctx.seal({ pow: requirement * 1.01 })
  return { withheld, requirement, control, controlText: `PoW ${envelopePow(control).toPrecision(3)}` }
}

/** An envelope on a topic of `bloomOf` (the control) and one on a topic outside it. */
function bloomPair(ctx: SuiteContext, bloomOf: Uint8Array): { control: Envelope; withheld: Envelope; controlText: string } {
  return { control: ctx.seal({ topic: bloomOf }), withheld: ctx.seal({ topic: otherTopic(bloomOf) }), controlText: 'on its topic' }
}

function otherTopic(bloomOf: Uint8Array): Uint8Array {
  let t = randomBytes(4)
  while (bloomMatch(topicBloom(bloomOf), topicBloom(t))) t = randomBytes(4)
  return t
}

export const forwardChecks: Check[] = [
  {
    id: 'forward.valid',
    group: 'forward',
    quick: true,
    rule: 'a valid envelope from one peer is forwarded to the other peers',
    source: 'EIP-627; geth peer.broadcast of the pool every 300 ms (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      ctx.requireForwarding()
      const a = await ctx.session()
      const env = ctx.seal()
      const t0 = Date.now()
      const seen = ctx.waitEnvelope(ctx.observer, env)
      ctx.sendEnvelopes(a, [env])
      return (await seen) ? pass(`reached another connection in ${Date.now() - t0} ms`) : fail(`did not reach another connection within ${ctx.timeoutMs / 1000} s`)
    },
  },
  {
    id: 'forward.format',
    group: 'forward',
    rule: 'every messages packet the node sends has the version format: shh/5 one envelope of 7 fields, shh/6 a list of 5-field envelopes',
    source: 'EIP-627 Messages; geth whisperv5 p2p.Send(envelope) (v1.6.6, v1.7.3), whisperv6 p2p.Send(bundle) (v1.9.7)',
    async run(ctx) {
      ctx.requireForwarding()
      const a = await ctx.session()
      const env = ctx.seal()
      const seen = ctx.waitEnvelope(ctx.observer, env)
      ctx.sendEnvelopes(a, [env])
      await seen
      const packets = ctx.observer.received.filter((p) => p.code === ctx.codes.messages)
      if (packets.length === 0) return fail('no messages packet received')
      for (const p of packets) {
        let item
        try {
          item = rlpDecodeFirst(p.payload)
        } catch {
          return fail(`not RLP: ${hexStart(p.payload)}`)
        }
        const ok = ctx.shh === 5
          ? Array.isArray(item) && item.length === 7 && item.every((x) => !Array.isArray(x))
          : Array.isArray(item) && item.every((e) => Array.isArray(e) && e.length === 5 && e.every((x) => !Array.isArray(x)))
        if (!ok) return fail(`packet not in the shh/${ctx.shh} format: ${hexStart(p.payload, 40)}`)
      }
      return pass(`${packets.length} packets checked`)
    },
  },
  {
    id: 'forward.no-echo',
    group: 'forward',
    rule: 'an envelope is never sent back to the peer it came from',
    source: 'geth peer.mark on receipt, broadcast skips marked envelopes (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      ctx.requireForwarding()
      const a = await ctx.session()
      const env = ctx.seal()
      const echo = ctx.waitEnvelope(a, env)
      const seen = ctx.waitEnvelope(ctx.observer, env)
      ctx.sendEnvelopes(a, [env])
      if (!(await seen)) return fail('the envelope was not forwarded at all')
      const back = await Promise.race([echo, sleep(1000).then(() => false)])
      return back ? fail('the node sent the envelope back to its sender') : pass('not echoed (1 s after it reached another peer)')
    },
  },
  {
    id: 'forward.pow-requirement',
    group: 'forward',
    versions: [6],
    rule: "the node does not send a peer envelopes below the PoW that peer's status asks for",
    source: 'EIP-627 Status; geth whisperv6 peer.broadcast env.PoW() >= powRequirement (v1.9.7)',
    async run(ctx) {
      ctx.requireForwarding()
      const pair = powPair(ctx)
      const b = await ctx.session({ minPow: pair.requirement })
      return withheldFrom(ctx, b, `peer asking for PoW ${pair.requirement} in its status`, pair)
    },
  },
  {
    id: 'forward.pow-update',
    group: 'forward',
    versions: [6],
    rule: 'after a PoW requirement packet, the node does not send that peer envelopes below it',
    source: 'EIP-627 PoW Requirement (code 2); geth whisperv6 powRequirementCode (v1.9.7)',
    async run(ctx) {
      ctx.requireForwarding()
      const pair = powPair(ctx)
      const b = await ctx.session()
      b.send(2, encodePowRequirement(pair.requirement))
      const k = await expectKept(ctx, b, `PoW requirement ${pair.requirement}`)
      if (k.status !== 'pass') return k
      return withheldFrom(ctx, b, `peer that sent PoW requirement ${pair.requirement}`, pair)
    },
  },
  {
    id: 'forward.bloom',
    group: 'forward',
    versions: [6],
    rule: "the node does not send a peer envelopes whose topic is outside the bloom in that peer's status",
    source: 'EIP-627 Status; geth whisperv6 peer.broadcast bloomMatch (v1.9.7)',
    async run(ctx) {
      ctx.requireForwarding()
      const mine = randomBytes(4)
      const b = await ctx.session({ bloom: topicBloom(mine) })
      return withheldFrom(ctx, b, 'topic outside the peer bloom', bloomPair(ctx, mine))
    },
  },
  {
    id: 'forward.bloom-update',
    group: 'forward',
    versions: [6],
    rule: 'after a bloom filter exchange packet, the node does not send that peer envelopes outside it',
    source: 'EIP-627 Bloom Filter (code 3); geth whisperv6 bloomFilterExCode (v1.9.7)',
    async run(ctx) {
      ctx.requireForwarding()
      const mine = randomBytes(4)
      const b = await ctx.session()
      b.send(3, encodeBloomFilterEx(topicBloom(mine)))
      const k = await expectKept(ctx, b, 'bloom update')
      if (k.status !== 'pass') return k
      return withheldFrom(ctx, b, 'topic outside the updated bloom', bloomPair(ctx, mine))
    },
  },
  {
    id: 'forward.light-peer',
    group: 'forward',
    versions: [6],
    rule: 'a peer announcing light mode is accepted and still gets envelopes',
    source: 'EIP-627 light node flag; geth whisperv6 broadcast ignores it; only two restricted light nodes refuse each other (v1.9.7)',
    async run(ctx) {
      ctx.requireForwarding()
      const b = await ctx.session({ lightNode: true })
      const env = ctx.seal()
      const seen = ctx.waitEnvelope(b, env)
      ctx.sendEnvelopes(ctx.observer, [env])
      return (await seen) ? pass('light peer got the envelope') : fail(`light peer got nothing within ${ctx.timeoutMs / 1000} s`)
    },
  },
  {
    id: 'forward.new-peer',
    group: 'forward',
    rule: 'a peer that connects later gets the envelopes still in the pool; an expired one is not sent',
    source: 'geth peer.broadcast of Envelopes() to every peer, Whisper.expire every second (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      ctx.requireForwarding()
      const a = await ctx.session()
      const live = ctx.seal({ ttl: 60 })
      const short = ctx.seal({ ttl: 2 })
      const seen = Promise.all([ctx.waitEnvelope(ctx.observer, live), ctx.waitEnvelope(ctx.observer, short)])
      ctx.sendEnvelopes(a, [live, short])
      if (!(await seen).every(Boolean)) return fail('the envelopes were not forwarded to the observer')
      // the sender's slot is free again before the new peer asks for one
      a.close()
      await a.waitClosed(3000)
      await sleep(4500)
      const late = await ctx.session()
      const gotLive = await ctx.waitEnvelope(late, live)
      const gotShort = await ctx.waitEnvelope(late, short, 1000)
      if (!gotLive) return fail(`a new peer did not get a pooled envelope within ${ctx.timeoutMs / 1000} s`)
      return gotShort ? fail('a new peer got an envelope that had expired 2 s before') : pass('pooled envelope sent to the new peer, expired one not')
    },
  },
]
