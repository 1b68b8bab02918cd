// The seam under the node: what WhisperNode needs from whatever carries its peers. P2PHost (real
// sockets, RLPx crypto, devp2p) implements it; the simulation's in-memory network (src/sim/) does
// too, so a thousand nodes run the very same forwarding, pool, validation and limits code in one
// process. src/node/ code only sees this interface and never knows which one it has.
import type { EventEmitter } from 'node:events'
import type { Net, NetPeer, OurStatus } from './net-peer.js'
import type { DialTargetStatus, HostTraffic, P2PHostOptions } from './host.js'

export interface PeerHost extends EventEmitter {
  /** our node id, 128 hex */
  readonly id: string
  readonly enode: string
  readonly listening: { host: string; port: number } | null
  readonly discoveryPort: number | null
  readonly maxMessageSize: number
  start(): Promise<void>
  stop(): Promise<void>
  /** connected protocol peers (status handshake done); one node on two networks is two */
  peers(): NetPeer[]
  /** the peer `id` on `net`, or (no net) its first protocol peer */
  getPeer(id: string, net?: Net): NetPeer | undefined
  dialTargets(): DialTargetStatus[]
  /** bytes and packets on the wire since start (P2PHost; an in-memory transport has none) */
  traffic?(): HostTraffic
  /** discovery has nobody left to try (off, or its bootstrap found no node) */
  discoveryExhausted(): boolean
  addPeer(enode: string): void
  removePeer(enodeOrId: string): boolean
  addTrustedPeer(enodeOrId: string): void
  /** changes our status: announced in new handshakes and to connected peers (what changed only) */
  announce(changed: Partial<OurStatus>): void
  setMaxMessageSize(size: number): void
  // events: 'peer' (NetPeer) after its status handshake, 'peer:removed' (NetPeer, reason: number)
}

/** Builds the node's host from the options the node would give P2PHost. */
export type PeerHostFactory = (opts: P2PHostOptions) => PeerHost
