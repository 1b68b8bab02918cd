// A list of envelopes going to several peers at once (the relay forwards what arrived in one turn to
// every peer that wants it): the messages packets are encoded and snappy-compressed once for all of
// them, and each connection only frames and encrypts the same bytes. shh/6 carries the whole list in
// one packet, shh/5 one envelope per packet; a peer on base protocol 4 gets the packets uncompressed.
// Waku's messages packet carries the same format-6 list as shh/6, so Waku peers share the v6 payload.
import type { Envelope, ShhVersion } from '../whisper/envelope.js'
import { encodeMessages } from '../whisper/packets.js'
import { SharedPayload } from './devp2p/index.js'
import { batchHash } from '../waku/confirmations.js'

export class EnvelopeBatch {
  private v6: SharedPayload[] | null = null
  private v5: SharedPayload[] | null = null
  private hash: Uint8Array | null = null

  /** every envelope of the same version (the forwarder queues a peer only envelopes of its version) */
  constructor(readonly envs: readonly Envelope[]) {}

  /** The messages packets' payloads for a peer speaking `shh`, built on first use. */
  payloads(shh: ShhVersion): SharedPayload[] {
    if (shh === 6) return (this.v6 ??= [new SharedPayload(encodeMessages(6, this.envs as Envelope[]))])
    return (this.v5 ??= this.envs.map((e) => new SharedPayload(encodeMessages(5, [e]))))
  }

  /**
   * What a Waku peer's confirmations name this batch by: keccak of the format-6 payload. Hashed on first
   * use only, since only a sender waiting for confirmations needs it.
   */
  batchHash(): Uint8Array {
    return (this.hash ??= batchHash(this.payloads(6)[0].raw))
  }
}
