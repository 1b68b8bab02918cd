// RLPx and the devp2p hello: the transport a whisper node must speak before any shh packet.
import { closeText } from '../../p2p/raw-shh-connection.js'
import { fail, pass, skip, type Check } from '../types.js'
import { expectDropped, isSubprotocolError, reasonName } from './util.js'
import { buildEnvelope } from '../../whisper/seal.js'
import { randomBytes } from '../../whisper/crypto.js'
import { rlpDecodeFirst } from '../../whisper/rlp.js'

export const rlpxChecks: Check[] = [
  {
    id: 'rlpx.handshake',
    group: 'rlpx',
    once: true,
    quick: true,
    rule: 'the node completes the RLPx (EIP-8) handshake with a fresh node id and sends its hello',
    source: 'devp2p RLPx spec; geth p2p/rlpx.go (all versions)',
    async run(ctx) {
      const c = await ctx.connect()
      const h = await c.hello.catch((e: Error) => e)
      if (h instanceof Error) return fail(h.message)
      return pass(`client ${JSON.stringify(h.clientId)}`)
    },
  },
  {
    id: 'rlpx.hello-id',
    group: 'rlpx',
    once: true,
    quick: true,
    rule: "the node id in the hello is the one in the enode URL (the key the handshake authenticated)",
    source: 'devp2p RLPx spec, Hello; geth p2p/server.go checks it on its side (all versions)',
    async run(ctx) {
      const h = ctx.node.hello
      return h.id === ctx.target.id ? pass(`id ${h.id.slice(0, 16)}…`) : fail(`hello id ${h.id} differs from the enode id ${ctx.target.id}`)
    },
  },
  {
    id: 'rlpx.base-protocol',
    group: 'rlpx',
    once: true,
    rule: 'the hello announces base protocol 4 (geth 1.6.x, no compression) or 5 (geth >= 1.7.3, snappy)',
    source: 'geth p2p/peer.go baseProtocolVersion: 4 at v1.6.6, 5 at v1.7.3 and v1.9.7',
    async run(ctx) {
      const v = ctx.node.hello.protocolVersion
      return v === 4 || v === 5 ? pass(`base protocol ${v}${v >= 5 ? ' (snappy)' : ' (no compression)'}`) : fail(`base protocol ${v}: expected 4 or 5`)
    },
  },
  {
    id: 'rlpx.capabilities',
    group: 'rlpx',
    once: true,
    quick: true,
    rule: 'the hello lists shh capabilities of known versions only (shh/5, shh/6), each once',
    source: 'EIP-627 (shh/6); geth whisperv5 v1.6.6/v1.7.3 (shh/5), whisperv6 v1.9.7 (shh/6)',
    async run(ctx) {
      const caps = ctx.node.hello.capabilities
      const shh = caps.filter((c) => c.name === 'shh').map((c) => c.version)
      const text = caps.map((c) => `${c.name}/${c.version}`).join(', ')
      if (shh.length === 0) return fail(`no shh capability in the hello (${text || 'none'})`)
      const bad = shh.filter((v) => v !== 5 && v !== 6)
      if (bad.length > 0) return fail(`unknown shh versions ${bad.join(', ')} (${text})`)
      if (new Set(shh).size !== shh.length) return fail(`a shh version listed twice (${text})`)
      return pass(text)
    },
  },
  {
    id: 'rlpx.snappy',
    group: 'rlpx',
    rule: "the node's shh packets are snappy-compressed iff the hellos agree on base protocol >= 5, and it reads ours the same way",
    source: 'devp2p RLPx spec (snappy from base protocol 5); geth p2p/rlpx.go v1.7.3, v1.9.7 (v1.6.6: never)',
    async run(ctx) {
      // the baseline status and the observer's handshake (our status sent the same way) both decoded
      const base = ctx.node.hello.protocolVersion
      const o = ctx.observer
      if (o.lastError) return fail(`a packet of the node did not decode: ${o.lastError}`)
      if (ctx.node.statusError) return fail(`the node's status did not decode (${ctx.node.statusError})`)
      return pass(base >= 5 ? 'status arrived snappy-compressed and decoded; ours was understood' : 'base protocol 4: packets uncompressed both ways')
    },
  },
  {
    id: 'rlpx.ping',
    group: 'rlpx',
    once: true,
    rule: 'the node answers a devp2p PING with a PONG',
    source: 'devp2p RLPx spec, Ping/Pong; geth p2p/peer.go (all versions)',
    async run(ctx) {
      const c = await ctx.session()
      return (await c.ping(ctx.timeoutMs)) ? pass('pong received') : fail(`no pong within ${ctx.timeoutMs / 1000} s (${closeText(await c.waitClosed(0))})`)
    },
  },
  {
    id: 'rlpx.version-choice',
    group: 'rlpx',
    versions: [6],
    rule: 'offered both shh/5 and shh/6, the node runs shh/6 (the highest shared version)',
    source: 'devp2p: highest common version of a capability; geth p2p/protocol.go matchProtocols (v1.9.7 offers shh/6 only, wnode v1.6.6/v1.7.3 shh/5 only)',
    async run(ctx) {
      const offers = ctx.node.hello.capabilities.filter((c) => c.name === 'shh').map((c) => c.version)
      if (!offers.includes(5)) return skip('the node offers shh/6 only')
      const c = await ctx.connect({ capabilities: [{ name: 'shh', version: 5 }, { name: 'shh', version: 6 }] })
      const st = await c.waitPacket((p) => p.code === 0, ctx.timeoutMs)
      if (!st) return fail(`no status (${closeText(await c.waitClosed(0))})`)
      let item: unknown
      try {
        item = rlpDecodeFirst(st.payload)
      } catch {
        return fail('the status does not decode')
      }
      return Array.isArray(item) ? pass('shh/6 status received') : fail('the node answered with a shh/5 status')
    },
  },
  {
    id: 'rlpx.disconnect-reason',
    group: 'rlpx',
    rule: 'dropping a peer for a shh protocol violation, the node sends DISCONNECT with reason SUBPROTOCOL_ERROR (0x10)',
    source: 'geth p2p/peer.go: an error returned by a protocol becomes DiscSubprotocolError (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      const c = await ctx.session()
      const env = buildEnvelope({ shh: ctx.shh, topic: randomBytes(4), payload: randomBytes(8), symKey: randomBytes(32), ttl: 30, pow: 0, workTime: 0, now: Math.floor(Date.now() / 1000) + 3600 })
      ctx.sendEnvelopes(c, [env])
      const out = await expectDropped(ctx, c, 'envelope dated 1 h ahead')
      if (out.status !== 'pass') return out
      const close = await c.closed
      return isSubprotocolError(close.reason) ? out : fail(`disconnect reason ${close.reason === null ? 'none (TCP closed without DISCONNECT)' : reasonName(close.reason)}, expected SUBPROTOCOL_ERROR`)
    },
  },
]
