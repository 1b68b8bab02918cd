// JSON-RPC 2.0 server machinery with go-ethereum v1.9.7's behaviour (rpc/json.go, handler.go,
// service.go, subscription.go): positional parameters decoded with Go's rules and messages
// ("invalid argument 0: ...", "missing value for required argument 0", "too many arguments, want at
// most 1"), "the method X does not exist/is not available" (-32601), "parse error" (-32700),
// "invalid request" / "empty batch" (-32600), ids echoed byte for byte, `<ns>_subscribe` /
// `<ns>_unsubscribe` with notifications sent as `<ns>_subscription` after the subscribe answer.
// Beyond geth v1.9.7 (from later geth): a batch item limit ("batch too large", -32600) and a batch
// response size limit ("response too large", -32003), since one batch must not buy unbounded work.
// Like geth, the "jsonrpc" member is not checked, and `"id": null` is a call, not a notification.
import { Logger, LogLevel, type LogSink } from '../log/log.js'
import type { GoType } from './gotypes.js'
import { namespaceOf } from './messages.js'
import { RpcSession } from './session.js'

export type Transport = 'http' | 'ws'

export interface CallContext {
  readonly transport: Transport
  readonly remoteAddress?: string
}

export interface MethodDef {
  /** Go parameter types, positional; all required (geth's non-pointer arguments). */
  params: GoType[]
  call(args: unknown[], ctx: CallContext): unknown
}

export interface SubscriptionDef {
  /** parameter types after the subscription name */
  params: GoType[]
  /**
   * Validates the arguments (throw to refuse) and starts delivering through `notify`. Returns what to
   * run when the subscription ends (unsubscribe or connection closed).
   */
  subscribe(args: unknown[], notify: (data: unknown) => void, ctx: CallContext): (() => void) | Promise<() => void>
}

export interface RpcServerOptions {
  /** most requests in one batch (default 100) */
  batchLimit?: number
  /** most bytes of results in one batch answer (default 25 MB, as later geth) */
  batchResponseMaxSize?: number
  /** most live subscriptions on one connection (default 1000) */
  maxSubscriptionsPerConnection?: number
  /** the shared log sink (src/log) for diagnostics: method names and errors only, never parameters or results */
  log?: LogSink
}

export class RpcServer {
  private readonly methods = new Map<string, MethodDef>()
  private readonly subscriptions = new Map<string, SubscriptionDef>()
  readonly batchLimit: number
  readonly batchResponseMaxSize: number
  readonly maxSubscriptionsPerConnection: number
  readonly log: Logger

  constructor(opts: RpcServerOptions = {}) {
    this.batchLimit = opts.batchLimit ?? 100
    this.batchResponseMaxSize = opts.batchResponseMaxSize ?? 25_000_000
    this.maxSubscriptionsPerConnection = opts.maxSubscriptionsPerConnection ?? 1000
    // the sink filters by level itself (the node's verbosity)
    this.log = new Logger({ verbosity: LogLevel.trace, sink: opts.log ?? (() => {}), prefix: 'rpc: ' })
    // geth's built-in "rpc" service
    this.register('rpc', 'modules', { params: [], call: () => this.modules() })
  }

  register(namespace: string, name: string, def: MethodDef): void {
    this.methods.set(`${namespace}_${name}`, def)
  }

  registerSubscription(namespace: string, name: string, def: SubscriptionDef): void {
    this.subscriptions.set(`${namespace}\u0000${name}`, def)
  }

  /** rpc_modules: every namespace with a method, at version "1.0" (geth's answer). */
  modules(): Record<string, string> {
    const out: Record<string, string> = {}
    const names = new Set<string>()
    for (const k of this.methods.keys()) names.add(namespaceOf(k))
    for (const k of this.subscriptions.keys()) names.add(k.split('\u0000')[0])
    for (const n of [...names].sort()) out[n] = '1.0'
    return out
  }

  /** The parameter types of a method (for documentation and tests). */
  methodNames(): string[] {
    return [...this.methods.keys()].sort()
  }

  method(name: string): MethodDef | undefined {
    return this.methods.get(name)
  }

  subscription(namespace: string, name: string): SubscriptionDef | undefined {
    return this.subscriptions.get(`${namespace}\u0000${name}`)
  }

  /**
   * A connection. `send` delivers subscription notifications (WebSocket); without it the session is
   * one HTTP request and subscriptions are refused with "notifications not supported".
   */
  session(opts: { transport: Transport; remoteAddress?: string; send?: (text: string) => void }): RpcSession {
    return new RpcSession(this, opts.transport, opts.remoteAddress, opts.send)
  }

  /** One HTTP request body -> the response body ('' when geth would write nothing). */
  async handleHttp(body: string, remoteAddress?: string): Promise<string> {
    const s = this.session({ transport: 'http', remoteAddress })
    let out = ''
    await s.handle(body, (t) => {
      out = t
    })
    s.close()
    return out
  }
}
