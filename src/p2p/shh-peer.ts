// What the node sees of one connected `shh` peer, once both status packets were exchanged.
import type { EventEmitter } from 'node:events'
import { DISCONNECT_REASON, DisconnectReasonNames } from './devp2p/index.js'
import type { Envelope, ShhVersion } from '../whisper/envelope.js'
import type { RequestComplete } from '../waku/request-complete.js'
import type { EnvelopeBatch } from './envelope-batch.js'

export type { RequestComplete }

export { DISCONNECT_REASON }

export interface ShhPeerEvents {
  envelopes: [envs: Envelope[]] // decoded, NOT validated (expiry, PoW, size are the node's job)
  p2pMessage: [env: Envelope] // only from trusted peers
  p2pRequest: [env: Envelope] // mail server requests (v5 code 3, v6 code 126); read only while someone listens
  requestComplete: [r: RequestComplete] // v6 code 125 (status-go's paged mail answers), only from trusted peers
  powRequirement: [pow: number] // v6: the peer changed its PoW requirement (minPow already updated)
  bloom: [bloom: Uint8Array | null] // v6: the peer changed its bloom (bloom already updated; null = all)
  close: [reason: number, byUs: boolean] // devp2p disconnect reason (DISCONNECT_REASON)
}

export interface ShhPeer extends EventEmitter {
  readonly id: string // remote node id, 128 hex
  readonly shh: ShhVersion // negotiated capability version
  readonly clientId: string
  readonly remoteAddress: string
  readonly remotePort: number
  readonly baseProtocolVersion: number // remote hello version (>= 5: snappy)
  readonly inbound: boolean
  readonly closed: boolean
  trusted: boolean // accept p2p direct messages from it
  minPow: number // v6: peer's announced PoW requirement (0 for v5)
  bloom: Uint8Array | null // v6: peer's bloom (null = accept all, i.e. a full node)
  lightNode: boolean
  readonly bufferedBytes: number // bytes queued on the socket, not yet written (backpressure hint)
  // The send methods return false when nothing was written (peer closed, or not applicable to the version).
  sendEnvelopes(envs: Envelope[]): boolean // v5: one packet per envelope; v6: one list packet
  // the same, with the packets encoded and compressed once for every peer the batch goes to
  sendEnvelopeBatch?(batch: EnvelopeBatch): boolean
  sendPowRequirement(pow: number): boolean // v6 only, false on v5
  sendBloom(bloom: Uint8Array): boolean // v6 only, false on v5
  sendP2PMessage(env: Envelope): boolean // v5 code 2, v6 code 127
  sendP2PRequest(env: Envelope): boolean // mail request: v5 code 3, v6 code 126
  sendRequestComplete?(r: RequestComplete): boolean // end of a paged mail answer: v6 code 125 (status-go), false on v5
  disconnect(reason?: number): void // default DISCONNECT_REQUESTED
  // Drops the peer for breaking the protocol (SUBPROTOCOL_ERROR), logging why, like geth returning an error.
  drop(why: string): void
  // Flow control (the node's per-peer limits): stop reading the connection, so TCP backpressure slows
  // the sender down, and read again. Packets already read are still delivered.
  pauseReading?(): void
  resumeReading?(): void

  on<E extends keyof ShhPeerEvents>(event: E, listener: (...args: ShhPeerEvents[E]) => void): this
  once<E extends keyof ShhPeerEvents>(event: E, listener: (...args: ShhPeerEvents[E]) => void): this
  off<E extends keyof ShhPeerEvents>(event: E, listener: (...args: ShhPeerEvents[E]) => void): this
  emit<E extends keyof ShhPeerEvents>(event: E, ...args: ShhPeerEvents[E]): boolean
}

/** The name of a devp2p disconnect reason code (e.g. 4 -> TOO_MANY_PEERS), as 'peer:removed' reports them. */
export function disconnectReasonName(reason: number): string {
  return (DisconnectReasonNames as Record<number, string | undefined>)[reason] ?? `UNKNOWN_${reason}`
}
