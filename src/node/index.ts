/**
 * A Whisper node to embed: {@link WhisperNode} speaks shh/5 and shh/6 over devp2p/RLPx as go-ethereum
 * does (and Waku's waku/0 and waku/1 as status-go v0.78.0 does), keeps and forwards envelopes, and delivers the messages of your filters. This module is the
 * package's main entry point (`p2pmessage`); it also re-exports what a node's caller needs of the
 * protocol (topics, keys, hex) and enode URL parsing. The CLI, bridge and RPC adapters use the same
 * API. Every type reachable from here is our own (test/node/public-types.test.ts): a disconnect
 * reason is a number, named by {@link disconnectReasonName}.
 *
 * @example
 * ```ts
 * import { WhisperNode, symKeyFromPassword, topicFromPassword, utf8 } from 'p2pmessage'
 * const node = new WhisperNode({ staticPeers: ['enode://…@127.0.0.1:30303'], verbosity: 0 })
 * await node.start()
 * const topic = topicFromPassword('lobby'), symKey = symKeyFromPassword('lobby')
 * node.subscribe({ topics: [topic], symKey }, (m) => console.log(new TextDecoder().decode(m.payload)))
 * await node.waitForPeer()
 * await node.post({ topic, symKey, payload: utf8('hello') })
 * ```
 * @module p2pmessage
 */
export {
  WhisperNode,
  type NodeOptions,
  type PostParams,
  type PostResult,
  type PeerSummary,
  type NodeStats,
  type NodeInfo,
  type EnvelopeEvent,
  type DialTargetStatus,
} from './whisper-node.js'
export type { FilterSpec, DeliveredMessage, MessageHandler } from './filter.js'
export type { Net, Cap } from './node-types.js'
export { NETS, CAPS, isNet, isCap } from '../p2p/net-peer.js'
export type { GatewayRoom, GatewayOptions, GatewayStats } from './gateway.js'
export type { PeerLimitOptions } from './peer-limits.js'
export type { RateLimitOptions } from './rate-guard.js'
export type { NetBridgeOptions, NetBridgeStats } from './net-bridge.js'
export type { UndeliveredEvent, UndeliveredReason } from './delivery.js'
export { NodeError, type NodeErrorCode } from './errors.js'
export type { LogSink } from '../log/log.js'
export { DEFAULT_MIN_POW, DEFAULT_MAX_MESSAGE_SIZE, MAX_MESSAGE_SIZE_CAP } from './validate.js'
export { disconnectReasonName } from '../p2p/shh-peer.js'
export type { DialFailure } from '../p2p/host-types.js'
export { parseEnode, formatEnode, EnodeError, type Enode } from '../p2p/enode.js'
export { loadOrCreateNodeKey, NodeKeyError, type NodeKey } from '../p2p/nodekey.js'
export { WhisperError, type WhisperErrorCode } from '../whisper/errors.js'
export type { ShhVersion, Envelope } from '../whisper/envelope.js'
export type { SealParams } from '../whisper/seal.js'
export type { ReceivedMessage } from '../whisper/open.js'
export { parseTopic, topicHex, topicFromPassword } from '../whisper/topic.js'
export { symKeyFromPassword, generatePrivateKey, publicKeyOf } from '../whisper/crypto.js'
export { toHex, fromHex, utf8 } from '../whisper/bytes.js'
