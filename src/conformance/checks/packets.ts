// Packets other than envelopes, and packet framing: unknown codes, shh/6 control packets, many
// envelopes at once.
import { randomBytes } from '../../whisper/crypto.js'
import { float64ToBits } from '../../whisper/packets.js'
import { fail, pass, type Check } from '../types.js'
import { expectDropped, expectKept, rlp } from './util.js'

export const packetChecks: Check[] = [
  {
    id: 'packets.unknown-code',
    group: 'packets',
    rule: 'a packet with an unknown code inside the capability range (shh/5: 20, shh/6: 100) is ignored',
    source: 'geth runMessageLoop default case "for forward compatibility, just ignore" (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      const c = await ctx.session()
      const code = ctx.shh === 5 ? 20 : 100
      c.send(code, rlp([randomBytes(8)]))
      return expectKept(ctx, c, `code ${code}`)
    },
  },
  {
    id: 'packets.v6-pow-invalid',
    group: 'packets',
    versions: [6],
    rule: 'a PoW requirement packet carrying NaN (or infinite, negative) is an error: the peer is dropped',
    source: 'geth whisperv6 powRequirementCode "invalid value in powRequirementCode message" (v1.9.7)',
    async run(ctx) {
      const c = await ctx.session()
      c.send(2, rlp(float64ToBits(NaN)))
      return expectDropped(ctx, c, 'PoW requirement NaN')
    },
  },
  {
    id: 'packets.v6-pow-malformed',
    group: 'packets',
    versions: [6],
    rule: 'a PoW requirement packet that is not an RLP uint is an error: the peer is dropped',
    source: 'geth whisperv6 powRequirementCode s.Uint() "invalid powRequirementCode message" (v1.9.7)',
    async run(ctx) {
      const c = await ctx.session()
      c.send(2, rlp([1, 2]))
      return expectDropped(ctx, c, 'PoW requirement [1, 2]')
    },
  },
  {
    id: 'packets.v6-bloom-size',
    group: 'packets',
    versions: [6],
    rule: 'a bloom filter exchange packet that is not 64 bytes is an error: the peer is dropped',
    source: 'geth whisperv6 bloomFilterExCode "wrong bloom filter size" (v1.9.7)',
    async run(ctx) {
      const c = await ctx.session()
      c.send(3, rlp(new Uint8Array(10)))
      return expectDropped(ctx, c, '10-byte bloom')
    },
  },
  {
    id: 'packets.v6-empty-list',
    group: 'packets',
    versions: [6],
    rule: 'a shh/6 messages packet with an empty list is harmless: the peer is kept',
    source: 'geth whisperv6 runMessageLoop decodes []*Envelope, nothing to add (v1.9.7)',
    async run(ctx) {
      const c = await ctx.session()
      c.send(1, rlp([]))
      return expectKept(ctx, c, 'empty messages list')
    },
  },
  {
    id: 'packets.v5-list',
    group: 'packets',
    versions: [5],
    rule: 'a shh/5 messages packet carrying a list of envelopes (the shh/6 format) does not decode: the peer is dropped',
    source: 'geth whisperv5 runMessageLoop decodes exactly one Envelope (v1.6.6, v1.7.3)',
    async run(ctx) {
      const c = await ctx.session()
      const e = ctx.seal()
      c.send(1, rlp([[e.version, e.expiry, e.ttl, e.topic, e.aesNonce, e.data, e.nonce]]))
      return expectDropped(ctx, c, 'list of one envelope')
    },
  },
  {
    id: 'packets.many',
    group: 'packets',
    rule: 'many envelopes at once (shh/6: 50 in one packet; shh/5: 50 packets back to back) are all accepted and forwarded',
    source: 'EIP-627 Messages; geth runMessageLoop (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      ctx.requireForwarding()
      const c = await ctx.session()
      const envs = Array.from({ length: 50 }, () => ctx.seal())
      const seen = Promise.all(envs.map((e) => ctx.waitEnvelope(ctx.observer, e)))
      ctx.sendEnvelopes(c, envs)
      const got = (await seen).filter(Boolean).length
      return got === 50 ? pass(`all 50 forwarded${c.isOpen ? ', peer kept' : ''}`) : fail(`${got} of 50 forwarded${c.isOpen ? '' : ', and the peer was dropped'}`)
    },
  },
]
