// The public types of WhisperNode's constructor options, stats() and info() (docs/architecture.md,
// `src/node/` contract). Only our own types: nothing of devp2p shows through them (a disconnect
// reason is a number, named by disconnectReasonName).
import type { ShhVersion } from '../whisper/envelope.js'
import type { Cap, Net } from '../p2p/net-peer.js'

export type { Cap, Net }
import type { PeerHostFactory } from '../p2p/transport.js'
import type { HostTraffic } from '../p2p/host.js'
import type { VersionEnvelopeCounts } from './envelope-counts.js'
import type { LogSink } from '../log/log.js'
import type { GatewayOptions, GatewayRoom } from './gateway.js'
import type { PeerLimitOptions } from './peer-limits.js'
import type { RateLimitOptions } from './rate-guard.js'
import type { NetBridgeOptions } from './net-bridge.js'

/**
 * How a WhisperNode is built: identity, network, protocol versions and limits. Every field is optional: `new
 * WhisperNode()` is a node with a fresh key that dials nothing and listens nowhere.
 */
export interface NodeOptions {
  /** 32-byte node key; else loaded from / created in nodeKeyFile; else a fresh one per run. */
  privateKey?: Uint8Array
  /**
   * File holding the node key (geth's format: 64 hex digits), created 0600 when missing; used when
   * `privateKey` is absent.
   */
  nodeKeyFile?: string
  /** Listening socket (off when absent). Port 0 picks a free port; see `enode`. */
  listen?: {
    /** Address to bind, e.g. 127.0.0.1 or 0.0.0.0. */
    host: string
    /** TCP port; 0 picks a free one. */
    port: number
  }
  /** Offered protocol versions, default [5, 6]; each peer speaks the highest both sides offer. */
  shhVersions?: ShhVersion[]
  /**
   * Offered capabilities instead of shhVersions, e.g. ['shh/6', 'waku/1']: one network (and pool) per
   * family and shh version; each connection runs the highest common version of each family.
   */
  protocols?: Cap[]
  /** Our rate limits (rate-guard.ts): enforced on Waku peers by default and announced in the Waku status; absent: none. */
  rateLimits?: RateLimitOptions
  /**
   * The Whisper <-> Waku bridge (net-bridge.ts): envelopes pooled on shh/6 enter the Waku pool unchanged and
   * the other way. Default: on for a relay that offers shh/6 and Waku, off otherwise.
   */
  netBridge?: boolean | NetBridgeOptions
  /** Waku: confirm the batches peers send (message response, then batch acknowledgement), as status-go's confirmations option. */
  confirmations?: boolean
  /** enode URLs dialled and redialled with backoff */
  staticPeers?: string[]
  /** enode URLs or node ids allowed beyond maxPeers and trusted for p2p direct messages */
  trustedPeers?: string[]
  /** enode URLs dialled at start and while no peer is connected, and discovery's seeds. */
  bootnodes?: string[]
  /** discv4 peer discovery on UDP (default false). */
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
  /** The devp2p client id announced in the hello (default `p2pmessage/vX.Y.Z/os-arch/nodejsN`). */
  clientId?: string
  /** Pool bounds per protocol version. */
  poolMaxBytes?: number
  /** Most envelopes pooled per protocol version (poolMaxBytes bounds their bytes). */
  poolMaxEnvelopes?: number
  /** PoW worker threads (default: all cores). */
  sealThreads?: number
  /** Per-peer CPU and flood limits (peer-limits.ts); false = none, as geth. */
  peerLimits?: PeerLimitOptions | false
  /** Rooms whose messages this node carries between shh/5 and shh/6 peers (gateway.ts). */
  gatewayRooms?: GatewayRoom[]
  /** Pacing and limits of the version gateway (gatewayRooms). */
  gateway?: GatewayOptions
  /**
   * What carries the peers (default: a P2PHost over TCP/RLPx; the simulation passes an in-memory one).
   * @internal
   */
  transport?: PeerHostFactory
  /** 0 (default): forward new envelopes at once; > 0: on a fixed cycle, as geth's 300 ms broadcast loop. */
  forwardIntervalMs?: number
}

/** Counters since start, from stats(). */
export interface NodeStats {
  /** Connected peers. */
  peers: number
  /** envelopes pooled, all versions */
  poolSize: number
  /** Bytes of the pooled envelopes. */
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
  /** own posts that expired before reaching any peer because none was connected (event 'undelivered') */
  undeliveredNoPeer: number
  /** Own posts whose PoW every peer's requirement exceeded. */
  undeliveredPow: number
  /** Own posts whose topic no peer's bloom admitted. */
  undeliveredBloom: number
  /** peers dropped for going over our rate limits (rateLimits) */
  rateLimitDrops: number
}

/** Counters by protocol version, for metrics (from WhisperNode.detailedStats()). */
export interface DetailedStats {
  /** what became of the envelopes received, per network */
  envelopes: Map<Net, VersionEnvelopeCounts>
  /** envelopes and bytes pooled, per network */
  pools: Map<Net, { envelopes: number; bytes: number }>
  /** bytes and packets in and out of the RLPx host; null before it started */
  traffic: HostTraffic | null
  /** seals (own posts, gateway crossings) waiting for or running on the seal workers */
  sealing: number
  /** peers dropped for going over our rate limits, per network */
  rateLimitDrops: Map<Net, number>
}

/** What the node is and announces, from info(). */
export interface NodeInfo {
  /** Its enode URL (see WhisperNode.enode). */
  enode: string
  /** Its node id, 128 hex digits. */
  id: string
  /** The shh versions it offers. */
  shhVersions: ShhVersion[]
  /** The capabilities it offers, e.g. ['shh/6', 'waku/1']. */
  caps: Cap[]
  /** The networks it runs (one pool each). */
  nets: Net[]
  /** The PoW it requires of envelopes. */
  minPow: number
  /** Largest packet it accepts, bytes. */
  maxMessageSize: number
  /** hex; null = everything */
  bloom: string | null
  /** Announces itself as a light node (v6). */
  lightNode: boolean
  /** Runs as a relay (forwards everything, opens nothing). */
  relay: boolean
  /** The listening address, null when not listening. */
  listening: {
    /** The address bound. */
    host: string
    /** The TCP port bound (the real one when 0 was asked). */
    port: number
  } | null
  /** UDP port of discovery when on */
  discoveryPort: number | null
}
