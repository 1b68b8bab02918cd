// Sub-protocol payloads and their snappy compression. devp2p compresses only its own base-protocol
// packets (PING, PONG; DISCONNECT in fixes.ts): what a sub-protocol sends goes to Peer._sendMessage as
// given, which frames, MACs and encrypts it per connection. So the compression is ours, and a payload
// several peers get (the relay's forwarded batch) can be compressed once and the same bytes handed to
// every connection: only the RLPx framing stays per peer. A peer on base protocol 4 (geth 1.6) reads
// frames without snappy and gets the raw payload.
import * as snappy from 'snappyjs'

let compressions = 0

/** snappy, as geth >= 1.7.3 reads every frame of a base-protocol >= 5 session; counted (see compressionCount). */
export function compressPayload(raw: Uint8Array): Uint8Array {
  compressions++
  return snappy.compress(raw)
}

/** How many payloads this process compressed for sending, so far (tests and the relay's profile). */
export function compressionCount(): number {
  return compressions
}

/** One payload for any number of connections: compressed at most once, the first time a peer needs it so. */
export class SharedPayload {
  private packed: Uint8Array | null = null

  constructor(readonly raw: Uint8Array) {}

  /** The bytes a peer whose hello announced `baseProtocolVersion` reads. */
  forBaseProtocol(baseProtocolVersion: number): Uint8Array {
    if (baseProtocolVersion < 5) return this.raw
    this.packed ??= compressPayload(this.raw)
    return this.packed
  }
}
