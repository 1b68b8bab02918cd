// JSON-RPC over WebSocket (geth v1.9.7 rpc/websocket.go): every frame (text or binary) is one request
// or batch, answered on the same connection, where subscriptions (`shh_subscribe`) deliver their
// notifications; closing the connection ends its subscriptions. Frames over 5 MiB close the
// connection (1009), as geth's read limit. Requests of one connection run concurrently as in geth,
// at most `maxInFlight` at a time; a client that queues more than `maxQueued` unanswered frames, or
// does not read its answers (`maxBufferedBytes` unsent), is disconnected.
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import type { RpcServer } from './jsonrpc.js'
import type { RpcSession } from './session.js'
import { MAX_REQUEST_CONTENT_LENGTH } from './http.js'

export interface RpcWsOptions {
  maxMessageBytes?: number
  maxBufferedBytes?: number
  maxInFlight?: number
  maxQueued?: number
  maxConnections?: number
}

export class RpcWsEndpoint {
  private readonly wss: WebSocketServer
  private readonly maxBufferedBytes: number
  private readonly maxInFlight: number
  private readonly maxQueued: number
  private readonly maxConnections: number
  private readonly sockets = new Set<WebSocket>()
  private closed = false

  constructor(
    private readonly server: RpcServer,
    opts: RpcWsOptions = {},
  ) {
    this.maxBufferedBytes = opts.maxBufferedBytes ?? 16 * 1024 * 1024
    this.maxInFlight = opts.maxInFlight ?? 16
    this.maxQueued = opts.maxQueued ?? 1024
    this.maxConnections = opts.maxConnections ?? 256
    this.wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxMessageBytes ?? MAX_REQUEST_CONTENT_LENGTH, perMessageDeflate: false })
  }

  get size(): number {
    return this.sockets.size
  }

  /** For an http server's 'upgrade' event (or the bridge's `upgrade(path, ...)`), after access checks. */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (this.closed || this.sockets.size >= this.maxConnections) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n')
      return
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws, req))
  }

  private serve(ws: WebSocket, req: IncomingMessage): void {
    this.sockets.add(ws)
    const remote = req.socket.remoteAddress ? `${req.socket.remoteAddress}:${req.socket.remotePort}` : undefined
    const send = (text: string): void => {
      if (ws.readyState !== ws.OPEN) return
      if (ws.bufferedAmount > this.maxBufferedBytes) {
        ws.close(1008, 'too slow: answers are not being read')
        return
      }
      // geth's json.Encoder ends every value with a newline
      ws.send(text + '\n')
    }
    const session: RpcSession = this.server.session({ transport: 'ws', remoteAddress: remote, send })
    const queue: string[] = []
    let inFlight = 0
    const pump = (): void => {
      while (inFlight < this.maxInFlight && queue.length > 0) {
        const text = queue.shift() as string
        inFlight++
        void session.handle(text, send).finally(() => {
          inFlight--
          pump()
        })
      }
    }
    ws.on('message', (data: RawData) => {
      if (queue.length >= this.maxQueued) {
        ws.close(1008, 'too many pending requests')
        return
      }
      queue.push(rawToString(data))
      pump()
    })
    ws.on('error', () => ws.terminate())
    ws.on('close', () => {
      queue.length = 0
      this.sockets.delete(ws)
      session.close()
    })
  }

  /** Closes every connection (their subscriptions end). */
  async close(): Promise<void> {
    this.closed = true
    const done: Promise<void>[] = []
    for (const ws of this.sockets) {
      const kill = setTimeout(() => ws.terminate(), 1000)
      done.push(
        new Promise((resolve) =>
          ws.once('close', () => {
            clearTimeout(kill)
            resolve()
          }),
        ),
      )
      ws.close(1001, 'server shutting down')
    }
    await Promise.all(done)
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
  }
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}
