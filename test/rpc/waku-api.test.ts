// The waku namespace's table and error answers, each as statusd v0.78.0 gave it over HTTP (the
// transcript in docs/waku-rpc.md), through the JSON-RPC server over a real node's backend.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WhisperNode } from '../../src/node/index.js'
import { SHH_FLAVOUR, WAKU_FLAVOUR } from '../../src/rpc/api-flavour.js'
import { RpcServer } from '../../src/rpc/jsonrpc.js'
import { NetAdminApi } from '../../src/rpc/net-admin-api.js'
import { NodeNetBackend, NodeShhBackend } from '../../src/rpc/node-backend.js'
import { ShhApi } from '../../src/rpc/shh-api.js'
import { keccak256 } from '../../src/whisper/keccak.js'

describe('waku_* answers as statusd v0.78.0', () => {
  let node: WhisperNode
  let server: RpcServer
  let api: ShhApi
  let n = 1
  const call = async (method: string, params: unknown[] = []): Promise<{ result?: unknown; error?: { code: number; message: string } }> =>
    JSON.parse(await server.handleHttp(JSON.stringify({ jsonrpc: '2.0', id: n++, method, params })))
  const err = async (method: string, params: unknown[] = []): Promise<string> => {
    const r = await call(method, params)
    if (!r.error) throw new Error(`${method}: expected an error, got ${JSON.stringify(r.result)}`)
    return `${r.error.code} ${r.error.message}`
  }

  beforeAll(async () => {
    node = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, verbosity: 0, sealThreads: 1, minPow: 0.000002, protocols: ['waku/1'] })
    await node.start()
    server = new RpcServer()
    api = new ShhApi(new NodeShhBackend(node, 'waku'), { flavour: WAKU_FLAVOUR })
    api.register(server)
  })
  afterAll(async () => {
    api?.close()
    await node?.stop()
  })

  it("has shh's table without version, plus uninstallFilter", async () => {
    const waku = server.methodNames().filter((m) => m.startsWith('waku_')).map((m) => m.slice(5))
    const shhServer = new RpcServer()
    new ShhApi(new NodeShhBackend(node), { flavour: SHH_FLAVOUR }).register(shhServer)
    const shh = shhServer.methodNames().filter((m) => m.startsWith('shh_')).map((m) => m.slice(4))
    expect(waku).toEqual([...shh.filter((m) => m !== 'version'), 'uninstallFilter'].sort())
    expect(await err('waku_version')).toBe('-32601 the method waku_version does not exist/is not available')
    expect((await call('rpc_modules')).result).toEqual({ rpc: '1.0', waku: '1.0' })
    expect((await call('waku_info')).result).toEqual({ messages: 0, minPow: 0.000002, maxMessageSize: 1048576, droppedMessages: 0 })
  })

  it('admin_nodeInfo names waku only, with the version statusd gives (waku/0 first when offered)', async () => {
    const info = (n: WhisperNode): unknown => new NetAdminApi(new NodeNetBackend(n), new NodeShhBackend(n)).nodeInfo().protocols
    // statusd (a), waku/0 and waku/1: {"waku":{"maxMessageSize":1048576,"minimumPoW":2e-06,"version":"0"}}
    expect(info(node)).toEqual({ waku: { maxMessageSize: 1048576, minimumPoW: 0.000002, version: '1' } })
    const both = new WhisperNode({ verbosity: 0, sealThreads: 1, minPow: 0.000002, protocols: ['waku/0', 'waku/1'] })
    expect(info(both)).toEqual({ waku: { maxMessageSize: 1048576, minimumPoW: 0.000002, version: '0' } })
  })

  it('post: parameter decoding and checks, in statusd words', async () => {
    const key = (await call('waku_newSymKey')).result as string
    expect(await err('waku_post', [{}])).toBe('-32000 specify either a symmetric or an asymmetric key')
    expect(await err('waku_post', [{ payload: 'aGVsbG8' }])).toBe('-32602 invalid argument 0: illegal base64 data at input byte 4')
    expect(await err('waku_post', [{ payload: 5 }])).toBe('-32602 invalid argument 0: json: cannot unmarshal number into Go struct field NewMessage.payload of type []uint8')
    expect(await err('waku_post', [{ symKeyID: key, payload: 'aGk=' }])).toBe('-32000 missing topic(s)')
    expect(await err('waku_post', [{ pubKey: '0x04', payload: 'aGk=' }])).toBe('-32000 invalid public key')
    expect(await err('waku_post', [{ symKeyID: key, topic: '0x01020304', payload: 'aGk=', powTarget: 0 }])).toBe('-32000 message rejected, PoW too low')
    // status-go's getPeer: lower case, keccak256 of the node id
    const id = Buffer.from(keccak256(node.publicKey.subarray(1))).toString('hex')
    expect(await err('waku_post', [{ symKeyID: key, topic: '0x01020304', payload: 'aGk=', powTarget: 0.01, powTime: 1, targetPeer: node.enode }])).toBe(`-32000 could not find peer with ID: ${id}`)
    expect(await err('waku_markTrustedPeer', [node.enode])).toBe(`-32000 could not find peer with ID: ${id}`)
  })

  it('filters: unknown ids, keys and signers', async () => {
    expect(await err('waku_deleteMessageFilter', ['nope'])).toBe("-32000 failed to unsubscribe: invalid ID 'nope'")
    expect(await err('waku_getFilterMessages', ['nope'])).toBe('-32000 filter not found')
    expect(await call('waku_uninstallFilter', ['nope'])).toMatchObject({ result: null })
    expect(await err('waku_newMessageFilter', [{ privateKeyID: 'zz' }])).toBe('-32000 invalid id')
    expect(await err('waku_newMessageFilter', [{ symKeyID: 'zz' }])).toBe('-32000 non-existent key ID')
    const key = (await call('waku_newSymKey')).result as string
    expect(await err('waku_newMessageFilter', [{ symKeyID: key, sig: '0x04' }])).toBe('-32000 invalid signing public key')
    const id = (await call('waku_newMessageFilter', [{ symKeyID: key }])).result as string
    expect(id).toMatch(/^[0-9a-f]{64}$/)
    expect(await call('waku_uninstallFilter', [id])).toMatchObject({ result: null })
    expect(await err('waku_getFilterMessages', [id])).toBe('-32000 filter not found')
  })

  it('settings: the same checks as shh', async () => {
    expect(await err('waku_setMinPoW', [-1])).toBe('-32000 invalid PoW: -1.000000')
    expect(await err('waku_setMaxMessageSize', [20000000])).toBe('-32000 message size too large [20000000>10485760]')
    expect(await err('waku_setBloomFilter', ['0x00'])).toBe('-32000 invalid bloom filter size: 1')
  })
})
