// With --rpc: drive the node through its geth-style shh JSON-RPC. What it posts is checked on the
// wire (format, PoW, TTL, signature, padding), what we send must reach its filters and subscriptions
// with the right fields, and bad calls must get an error answer without stopping the node.
// Posting over geth 1.9.7's API is always shh/6, so these checks run on the shh/6 connection.
import { toHex, fromHex } from '../../whisper/bytes.js'
import { ECIES_OVERHEAD, generatePrivateKey, publicKeyOf, randomBytes } from '../../whisper/crypto.js'
import { envelopeHash, envelopePow, envelopeSent, type Envelope } from '../../whisper/envelope.js'
import { openEnvelope, type OpenKey, type ReceivedMessage } from '../../whisper/open.js'
import { decodePowRequirement, encodeEnvelopePacket } from '../../whisper/packets.js'
import { sealMessage } from '../../whisper/seal.js'
import { envelopesOf, type SuiteContext } from '../context.js'
import { RpcCallError, RpcTransportError, type RpcClient } from '../rpc-client.js'
import { fail, pass, SkipCheck, type Check, type Outcome } from '../types.js'
import { expectDropped, rlp, sleep } from './util.js'

function rpcOf(ctx: SuiteContext): RpcClient {
  if (!ctx.rpc) throw new SkipCheck('no --rpc given')
  return ctx.rpc
}

const hex = (b: Uint8Array) => '0x' + toHex(b)

interface PostSpec {
  key: 'sym' | 'asym'
  signed: boolean
}

/** Makes the node post, catches the envelope on a connection of ours, opens it; all checks in one place. */
async function postAndCatch(ctx: SuiteContext, spec: PostSpec): Promise<Outcome> {
  const rpc = rpcOf(ctx)
  ctx.requireForwarding()
  const c = await ctx.session()
  const topic = randomBytes(4)
  const payload = randomBytes(40)
  const ttl = 20
  const powTarget = Math.max(ctx.node.minPow * 1.5, 0.25)
  const req: Record<string, unknown> = { topic: hex(topic), payload: hex(payload), ttl, powTarget, powTime: 5 }
  let key: OpenKey
  let sigPub: string | null = null
  if (spec.key === 'sym') {
    const id = await rpc.call<string>('shh_newSymKey', [])
    key = { symKey: fromHex(strip(await rpc.call<string>('shh_getSymKey', [id]))) }
    req.symKeyID = id
  } else {
    const priv = generatePrivateKey()
    key = { privateKey: priv }
    req.pubKey = hex(publicKeyOf(priv))
  }
  if (spec.signed) {
    const id = await rpc.call<string>('shh_newKeyPair', [])
    sigPub = strip(await rpc.call<string>('shh_getPublicKey', [id]))
    req.sig = id
  }
  const hashP = c.waitPacket((p) => p.code === 1 && envelopesOf(6, p).some((e) => toHex(e.topic) === toHex(topic)), ctx.timeoutMs)
  let posted: string
  try {
    posted = strip(await rpc.call<string>('shh_post', [req]))
  } catch (err) {
    return fail(`shh_post ${JSON.stringify(req)}: ${(err as Error).message}`)
  }
  const pk = await hashP
  if (!pk) return fail(`the posted envelope ${posted.slice(0, 16)}… did not reach us within ${ctx.timeoutMs / 1000} s`)
  const env = envelopesOf(6, pk).find((e) => toHex(e.topic) === toHex(topic)) as Envelope
  const problems: string[] = []
  if (toHex(envelopeHash(env)) !== posted) problems.push(`hash ${toHex(envelopeHash(env)).slice(0, 16)}… differs from shh_post's ${posted.slice(0, 16)}…`)
  if (env.ttl !== ttl) problems.push(`TTL ${env.ttl}, requested ${ttl}`)
  const pow = envelopePow(env)
  if (pow < powTarget) problems.push(`PoW ${pow.toFixed(4)} < requested ${powTarget}`)
  if (pow < ctx.node.minPow) problems.push(`PoW ${pow.toFixed(4)} < the node minimum ${ctx.node.minPow}`)
  let m: ReceivedMessage
  try {
    m = openEnvelope(env, key)
  } catch (err) {
    return fail(`the envelope does not open with the ${spec.key === 'sym' ? 'symmetric key shh_getSymKey returned' : 'recipient private key'}: ${(err as Error).message}`)
  }
  if (toHex(m.payload) !== toHex(payload)) problems.push(`payload ${toHex(m.payload).slice(0, 16)}… differs`)
  if (spec.signed && (!m.src || toHex(m.src) !== sigPub)) problems.push(`signature recovers to ${m.src ? toHex(m.src).slice(0, 16) + '…' : 'nothing'}, expected the key pair ${sigPub?.slice(0, 16)}…`)
  if (!spec.signed && m.signature) problems.push('signed, but no sig was given')
  const plainLen = spec.key === 'sym' ? env.data.length - 12 - 16 : env.data.length - ECIES_OVERHEAD
  if (plainLen % 256 !== 0) problems.push(`plaintext of ${plainLen} bytes: geth pads flags+size+payload+padding(+signature) to a multiple of 256`)
  if (problems.length) return fail(problems.join('; '))
  return pass(`on the wire: shh/6, TTL ${env.ttl}, PoW ${pow.toFixed(3)} >= ${powTarget}, plaintext ${plainLen} bytes${spec.signed ? ', signature recovers to the key pair' : ''}`)
}

