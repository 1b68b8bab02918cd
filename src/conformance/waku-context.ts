// The suite's view of a node over `waku/0` or `waku/1`: the same connections, observer, scopes and
// sealing as over shh/6 (Waku envelopes and messages packets are shh/6's, code 1 in both), but the
// status is keyed options (src/waku/status.ts) and every connection offers the one waku capability.
import { closeText, type RawShhConnection } from '../p2p/raw-shh-connection.js'
import { WAKU_CAPABILITY_NAME, WAKU_CODES, type WakuVersion } from '../waku/codes.js'
import type { StatusOptions } from '../waku/options.js'
import { decodeWakuStatus, encodeWakuStatus, peerStatusFromHandshake } from '../waku/status.js'
import { fullBloom } from '../whisper/bloom.js'
import { NoPeerSlot, refusedForSlot } from './peer-slots.js'
import { SuiteContext, type StatusFields, type SuiteOptions } from './context.js'

export interface WakuSuiteOptions extends Omit<SuiteOptions, 'shh'> {
  waku: WakuVersion
}

export class WakuContext extends SuiteContext {
  readonly waku: WakuVersion
  /** the node's handshake options as sent (before status-go's defaults) */
  wakuStatus: StatusOptions = {}

  constructor(opts: WakuSuiteOptions) {
    super({ ...opts, shh: 6 })
    this.waku = opts.waku
  }

  get cap(): string {
    return `${WAKU_CAPABILITY_NAME}/${this.waku}`
  }

  /**
   * Our options: a full node (full bloom) asking for no PoW, so the node sends us everything; the
   * probe never announces rate limits, so the node has none to honour towards us.
   */
  wakuOptions(f: StatusFields & { confirmations?: boolean; topicInterest?: Uint8Array[] } = {}): StatusOptions {
    const o: StatusOptions = { powRequirement: f.minPow ?? 0, lightNode: f.lightNode ?? false }
    if (f.topicInterest) o.topicInterest = f.topicInterest
    else o.bloomFilter = f.bloom === undefined || f.bloom === null ? fullBloom() : f.bloom
    if (f.confirmations !== undefined) o.confirmations = f.confirmations
    return o
  }

  override ourStatus(f: StatusFields = {}): Uint8Array {
    return encodeWakuStatus(this.waku, this.wakuOptions(f))
  }

  override connect(o: Parameters<SuiteContext['connect']>[0] = {}): Promise<RawShhConnection> {
    return super.connect({ capabilities: [{ name: WAKU_CAPABILITY_NAME, version: this.waku }], ...o })
  }

  /** A connection with our status given as options; resolves once the node's status arrived. */
  async wakuSession(o: StatusOptions): Promise<RawShhConnection> {
    const c = await this.connect({ status: encodeWakuStatus(this.waku, o) })
    const st = await c.waitPacket((p) => p.code === WAKU_CODES.status, this.timeoutMs)
    if (st) return c
    const close = await c.waitClosed(0)
    if (refusedForSlot(close)) throw new NoPeerSlot()
    throw new Error(`no status on a new connection within ${this.timeoutMs / 1000} s (${closeText(close)})`)
  }

  /**
   * The baseline connection: the node's status read with ours withheld (sent after 3 s if need be),
   * decoded with the negotiated version's codec; then the observer.
   */
  override async init(): Promise<void> {
    const c = await this.connect({ status: 'none' })
    const hello = await c.hello.catch(async (err: Error) => {
      throw refusedForSlot(await c.waitClosed(0)) ? new NoPeerSlot() : err
    })
    let first = await c.waitPacket(() => true, Math.min(3000, this.timeoutMs))
    let statusInReplyOnly = false
    if (!first && c.isOpen) {
      c.send(WAKU_CODES.status, this.ourStatus())
      first = await c.waitPacket(() => true, this.timeoutMs)
      statusInReplyOnly = first !== null
    }
    if (!first && refusedForSlot(await c.waitClosed(0))) throw new NoPeerSlot()
    if (!first) throw new Error(`${this.cap}: no status from the node within ${this.timeoutMs / 1000} s of the hellos (${c.isOpen ? 'still connected' : 'it closed the connection'})`)
    if (first.code !== WAKU_CODES.status) throw new Error(`${this.cap}: the node's first packet is code ${first.code}, not a status`)
    let statusError: string | null = null
    try {
      this.wakuStatus = decodeWakuStatus(this.waku, first.payload)
    } catch (err) {
      statusError = (err as Error).message
    }
    const st = peerStatusFromHandshake(this.wakuStatus)
    this.node = {
      hello,
      statusPayload: first.payload,
      status: { version: this.waku, minPow: st.powRequirement, bloom: st.interest.kind === 'bloom' ? st.interest.bloom : null, lightNode: st.lightNode },
      statusError,
      statusInReplyOnly,
      statusDelayMs: first.at - c.connectedAt,
      minPow: st.powRequirement,
      minPowSource: this.wakuStatus.powRequirement !== undefined ? 'the node status' : "status-go's default for an absent PoW option",
      maxMessageSize: 1024 * 1024,
      maxMessageSizeSource: "status-go's default",
    }
    c.close()
    await c.waitClosed(3000)
    await this.openObserver()
  }
}
