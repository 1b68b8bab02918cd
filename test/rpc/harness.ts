// Real WhisperNodes on 127.0.0.1 served over JSON-RPC (HTTP and WebSocket), and small clients.
import WebSocket from 'ws'
import { WhisperNode, type NodeOptions } from '../../src/node/index.js'
import { attachRpc, type AttachedRpc, type AttachRpcOptions } from '../../src/rpc/attach.js'

export interface RpcNode {
  node: WhisperNode
  rpc: AttachedRpc
  url: string
  wsUrl: string
  close(): Promise<void>
}

export async function startRpcNode(
  nodeOpts: NodeOptions = {},
  rpcOpts: Partial<Omit<AttachRpcOptions, 'node'>> = {},
): Promise<RpcNode> {
  const node = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, verbosity: 0, sealThreads: 1, minPow: 0.01, ...nodeOpts })
  await node.start()
  const rpc = await attachRpc({ node, rpcAddr: { host: '127.0.0.1', port: 0 }, clientId: 'p2pmessage-test/v0', ...rpcOpts })
  const ep = rpc.endpoint!
  return {
    node,
    rpc,
    url: ep.url,
    wsUrl: ep.wsUrl,
    async close() {
      await rpc.close()
      await node.stop()
    },
  }
}

/** Two nodes, B dialling A over RLPx, both connected once this resolves. */
export async function startPair(nodeOpts: NodeOptions = {}): Promise<[RpcNode, RpcNode]> {
  const a = await startRpcNode(nodeOpts)
  const b = await startRpcNode({ ...nodeOpts, staticPeers: [a.node.enode] })
  await Promise.all([a.node.waitForPeer(20_000), b.node.waitForPeer(20_000)])
  return [a, b]
}

export interface RpcResponse {
  jsonrpc: string
  id: unknown
  result?: any
  error?: { code: number; message: string }
}

let nextId = 1

export interface RpcClient {
  call(method: string, params?: unknown[]): Promise<RpcResponse>
  close(): Promise<void>
}

export function httpClient(url: string): RpcClient {
  return {
    async call(method, params = []) {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
      })
      return (await r.json()) as RpcResponse
    },
    async close() {},
  }
}

export class WsRpcClient implements RpcClient {
  readonly ws: WebSocket
  private readonly pending = new Map<unknown, (r: RpcResponse) => void>()
  readonly notifications: { subscription: string; result: any }[] = []
  private waiters: (() => void)[] = []
  private readonly opened: Promise<void>

  constructor(url: string) {
    this.ws = new WebSocket(url)
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve())
      this.ws.once('error', reject)
    })
    this.ws.on('message', (data) => {
      const msg = JSON.parse(data.toString())
      if (typeof msg.method === 'string' && msg.method.endsWith('_subscription')) {
        this.notifications.push(msg.params)
        this.waiters.splice(0).forEach((w) => w())
        return
      }
      const cb = this.pending.get(msg.id)
      this.pending.delete(msg.id)
      cb?.(msg)
    })
  }

  async call(method: string, params: unknown[] = []): Promise<RpcResponse> {
    await this.opened
    const id = nextId++
    return new Promise((resolve) => {
      this.pending.set(id, resolve)
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }))
    })
  }

  /** Waits for a notification matching `pred` (up to `timeoutMs`). */
  async notification(pred: (n: { subscription: string; result: any }) => boolean, timeoutMs = 30_000): Promise<{ subscription: string; result: any }> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = this.notifications.find(pred)
      if (hit) return hit
      if (Date.now() > deadline) throw new Error('no matching notification')
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200)
        this.waiters.push(() => {
          clearTimeout(t)
          r()
        })
      })
    }
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return
    await new Promise<void>((resolve) => {
      this.ws.once('close', () => resolve())
      this.ws.close()
    })
  }
}

/** Polls `f` until it returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(f: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await f()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 100))
  }
}
