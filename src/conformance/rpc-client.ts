// A minimal JSON-RPC 2.0 client for the node under test (geth-style shh API) over HTTP or WebSocket.
// Errors keep the server's code and message (RpcCallError); transport failures are RpcTransportError,
// which the suite reads as "the node stopped answering".
import WebSocket from 'ws'

export class RpcCallError extends Error {
  constructor(readonly code: number, message: string) {
    super(message)
    this.name = 'RpcCallError'
  }
}

/**
 * The node's JSON-RPC endpoint did not answer (refused, closed, timed out): runSuite rejects with it when
 * `rpc` is unreachable.
 */
export class RpcTransportError extends Error {
  /** An error with its one-line message. */
  constructor(message: string) {
    super(message)
    this.name = 'RpcTransportError'
  }
}

interface Pending {
  resolve: (v: unknown) => void
  reject: (e: Error) => void
  timer: NodeJS.Timeout
}

export class RpcClient {
  readonly url: string
  readonly isWebSocket: boolean
  private ws: WebSocket | null = null
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly subs = new Map<string, (result: unknown) => void>()

  private constructor(url: string, private readonly timeoutMs: number) {
    this.url = url
    this.isWebSocket = /^wss?:/i.test(url)
  }

  static async connect(url: string, timeoutMs: number): Promise<RpcClient> {
    if (!/^(https?|wss?):\/\//i.test(url)) throw new RpcTransportError(`--rpc ${url}: expected an http://, https://, ws:// or wss:// URL`)
    const c = new RpcClient(url, timeoutMs)
    if (c.isWebSocket) await c.openWs()
    return c
  }

  private openWs(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, { handshakeTimeout: this.timeoutMs })
      ws.once('open', () => {
        this.ws = ws
        resolve()
      })
      ws.once('error', (err) => reject(new RpcTransportError(`cannot open ${this.url}: ${err.message}`)))
      ws.on('message', (data) => this.onMessage(String(data)))
      ws.on('close', () => {
        for (const [, p] of this.pending) {
          clearTimeout(p.timer)
          p.reject(new RpcTransportError('the WebSocket closed'))
        }
        this.pending.clear()
      })
    })
  }

  private onMessage(text: string): void {
    let msg: { id?: number; result?: unknown; error?: { code: number; message: string }; method?: string; params?: { subscription: string; result: unknown } }
    try {
      msg = JSON.parse(text)
    } catch {
      return
    }
    if (msg.method?.endsWith('_subscription') && msg.params) {
      this.subs.get(msg.params.subscription)?.(msg.params.result)
      return
    }
    if (typeof msg.id !== 'number') return
    const p = this.pending.get(msg.id)
    if (!p) return
    this.pending.delete(msg.id)
    clearTimeout(p.timer)
    if (msg.error) p.reject(new RpcCallError(msg.error.code, msg.error.message))
    else p.resolve(msg.result)
  }

  /** Calls a method; rejects RpcCallError (a JSON-RPC error answer) or RpcTransportError (no answer). */
  async call<T = unknown>(method: string, params: unknown[]): Promise<T> {
    const id = this.nextId++
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params })
    if (this.ws) {
      if (this.ws.readyState !== WebSocket.OPEN) throw new RpcTransportError('the WebSocket is closed')
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.pending.delete(id)
          reject(new RpcTransportError(`no answer to ${method} within ${this.timeoutMs / 1000} s`))
        }, this.timeoutMs)
        this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer })
        this.ws!.send(body)
      })
    }
    let res: Response
    try {
      res = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(this.timeoutMs) })
    } catch (err) {
      throw new RpcTransportError(`${method}: ${(err as Error).message}`)
    }
    const text = await res.text().catch(() => '')
    let msg: { result?: T; error?: { code: number; message: string } }
    try {
      msg = JSON.parse(text)
    } catch {
      throw new RpcTransportError(`${method}: HTTP ${res.status}, not JSON: ${JSON.stringify(text.slice(0, 80))}`)
    }
    if (msg.error) throw new RpcCallError(msg.error.code, msg.error.message)
    return msg.result as T
  }

  /** shh_subscribe over WebSocket; resolves the subscription id. */
  async subscribe(params: unknown[], onResult: (r: unknown) => void): Promise<string> {
    if (!this.ws) throw new RpcTransportError('subscriptions need a WebSocket URL')
    const id = await this.call<string>('shh_subscribe', params)
    this.subs.set(id, onResult)
    return id
  }

  close(): void {
    this.ws?.close()
    this.ws = null
  }
}
