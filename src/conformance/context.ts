// What every check gets: connections to the node under test (each a fresh node id, closed when the
// check ends), what the node said on a baseline connection (hello, status), a shared observer
// connection that sees what the node forwards, valid envelopes sealed for the node's PoW, and the
// node's JSON-RPC when --rpc was given. A connection the node refuses for want of a peer slot marks
// the check's scope as refused (peer-slots.ts): the runner then retries the check instead of judging it.
import type { Enode } from '../p2p/enode.js'
import type { ProbeClose, RemoteHello } from '../p2p/probe-connection.js'
import { closeText, RawShhConnection, type RawPacket } from '../p2p/raw-shh-connection.js'
import { fullBloom } from '../whisper/bloom.js'
import { toHex } from '../whisper/bytes.js'
import { randomBytes } from '../whisper/crypto.js'
import { envelopeHash, envelopePow, type Envelope, type ShhVersion } from '../whisper/envelope.js'
import { decodeMessages, decodeStatus, encodeMessages, encodeStatus, MESSAGE_CODES, type Status } from '../whisper/packets.js'
import { sealMessage } from '../whisper/seal.js'
import { NoPeerSlot, PeerSlots, refusedForSlot } from './peer-slots.js'
import type { RpcClient } from './rpc-client.js'
import { SkipCheck } from './types.js'

export interface SuiteOptions {
  target: Enode
  shh: ShhVersion
  timeoutMs: number
  /** PoW of our valid envelopes when the node does not announce its minimum (shh/5, no --rpc) */
  pow: number
  rpc: RpcClient | null
  /** the node's mail server password (--mail-password): null = the mail group is skipped */
  mailPassword?: string | null
  /** the run's connection count, shared by the contexts of every shh version */
  slots?: PeerSlots
}

/** One check's connections (or the suite's own, for the root context). */
interface Scope {
  open: Set<RawShhConnection>
  /** set by cleanup(): a check that outlived its time may not open more */
  finished: boolean
  /** the node refused one of this scope's connections with TOO_MANY_PEERS */
  refusedSlot: boolean
  /** rejects with NoPeerSlot at the first such refusal */
  refused: Promise<never>
  refuse: () => void
}

function newScope(): Scope {
  let reject!: (e: Error) => void
  const refused = new Promise<never>((_, rej) => (reject = rej))
  refused.catch(() => undefined)
  const scope: Scope = {
    open: new Set(),
    finished: false,
    refusedSlot: false,
    refused,
    refuse: () => {
      scope.refusedSlot = true
      reject(new NoPeerSlot())
    },
  }
  return scope
}

export interface NodeView {
  hello: RemoteHello
  /** the node's status payload and what it decodes to */
  statusPayload: Uint8Array
  status: Status
  /** why the status did not decode as geth's handshake reads it (null: it did) */
  statusError: string | null
  /** the node sent its status only after ours */
  statusInReplyOnly: boolean
  /** ms from our side of the session being up to the node's status arriving (our status withheld) */
  statusDelayMs: number
  /** the PoW our envelopes must reach: v6 status, else shh_info over RPC, else --pow */
  minPow: number
  minPowSource: string
  /** bytes: shh_info over RPC, else geth's default */
  maxMessageSize: number
  maxMessageSizeSource: string
}

export interface StatusFields {
  minPow?: number
  bloom?: Uint8Array | null
  lightNode?: boolean
}

const DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024

export class SuiteContext {
  readonly shh: ShhVersion
  readonly target: Enode
  readonly timeoutMs: number
  readonly rpc: RpcClient | null
  readonly mailPassword: string | null
  readonly slots: PeerSlots
  node!: NodeView
  private observerConn: RawShhConnection | null = null
  private scope: Scope = newScope()
  private readonly powFlag: number

  constructor(opts: SuiteOptions) {
    this.shh = opts.shh
    this.target = opts.target
    this.timeoutMs = opts.timeoutMs
    this.rpc = opts.rpc
    this.mailPassword = opts.mailPassword ?? null
    this.powFlag = opts.pow
    this.slots = opts.slots ?? new PeerSlots()
  }

