// Real nodes and bridges for the bridge's integration tests: WhisperNodes over RLPx on 127.0.0.1 with
// ephemeral ports, no discovery, cheap proof of work; each bridge with its own temporary data dir.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import WebSocket from 'ws'
import { Bridge, type BridgeOptions } from '../../src/bridge/bridge.js'
import type { BridgeLimits } from '../../src/bridge/limits.js'
import type { LogSink } from '../../src/log/log.js'
import { budget } from '../support/budget.js'
import { WhisperNode } from '../../src/node/index.js'
import { generatePrivateKey } from '../../src/whisper/crypto.js'

/** Low enough to seal in a few hashes, and accepted by every node in these tests. */
export const TEST_POW = 0.01

export class Harness {
  private readonly nodes: WhisperNode[] = []
  private readonly bridges: Bridge[] = []
  private readonly dirs: string[] = []
  private readonly sockets: WebSocket[] = []

  /** listen false: a node that only dials out (its enode has port 0) */
  async node(opts: { staticPeers?: string[]; listen?: boolean; log?: LogSink } = {}): Promise<WhisperNode> {
    const node = new WhisperNode({
      ...(opts.listen === false ? {} : { listen: { host: '127.0.0.1', port: 0 } }),
      ...(opts.log ? { logger: opts.log, verbosity: 3 } : { verbosity: 0 }),
      bootnodes: [],
      discovery: false,
      minPow: TEST_POW,
      staticPeers: opts.staticPeers ?? [],
    })
    await node.start()
    this.nodes.push(node)
    return node
  }

  tempDir(): string {
    const d = mkdtempSync(join(tmpdir(), 'p2pmessage-bridge-'))
    this.dirs.push(d)
    return d
  }

  async bridge(node: WhisperNode, opts: Partial<Omit<BridgeOptions, 'limits'>> & { limits?: Partial<BridgeLimits> } = {}): Promise<Bridge> {
    const bridge = await Bridge.start({
      node,
      identity: opts.identity ?? generatePrivateKey(),
      http: { host: '127.0.0.1', port: 0 },
      dataDir: opts.dataDir ?? this.tempDir(),
      post: { ttl: 50, pow: TEST_POW, workTime: 1 },
      ...opts,
    })
    this.bridges.push(bridge)
    return bridge
  }

  /** Two listening nodes, the second dialing the first, each with a bridge. */
  async pair(opts: { limits?: Partial<BridgeLimits> } = {}): Promise<{ a: Bridge; b: Bridge; nodeA: WhisperNode; nodeB: WhisperNode }> {
    const nodeA = await this.node()
    const nodeB = await this.node({ staticPeers: [nodeA.enode] })
    await Promise.all([nodeA.waitForPeer(30_000), nodeB.waitForPeer(30_000)])
    const a = await this.bridge(nodeA, opts)
    const b = await this.bridge(nodeB, opts)
    return { a, b, nodeA, nodeB }
  }

  /** A WebSocket client that records every message; `next` waits for one matching a predicate. */
  async client(bridge: Bridge, opts: { token?: string; autoPong?: boolean; origin?: string } = {}): Promise<WsTestClient> {
    const q = opts.token ? `?token=${opts.token}` : ''
    const ws = new WebSocket(`${bridge.url.replace('http', 'ws')}/ws${q}`, {
      autoPong: opts.autoPong ?? true,
      headers: opts.origin ? { origin: opts.origin } : {},
    })
    this.sockets.push(ws)
    const c = new WsTestClient(ws)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    return c
  }

  async close(): Promise<void> {
    for (const s of this.sockets.splice(0)) s.terminate()
    for (const b of this.bridges.splice(0)) await b.stop()
    for (const n of this.nodes.splice(0)) await n.stop()
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  }
}

export class WsTestClient {
  readonly received: any[] = []
  closed: { code: number; reason: string } | null = null
  private waiters: (() => void)[] = []
  private nextId = 1

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received.push(JSON.parse(data.toString()))
      this.wake()
    })
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() }
      this.wake()
    })
    ws.on('error', () => undefined)
  }

  private wake(): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  send(msg: object): void {
    this.ws.send(JSON.stringify(msg))
  }

  /** Sends with a fresh id and waits for the answer carrying it. */
  async request(msg: object, timeoutMs = 30_000): Promise<any> {
    const id = this.nextId++
    this.send({ ...msg, id })
    return this.next((m) => m.id === id, timeoutMs)
  }

  /** First received message (old or new) matching `pred`, removed from the backlog. */
  async next(pred: (m: any) => boolean, timeoutMs = 30_000): Promise<any> {
    const deadline = Date.now() + budget(timeoutMs)
    for (;;) {
      const i = this.received.findIndex(pred)
      if (i >= 0) return this.received.splice(i, 1)[0]
      if (this.closed) throw new Error(`connection closed (${this.closed.code}) while waiting; got ${JSON.stringify(this.received)}`)
      if (Date.now() > deadline) throw new Error(`timeout waiting; got ${JSON.stringify(this.received)}`)
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(0, Math.min(1000, deadline - Date.now())))
        this.waiters.push(() => {
          clearTimeout(t)
          r()
        })
      })
    }
  }

  async waitClosed(timeoutMs = 30_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('timeout waiting for close')
      await new Promise<void>((r) => {
        const t = setTimeout(r, 1000)
        this.waiters.push(() => {
          clearTimeout(t)
          r()
        })
      })
    }
    return this.closed
  }
}

/** Polls `fn` until it returns something truthy (network delivery takes a moment). */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + budget(timeoutMs)
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > deadline) throw new Error(`timed out: ${what}${last ? ` (last error: ${String(last)})` : ''}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
