// JSON-RPC 2.0 server machinery with go-ethereum v1.9.7's behaviour (rpc/json.go, handler.go,
// service.go, subscription.go): positional parameters decoded with Go's rules and messages
// ("invalid argument 0: ...", "missing value for required argument 0", "too many arguments, want at
// most 1"), "the method X does not exist/is not available" (-32601), "parse error" (-32700),
// "invalid request" / "empty batch" (-32600), ids echoed byte for byte, `<ns>_subscribe` /
// `<ns>_unsubscribe` with notifications sent as `<ns>_subscription` after the subscribe answer.
// Beyond geth v1.9.7 (from later geth): a batch item limit ("batch too large", -32600) and a batch
// response size limit ("response too large", -32003), since one batch must not buy unbounded work.
// Like geth, the "jsonrpc" member is not checked, and `"id": null` is a call, not a notification.
import { randomBytes } from 'node:crypto'
import { decodeFirstValue, encodeJson, JsonSyntaxError, type JsonValue } from './gojson.js'
import { decodeArg, isGoDecodeError, T, type GoType } from './gotypes.js'
import {
  CODE_DEFAULT,
  CODE_INVALID_REQUEST,
  CODE_RESPONSE_TOO_LARGE,
  ERR_BATCH_TOO_LARGE,
  ERR_NOTIFICATIONS_UNSUPPORTED,
  ERR_RESPONSE_TOO_LARGE,
  ERR_SUBSCRIPTION_NOT_FOUND,
  invalidParams,
  invalidRequest,
  methodNotFound,
  parseError,
  RpcError,
  subscriptionNotFound,
} from './errors.js'

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
  /** diagnostics: method names and errors only, never parameters or results */
  log?: (level: 'debug' | 'warn' | 'error', msg: string) => void
}

/** One request as geth's jsonrpcMessage sees it after json.Unmarshal (type mismatches leave fields empty). */
interface Message {
  /** compact JSON of "id" when present */
  id: string | undefined
  idValid: boolean
  method: string
  params: JsonValue | undefined
  hasError: boolean
  hasResult: boolean
}

const MESSAGE_FIELDS = ['jsonrpc', 'id', 'method', 'params', 'error', 'result'] as const

/** Go's compact() of a scalar: the source text, with Go's HTML-safe escapes inside strings. */
function rawJson(v: JsonValue): string {
  switch (v.kind) {
    case 'string':
      return v.raw.replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
    case 'number':
      return v.raw
    case 'bool':
      return v.value ? 'true' : 'false'
    case 'null':
      return 'null'
    default:
      return encodeJson(null) // arrays/objects are never valid ids; only presence matters
  }
}

function toMessage(v: JsonValue): Message {
  const m: Message = { id: undefined, idValid: false, method: '', params: undefined, hasError: false, hasResult: false }
  if (v.kind !== 'object') return m
  for (const [key, val] of v.entries) {
    const name =
      MESSAGE_FIELDS.find((f) => f === key) ?? MESSAGE_FIELDS.find((f) => f.toLowerCase() === key.toLowerCase())
    switch (name) {
      case 'id':
        m.id = rawJson(val)
        m.idValid = val.kind !== 'object' && val.kind !== 'array'
        break
      case 'method':
        if (val.kind === 'string') m.method = val.value
        break
      case 'params':
        m.params = val
        break
      case 'error':
        m.hasError = val.kind !== 'null'
        break
      case 'result':
        m.hasResult = true
        break
      default:
        break
    }
  }
  return m
}

const isNotification = (m: Message): boolean => m.id === undefined && m.method !== ''
const isCall = (m: Message): boolean => m.idValid && m.method !== ''
const isResponse = (m: Message): boolean => m.idValid && m.method === '' && m.params === undefined && (m.hasResult || m.hasError)
const namespaceOf = (method: string): string => method.split('_', 1)[0]

function errorText(id: string | undefined, code: number, message: string): string {
  return `{"jsonrpc":"2.0","id":${id ?? 'null'},"error":{"code":${code},"message":${encodeJson(message)}}}`
}

function resultText(id: string | undefined, result: unknown): string {
  return `{"jsonrpc":"2.0","id":${id ?? 'null'},"result":${result === undefined ? 'null' : encodeJson(result)}}`
}

/** geth's parsePositionalArguments. */
function parsePositional(params: JsonValue | undefined, types: GoType[]): unknown[] {
  const args: unknown[] = []
  if (params !== undefined && params.kind !== 'null') {
    if (params.kind !== 'array') throw invalidParams('non-array args')
    for (let i = 0; i < params.items.length; i++) {
      if (i >= types.length) throw invalidParams(`too many arguments, want at most ${types.length}`)
      try {
        args.push(decodeArg(params.items[i], types[i]))
      } catch (e) {
        if (isGoDecodeError(e)) throw invalidParams(`invalid argument ${i}: ${e.message}`)
        throw e
      }
    }
  }
  if (args.length < types.length) throw invalidParams(`missing value for required argument ${args.length}`)
  return args
}