  /**
   * Opens the baseline connection and reads the node's status with ours withheld (a node must not
   * wait for ours); when none comes within 3 s ours is sent, so that the other checks can still run.
   * Then opens the observer. Throws NoPeerSlot when the node has no slot for either.
   */
  async init(): Promise<void> {
    const c = await this.connect({ status: 'none' })
    const hello = await c.hello.catch(async (err: Error) => {
      throw refusedForSlot(await c.waitClosed(0)) ? new NoPeerSlot() : err
    })
    const withheldMs = Math.min(3000, this.timeoutMs)
    let first = await c.waitPacket(() => true, withheldMs)
    let statusInReplyOnly = false
    if (!first && c.isOpen) {
      c.send(0, this.ourStatus())
      first = await c.waitPacket(() => true, this.timeoutMs)
      statusInReplyOnly = first !== null
    }
    if (!first && refusedForSlot(await c.waitClosed(0))) throw new NoPeerSlot()
    if (!first) throw new Error(`shh/${this.shh}: no status from the node within ${this.timeoutMs / 1000} s of the hellos (${c.isOpen ? 'still connected' : 'it closed the connection'})`)
    if (first.code !== 0) throw new Error(`shh/${this.shh}: the node's first packet is code ${first.code}, not a status`)
    let status: Status = { version: this.shh, lightNode: false }
    let statusError: string | null = null
    try {
      status = decodeStatus(this.shh, first.payload)
    } catch (err) {
      statusError = (err as Error).message
    }
    const info = this.rpc ? await this.rpc.call<{ minPow?: number; maxMessageSize?: number }>('shh_info', []).catch(() => null) : null
    let minPow = this.powFlag
    let minPowSource = `--pow ${this.powFlag} (shh/5 status does not announce it)`
    if (status.minPow !== undefined) {
      minPow = status.minPow
      minPowSource = 'the node status'
    } else if (info && typeof info.minPow === 'number') {
      minPow = info.minPow
      minPowSource = 'shh_info'
    }
    this.node = {
      hello,
      statusPayload: first.payload,
      status,
      statusError,
      statusInReplyOnly,
      statusDelayMs: first.at - c.connectedAt,
      minPow,
      minPowSource,
      maxMessageSize: info && typeof info.maxMessageSize === 'number' ? info.maxMessageSize : DEFAULT_MAX_MESSAGE_SIZE,
      maxMessageSizeSource: info && typeof info.maxMessageSize === 'number' ? 'shh_info' : "geth's default (no --rpc)",
    }
    // the baseline's slot must be free again before the observer asks for one
    c.close()
    await c.waitClosed(3000)
    await this.openObserver()
  }

  /** Opens the shared observer: a session with our default status, which sees what the node forwards. */
  protected async openObserver(): Promise<void> {
    this.observerConn = await this.session()
  }

  /**
   * A view for one check: same node, observer and settings, but its own connections, which
   * cleanup() on it closes (a node's peer slots are few: geth 1.9.7 takes 17 inbound by default).
   */
  scoped(): SuiteContext {
    const child = Object.create(this) as SuiteContext
    child.scope = newScope()
    return child
  }

  /** Rejects with NoPeerSlot once the node refuses one of this scope's connections for want of a slot. */
  get refused(): Promise<never> {
    return this.scope.refused
  }

  get refusedSlot(): boolean {
    return this.scope.refusedSlot
  }

  /** Our status payload: by default a full node that asks for no PoW, so the node sends us everything. */
  ourStatus(f: StatusFields = {}): Uint8Array {
    if (this.shh === 5) return encodeStatus(5)
    return encodeStatus(6, { minPow: f.minPow ?? 0, bloom: f.bloom === undefined ? fullBloom() : f.bloom, lightNode: f.lightNode ?? false })
  }

  /** A new connection (fresh node id); our status as given ('none' = not sent). Closed by cleanup(). */
  async connect(o: { status?: Uint8Array | 'none'; capabilities?: { name: string; version: number }[]; privateKey?: Uint8Array } = {}): Promise<RawShhConnection> {
    const scope = this.scope
    if (scope.finished) throw new Error('the check has ended')
    const c = await RawShhConnection.open({
      target: this.target,
      privateKey: o.privateKey,
      shh: this.shh,
      capabilities: o.capabilities,
      timeoutMs: this.timeoutMs,
      status: o.status ?? this.ourStatus(),
    })
    this.slots.track(c)
    if (scope.finished) {
      c.close()
      throw new Error('the check has ended')
    }
    scope.open.add(c)
    void c.closed.then((close) => {
      scope.open.delete(c)
      if (refusedForSlot(close)) scope.refuse()
    })
    return c
  }

  /** A connection whose shh handshake completed (the node's status arrived); throws when it does not. */
  async session(f: StatusFields = {}, privateKey?: Uint8Array): Promise<RawShhConnection> {
    const c = await this.connect({ status: this.ourStatus(f), privateKey })
    const st = await c.waitPacket((p) => p.code === 0, this.timeoutMs)
    if (st) return c
    const close = await c.waitClosed(0)
    if (refusedForSlot(close)) throw new NoPeerSlot()
    throw new Error(`no status on a new connection within ${this.timeoutMs / 1000} s (${closeText(close)})`)
  }

