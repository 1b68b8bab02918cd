// The `shh` capability (versions 5 and 6): the generic sub-protocol parts (devp2p glue, snappy, the
// status handshake, early packets, drops) are subprotocol.ts'; this file is what shh says.
//
// The handshake follows geth (whisperv5 v1.7.3, whisperv6 v1.9.7 peer.handshake): the first packet from
// the peer must be a status of our version. Packets that do not decode drop the peer (geth returns an
// error from its message loop: "invalid envelope" etc.). Validation of decoded envelopes (expiry, PoW,
// size) is the node's job: it calls drop() when geth's `add` would have failed.
import type { Envelope, ShhVersion } from '../whisper/envelope.js'
import { WhisperError } from '../whisper/errors.js'
import {
  decodeBloomFilterEx,
  decodeEnvelopePacket,
  decodeMessages,
  decodePowRequirement,
  decodeStatus,
  encodeBloomFilterEx,
  encodeEnvelopePacket,
  encodeMessages,
  encodePowRequirement,
  encodeStatus,
  MESSAGE_CODES,
} from '../whisper/packets.js'
import { bloomAdmitsMore, bloomMatch, topicBloom } from '../whisper/bloom.js'
import type { ShhPeer } from './shh-peer.js'
import type { Cap, Net, NetInterest, NetPeer, OurStatus } from './net-peer.js'
import type { Capabilities, Peer } from './devp2p/index.js'
import { Subprotocol, type SendMethod, type SubprotocolContext } from './subprotocol.js'

export { DEFAULT_STATUS_TIMEOUT_MS } from './subprotocol.js'
export const SHH_CAPABILITY_LENGTH: Record<ShhVersion, number> = { 5: 64, 6: 128 }
export const DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024 // geth DefaultMaxMessageSize

// What a sub-protocol instance needs from its host (P2PHost); the capability classes close over it.
export interface ShhHostContext extends SubprotocolContext {
  ourStatus(): { minPow: number; bloom: Uint8Array | null; lightNode: boolean }
  onReady(peer: ShhProtocol): void // both statuses exchanged
  onClose(peer: ShhProtocol, reason: number, byUs: boolean, wasReady: boolean): void
}

export class ShhProtocol extends Subprotocol implements ShhPeer, NetPeer {
  readonly shh: ShhVersion
  minPow = 0
  bloom: Uint8Array | null = null
  lightNode = false

  private readonly ctx: ShhHostContext

  constructor(version: number, peer: Peer, send: SendMethod, ctx: ShhHostContext) {
    // before super(): a refused version must not leave the status timer running
    if (version !== 5 && version !== 6) throw new Error(`shh: unsupported capability version ${version}`)
    super('shh', peer, send, ctx)
    this.shh = version
    this.ctx = ctx
  }

  get net(): Net {
    return this.shh === 5 ? 'shh/5' : 'shh/6'
  }

  get cap(): Cap {
    return this.shh === 5 ? 'shh/5' : 'shh/6'
  }

  get format(): ShhVersion {
    return this.shh
  }

  get interest(): NetInterest {
    return { minPow: this.minPow, bloom: this.bloom, topics: null, lightNode: this.lightNode, confirmations: false, rateLimits: null }
  }

  /** geth's peer.broadcast filter: PoW at the peer's requirement and a topic its bloom admits. */
  wants(env: Envelope, pow: number, bloom?: Uint8Array): boolean {
    if (env.shh !== this.shh || pow < this.minPow) return false
    return this.bloom === null || bloomMatch(this.bloom, bloom ?? topicBloom(env.topic))
  }

  protected get capLabel(): string {
    return `shh/${this.shh}`
  }

  protected get statusCode(): number {
    return MESSAGE_CODES[this.shh].status
  }

  // ---- sending ----

  sendEnvelopes(envs: Envelope[]): boolean {
    if (!this.isReady || envs.length === 0) return false
    const codes = MESSAGE_CODES[this.shh]
    if (this.shh === 5) {
      let ok = true
      for (const env of envs) ok = this.send(codes.messages, encodeMessages(5, [env])) && ok
      return ok
    }
    return this.send(codes.messages, encodeMessages(6, envs))
  }

  sendPowRequirement(pow: number): boolean {
    if (this.shh !== 6 || !this.isReady) return false
    return this.send(MESSAGE_CODES[6].powRequirement, encodePowRequirement(pow))
  }

  sendBloom(bloom: Uint8Array): boolean {
    if (this.shh !== 6 || !this.isReady) return false
    return this.send(MESSAGE_CODES[6].bloomFilterEx, encodeBloomFilterEx(bloom))
  }

  /** shh/6 has one packet per requirement; shh/5 announces nothing after the status. */
  announce(changed: Partial<OurStatus>): boolean {
    let sent = false
    if (changed.minPow !== undefined) sent = this.sendPowRequirement(changed.minPow) || sent
    // geth announces a full node as 64 bytes of 0xff (MakeFullNodeBloom), not an empty bloom
    if (changed.bloom !== undefined) sent = this.sendBloom(changed.bloom ?? new Uint8Array(64).fill(0xff)) || sent
    return sent
  }

  /** shh announces no rate limits */
  canSend(): boolean {
    return true
  }

