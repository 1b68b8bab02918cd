// `--metrics host:port`: the node's metrics (collect.ts) in Prometheus text format at /metrics, and
// /healthz, on the project's HTTP server (src/http/), so the access rules are the bridge's: on loopback
// only loopback Host names are served; bound elsewhere every request needs the token (--token, or one
// generated and printed), as a Prometheus scrape config can send it (`authorization: credentials`).
// prom-client is loaded here, when metrics are asked for, so a node without --metrics never loads it.
import type { AddressInfo } from 'node:net'
import { createAccessPolicy } from '../http/access.js'
import { DEFAULT_HTTP_LIMITS } from '../http/limits.js'
import { HttpError } from '../http/json.js'
import { HttpServer, plainErrorAnswer } from '../http/server.js'
import type { LogSink } from '../log/log.js'
import { nodeMetrics, type MetricsSources } from './collect.js'

export interface MetricsServerOptions extends MetricsSources {
  host: string
  port: number
  /** required beyond loopback; generated when absent there */
  token?: string
  log?: LogSink
}

export interface MetricsServer {
  readonly url: string
  /** the token requests must carry, or null on loopback without one */
  readonly token: string | null
  readonly generatedToken: boolean
  address(): AddressInfo
  close(): Promise<void>
}

export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const prom = await import('prom-client')
  const { registry, refresh } = nodeMetrics(prom, opts)
  const policy = createAccessPolicy({ bindHost: opts.host, token: opts.token })
  const http = new HttpServer({ host: opts.host, port: opts.port, policy, limits: DEFAULT_HTTP_LIMITS, log: opts.log, errorAnswer: plainErrorAnswer })
  http.route('GET', '/metrics', async (_req, res) => {
    refresh()
    const body = await registry.metrics()
    res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' })
    res.end(body)
  })
  http.route('GET', '/healthz', (_req, res) => {
    if (!opts.node.running) throw new HttpError(503, 'unavailable', 'node is not running')
    const body = 'ok\n'
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' })
    res.end(body)
  })
  await http.listen()
  return {
    get url() {
      return http.url
    },
    token: policy.token,
    generatedToken: policy.generatedToken,
    address: () => http.address(),
    close: () => http.close(),
  }
}
