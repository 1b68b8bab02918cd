// Where JSON-RPC is served: under `/rpc` on the bridge's server (HTTP POST and WebSocket upgrade),
// and on its own address (`--rpc-addr`), where every path answers JSON-RPC over HTTP and WebSocket.
// Both run on the HTTP server of src/http, so both have the same access rules (loopback Host names
// only when no token is needed, no foreign browser origins, a token (Bearer header or ?token=)
// required when bound to a non-loopback address, wrong tokens limited per address), the same
// per-address request rate limit and the same connection caps.
import type { AddressInfo } from 'node:net'
import { createAccessPolicy, type AccessPolicy } from '../http/access.js'
import { resolveHttpLimits, type HttpLimits } from '../http/limits.js'
import { HttpServer, plainErrorAnswer } from '../http/server.js'
import type { LogSink } from '../log/log.js'
import { rpcHttpHandler, type RpcHttpOptions } from './http.js'
import type { RpcServer } from './jsonrpc.js'
import { RpcWsEndpoint, type RpcWsOptions } from './ws.js'

const RPC_PATH = '/rpc'

export interface RpcTransportOptions {
  http?: RpcHttpOptions
  ws?: RpcWsOptions
}

/** Mounts JSON-RPC at /rpc on a server (the bridge's); the WebSocket endpoint closes with it. */
export function mountRpc(httpServer: HttpServer, server: RpcServer, opts: RpcTransportOptions = {}): RpcWsEndpoint {
  const handler = rpcHttpHandler(server, opts.http)
  httpServer.mount(RPC_PATH, (req, res) => handler(req, res))
  const ws = new RpcWsEndpoint(server, opts.ws)
  httpServer.upgrade(RPC_PATH, ws.handleUpgrade)
  httpServer.onClose(() => ws.close())
  return ws
}

export interface RpcEndpointOptions extends RpcTransportOptions {
  host: string
  port: number
  /** required from clients when bound to a non-loopback address; generated when absent */
  token?: string
  allowedOrigins?: string[]
  /** request rate, token failures and connections per address (default: the bridge's) */
  limits?: Partial<HttpLimits>
  /** the shared log sink (src/log); default: errors on stderr */
  log?: LogSink
}

/** geth's DefaultHTTPTimeouts: 30 s to read a request. */
const READ_TIMEOUT_MS = 30_000

/** The standalone `--rpc-addr` server. */
export class RpcEndpoint {
  readonly ws: RpcWsEndpoint
  private readonly http: HttpServer

  private constructor(server: RpcServer, opts: RpcEndpointOptions) {
    this.http = new HttpServer({
      host: opts.host,
      port: opts.port,
      policy: createAccessPolicy({ bindHost: opts.host, token: opts.token, allowedOrigins: opts.allowedOrigins }),
      limits: resolveHttpLimits(opts.limits),
      log: opts.log,
      // refusals as geth's net/http writes them
      errorAnswer: plainErrorAnswer,
      requestTimeoutMs: READ_TIMEOUT_MS,
    })
    const handler = rpcHttpHandler(server, opts.http)
    this.http.mount('/', (req, res) => handler(req, res))
    this.ws = new RpcWsEndpoint(server, opts.ws)
    this.http.upgrade('/', this.ws.handleUpgrade, { prefix: true })
    this.http.onClose(() => this.ws.close())
  }

  static async start(server: RpcServer, opts: RpcEndpointOptions): Promise<RpcEndpoint> {
    const ep = new RpcEndpoint(server, opts)
    await ep.http.listen()
    return ep
  }

  get policy(): AccessPolicy {
    return this.http.policy
  }

  address(): AddressInfo {
    return this.http.address()
  }

  get url(): string {
    return this.http.url
  }

  get wsUrl(): string {
    return this.url.replace(/^http/, 'ws')
  }

  /** null when no token is needed (loopback without --token) */
  get token(): string | null {
    return this.policy.token
  }

  async close(): Promise<void> {
    await this.http.close()
  }
}