/** geth's encodeID: 16 random bytes as an RPC quantity. */
function newSubscriptionId(): string {
  const hex = randomBytes(16).toString('hex').replace(/^0+/, '')
  return '0x' + (hex === '' ? '0' : hex)
}

/** A subscription's notifications wait until the subscribe answer went out (geth's Notifier). */
class Notifier {
  private buffer: string[] = []
  private active = false
  cleanup: (() => void) | null = null
  closed = false

  constructor(
    readonly id: string,
    private readonly namespace: string,
    private readonly send: (text: string) => void,
  ) {}

  notify(data: unknown): void {
    if (this.closed) return
    const text = `{"jsonrpc":"2.0","method":"${this.namespace}_subscription","params":{"subscription":"${this.id}","result":${data === undefined ? 'null' : encodeJson(data)}}}`
    if (this.active) this.send(text)
    else this.buffer.push(text)
  }

  activate(): void {
    if (this.active) return
    this.active = true
    const pending = this.buffer
    this.buffer = []
    for (const t of pending) if (!this.closed) this.send(t)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.buffer = []
    const c = this.cleanup
    this.cleanup = null
    if (c) c()
  }
}

export class RpcServer {
  private readonly methods = new Map<string, MethodDef>()
  private readonly subscriptions = new Map<string, SubscriptionDef>()
  readonly batchLimit: number
  readonly batchResponseMaxSize: number
  readonly maxSubscriptionsPerConnection: number
  readonly log: (level: 'debug' | 'warn' | 'error', msg: string) => void

