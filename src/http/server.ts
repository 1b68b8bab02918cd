// The HTTP server the bridge and the JSON-RPC endpoint both run on: a small router that applies the
// access policy and the per-address request rate limit to everything it serves, caps connections,
// and bounds header and request times. Routes mounted by other adapters (JSON-RPC under /rpc on the
// bridge's server) get the same protection by registering with `route`/`mount`/`upgrade` instead of
// owning a server. How refusals look is the owner's choice (`errorAnswer`): the bridge answers JSON,
// the standalone JSON-RPC server plain text as geth's net/http does.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { LogLevel, Logger, errorsOnStderr, type LogSink } from '../log/log.js'
import { checkRequest, type AccessDenial, type AccessPolicy } from './access.js'
import { capConnections, endAndDestroy, type CappedConnections } from './conn-caps.js'
import { HttpError } from './json.js'
import { KeyedRateLimiter, type HttpLimits } from './limits.js'

export type Params = Record<string, string>
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, params: Params, url: URL) => void | Promise<void>
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void

export interface RouteOptions {
  /** Public routes (the static chat page) skip the token check; host and origin rules still apply. */
  public?: boolean
}

export interface UpgradeOptions {
  /** `path` and every path below it (the standalone JSON-RPC server takes upgrades anywhere). */
  prefix?: boolean
}

interface Route {
  method: string
  parts: string[] | null // null: prefix mount
  prefix: string
  handler: RouteHandler
  public: boolean
}

/** The body of a refusal (an HttpError thrown by a handler, a denied request or upgrade). */
export type ErrorAnswer = (err: HttpError) => { contentType: string; body: string }

/** `{ "error": { "code", "message" } }` (the bridge's API). */
const jsonErrorAnswer: ErrorAnswer = (err) => ({
  contentType: 'application/json; charset=utf-8',
  body: JSON.stringify({ error: { code: err.code, message: err.message } }),
})

/** Go's http.Error: plain text, the message and a newline. */
export const plainErrorAnswer: ErrorAnswer = (err) => ({ contentType: 'text/plain; charset=utf-8', body: err.message + '\n' })

export interface HttpServerOptions {
  host: string
  port: number
  policy: AccessPolicy
  limits: HttpLimits
  /** the shared log sink (src/log); default: errors on stderr */
  log?: LogSink
  errorAnswer?: ErrorAnswer
  /** time allowed to read one whole request (default 60 s) */
  requestTimeoutMs?: number
  /** time allowed from connecting, or from the last answer, to a whole request head (default 20 s) */
  headersTimeoutMs?: number
}

const INTERNAL = new HttpError(500, 'internal', 'internal error')

export class HttpServer {
  readonly policy: AccessPolicy
  private readonly routes: Route[] = []
  private readonly upgrades: { path: string; prefix: boolean; handler: UpgradeHandler }[] = []
  private readonly requestLimiter: KeyedRateLimiter
  private readonly authFailures: KeyedRateLimiter
  private readonly server: Server
  private readonly host: string
  private readonly port: number
  private readonly closers: (() => void | Promise<void>)[] = []
  private readonly log: Logger
  private readonly errorAnswer: ErrorAnswer
  /** open connections and why others were closed (conn-caps.ts) */
  readonly connections: CappedConnections

