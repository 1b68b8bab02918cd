// Size limits: the node's maximum message size is enforced on whole packets, and envelopes well
// under it pass.
import { randomBytes } from '../../whisper/crypto.js'
import { fail, pass, type Check } from '../types.js'
import { expectDropped, rlp } from './util.js'

export const limitChecks: Check[] = [
  {
    id: 'limits.oversized-packet',
    group: 'limits',
    rule: 'a packet larger than the maximum message size is an error: the peer is dropped',
    source: 'geth runMessageLoop "oversized message received" on packet.Size > MaxMessageSize (v1.6.6, v1.7.3, v1.9.7; default 1 MiB)',
    async run(ctx) {
      const c = await ctx.session()
      const max = ctx.node.maxMessageSize
      const blob = new Uint8Array(max + 16)
      c.send(ctx.codes.messages, rlp(ctx.shh === 5 ? [new Uint8Array(1), 0, 0, new Uint8Array(4), new Uint8Array(0), blob, 0] : [[0, 0, new Uint8Array(4), blob, 0]]))
      // a megabyte takes a loaded node a while to read and unpack: twice the usual wait
      return expectDropped(ctx, c, `packet of ${max + 16 + 20} bytes (max ${max}, from ${ctx.node.maxMessageSizeSource})`, ctx.timeoutMs * 2)
    },
  },
  {
    id: 'limits.large-envelope',
    group: 'limits',
    versions: [5],
    rule: 'a valid 256 KiB envelope (under the 1 MiB default) is accepted and forwarded',
    source: 'geth Whisper.add size() <= MaxMessageSize (v1.6.6, v1.7.3; shh/6 is not tested here: its PoW hashes the whole envelope, too slow to seal at this size)',
    async run(ctx) {
      ctx.requireForwarding()
      if (ctx.node.maxMessageSize < 300 * 1024) return { status: 'skip', detail: `the node's maximum is ${ctx.node.maxMessageSize} bytes` }
      const c = await ctx.session()
      const env = ctx.seal({ payload: randomBytes(256 * 1024) })
      const seen = ctx.waitEnvelope(ctx.observer, env)
      ctx.sendEnvelopes(c, [env])
      return (await seen) ? pass('forwarded') : fail(`not forwarded within ${ctx.timeoutMs / 1000} s${c.isOpen ? '' : ' (peer dropped)'}`)
    },
  },
]
