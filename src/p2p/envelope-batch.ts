// A list of envelopes going to several peers at once (the relay forwards what arrived in one turn to
// every peer that wants it): the messages packets are encoded and snappy-compressed once for all of
// them, and each connection only frames and encrypts the same bytes. shh/6 carries the whole list in
// one packet, shh/5 one envelope per packet; a peer on base protocol 4 gets the packets uncompressed.
import type { Envelope, ShhVersion } from '../whisper/envelope.js'
import { encodeMessages } from '../whisper/packets.js'
import { SharedPayload } from './devp2p/index.js'

export class EnvelopeBatch {
  private v6: SharedPayload[] | null = null
  private v5: SharedPayload[] | null = null

  /** every envelope of the same version (the forwarder queues a peer only envelopes of its version) */
  constructor(readonly envs: readonly Envelope[]) {}

  /** The messages packets' payloads for a peer speaking `shh`, built on first use. */
  payloads(shh: ShhVersion): SharedPayload[] {
    if (shh === 6) return (this.v6 ??= [new SharedPayload(encodeMessages(6, this.envs as Envelope[]))])
    return (this.v5 ??= this.envs.map((e) => new SharedPayload(encodeMessages(5, [e]))))
  }
}