  constructor(opts: HttpServerOptions) {
    this.policy = opts.policy
    this.host = opts.host
    this.port = opts.port
    // the sink filters by level itself (the CLI's verbosity)
    this.log = new Logger({ verbosity: LogLevel.trace, sink: opts.log ?? errorsOnStderr })
    this.errorAnswer = opts.errorAnswer ?? jsonErrorAnswer
    this.requestLimiter = new KeyedRateLimiter(opts.limits.requestRate)
    this.authFailures = new KeyedRateLimiter(opts.limits.authFailureRate)
    this.server = createServer((req, res) => void this.handle(req, res))
    const headersTimeoutMs = opts.headersTimeoutMs ?? 20_000
    this.connections = capConnections(this.server, {
      maxConnections: opts.limits.maxHttpConnections,
      maxPerAddress: opts.limits.maxHttpConnectionsPerAddress,
      headersTimeoutMs,
    })
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.handleUpgrade(req, socket, head))
    // header timeout or a malformed request: answer and destroy (a half-closed socket stays open as long
    // as the client wants it to)
    this.server.on('clientError', (_err, socket) => endAndDestroy(socket, 'HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n'))
    this.server.requestTimeout = opts.requestTimeoutMs ?? 60_000
    // Node's own check (every 30 s) stays as a backstop behind capConnections' timer
    this.server.headersTimeout = Math.min(headersTimeoutMs, this.server.requestTimeout)
  }

  /** Registers `METHOD /path/:param/...`. Exact match on segments. */
  route(method: string, pattern: string, handler: RouteHandler, opts: RouteOptions = {}): void {
    const parts = splitPath(pattern)
    this.routes.push({ method: method.toUpperCase(), parts, prefix: pattern, handler, public: !!opts.public })
  }

  /** Every method on `prefix` and below (e.g. '/rpc'; '/' is every path); the handler reads method and path itself. */
  mount(prefix: string, handler: RouteHandler, opts: RouteOptions = {}): void {
    this.routes.push({ method: '*', parts: null, prefix: prefix.replace(/\/+$/, ''), handler, public: !!opts.public })
  }

  /** WebSocket (or other upgrade) path; runs after the access checks and the rate limit passed. */
  upgrade(path: string, handler: UpgradeHandler, opts: UpgradeOptions = {}): void {
    this.upgrades.push({ path: opts.prefix ? path.replace(/\/+$/, '') : path, prefix: !!opts.prefix, handler })
  }

  /** Called on close(), before the server stops (WebSocket servers close their clients here). */
  onClose(fn: () => void | Promise<void>): void {
    this.closers.push(fn)
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err)
      this.server.once('error', onError)
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', onError)
        resolve()
      })
    })
    return this.address()
  }

  address(): AddressInfo {
    const a = this.server.address()
    if (!a || typeof a === 'string') throw new Error('server is not listening')
    return a
  }

  /** Base URL as a user would type it. */
  get url(): string {
    const a = this.address()
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address
    return `http://${host}:${a.port}`
  }

  async close(): Promise<void> {
    for (const fn of this.closers.splice(0)) await fn()
    if (!this.server.listening) return
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://server.invalid')
      const match = this.match(req.method ?? 'GET', url.pathname)
      const denial = this.access(req)
      if (denial && !(match.route?.public && denial.status === 401)) {
        if (denial.status === 401) this.authFailures.take(clientKey(req))
        throw new HttpError(denial.status, denial.code, denial.message)
      }
      if (!this.requestLimiter.take(clientKey(req))) {
        throw new HttpError(429, 'rate-limited', 'too many requests, slow down')
      }
      if (!match.route) {
        if (match.methods.length > 0) {
          res.setHeader('allow', match.methods.join(', '))
          throw new HttpError(405, 'method-not-allowed', `${req.method} is not allowed on ${url.pathname}`)
        }
        throw new HttpError(404, 'not-found', `no such endpoint: ${url.pathname}`)
      }
      await match.route.handler(req, res, match.params, url)
    } catch (err) {
      if (!(err instanceof HttpError)) {
        // the path only: the query may carry the access token
        this.log.error(`${req.method} ${pathOf(req)}: ${err instanceof Error ? err.message : String(err)}`)
      } else {
        this.log.trace(`${req.method} ${pathOf(req)}: ${err.status} ${err.code}`)
      }
      if (err instanceof HttpError && err.closeConnection) {
        // the rest of the request was not read: this connection is done
        res.setHeader('connection', 'close')
        res.once('finish', () => req.socket.destroy())
      }
      if (res.headersSent) res.end()
      else this.sendError(res, err instanceof HttpError ? err : INTERNAL)
    }
  }

  private sendError(res: ServerResponse, err: HttpError): void {
    const { contentType, body } = this.errorAnswer(err)
    res.writeHead(err.status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    })
    res.end(body)
  }

  // The access rules, after a check that the address has not failed the token too often: wrong-token
  // guesses are limited per address (and are not even checked while limited).
  private access(req: IncomingMessage): AccessDenial | null {
    if (this.policy.token !== null && this.authFailures.exhausted(clientKey(req))) {
      return { status: 429, code: 'rate-limited', message: 'too many failed access attempts, wait a moment' }
    }
    return checkRequest(this.policy, req)
  }

  private match(method: string, pathname: string): { route?: Route; params: Params; methods: string[] } {
    const segs = splitPath(pathname)
    const methods: string[] = []
    for (const r of this.routes) {
      if (r.parts === null) {
        if (pathname === r.prefix || pathname.startsWith(r.prefix + '/')) return { route: r, params: {}, methods }
        continue
      }
      const params = matchParts(r.parts, segs)
      if (!params) continue
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return { route: r, params, methods }
      methods.push(r.method)
    }
    return { params: {}, methods }
  }

  private upgradeHandler(path: string): UpgradeHandler | undefined {
    for (const u of this.upgrades) {
      if (path === u.path || (u.prefix && path.startsWith(u.path + '/'))) return u.handler
    }
    return undefined
  }

  private handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy())
    const path = new URL(req.url ?? '/', 'http://server.invalid').pathname
    const handler = this.upgradeHandler(path)
    const denial = this.access(req)
    if (denial?.status === 401) this.authFailures.take(clientKey(req))
    let refusal: HttpError | null = null
    if (!handler) refusal = new HttpError(404, 'not-found', `no WebSocket endpoint at ${path}`)
    else if (denial) refusal = new HttpError(denial.status, denial.code, denial.message)
    else if (!this.requestLimiter.take(clientKey(req))) refusal = new HttpError(429, 'rate-limited', 'too many requests, slow down')
    if (refusal) {
      const { contentType, body } = this.errorAnswer(refusal)
      rejectUpgrade(socket, refusal.status, body, contentType)
      return
    }
    try {
      handler!(req, socket, head)
    } catch (err) {
      this.log.error(`upgrade ${path}: ${err instanceof Error ? err.message : String(err)}`)
      socket.destroy()
    }
  }
}

const REASONS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' }

/** Answers an upgrade request with an HTTP error and closes the socket. */
export function rejectUpgrade(socket: Duplex, status: number, body: string, contentType = 'application/json; charset=utf-8'): void {
  endAndDestroy(
    socket,
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n` +
      `content-type: ${contentType}\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  )
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0]
}

export function clientKey(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown'
}

function splitPath(p: string): string[] {
  return p.split('/').filter((s) => s.length > 0)
}

function matchParts(pattern: string[], segs: string[]): Params | null {
  if (pattern.length !== segs.length) return null
  const params: Params = {}
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]
    if (p.startsWith(':')) {
      let v: string
      try {
        v = decodeURIComponent(segs[i])
      } catch {
        return null
      }
      params[p.slice(1)] = v
    } else if (p !== segs[i]) {
      return null
    }
  }
  return params
}
