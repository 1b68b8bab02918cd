// Where JSON-RPC is served: under `/rpc` on the bridge's server (HTTP POST and WebSocket upgrade,
// behind the bridge's access policy and request rate limit), and on its own address (`--rpc-addr`),
// where every path answers JSON-RPC over HTTP and WebSocket, behind the same access rules as the
// bridge: loopback Host names only when no token is needed, no foreign browser origins, and a token
// (Bearer header or ?token=) required when bound to a non-loopback address.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { checkRequest, createAccessPolicy, type AccessPolicy } from '../bridge/security.js'
import { capConnections, DEFAULT_CONNECTION_CAPS, endAndDestroy } from '../bridge/conn-caps.js'
import { DEFAULT_LIMITS, KeyedRateLimiter } from '../bridge/limits.js'
import type { BridgeHttpServer } from '../bridge/server.js'
import { rpcHttpHandler, type RpcHttpOptions } from './http.js'
import type { RpcServer } from './jsonrpc.js'
import { RpcWsEndpoint, type RpcWsOptions } from './ws.js'

export const RPC_PATH = '/rpc'

export interface RpcTransportOptions {
  http?: RpcHttpOptions
  ws?: RpcWsOptions
}

/** Mounts JSON-RPC at /rpc on a bridge server; the WebSocket endpoint closes with the bridge. */
export function mountRpc(bridgeServer: BridgeHttpServer, server: RpcServer, opts: RpcTransportOptions = {}): RpcWsEndpoint {
  const handler = rpcHttpHandler(server, opts.http)
  bridgeServer.mount(RPC_PATH, (req, res) => handler(req, res))
  const ws = new RpcWsEndpoint(server, opts.ws)
  bridgeServer.upgrade(RPC_PATH, ws.handleUpgrade)
  bridgeServer.onClose(() => ws.close())
  return ws
}

export interface RpcEndpointOptions extends RpcTransportOptions {
  host: string
  port: number
  /** required from clients when bound to a non-loopback address; generated when absent */
  token?: string
  allowedOrigins?: string[]
}

function deny(res: ServerResponse, status: number, message: string): void {
  res.statusCode = status
  res.setHeader('content-type', 'text/plain; charset=utf-8')
  res.setHeader('x-content-type-options', 'nosniff')
  res.end(message + '\n')
}

const REASONS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 429: 'Too Many Requests' }

/** The standalone `--rpc-addr` server. */
export class RpcEndpoint {
  readonly policy: AccessPolicy
  readonly ws: RpcWsEndpoint
  private readonly http: Server

  private constructor(server: RpcServer, opts: RpcEndpointOptions) {
    this.policy = createAccessPolicy({ bindHost: opts.host, token: opts.token, allowedOrigins: opts.allowedOrigins })
    const handler = rpcHttpHandler(server, opts.http)
    this.ws = new RpcWsEndpoint(server, opts.ws)
    // wrong-token guesses per address are limited (and not even checked while limited)
    const failures = new KeyedRateLimiter(DEFAULT_LIMITS.authFailureRate)
    const access = (req: IncomingMessage): { status: number; message: string } | null => {
      const addr = req.socket.remoteAddress ?? ''
      if (this.policy.token !== null && failures.exhausted(addr)) return { status: 429, message: 'too many failed access attempts' }
      const denial = checkRequest(this.policy, req)
      if (denial?.status === 401) failures.take(addr)
      return denial
    }
    this.http = createServer((req: IncomingMessage, res: ServerResponse) => {
      const denial = access(req)
      if (denial) return deny(res, denial.status, denial.message)
      void handler(req, res).catch(() => res.destroy())
    })
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy())
      const denial = access(req)
      if (denial) {
        const body = denial.message + '\n'
        endAndDestroy(socket, 
          `HTTP/1.1 ${denial.status} ${REASONS[denial.status]}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
            `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
        )
        return
      }
      this.ws.handleUpgrade(req, socket, head)
    })
    this.http.on('clientError', (_err, socket) => endAndDestroy(socket, 'HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n'))
    capConnections(this.http, DEFAULT_CONNECTION_CAPS)
    // geth's DefaultHTTPTimeouts: 30 s to read a request
    this.http.requestTimeout = 30_000
    this.http.headersTimeout = 20_000
  }

  static async start(server: RpcServer, opts: RpcEndpointOptions): Promise<RpcEndpoint> {
    const ep = new RpcEndpoint(server, opts)
    await new Promise<void>((resolve, reject) => {
      ep.http.once('error', reject)
      ep.http.listen(opts.port, opts.host, () => {
        ep.http.off('error', reject)
        resolve()
      })
    })
    return ep
  }

  address(): AddressInfo {
    const a = this.http.address()
    if (!a || typeof a === 'string') throw new Error('RPC server is not listening')
    return a
  }

  get url(): string {
    const a = this.address()
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
  }

  get wsUrl(): string {
    return this.url.replace(/^http/, 'ws')
  }

  /** null when no token is needed (loopback without --token) */
  get token(): string | null {
    return this.policy.token
  }

  async close(): Promise<void> {
    await this.ws.close()
    if (!this.http.listening) return
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve())
      this.http.closeAllConnections()
    })
  }
}
