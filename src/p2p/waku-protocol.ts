// The `waku` capability (versions 0 and 1, status-go v0.78.0's waku/v0 and waku/v1 Peer) as a
// Subprotocol (subprotocol.ts). What differs from shh: the status is keyed options (src/waku/options.ts;
// waku/0 wraps them as [0, options]) and can change later by a status update (code 22) carrying only what
// changed; the peer says which topics it wants (topic interest, else a bloom); envelopes batches may be
// confirmed (message response, then batch acknowledgement, both naming keccak of the batch as received);
// history requests come in two forms and are answered with a request-complete packet.
//
// Deliberate differences from status-go: a packet that does not decode drops the peer (status-go logs
// "peer will be disconnected" and keeps reading), and an unknown option key is skipped as a whole pair.
// Like status-go, two light nodes refuse each other when the host restricts it, p2p messages and
// request-complete packets are read only from trusted peers, and history requests only by a mail server
// (someone listening for 'p2pRequest'). Unknown codes are ignored (forward compatibility).
import type { Envelope } from '../whisper/envelope.js'
import { WhisperError } from '../whisper/errors.js'
import { decodeEnvelopeList, encodeEnvelopeList, encodeEnvelopePacket } from '../whisper/envelope-packets.js'
import { envelopeBloom } from '../whisper/envelope.js'
import { bloomAdmitsMore } from '../whisper/bloom.js'
import { WAKU_CAPABILITY_NAME, WAKU_CODES, type WakuVersion } from '../waku/codes.js'
import {
  batchHash, decodeBatchAcknowledged, decodeMessageResponse, encodeBatchAcknowledged, encodeMessageResponse, type EnvelopeError,
} from '../waku/confirmations.js'
import { decodeP2PRequest, encodeMessagesRequest, type MessagesRequest, type P2PRequest } from '../waku/messages-request.js'
import type { StatusOptions } from '../waku/options.js'
import { decodeRequestComplete, encodeRequestCompleted, encodeRequestFailed, type RequestComplete } from '../waku/request-complete.js'
import {
  applyStatusUpdate, decodeStatusUpdate, decodeWakuStatus, encodeStatusUpdate, encodeWakuStatus, interestMatches, lightNodesClash,
  peerStatusFromHandshake, type PeerStatus,
} from '../waku/status.js'
import { fromHex } from '../whisper/bytes.js'
import type { Capabilities, Peer } from './devp2p/index.js'
import type { Cap, NetInterest, NetPeer, OurStatus } from './net-peer.js'
import { EnvelopeBatch } from './envelope-batch.js'
import { Subprotocol, type SendMethod, type SubprotocolContext } from './subprotocol.js'
import { TokenBucket } from '../waku/rate-limits.js'

export interface WakuHostContext extends SubprotocolContext {
  /** what we announce in the handshake (status-go StatusOptionsFromHost: a bloom or a topic interest, not both) */
  ourOptions(): StatusOptions
  /** we are a light node and refuse other light nodes (LightClientModeConnectionRestricted) */
  restrictLightToLight(): boolean
  onReady(peer: WakuProtocol): void
  onClose(peer: WakuProtocol, reason: number, byUs: boolean, wasReady: boolean): void
}

export class WakuProtocol extends Subprotocol implements NetPeer {
  readonly version: WakuVersion
  /** the peer's status: its handshake with status-go's defaults, then its updates */
  status: PeerStatus = peerStatusFromHandshake({})

  private readonly ctx: WakuHostContext
  /** what the peer announced it takes from one peer id (us): packets and bytes per second; null = no limit */
  private outPackets: TokenBucket | null = null
  private outBytes: TokenBucket | null = null

  constructor(version: number, peer: Peer, send: SendMethod, ctx: WakuHostContext) {
    // before super(): a refused version must not leave the status timer running
    if (version !== 0 && version !== 1) throw new Error(`waku: unsupported capability version ${version}`)
    super('waku', peer, send, ctx)
    this.version = version
    this.ctx = ctx
  }