function strip(h: string): string {
  return h.startsWith('0x') ? h.slice(2) : h
}

interface FilterMessage {
  sig?: string
  ttl: number
  timestamp: number
  topic: string
  payload: string
  pow: number
  hash: string
}

function compareMessage(m: FilterMessage, env: Envelope, payload: Uint8Array, sigPub: string | null): string[] {
  const p: string[] = []
  if (strip(m.hash) !== toHex(envelopeHash(env))) p.push(`hash ${m.hash}`)
  if (strip(m.payload) !== toHex(payload)) p.push(`payload ${m.payload.slice(0, 20)}…`)
  if (strip(m.topic) !== toHex(env.topic)) p.push(`topic ${m.topic}`)
  if (m.ttl !== env.ttl) p.push(`ttl ${m.ttl} (sent ${env.ttl})`)
  if (m.timestamp !== envelopeSent(env)) p.push(`timestamp ${m.timestamp} (sent ${envelopeSent(env)})`)
  if (!(m.pow > 0)) p.push(`pow ${m.pow}`)
  if (sigPub && strip(m.sig ?? '') !== sigPub) p.push(`sig ${m.sig ?? 'missing'}`)
  return p
}

/** Seals a message to the node's key, sends it on a connection of ours, waits for it in a filter. */
async function toFilter(ctx: SuiteContext, kind: 'sym' | 'asym'): Promise<Outcome> {
  const rpc = rpcOf(ctx)
  const c = await ctx.session()
  const topic = randomBytes(4)
  const payload = randomBytes(24)
  const signer = generatePrivateKey()
  const criteria: Record<string, unknown> = { topics: [hex(topic)] }
  let sealKey: { symKey?: Uint8Array; dst?: Uint8Array }
  if (kind === 'sym') {
    const symKey = randomBytes(32)
    criteria.symKeyID = await rpc.call<string>('shh_addSymKey', [hex(symKey)])
    sealKey = { symKey }
  } else {
    const id = await rpc.call<string>('shh_newKeyPair', [])
    criteria.privateKeyID = id
    sealKey = { dst: fromHex(strip(await rpc.call<string>('shh_getPublicKey', [id]))) }
  }
  const filter = await rpc.call<string>('shh_newMessageFilter', [criteria])
  const env = sealMessage({ shh: 6, topic, payload, ...sealKey, src: signer, ttl: 30, pow: Math.max(ctx.node.minPow * 1.2, 0.01), workTime: 10 })
  ctx.sendEnvelopes(c, [env])
  const end = Date.now() + ctx.timeoutMs
  while (Date.now() < end) {
    const msgs = await rpc.call<FilterMessage[]>('shh_getFilterMessages', [filter])
    if (msgs.length > 0) {
      const bad = compareMessage(msgs[0], env, payload, toHex(publicKeyOf(signer)))
      await rpc.call('shh_deleteMessageFilter', [filter]).catch(() => undefined)
      return bad.length ? fail(`filter message fields wrong: ${bad.join('; ')}`) : pass('delivered with hash, payload, topic, ttl, timestamp, pow and sig right')
    }
    await sleep(200)
  }
  return fail(`nothing in the filter within ${ctx.timeoutMs / 1000} s`)
}

