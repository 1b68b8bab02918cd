// The shh handshake: each side sends its status first, unprompted; geth's reading of a status.
import { closeText } from '../../p2p/raw-shh-connection.js'
import { fullBloom, isFullBloom } from '../../whisper/bloom.js'
import { float64ToBits } from '../../whisper/packets.js'
import { rlpDecodeFirst, type RlpItem } from '../../whisper/rlp.js'
import { fail, pass, type Check, type Outcome } from '../types.js'
import type { SuiteContext } from '../context.js'
import { expectDropped, expectKept, hexStart, rlp, sleep } from './util.js'

function statusItems(ctx: SuiteContext): RlpItem | Error {
  try {
    return rlpDecodeFirst(ctx.node.statusPayload, 'status')
  } catch (err) {
    return err as Error
  }
}

function v6Item(ctx: SuiteContext, i: number): Uint8Array | Outcome {
  const it = statusItems(ctx)
  if (it instanceof Error) return fail(`status is not RLP: ${hexStart(ctx.node.statusPayload)}`)
  if (!Array.isArray(it)) return fail(`status is not a list: ${hexStart(ctx.node.statusPayload)}`)
  const x = it[i]
  if (x === undefined) return fail(`status has no item ${i + 1}: ${hexStart(ctx.node.statusPayload)}`)
  if (Array.isArray(x)) return fail(`status item ${i + 1} is a list: ${hexStart(ctx.node.statusPayload)}`)
  return x
}

/** Connects, sends `status` (raw payload) as our status, expects the node to drop us. */
async function badStatus(ctx: SuiteContext, status: Uint8Array, what: string): Promise<Outcome> {
  const c = await ctx.connect({ status })
  return expectDropped(ctx, c, what)
}

async function okStatus(ctx: SuiteContext, status: Uint8Array, what: string): Promise<Outcome> {
  const c = await ctx.connect({ status })
  if (!(await c.waitPacket((p) => p.code === 0, ctx.timeoutMs))) return fail(`${what}: no status from the node (${closeText(await c.waitClosed(0))})`)
  return expectKept(ctx, c, what)
}