  readonly net = 'waku' as const
  /** Waku's envelopes are shh/6's */
  readonly format = 6 as const

  get cap(): Cap {
    return `waku/${this.version}`
  }

  get interest(): NetInterest {
    const s = this.status
    return {
      minPow: s.powRequirement,
      bloom: s.interest.kind === 'bloom' ? s.interest.bloom : null,
      topics: s.interest.kind === 'topics' ? [...s.interest.topics].map((t) => fromHex(t)) : null,
      lightNode: s.lightNode,
      confirmations: s.confirmations,
      rateLimits: s.packetRateLimits,
    }
  }

  protected get capLabel(): string {
    return this.cap
  }

  protected get statusCode(): number {
    return WAKU_CODES.status
  }

  /** Whether to send the peer this envelope (broadcast's filter): PoW at its requirement, topic or bloom it asked for. */
  wants(env: Envelope, pow: number, bloom?: Uint8Array): boolean {
    if (env.shh !== 6 || pow < this.status.powRequirement) return false
    return interestMatches(this.status.interest, env.topic, bloom ?? envelopeBloom(env))
  }

  // ---- sending: false when nothing was written (not ready, closed, or nothing to send) ----

  sendEnvelopes(envs: Envelope[]): boolean {
    return this.sendEnvelopeBatch(new EnvelopeBatch(envs))
  }

  /** As sendEnvelopes; the packet is encoded and compressed once for every peer the batch goes to (shh/6's payload). */
  sendEnvelopeBatch(batch: EnvelopeBatch): boolean {
    if (!this.isReady || batch.envs.length === 0) return false
    const [payload] = batch.payloads(6)
    if (!this.send(WAKU_CODES.messages, payload)) return false
    const now = Date.now()
    this.outPackets?.take(1, now)
    this.outBytes?.take(Math.min(payload.raw.length, this.outBytes.rate), now)
    return true
  }

  /**
   * Room for one more messages packet under the limits the peer announced for one peer id (status-go
   * stores them and never reads them; we honour them, so a peer that enforces its limits never drops us).
   */
  canSend(): boolean {
    const now = Date.now()
    return (this.outPackets === null || this.outPackets.peek(1, now)) && (this.outBytes === null || this.outBytes.peek(1, now))
  }

  /** One messages packet; returns its batch hash (what the peer's confirmations name), or null. */
  sendBatch(envs: Envelope[]): Uint8Array | null {
    const batch = new EnvelopeBatch(envs)
    return this.sendEnvelopeBatch(batch) ? batch.batchHash() : null
  }

  /** The options that changed (status-go Notify*Change: one packet per change). */
  sendStatusUpdate(changed: StatusOptions): boolean {
    if (!this.isReady) return false
    return this.send(WAKU_CODES.statusUpdate, encodeStatusUpdate(this.version, changed))
  }

  /** What changed in our status, as one status update (status-go sends one per change; one packet says the same). */
  announce(changed: Partial<OurStatus>): boolean {
    const o = statusOptionsOf(changed)
    return Object.keys(o).length > 0 && this.sendStatusUpdate(o)
  }

  confirm(batch: Uint8Array, errors: EnvelopeError[]): boolean {
    return this.sendConfirmation(batch, errors)
  }

  sendP2PMessage(env: Envelope): boolean {
    return this.sendP2PMessages([env])
  }

  /** The deprecated envelope form of a history request (what shh's mail client sends). */
  sendP2PRequest(env: Envelope): boolean {
    return this.sendMessagesRequest(env)
  }

  /** Direct delivery (a mail server's answer); the peer reads it only if it trusts us. */
  sendP2PMessages(envs: Envelope[]): boolean {
    if (!this.isReady || envs.length === 0) return false
    return this.send(WAKU_CODES.p2pMessage, encodeEnvelopeList(envs))
  }

