// Peer-to-peer direct messages and mail-server requests from a peer the node does not trust.
import { randomBytes } from '../../whisper/crypto.js'
import { encodeEnvelopePacket } from '../../whisper/packets.js'
import { pass, type Check } from '../types.js'
import { expectKept } from './util.js'

export const p2pChecks: Check[] = [
  {
    id: 'p2p.direct-untrusted',
    group: 'p2p',
    rule: 'a direct message (shh/5 code 2, shh/6 code 127) from an untrusted peer is ignored unread, even malformed: the peer is kept',
    source: 'geth runMessageLoop p2pCode/p2pMessageCode: decoded only `if p.trusted` (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      const c = await ctx.session()
      c.send(ctx.codes.p2pMessage, Uint8Array.from([0xc3, 0x01, 0x02]))
      return expectKept(ctx, c, 'malformed direct message')
    },
  },
  {
    id: 'p2p.direct-not-forwarded',
    group: 'p2p',
    rule: 'a well-formed direct message is not forwarded to other peers (direct messages bypass the pool)',
    source: 'geth: p2p messages go to postEvent only, never to add/the pool (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      ctx.requireForwarding()
      const c = await ctx.session()
      const direct = ctx.seal()
      c.send(ctx.codes.p2pMessage, encodeEnvelopePacket(direct))
      const k = await expectKept(ctx, c, 'direct message')
      if (k.status !== 'pass') return k
      const leaked = await ctx.waitEnvelope(ctx.observer, direct, 700)
      return leaked ? { status: 'fail', detail: 'the direct message was forwarded to another peer' } : pass('peer kept, not forwarded')
    },
  },
  {
    id: 'p2p.request',
    group: 'p2p',
    rule: 'a mail request (shh/5 code 3, shh/6 code 126) holding a well-formed envelope never costs the peer its connection: without a mail server it is ignored; a mail server checks and answers or ignores it',
    source: 'geth runMessageLoop p2pRequestCode: `if mailServer != nil` decode + DeliverMail (v1.6.6, v1.7.3, v1.9.7); mailserver.validateRequest (v1.9.7)',
    async run(ctx) {
      const c = await ctx.session()
      const env = ctx.seal({ payload: randomBytes(72) })
      c.send(ctx.codes.p2pRequest, encodeEnvelopePacket(env))
      return expectKept(ctx, c, 'mail request with a random key')
    },
  },
]
