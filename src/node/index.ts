// Public API of the running node, for the CLI, bridge and RPC adapters. Every type reachable from here
// is our own (test/node/public-types.test.ts): a disconnect reason is a number, named by
// disconnectReasonName, never devp2p's enum.
export {
  WhisperNode,
  type NodeOptions,
  type PostParams,
  type PostResult,
  type PeerSummary,
  type NodeStats,
  type NodeInfo,
  type EnvelopeEvent,
  type MailServerHooks,
  type DialTargetStatus,
} from './whisper-node.js'
export type { FilterSpec, DeliveredMessage, MessageHandler } from './filter.js'
export type { GatewayRoom, GatewayOptions, GatewayStats } from './gateway.js'
export type { UndeliveredEvent, UndeliveredReason } from './delivery.js'
export { NodeError, type NodeErrorCode } from './errors.js'
export { Logger, LogLevel, normalizeVerbosity, stderrSink, type LogSink } from '../log/log.js'
export { DEFAULT_MIN_POW, DEFAULT_MAX_MESSAGE_SIZE, MAX_MESSAGE_SIZE_CAP } from './validate.js'
export { disconnectReasonName } from '../p2p/shh-peer.js'