  /** A history request: the new form, or the deprecated signed envelope. */
  sendMessagesRequest(req: MessagesRequest | Envelope): boolean {
    if (!this.isReady) return false
    if ('shh' in req && req.shh !== 6) throw new WhisperError('params', `shh/${req.shh} envelope sent as a waku request`)
    return this.send(WAKU_CODES.p2pRequest, 'shh' in req ? encodeEnvelopePacket(req) : encodeMessagesRequest(req))
  }

  sendRequestComplete(r: RequestComplete): boolean {
    if (!this.isReady) return false
    const payload = r.ok ? encodeRequestCompleted(r.requestId, r.lastEnvelopeHash, r.cursor) : encodeRequestFailed(r.requestId, r.error)
    return this.send(WAKU_CODES.p2pRequestComplete, payload)
  }

  /** status-go's sendConfirmation: the message response, then the (deprecated) batch acknowledgement. */
  sendConfirmation(batch: Uint8Array, errors: EnvelopeError[]): boolean {
    if (!this.isReady) return false
    const response = encodeMessageResponse({ batchHash: batch, errors })
    return this.send(WAKU_CODES.messageResponse, response) && this.send(WAKU_CODES.batchAcknowledged, encodeBatchAcknowledged(batch))
  }

  protected statusPayload(): Uint8Array {
    return encodeWakuStatus(this.version, this.ctx.ourOptions())
  }

  // ---- receiving ----

  protected takeStatus(data: Uint8Array): void {
    const opts = decodeWakuStatus(this.version, data)
    const clash = lightNodesClash({ lightNode: this.ctx.ourOptions().lightNode === true, restrictLightToLight: this.ctx.restrictLightToLight() }, opts)
    if (clash) return this.drop(clash)
    this.status = peerStatusFromHandshake(opts)
    this.followLimits()
  }

  private followLimits(): void {
    const now = Date.now()
    const p = this.status.packetRateLimits.peerId
    const b = this.status.bytesRateLimits.peerId
    this.outPackets = p > 0 ? new TokenBucket(p, now) : null
    this.outBytes = b > 0 ? new TokenBucket(b, now) : null
  }

  protected onReady(): void {
    this.ctx.onReady(this)
  }

  protected onClosed(reason: number, byUs: boolean, wasReady: boolean): void {
    this.ctx.onClose(this, reason, byUs, wasReady)
  }

  // events: 'envelopes' (envs, batchHash), 'statusUpdate' (PeerStatus, changed options), 'interest' (relaxed),
  //   'p2pMessage' (one envelope each), 'messagesRequest' (P2PRequest: both forms, for a Waku mail server), 'requestComplete' (RequestComplete), 'messageResponse' (MessagesResponse),
  //   'batchAcknowledged' (hash), 'close' (reason, byUs)
  protected handlePacket(code: number, data: Uint8Array): void {
    switch (code) {
      case WAKU_CODES.messages: {
        const envs = this.decode('invalid messages packet', () => decodeEnvelopeList(data, 'waku messages packet', { keepWire: true }))
        // the batch is named by the payload as it arrived (snappy undone), whatever its envelopes
        if (envs) this.deliver('envelopes', envs, batchHash(data))
        return
      }
      case WAKU_CODES.statusUpdate: {
        const opts = this.decode('invalid status update', () => decodeStatusUpdate(this.version, data))
        if (!opts) return
        const clash = lightNodesClash({ lightNode: this.ctx.ourOptions().lightNode === true, restrictLightToLight: this.ctx.restrictLightToLight() }, opts)
        if (clash) return this.drop(clash)
        const before = this.status
        this.status = applyStatusUpdate(before, opts)
        if (opts.packetRateLimits !== undefined || opts.bytesRateLimits !== undefined) this.followLimits()
        this.deliver('statusUpdate', this.status, opts)
        this.deliver('interest', relaxes(before, this.status))
        return
      }
      case WAKU_CODES.p2pMessage: {
        if (!this.trusted) return // status-go reads direct messages from trusted peers only
        const envs = this.decode('invalid direct message', () => decodeEnvelopeList(data, 'waku p2p message', { keepWire: true }))
        if (envs) for (const env of envs) this.deliver('p2pMessage', env)
        return
      }
      case WAKU_CODES.p2pRequest: {
        if (this.listenerCount('messagesRequest') === 0) return // only a mail server reads requests
        const req: P2PRequest | undefined = this.decode('invalid p2p request', () => decodeP2PRequest(data))
        if (req) this.deliver('messagesRequest', req)
        return
      }
      case WAKU_CODES.p2pRequestComplete: {
        if (!this.trusted) return
        const done = this.decode('invalid p2p request complete', () => decodeRequestComplete(data))
        if (done) this.deliver('requestComplete', done)
        return
      }
      case WAKU_CODES.messageResponse: {
        const r = this.decode('invalid message response', () => decodeMessageResponse(data))
        if (!r) return
        if (r.response) this.deliver('messageResponse', r.response)
        else this.log(4, `Unsupported message response version=${r.version} peer=${this.id.slice(0, 16)}`)
        return
      }
      case WAKU_CODES.batchAcknowledged: {
        const hash = this.decode('invalid batch acknowledgement', () => decodeBatchAcknowledged(data))
        if (hash) this.deliver('batchAcknowledged', hash)
        return
      }
    }
    // Unknown codes: later versions may define them; status-go ignores them.
  }