export const statusChecks: Check[] = [
  {
    id: 'status.first',
    group: 'status',
    rule: 'the node sends its status as its first shh packet right after the hellos, without waiting for ours',
    source: 'EIP-627 (status first); geth peer.handshake sends asynchronously before reading (whisperv5 v1.6.6/v1.7.3, whisperv6 v1.9.7)',
    async run(ctx) {
      if (ctx.node.statusInReplyOnly) return fail(`no status while ours was withheld for 3 s; it came ${ctx.node.statusDelayMs} ms after the hellos, only once we sent ours`)
      return pass(`status ${ctx.node.statusDelayMs} ms after the hellos, ours withheld`)
    },
  },
  {
    id: 'status.decodes',
    group: 'status',
    quick: true,
    rule: "the node's status decodes as geth's handshake reads it, with the version of the negotiated capability",
    source: 'geth peer.handshake (whisperv5 v1.6.6/v1.7.3: RLP uint; whisperv6 v1.9.7: list, version first)',
    async run(ctx) {
      if (ctx.node.statusError) return fail(`${ctx.node.statusError}: ${hexStart(ctx.node.statusPayload)}`)
      const s = ctx.node.status
      return pass(ctx.shh === 6 ? `version 6, min PoW ${s.minPow}, bloom ${isFullBloom(s.bloom ?? null) ? 'full' : 'partial'}, light ${s.lightNode}` : 'version 5')
    },
  },
  {
    id: 'status.v5-format',
    group: 'status',
    versions: [5],
    rule: 'the shh/5 status is the bare RLP uint 5 (one byte 05), not a list',
    source: 'geth whisperv5 peer.handshake: p2p.Send(ws, statusCode, ProtocolVersion) (v1.6.6, v1.7.3)',
    async run(ctx) {
      const p = ctx.node.statusPayload
      return p.length === 1 && p[0] === 5 ? pass('05') : fail(`status payload ${hexStart(p)}, expected 05`)
    },
  },
  {
    id: 'status.v6-fields',
    group: 'status',
    versions: [6],
    rule: 'the shh/6 status is a list of exactly 4 items [version, PoW bits, bloom, light node] (geth 1.9.7 sends these 4; readers ignore extras, senders add none)',
    source: 'EIP-627 Status; geth whisperv6 peer.handshake SendItems(ProtocolVersion, powConverted, bloom, isLightNode) (v1.9.7)',
    async run(ctx) {
      const it = statusItems(ctx)
      if (it instanceof Error || !Array.isArray(it)) return fail(`status is not a list: ${hexStart(ctx.node.statusPayload)}`)
      return it.length === 4 ? pass('4 items') : fail(`${it.length} items: ${hexStart(ctx.node.statusPayload, 80)}`)
    },
  },
  {
    id: 'status.v6-pow',
    group: 'status',
    versions: [6],
    rule: 'status item 2 is the float64 bits of the minimum PoW as an RLP uint (<= 8 bytes), finite and >= 0',
    source: 'EIP-627 Status; geth whisperv6 v1.9.7 math.Float64bits(MinPow)',
    async run(ctx) {
      const x = v6Item(ctx, 1)
      if (!(x instanceof Uint8Array)) return x
      if (x.length > 8 || (x.length > 0 && x[0] === 0)) return fail(`PoW item ${hexStart(x)} is not a canonical uint64`)
      const pow = ctx.node.status.minPow
      return pow !== undefined && Number.isFinite(pow) && pow >= 0 ? pass(`min PoW ${pow}`) : fail(`PoW item ${hexStart(x)} is not a finite non-negative float64`)
    },
  },
  {
    id: 'status.v6-bloom',
    group: 'status',
    versions: [6],
    rule: 'status item 3 is a 64-byte bloom filter (all 0xff for a full node) or empty',
    source: 'EIP-627 Status; geth whisperv6 v1.9.7 (BloomFilterSize 64; a full node sends MakeFullNodeBloom)',
    async run(ctx) {
      const x = v6Item(ctx, 2)
      if (!(x instanceof Uint8Array)) return x
      if (x.length !== 64 && x.length !== 0) return fail(`bloom of ${x.length} bytes`)
      return pass(x.length === 0 ? 'empty (accepts all)' : x.every((b) => b === 0xff) ? '64 bytes, full' : '64 bytes, partial')
    },
  },
  {
    id: 'status.v6-light',
    group: 'status',
    versions: [6],
    rule: 'status item 4 is an RLP bool: empty (false) or 01 (true)',
    source: 'EIP-627 Status (light node flag); geth whisperv6 v1.9.7',
    async run(ctx) {
      const x = v6Item(ctx, 3)
      if (!(x instanceof Uint8Array)) return x
      if (x.length === 0) return pass('false')
      return x.length === 1 && x[0] === 1 ? pass('true') : fail(`light flag ${hexStart(x)} is not a bool`)
    },
  },
  {
    id: 'status.before-other',
    group: 'status',
    rule: 'a peer whose first shh packet is not a status is dropped',
    source: 'geth peer.handshake: "sent packet %x before status packet" error (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      const c = await ctx.connect({ status: 'none' })
      await c.hello.catch(() => undefined)
      await c.waitPacket((p) => p.code === 0, ctx.timeoutMs)
      ctx.sendEnvelopes(c, [ctx.seal()])
      return expectDropped(ctx, c, 'messages packet instead of a status')
    },
  },
  {
    id: 'status.wrong-version',
    group: 'status',
    rule: 'a status with another protocol version (shh/5: 4, shh/6: 7) is refused: the peer is dropped',
    source: 'geth peer.handshake: "protocol version mismatch" (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      return badStatus(ctx, ctx.shh === 5 ? rlp(4) : rlp([7, float64ToBits(0), fullBloom(), new Uint8Array(0)]), ctx.shh === 5 ? 'status 4' : 'status [7, …]')
    },
  },
  {
    id: 'status.v5-list',
    group: 'status',
    versions: [5],
    rule: 'a shh/5 status that is a list ([5]) is refused: the peer is dropped',
    source: 'geth whisperv5 peer.handshake reads s.Uint(): "bad status message" (v1.6.6, v1.7.3)',
    async run(ctx) {
      return badStatus(ctx, rlp([5]), 'status [5]')
    },
  },
  {
    id: 'status.v6-not-list',
    group: 'status',
    versions: [6],
    rule: 'a shh/6 status that is not a list (bare uint 6) is refused: the peer is dropped',
    source: 'geth whisperv6 peer.handshake s.List(): "bad status message" (v1.9.7)',
    async run(ctx) {
      return badStatus(ctx, rlp(6), 'status 06')
    },
  },
  {
    id: 'status.v6-bad-pow',
    group: 'status',
    versions: [6],
    rule: 'a shh/6 status whose PoW is NaN, infinite or negative is refused: the peer is dropped',
    source: 'geth whisperv6 peer.handshake: "invalid pow" (v1.9.7)',
    async run(ctx) {
      return badStatus(ctx, rlp([6, float64ToBits(NaN), fullBloom(), new Uint8Array(0)]), 'status with PoW NaN')
    },
  },
  {
    id: 'status.v6-bad-bloom',
    group: 'status',
    versions: [6],
    rule: 'a shh/6 status whose bloom is neither 64 bytes nor empty is refused: the peer is dropped',
    source: 'geth whisperv6 peer.handshake: "wrong bloom filter size" (v1.9.7)',
    async run(ctx) {
      return badStatus(ctx, rlp([6, float64ToBits(0), new Uint8Array(10).fill(0xff), new Uint8Array(0)]), 'status with a 10-byte bloom')
    },
  },
  {
    id: 'status.v6-minimal',
    group: 'status',
    versions: [6],
    rule: 'a shh/6 status with only the version ([6]) is accepted (the other fields are optional)',
    source: 'EIP-627 Status; geth whisperv6 peer.handshake "only version is mandatory" (v1.9.7)',
    async run(ctx) {
      return okStatus(ctx, rlp([6]), 'status [6]')
    },
  },
  {
    id: 'status.v6-extra',
    group: 'status',
    versions: [6],
    rule: 'a shh/6 status with fields after the fourth is accepted (a reader ignores what it does not know)',
    source: 'geth whisperv6 peer.handshake reads 4 items from a stream and ignores the rest (v1.9.7)',
    async run(ctx) {
      return okStatus(ctx, rlp([6, float64ToBits(0), fullBloom(), new Uint8Array(0), 42, new Uint8Array(3)]), 'status with 6 items')
    },
  },
  {
    id: 'status.second-ignored',
    group: 'status',
    rule: 'a second status after the handshake is ignored (no disconnect)',
    source: 'geth runMessageLoop case statusCode: "unxepected status message received" warning only (v1.6.6, v1.7.3, v1.9.7)',
    async run(ctx) {
      const c = await ctx.session()
      c.send(0, ctx.ourStatus())
      return expectKept(ctx, c, 'second status')
    },
  },
  {
    id: 'status.silent-peer',
    group: 'status',
    rule: 'a peer that never sends its status is waited for (geth: no shh handshake timeout at any version) or dropped with a DISCONNECT (p2pmessage: TIMEOUT after 5 s); never a bare TCP close, and other peers are served meanwhile',
    source: 'geth peer.handshake blocks in ReadMsg with no timer (v1.6.6, v1.7.3, v1.9.7); p2pmessage statusTimeoutMs',
    async run(ctx) {
      const c = await ctx.connect({ status: 'none' })
      await c.hello.catch(() => undefined)
      await sleep(Math.min(6000, ctx.timeoutMs))
      const others = await ctx.aliveAfter(await ctx.session())
      if (!others.alive) return fail(`while a peer stayed silent, another peer was not served: ${others.how}`)
      const close = await c.waitClosed(0)
      if (close === null) return pass('still waiting for our status; other peers served')
      if (close.byUs) return fail('we closed it ourselves')
      return close.reason === null ? fail('closed without a DISCONNECT packet') : pass(`${closeText(close)}; other peers served`)
    },
  },
]
