// One JSON-RPC connection (an HTTP request or a WebSocket) as geth v1.9.7's handler serves it
// (rpc/handler.go, subscription.go): single calls and batches, notifications, `<ns>_subscribe` /
// `<ns>_unsubscribe`, and subscription notifications sent only after the subscribe answer went out.
import { randomBytes } from 'node:crypto'
import {
  CODE_DEFAULT,
  CODE_INVALID_REQUEST,
  CODE_RESPONSE_TOO_LARGE,
  ERR_BATCH_TOO_LARGE,
  ERR_NOTIFICATIONS_UNSUPPORTED,
  ERR_RESPONSE_TOO_LARGE,
  ERR_SUBSCRIPTION_NOT_FOUND,
  invalidParams,
  methodNotFound,
  parseError,
  RpcError,
  subscriptionNotFound,
} from './errors.js'
import { decodeFirstValue, encodeJson, JsonSyntaxError } from './gojson.js'
import { T } from './gotypes.js'
import type { CallContext, RpcServer, Transport } from './jsonrpc.js'
import { errorText, isCall, isNotification, isResponse, namespaceOf, parsePositional, resultText, toMessage, type Message } from './messages.js'

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
      this.server.log.error(`internal error: ${e instanceof Error ? e.message : String(e)}`)
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
      this.server.log.warn(`subscription cleanup failed: ${e instanceof Error ? e.message : String(e)}`)
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
      this.server.log.debug(`served ${m.method}`)
      return resultText(m.id, result)
    } catch (e) {
      return this.errorAnswer(m, e)
    }
  }

  private errorAnswer(m: Message, e: unknown): string {
    if (e instanceof RpcError) {
      this.server.log.debug(`${m.method} failed: ${e.message}`)
      return errorText(m.id, e.code, e.message)
    }
    if (e instanceof Error && !(e instanceof TypeError) && !(e instanceof RangeError) && !(e instanceof ReferenceError)) {
      this.server.log.debug(`${m.method} failed: ${e.message}`)
      return errorText(m.id, CODE_DEFAULT, e.message)
    }
    // geth recovers panics in handlers with this message
    this.server.log.error(`method ${m.method} crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
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