  private decode<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn()
    } catch (err) {
      this.drop(`${what}: ${(err as Error).message}`)
      return undefined
    }
  }
}

/** Our status in Waku's terms: a topic interest replaces the bloom (StatusOptionsFromHost sends one of them). */
export function statusOptionsOf(o: Partial<OurStatus>): StatusOptions {
  const out: StatusOptions = {}
  if (o.minPow !== undefined) out.powRequirement = o.minPow
  if (o.topics !== undefined && o.topics !== null) out.topicInterest = o.topics
  else if (o.bloom !== undefined) out.bloomFilter = o.bloom ?? new Uint8Array(64).fill(0xff)
  if (o.lightNode !== undefined) out.lightNode = o.lightNode
  if (o.confirmations !== undefined) out.confirmations = o.confirmations
  if (o.rateLimits !== undefined) out.packetRateLimits = o.rateLimits
  // the waku/0 codec leaves this one out
  if (o.bytesRateLimits !== undefined) out.bytesRateLimits = o.bytesRateLimits
  return out
}

/** Whether the peer may now want an envelope it did not before (the pool is offered again then). */
function relaxes(before: PeerStatus, after: PeerStatus): boolean {
  if (after.powRequirement < before.powRequirement) return true
  const a = before.interest
  const b = after.interest
  if (a.kind !== b.kind) return true
  if (a.kind === 'bloom' && b.kind === 'bloom') return bloomAdmitsMore(a.bloom, b.bloom)
  if (a.kind === 'topics' && b.kind === 'topics') return [...b.topics].some((t) => !a.topics.has(t))
  return false
}

export const WAKU_CAPABILITY_LENGTH = WAKU_CODES.count

/** The waku capabilities, each a class bound to the host context; devp2p runs the highest shared version. */
export function wakuCapabilities(versions: readonly WakuVersion[], ctx: WakuHostContext): Capabilities[] {
  const unique = [...new Set(versions)]
  if (unique.length === 0) throw new Error('waku: at least one protocol version (0 or 1) is required')
  return unique.map((version) => {
    if (version !== 0 && version !== 1) throw new Error(`waku: unsupported protocol version ${String(version)} (0 or 1)`)
    class BoundWakuProtocol extends WakuProtocol {
      constructor(v: number, peer: Peer, send: SendMethod) {
        super(v, peer, send, ctx)
      }
    }
    return {
      name: WAKU_CAPABILITY_NAME,
      version,
      length: WAKU_CAPABILITY_LENGTH,
      constructor: BoundWakuProtocol as unknown as Capabilities['constructor'],
    }
  })
}
