// shh_post reaches both versions: geth's answer (the v6 hash), and a shh/5-only chat in the room hears
// it too. RPC filters show a gateway's re-seal with the original sender in the extra `relayed` field.
import { afterAll, describe, expect, it } from 'vitest'
import { WhisperNode } from '../../src/node/index.js'
import { addressOf, generatePrivateKey, publicKeyOf, symKeyFromPassword } from '../../src/whisper/crypto.js'
import { parseTopic } from '../../src/whisper/topic.js'
import { Cli, CHAT_LINE, ensureBuilt, LOCAL } from '../cli/harness.js'
import { eventually, httpClient, startRpcNode, type RpcNode } from './harness.js'

const PASSWORD = 'one room'
const TOPIC = 'a1b2c3d4'
const utf8hex = (s: string): string => '0x' + Buffer.from(s, 'utf8').toString('hex')
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

const closers: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined)
})

async function call(url: string, m: string, p: unknown[] = []): Promise<any> {
  const res = await httpClient(url).call(m, p)
  if (res.error) throw new Error(`${m}: ${res.error.message}`)
  return res.result
}

describe('shh_post across versions', () => {
  it('reaches a shh/5-only chat and answers the v6 hash', async () => {
    ensureBuilt()
    const a: RpcNode = await startRpcNode()
    closers.push(() => a.close())
    const chat = new Cli([...LOCAL, '--shh', '5', '--enode', a.node.enode, '--topic', TOPIC, '--password', PASSWORD])
    closers.push(() => chat.dispose())
    await chat.waitFor(/^Connected to peer,you can type message now\.$/)
    expect(a.node.peers().map((p) => p.shh)).toEqual([5])

    const key = await call(a.url, 'shh_generateSymKeyFromPassword', [PASSWORD])
    const signer = await call(a.url, 'shh_newKeyPair')
    const pub: string = await call(a.url, 'shh_getPublicKey', [signer])
    const hash: string = await call(a.url, 'shh_post', [{ symKeyID: key, sig: signer, topic: '0x' + TOPIC, payload: utf8hex('from rpc to v5'), ttl: 60, powTarget: 0.01, powTime: 2 }])
    const v6 = a.node.envelopes(6).find((e) => e.topic.every((b, i) => b === parseTopic(TOPIC)[i]))
    expect(v6).toBeDefined()
    expect(a.node.envelopes(5).length).toBe(1)
    const line = await chat.waitFor(/: from rpc to v5$/)
    expect(CHAT_LINE.exec(line)?.[3]).toBe(hex(addressOf(Buffer.from(pub.slice(2), 'hex'))))
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/)
    // the answer is the v6 envelope's hash, as geth's
    const { envelopeHash } = await import('../../src/whisper/envelope.js')
    expect(hash).toBe('0x' + hex(envelopeHash(v6!)))
  })

  it('a filter shows a re-sealed message with its original sender under `relayed`', async () => {
    const symKey = symKeyFromPassword(PASSWORD)
    const topic = parseTopic(TOPIC)
    const gw = new WhisperNode({ relay: true, listen: { host: '127.0.0.1', port: 0 }, verbosity: 0, sealThreads: 1, minPow: 0.01, gatewayRooms: [{ topic, symKey }], gateway: { minDelayMs: 0, maxDelayMs: 10 } })
    await gw.start()
    closers.push(() => gw.stop())
    const v5 = new WhisperNode({ shhVersions: [5], staticPeers: [gw.enode], verbosity: 0, sealThreads: 1, minPow: 0.01 })
    await v5.start()
    closers.push(() => v5.stop())
    const b = await startRpcNode({ shhVersions: [6], staticPeers: [gw.enode] })
    closers.push(() => b.close())
    await Promise.all([v5.waitForPeer(10_000), b.node.waitForPeer(10_000)])
    const key = await call(b.url, 'shh_generateSymKeyFromPassword', [PASSWORD])
    const filter = await call(b.url, 'shh_newMessageFilter', [{ symKeyID: key, topics: ['0x' + TOPIC] }])
    const alice = generatePrivateKey()
    await v5.post({ topic, payload: Buffer.from('hi from v5'), symKey, src: alice, ttl: 30, pow: 0.01, workTime: 2 })
    const [m] = await eventually(async () => {
      const got = await call(b.url, 'shh_getFilterMessages', [filter])
      return got.length > 0 ? got : undefined
    })
    expect(m.payload).toBe(utf8hex('hi from v5'))
    expect(m.sig).toBe('0x' + hex(gw.publicKey)) // geth's field: the gateway
    expect(m.relayed).toMatchObject({ sig: '0x' + hex(publicKeyOf(alice)), address: '0x' + hex(addressOf(publicKeyOf(alice))), shh: 5, gateway: '0x' + hex(addressOf(gw.publicKey)) })
  })
})