// Calls that must answer with a JSON-RPC error (bad arguments), as geth 1.9.7 does.
const BAD_CALLS: [string, unknown[]][] = [
  ['shh_post', [{}]],
  ['shh_post', [{ symKeyID: 'nope', topic: '0x01020304', payload: '0x00' }]],
  ['shh_post', ['not an object']],
  ['shh_newMessageFilter', [{}]],
  ['shh_newMessageFilter', [{ symKeyID: 'nope', topics: ['0x01020304'] }]],
  ['shh_getFilterMessages', ['nope']],
  ['shh_addSymKey', ['0x1234']],
  ['shh_addPrivateKey', ['0x1234']],
  ['shh_getPublicKey', ['nope']],
  ['shh_getPrivateKey', ['nope']],
  ['shh_getSymKey', ['nope']],
  ['shh_setMinPoW', ['high']],
  ['shh_setMaxMessageSize', [-1]],
  ['shh_setBloomFilter', ['0x00']],
  ['shh_markTrustedPeer', ['enode://nope']],
  ['shh_generateSymKeyFromPassword', [42]],
  ['shh_noSuchMethod', []],
]

export const rpcChecks: Check[] = [
  {
    id: 'rpc.info',
    group: 'rpc',
    versions: [6],
    rule: "shh_info answers minPow and maxMessageSize, and minPow is the one in the node's status",
    source: 'geth whisperv6 api.go Info (v1.9.7); EIP-627 Status',
    async run(ctx) {
      const info = await rpcOf(ctx).call<{ minPow: number; maxMessageSize: number }>('shh_info', [])
      if (typeof info?.minPow !== 'number' || typeof info?.maxMessageSize !== 'number') return fail(`shh_info answered ${JSON.stringify(info)}`)
      if (ctx.node.status.minPow !== undefined && info.minPow !== ctx.node.status.minPow) return fail(`shh_info minPow ${info.minPow}, status says ${ctx.node.status.minPow}`)
      return pass(`minPow ${info.minPow}, maxMessageSize ${info.maxMessageSize}`)
    },
  },
  {
    id: 'rpc.version',
    group: 'rpc',
    versions: [6],
    rule: 'shh_version answers "6.0"',
    source: 'geth whisperv6 api.go Version: ProtocolVersionStr (v1.9.7)',
    async run(ctx) {
      const v = await rpcOf(ctx).call<string>('shh_version', [])
      return v === '6.0' ? pass('"6.0"') : fail(`answered ${JSON.stringify(v)}`)
    },
  },
  ...(['sym', 'asym'] as const).flatMap((key) =>
    [false, true].map((signed): Check => ({
      id: `rpc.post-${key}-${signed ? 'signed' : 'unsigned'}`,
      group: 'rpc',
      versions: [6],
      rule: `shh_post (${key === 'sym' ? 'symmetric' : 'asymmetric'}, ${signed ? 'signed' : 'unsigned'}) puts on the wire a shh/6 envelope with the returned hash, the requested TTL, PoW >= powTarget and >= the node minimum, padded to 256, ${signed ? 'whose signature recovers to the key pair' : 'unsigned'}`,
      source: 'geth whisperv6 api.go Post, message.go Wrap/appendPadding/sign (v1.9.7)',
      run: (ctx) => postAndCatch(ctx, { key, signed }),
    })),
  ),
  {
    id: 'rpc.filter-sym',
    group: 'rpc',
    versions: [6],
    rule: "a symmetric envelope we send reaches the node's shh_newMessageFilter with hash, payload, topic, ttl, timestamp, pow and sig right",
    source: 'geth whisperv6 api.go NewMessageFilter/GetFilterMessages, ToWhisperMessage (v1.9.7)',
    run: (ctx) => toFilter(ctx, 'sym'),
  },
  {
    id: 'rpc.filter-asym',
    group: 'rpc',
    versions: [6],
    rule: "an asymmetric envelope to a node key pair reaches its filter with the right fields",
    source: 'geth whisperv6 api.go NewMessageFilter privateKeyID (v1.9.7)',
    run: (ctx) => toFilter(ctx, 'asym'),
  },
  {
    id: 'rpc.subscribe',
    group: 'rpc',
    versions: [6],
    rule: 'shh_subscribe("messages") delivers an envelope we send, with the right payload',
    source: 'geth whisperv6 api.go Messages subscription (v1.9.7)',
    async run(ctx) {
      const rpc = rpcOf(ctx)
      if (!rpc.isWebSocket) throw new SkipCheck('subscriptions need a ws:// --rpc URL')
      const c = await ctx.session()
      const symKey = randomBytes(32)
      const topic = randomBytes(4)
      const payload = randomBytes(24)
      const symKeyID = await rpc.call<string>('shh_addSymKey', [hex(symKey)])
      let got: FilterMessage | null = null
      await rpc.subscribe(['messages', { symKeyID, topics: [hex(topic)] }], (r) => (got ??= r as FilterMessage))
      ctx.sendEnvelopes(c, [ctx.seal({ topic, payload, symKey })])
      const end = Date.now() + ctx.timeoutMs
      while (!got && Date.now() < end) await sleep(100)
      if (!got) return fail(`no notification within ${ctx.timeoutMs / 1000} s`)
      return strip((got as FilterMessage).payload) === toHex(payload) ? pass('notified with the payload') : fail(`payload ${(got as FilterMessage).payload}`)
    },
  },
  {
    id: 'rpc.p2p-direct',
    group: 'rpc',
    versions: [6],
    rule: 'after shh_markTrustedPeer, a direct message (code 127) we send reaches an allowP2P filter, and shh_post with targetPeer sends us one',
    source: 'geth whisperv6 api.go MarkTrustedPeer, Post targetPeer -> SendP2PMessage; runMessageLoop p2pMessageCode (v1.9.7)',
    async run(ctx) {
      const rpc = rpcOf(ctx)
      const c = await ctx.session()
      const url = `enode://${c.localId}@127.0.0.1:30303`
      try {
        await rpc.call('shh_markTrustedPeer', [url])
      } catch (err) {
        return fail(`shh_markTrustedPeer ${url}: ${(err as Error).message}`)
      }
      const symKey = randomBytes(32)
      const topic = randomBytes(4)
      const payload = randomBytes(16)
      const symKeyID = await rpc.call<string>('shh_addSymKey', [hex(symKey)])
      const filter = await rpc.call<string>('shh_newMessageFilter', [{ symKeyID, topics: [hex(topic)], allowP2P: true }])
      const direct = sealMessage({ shh: 6, topic, payload, symKey, ttl: 30, pow: 0, workTime: 0 })
      c.send(127, encodeEnvelopePacket(direct))
      const end = Date.now() + ctx.timeoutMs
      let inFilter = false
      while (!inFilter && Date.now() < end) {
        inFilter = (await rpc.call<FilterMessage[]>('shh_getFilterMessages', [filter])).length > 0
        if (!inFilter) await sleep(200)
      }
      if (!inFilter) return fail('our direct message did not reach the allowP2P filter')
      const back = c.waitPacket((p) => p.code === 127, ctx.timeoutMs)
      await rpc.call('shh_post', [{ symKeyID, topic: hex(topic), payload: '0x01', ttl: 10, powTarget: Math.max(ctx.node.minPow * 1.5, 0.25), powTime: 5, targetPeer: url }])
      return (await back) ? pass('both ways') : fail('shh_post with targetPeer did not send us a code 127 packet')
    },
  },
  {
    id: 'rpc.set-min-pow',
    group: 'rpc',
    versions: [6],
    exclusive: true,
    rule: 'shh_setMinPoW sends the new requirement to connected shh/6 peers (PoW requirement packet, code 2)',
    source: 'geth whisperv6 SetMinimumPoW -> notifyPeersAboutPowRequirementChange (v1.9.7)',
    async run(ctx) {
      const rpc = rpcOf(ctx)
      const c = await ctx.session()
      // the node sends it to peers whose handshake it completed: make sure ours is
      const up = await ctx.aliveAfter(c)
      if (!up.alive) return fail(`our connection was not served: ${up.how}`)
      const old = ctx.node.minPow
      const next = old + 0.125
      const got = c.waitPacket((p) => p.code === 2, ctx.timeoutMs)
      await rpc.call('shh_setMinPoW', [next])
      const p = await got
      await rpc.call('shh_setMinPoW', [old]).catch(() => undefined)
      if (!p) return fail(`no PoW requirement packet within ${ctx.timeoutMs / 1000} s`)
      let v: number
      try {
        v = decodePowRequirement(p.payload)
      } catch (err) {
        return fail(`PoW requirement packet does not decode: ${(err as Error).message}`)
      }
      return v === next ? pass(`got ${v}; restored ${old}`) : fail(`packet says ${v}, set ${next}`)
    },
  },
  {
    id: 'rpc.max-size-enforced',
    group: 'rpc',
    versions: [6],
    exclusive: true,
    rule: 'after shh_setMaxMessageSize(64 KiB), a 100 KiB packet drops the peer (the size announced is the size enforced)',
    source: 'geth whisperv6 SetMaxMessageSize, runMessageLoop "oversized message received" (v1.9.7)',
    async run(ctx) {
      const rpc = rpcOf(ctx)
      const old = ctx.node.maxMessageSize
      await rpc.call('shh_setMaxMessageSize', [64 * 1024])
      try {
        const c = await ctx.session()
        c.send(1, rlp([[0, 0, new Uint8Array(4), new Uint8Array(100 * 1024), 0]]))
        return await expectDropped(ctx, c, '100 KiB packet under a 64 KiB maximum')
      } finally {
        await rpc.call('shh_setMaxMessageSize', [old]).catch(() => undefined)
      }
    },
  },
  {
    id: 'rpc.bad-params',
    group: 'rpc',
    versions: [6],
    // last and alone: a node that dies on one of these calls must not take the other checks with it
    exclusive: true,
    rule: 'every shh method called with bad arguments answers a JSON-RPC error, and the node keeps answering RPC and serving peers',
    source: 'geth rpc server: argument errors -32602, method errors -32000, unknown method -32601 (v1.9.7)',
    async run(ctx) {
      const rpc = rpcOf(ctx)
      const wrong: string[] = []
      for (const [method, params] of BAD_CALLS) {
        try {
          const r = await rpc.call(method, params)
          wrong.push(`${method}(${JSON.stringify(params)}) answered ${JSON.stringify(r)} instead of an error`)
        } catch (err) {
          if (err instanceof RpcTransportError) {
            wrong.push(`${method}(${JSON.stringify(params)}): ${err.message}`)
            const alive = await rpc.call('shh_version', []).then(() => true, () => false)
            if (!alive) return fail(`the node stopped answering after ${method}(${JSON.stringify(params)}); ${wrong.join('; ')}`)
          } else if (!(err instanceof RpcCallError)) throw err
        }
      }
      const peers = await ctx.aliveAfter(await ctx.session())
      if (!peers.alive) return fail(`after the bad calls the node no longer serves peers: ${peers.how}`)
      return wrong.length ? fail(wrong.join('; ')) : pass(`${BAD_CALLS.length} bad calls, each answered an error; node still serving`)
    },
  },
]