  /** shh has no confirmations. */
  confirm(): boolean {
    return false
  }

  sendP2PMessage(env: Envelope): boolean {
    if (!this.isReady) return false
    if (env.shh !== this.shh) throw new WhisperError('params', `shh/${env.shh} envelope sent to a shh/${this.shh} peer`)
    return this.send(MESSAGE_CODES[this.shh].p2pMessage, encodeEnvelopePacket(env))
  }

  sendP2PRequest(env: Envelope): boolean {
    if (!this.isReady) return false
    if (env.shh !== this.shh) throw new WhisperError('params', `shh/${env.shh} request sent to a shh/${this.shh} peer`)
    return this.send(MESSAGE_CODES[this.shh].p2pRequest, encodeEnvelopePacket(env))
  }

  protected statusPayload(): Uint8Array {
    return this.shh === 5 ? encodeStatus(5) : encodeStatus(6, this.ctx.ourStatus())
  }

  // ---- receiving ----

  protected takeStatus(data: Uint8Array): void {
    const s = decodeStatus(this.shh, data)
    if (this.shh === 6) {
      if (s.minPow !== undefined) this.minPow = s.minPow
      // geth: an absent or empty bloom, or all 0xff, means a full node (accepts everything)
      if (s.bloom !== undefined) this.bloom = s.bloom === null || isAllOnes(s.bloom) ? null : s.bloom
      this.lightNode = s.lightNode
    }
  }

  protected onReady(): void {
    this.ctx.onReady(this)
  }

  protected onClosed(reason: number, byUs: boolean, wasReady: boolean): void {
    this.ctx.onClose(this, reason, byUs, wasReady)
  }

  protected handlePacket(code: number, data: Uint8Array): void {
    const c = MESSAGE_CODES[this.shh]
    switch (code) {
      case c.messages: {
        let envs: Envelope[]
        try {
          envs = decodeMessages(this.shh, data, { keepWire: true })
        } catch (err) {
          return this.drop(`invalid envelope: ${(err as Error).message}`)
        }
        if (envs.length > 0) this.deliver('envelopes', envs)
        return
      }
      case c.p2pMessage: {
        if (!this.trusted) return // geth only reads direct messages from trusted peers
        let env: Envelope
        try {
          env = decodeEnvelopePacket(this.shh, data)
        } catch (err) {
          return this.drop(`invalid direct message: ${(err as Error).message}`)
        }
        this.deliver('p2pMessage', env)
        return
      }
      case c.p2pRequest: {
        // geth reads requests only when it runs a mail server (a listener here), and drops a peer
        // whose request does not decode as an envelope ("invalid p2p request")
        if (this.listenerCount('p2pRequest') === 0) return
        let env: Envelope
        try {
          env = decodeEnvelopePacket(this.shh, data)
        } catch (err) {
          return this.drop(`invalid p2p request: ${(err as Error).message}`)
        }
        this.deliver('p2pRequest', env)
        return
      }
    }
    if (this.shh === 6) {
      if (code === MESSAGE_CODES[6].powRequirement) {
        let pow: number
        try {
          pow = decodePowRequirement(data)
        } catch (err) {
          return this.drop(`invalid powRequirementCode message: ${(err as Error).message}`)
        }
        const relaxed = pow < this.minPow
        this.minPow = pow
        this.deliver('powRequirement', pow)
        this.deliver('interest', relaxed)
        return
      }
      if (code === MESSAGE_CODES[6].bloomFilterEx) {
        let bloom: Uint8Array
        try {
          bloom = decodeBloomFilterEx(data)
        } catch (err) {
          return this.drop(`invalid bloom filter exchange message: ${(err as Error).message}`)
        }
        const before = this.bloom
        this.bloom = isAllOnes(bloom) ? null : bloom
        this.deliver('bloom', this.bloom)
        this.deliver('interest', bloomAdmitsMore(before, this.bloom))
        return
      }
    }
    // Unknown codes: later protocol versions may define them; geth ignores them for forward compatibility.
  }
}

/** The shh peer behind a host's NetPeer (for tools that run an shh-only host); throws on another family. */
export function asShhPeer(p: NetPeer): ShhProtocol {
  if (!(p instanceof ShhProtocol)) throw new Error(`not an shh peer: ${p.cap}`)
  return p
}

// The two capabilities, each a class bound to the host context; devp2p picks the highest shared.
export function shhCapabilities(versions: readonly ShhVersion[], ctx: ShhHostContext): Capabilities[] {
  const unique = [...new Set(versions)]
  if (unique.length === 0) throw new Error('shh: at least one protocol version (5 or 6) is required')
  return unique.map((version) => {
    if (version !== 5 && version !== 6) throw new Error(`shh: unsupported protocol version ${String(version)} (5 or 6)`)
    class BoundShhProtocol extends ShhProtocol {
      constructor(v: number, peer: Peer, send: SendMethod) {
        super(v, peer, send, ctx)
      }
    }
    return {
      name: 'shh',
      version,
      length: SHH_CAPABILITY_LENGTH[version],
      constructor: BoundShhProtocol as unknown as Capabilities['constructor'],
    }
  })
}

function isAllOnes(b: Uint8Array): boolean {
  for (const x of b) if (x !== 0xff) return false
  return true
}

