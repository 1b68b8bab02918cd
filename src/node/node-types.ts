// The public types of WhisperNode's constructor options, stats() and info() (docs/architecture.md,
// `src/node/` contract). Only our own types: nothing of devp2p shows through them (a disconnect
// reason is a number, named by disconnectReasonName).
import type { ShhVersion } from '../whisper/envelope.js'
import type { PeerHostFactory } from '../p2p/transport.js'
import type { HostTraffic } from '../p2p/host.js'
import type { VersionEnvelopeCounts } from './envelope-counts.js'
import type { LogSink } from '../log/log.js'
import type { GatewayOptions, GatewayRoom } from './gateway.js'
import type { PeerLimitOptions } from './peer-limits.js'

export interface NodeOptions {
  /** 32-byte node key; else loaded from / created in nodeKeyFile; else a fresh one per run. */
  privateKey?: Uint8Array
  nodeKeyFile?: string
  /** Listening socket (off when absent). Port 0 picks a free port; see `enode`. */
  listen?: { host: string; port: number }
  /** Offered protocol versions, default [5, 6]; each peer speaks the highest both sides offer. */
  shhVersions?: ShhVersion[]
  /** enode URLs dialled and redialled with backoff */
  staticPeers?: string[]
  /** enode URLs or node ids allowed beyond maxPeers and trusted for p2p direct messages */
  trustedPeers?: string[]
  bootnodes?: string[]
  discovery?: boolean
  /** default 80 */
  maxPeers?: number
  /** default 0.2 */
  minPow?: number
  /** default 1 MiB, at most 10 MiB */
  maxMessageSize?: number
  /** Standalone forwarder: keeps and forwards everything, opens nothing (no subscribe/post). */
  relay?: boolean
  /** v6 light node: announces the bloom of its subscriptions and the light flag, forwards only its own posts. */
  lightNode?: boolean
  /** v6: the bloom to announce from the start (64 bytes; default: everything) */
  bloom?: Uint8Array
  /** 0 silent .. 5 trace, default 3 */
  verbosity?: number
  /** Where log lines go (default stderr, geth terminal format). */
  logger?: LogSink
  clientId?: string
  /** Pool bounds per protocol version. */
  poolMaxBytes?: number
  poolMaxEnvelopes?: number
  /** PoW worker threads (default: all cores). */
  sealThreads?: number
  /** Per-peer CPU and flood limits (peer-limits.ts); false = none, as geth. */
  peerLimits?: PeerLimitOptions | false
  /** Rooms whose messages this node carries between shh/5 and shh/6 peers (gateway.ts). */
  gatewayRooms?: GatewayRoom[]
  gateway?: GatewayOptions
  /** What carries the peers (default: a P2PHost over TCP/RLPx; the simulation passes an in-memory one). */
  transport?: PeerHostFactory
  /** 0 (default): forward new envelopes at once; > 0: on a fixed cycle, as geth's 300 ms broadcast loop. */
  forwardIntervalMs?: number
}

export interface NodeStats {
  peers: number
  /** envelopes pooled, all versions */
  poolSize: number
  poolBytes: number
  /** new envelopes accepted from peers */
  envelopesIn: number
  /** envelopes handed to peers */
  envelopesOut: number
  /** envelopes ignored (expired, low PoW on v5, pool full) */
  envelopesDropped: number
  /** peers dropped for a bad envelope */
  peersDropped: number
  /** times a peer's connection was paused for using more than its share of CPU (peer-limits.ts) */
  peerPauses: number
  /** peers dropped (and refused for a while) for flooding useless envelopes */
  floodDrops: number
  /** own posts that expired before reaching any peer, by reason (event 'undelivered') */
  undeliveredNoPeer: number
  undeliveredPow: number
  undeliveredBloom: number
}

export interface DetailedStats {
  envelopes: Map<ShhVersion, VersionEnvelopeCounts>
  /** envelopes and bytes pooled, per version */
  pools: Map<ShhVersion, { envelopes: number; bytes: number }>
  traffic: HostTraffic | null
  /** seals (own posts, gateway crossings) waiting for or running on the seal workers */
  sealing: number
}

export interface NodeInfo {
  enode: string
  id: string
  shhVersions: ShhVersion[]
  minPow: number
  maxMessageSize: number
  /** hex; null = everything */
  bloom: string | null
  lightNode: boolean
  relay: boolean
  listening: { host: string; port: number } | null
  /** UDP port of discovery when on */
  discoveryPort: number | null
}
