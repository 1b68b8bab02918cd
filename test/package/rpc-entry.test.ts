// `p2pmessage/rpc` as a user mounts it: createRpcHandler on a plain node:http server of their own, on
// 127.0.0.1. Calls over HTTP and a subscription over WebSocket reach the node: a message posted over
// RPC comes back to a filter and to a subscription, as on geth.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WhisperNode } from '../../src/node/index.js'
import { createRpcHandler, type RpcHandler } from '../../src/rpc/index.js'

let node: WhisperNode
let rpc: RpcHandler
let server: Server
let url: string

async function call(method: string, params: unknown[] = []): Promise<{ result?: unknown; error?: { message: string } }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
  expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  return (await res.json()) as { result?: unknown; error?: { message: string } }
}

beforeAll(async () => {
  node = new WhisperNode({ verbosity: 0, sealThreads: 1, minPow: 0.01 })
  await node.start()
  rpc = createRpcHandler({ node, clientId: 'embedded/v1' })
  server = createServer((req, res) => void rpc.handleRequest(req, res))
  server.on('upgrade', rpc.handleUpgrade)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
})
afterAll(async () => {
  await rpc.close()
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
  await node.stop()
})

describe('createRpcHandler on your own HTTP server', () => {
  it('answers geth\'s shh, web3 and net calls over HTTP', async () => {
    expect(await call('shh_version')).toMatchObject({ result: '6.0' })
    expect(await call('web3_clientVersion')).toMatchObject({ result: 'embedded/v1' })
    expect((await call('shh_nope')).error?.message).toBe('the method shh_nope does not exist/is not available')
  })

  it('a message posted over HTTP reaches a WebSocket subscription and a poll filter', async () => {
    const keyId = (await call('shh_generateSymKeyFromPassword', ['rpc room'])).result as string
    const topic = '0x12345678'
    const filter = (await call('shh_newMessageFilter', [{ symKeyID: keyId, topics: [topic] }])).result as string
    const ws = new WebSocket(url.replace('http', 'ws'))
    await new Promise((r, j) => ws.once('open', r).once('error', j))
    const frames: { id?: number; result?: string; params?: { result: { payload: string } } }[] = []
    let wake = (): void => undefined
    ws.on('message', (d) => {
      frames.push(JSON.parse(d.toString()))
      wake()
    })
    const next = async (pred: (f: (typeof frames)[number]) => boolean) => {
      for (;;) {
        const f = frames.find(pred)
        if (f) return f
        await new Promise<void>((r) => (wake = r))
      }
    }
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'shh_subscribe', params: ['messages', { symKeyID: keyId, topics: [topic] }] }))
    expect((await next((f) => f.id === 7)).result).toMatch(/^0x[0-9a-f]+$/)
    const payload = '0x' + Buffer.from('over rpc').toString('hex')
    expect((await call('shh_post', [{ symKeyID: keyId, topic, payload, ttl: 30, powTarget: 0.01, powTime: 1 }])).result).toMatch(/^0x[0-9a-f]{64}$/)
    expect((await next((f) => f.params !== undefined)).params!.result.payload).toBe(payload)
    const polled = (await call('shh_getFilterMessages', [filter])).result as { payload: string }[]
    expect(polled.map((m) => m.payload)).toEqual([payload])
    ws.close()
  })
})