  constructor(opts: RpcServerOptions = {}) {
    this.batchLimit = opts.batchLimit ?? 100
    this.batchResponseMaxSize = opts.batchResponseMaxSize ?? 25_000_000
    this.maxSubscriptionsPerConnection = opts.maxSubscriptionsPerConnection ?? 1000
    this.log = opts.log ?? (() => {})
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

export class RpcSession {
  private readonly notifiers = new Map<string, Notifier>()
  private closed = false
  private readonly ctx: CallContext

  constructor(
    private readonly server: RpcServer,
    readonly transport: Transport,
    remoteAddress: string | undefined,
    private readonly send: ((text: string) => void) | undefined,
  ) {
    this.ctx = { transport, remoteAddress }
  }

  get subscriptionCount(): number {
    return this.notifiers.size
  }

  /**
   * Handles one incoming text (HTTP body or WebSocket frame); `write` gets the answer, if any, before
   * subscriptions created by it start delivering. Never throws.
   */
  async handle(text: string, write: (text: string) => void): Promise<void> {
    const created: Notifier[] = []
    try {
      const decoded = decodeFirstValue(text)
      if (!decoded.ok) {
        if (this.transport === 'http') {
          // geth: io.EOF (empty body) writes nothing; anything else is "parse error"
          if (decoded.error !== 'eof') write(errorText(undefined, -32700, 'parse error'))
          return
        }
        const msg = decoded.error instanceof JsonSyntaxError ? decoded.error.message : 'unexpected EOF'
        write(errorText(undefined, parseError(msg).code, msg))
        return
      }
      const v = decoded.value
      if (v.kind === 'array') await this.handleBatch(v.items.map(toMessage), write, created)
      else {
        const m = toMessage(v)
        if (this.isImmediate(m)) return
        const answer = await this.handleCallMsg(m, created)
        if (answer !== null) write(answer)
      }
    } catch (e) {
      // only a bug gets here; the caller still deserves an answer
      this.server.log('error', `rpc: internal error: ${e instanceof Error ? e.message : String(e)}`)
      write(errorText(undefined, CODE_DEFAULT, 'internal error'))
    } finally {
      for (const n of created) n.activate()
    }
  }

  /** Ends every subscription of this connection. */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (const n of this.notifiers.values()) this.safeClose(n)
    this.notifiers.clear()
  }

  private safeClose(n: Notifier): void {
    try {
      n.close()
    } catch (e) {
      this.server.log('warn', `rpc: subscription cleanup failed: ${e instanceof Error ? e.message : String(e)}`)
    }
  }

  /** Responses to our own requests and incoming `_subscription` notifications are dropped, as in geth. */
  private isImmediate(m: Message): boolean {
    if (isNotification(m)) return m.method.endsWith('_subscription')
    return isResponse(m)
  }

  private async handleBatch(msgs: Message[], write: (t: string) => void, created: Notifier[]): Promise<void> {
    if (msgs.length === 0) {
      write(errorText(undefined, CODE_INVALID_REQUEST, 'empty batch'))
      return
    }
    if (msgs.length > this.server.batchLimit) {
      const first = msgs.find(isCall)
      write(`[${errorText(first?.id, CODE_INVALID_REQUEST, ERR_BATCH_TOO_LARGE)}]`)
      return
    }
    const calls = msgs.filter((m) => !this.isImmediate(m))
    if (calls.length === 0) return
    const answers: string[] = []
    let size = 0
    let i = 0
    for (; i < calls.length; i++) {
      const answer = await this.handleCallMsg(calls[i], created)
      if (answer === null) continue
      answers.push(answer)
      size += answer.length
      if (size > this.server.batchResponseMaxSize) {
        // like later geth: the answer that crossed the limit and all later calls get the error
        answers.pop()
        answers.push(errorText(calls[i].id, CODE_RESPONSE_TOO_LARGE, ERR_RESPONSE_TOO_LARGE))
        for (let j = i + 1; j < calls.length; j++) {
          if (!isNotification(calls[j])) answers.push(errorText(calls[j].id, CODE_RESPONSE_TOO_LARGE, ERR_RESPONSE_TOO_LARGE))
        }
        break
      }
    }
    if (answers.length > 0) write(`[${answers.join(',')}]`)
  }

  private async handleCallMsg(m: Message, created: Notifier[]): Promise<string | null> {
    if (isNotification(m)) {
      await this.handleCall(m, created)
      return null
    }
    if (isCall(m)) return this.handleCall(m, created)
    if (m.idValid) return errorText(m.id, CODE_INVALID_REQUEST, 'invalid request')
    return errorText(undefined, CODE_INVALID_REQUEST, 'invalid request')
  }

  private async handleCall(m: Message, created: Notifier[]): Promise<string> {
    try {
      if (m.method.endsWith('_subscribe')) return resultText(m.id, await this.subscribe(m, created))
      if (m.method.endsWith('_unsubscribe')) {
        const [id] = parsePositional(m.params, [T.rpcId]) as [string]
        return resultText(m.id, this.unsubscribe(id))
      }
      const def = this.server.method(m.method)
      if (!def) throw methodNotFound(m.method)
      const args = parsePositional(m.params, def.params)
      const result = await def.call(args, this.ctx)
      this.server.log('debug', `rpc: served ${m.method}`)
      return resultText(m.id, result)
    } catch (e) {
      return this.errorAnswer(m, e)
    }
  }

  private errorAnswer(m: Message, e: unknown): string {
    if (e instanceof RpcError) {
      this.server.log('debug', `rpc: ${m.method} failed: ${e.message}`)
      return errorText(m.id, e.code, e.message)
    }
    if (e instanceof Error && !(e instanceof TypeError) && !(e instanceof RangeError) && !(e instanceof ReferenceError)) {
      this.server.log('debug', `rpc: ${m.method} failed: ${e.message}`)
      return errorText(m.id, CODE_DEFAULT, e.message)
    }
    // geth recovers panics in handlers with this message
    this.server.log('error', `rpc: method ${m.method} crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
    return errorText(m.id, CODE_DEFAULT, 'method handler crashed')
  }

  /** geth's handleSubscribe. */
  private async subscribe(m: Message, created: Notifier[]): Promise<string> {
    if (!this.send || this.closed) throw new Error(ERR_NOTIFICATIONS_UNSUPPORTED)
    const p = m.params
    if (p === undefined || p.kind !== 'array') throw invalidParams('non-array args')
    const first = p.items[0]
    if (first === undefined || first.kind !== 'string') throw invalidParams('expected subscription name as first argument')
    const namespace = namespaceOf(m.method)
    const def = this.server.subscription(namespace, first.value)
    if (!def) throw subscriptionNotFound(namespace, first.value)
    const args = parsePositional(p, [T.string, ...def.params]).slice(1)
    if (this.notifiers.size >= this.server.maxSubscriptionsPerConnection) {
      throw new Error(`too many subscriptions on this connection (${this.server.maxSubscriptionsPerConnection})`)
    }
    const n = new Notifier(newSubscriptionId(), namespace, this.send)
    const cleanup = await def.subscribe(args, (data) => n.notify(data), this.ctx)
    n.cleanup = cleanup
    if (this.closed) {
      // the connection went away while the subscription was being set up
      this.safeClose(n)
      throw new Error(ERR_NOTIFICATIONS_UNSUPPORTED)
    }
    this.notifiers.set(n.id, n)
    created.push(n)
    return n.id
  }

  /** geth's handler.unsubscribe (any `<ns>_unsubscribe`, for this connection's subscriptions). */
  private unsubscribe(id: string): boolean {
    const n = this.notifiers.get(id)
    if (!n) throw new Error(ERR_SUBSCRIPTION_NOT_FOUND)
    this.notifiers.delete(id)
    this.safeClose(n)
    return true
  }
}