  get observer(): RawShhConnection {
    if (!this.observerConn) throw new Error('suite not initialised')
    return this.observerConn
  }

  get codes(): (typeof MESSAGE_CODES)[5] | (typeof MESSAGE_CODES)[6] {
    return MESSAGE_CODES[this.shh]
  }

  /** A symmetric envelope with PoW at least the node's minimum (checked with geth's formula). */
  seal(o: { topic?: Uint8Array; ttl?: number; now?: number; payload?: Uint8Array; pow?: number; shh?: ShhVersion; symKey?: Uint8Array } = {}): Envelope {
    const need = o.pow ?? this.node?.minPow ?? this.powFlag
    const ttl = o.ttl ?? 30
    let target = Math.max(need * 1.2, 0.001)
    for (let i = 0; i < 8; i++) {
      const env = sealMessage({
        shh: o.shh ?? this.shh,
        topic: o.topic ?? randomBytes(4),
        payload: o.payload ?? randomBytes(16),
        symKey: o.symKey ?? randomBytes(32),
        ttl,
        pow: target,
        workTime: 30,
        now: o.now,
      })
      if (envelopePow(env) >= need) return env
      target *= 1.5
    }
    throw new Error(`cannot seal an envelope reaching PoW ${need}`)
  }

  sendEnvelopes(c: RawShhConnection, envs: Envelope[]): boolean {
    if (this.shh === 5) return envs.every((e) => c.send(this.codes.messages, encodeMessages(5, [e])))
    return c.send(this.codes.messages, encodeMessages(6, envs))
  }

  /** Resolves true once an envelope with this hash arrives on `c` (false after `ms` or on close). */
  async waitEnvelope(c: RawShhConnection, env: Envelope | string, ms: number = this.timeoutMs): Promise<boolean> {
    const hash = typeof env === 'string' ? env : toHex(envelopeHash(env))
    const p = await c.waitPacket((pk) => pk.code === this.codes.messages && envelopesOf(this.shh, pk).some((e) => toHex(envelopeHash(e)) === hash), ms)
    return p !== null
  }

  /**
   * Whether the node still talks to `c` after what it was sent: a fresh valid envelope sent on `c`
   * must reach the observer (the node handles a peer's packets in order, so it handled the earlier
   * ones too). A light node does not forward: then `c` must merely stay open for a quiet window.
   */
  async aliveAfter(c: RawShhConnection): Promise<{ alive: boolean; close: ProbeClose | null; how: string }> {
    if (!c.isOpen) return { alive: false, close: await c.closed, how: 'closed' }
    const light = this.node.status.lightNode
    if (!light) {
      const env = this.seal()
      const seen = this.waitEnvelope(this.observer, env)
      this.sendEnvelopes(c, [env])
      const forwarded = await seen
      if (forwarded && c.isOpen) return { alive: true, close: null, how: 'a valid envelope sent after it was forwarded' }
      const close = await c.waitClosed(forwarded ? 300 : 0)
      if (close) return { alive: false, close, how: 'closed' }
      return { alive: false, close: null, how: `still connected, but a valid envelope sent after it was not forwarded within ${this.timeoutMs / 1000} s` }
    }
    const close = await c.waitClosed(2000)
    return close ? { alive: false, close, how: 'closed' } : { alive: true, close: null, how: 'still connected after 2 s (light node: no forwarding to test with)' }
  }

  /** Waits for the node to close `c`; null when it is still open after the timeout. */
  waitDropped(c: RawShhConnection, ms: number = this.timeoutMs): Promise<ProbeClose | null> {
    return c.waitClosed(ms)
  }

  requireForwarding(): void {
    if (this.node.status.lightNode) throw new SkipCheck('the node announces light mode (it does not forward)')
  }

  async cleanup(): Promise<void> {
    this.scope.finished = true
    const all = [...this.scope.open]
    for (const c of all) c.close()
    await Promise.all(all.map((c) => c.waitClosed(3000)))
  }
}

/** The envelopes in a messages packet (none when it does not decode). */
export function envelopesOf(shh: ShhVersion, p: RawPacket): Envelope[] {
  try {
    return decodeMessages(shh, p.payload)
  } catch {
    return []
  }
}

export function hashOf(env: Envelope): string {
  return toHex(envelopeHash(env))
}
