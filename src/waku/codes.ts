// Waku v1's wire constants as status-go v0.78.0 defines them (waku/v0/const.go, waku/v1/const.go,
// waku/common/const.go). waku/0 and waku/1 use the same codes; they differ only in the status packet
// and its option keys (options.ts).

export type WakuVersion = 0 | 1
export const WAKU_VERSIONS: readonly WakuVersion[] = [0, 1]
export const WAKU_CAPABILITY_NAME = 'waku'

export const WAKU_CODES = {
  status: 0,
  messages: 1,
  batchAcknowledged: 11,
  messageResponse: 12,
  statusUpdate: 22,
  p2pRequestComplete: 125,
  p2pRequest: 126,
  p2pMessage: 127,
  /** NumberOfMessageCodes: the capability's length in the devp2p hello */
  count: 128,
} as const

// status-go declares these with iota deep inside a long const block, so on the wire they are 21 and 22,
// not 1 and 2 (whisper's copy of the block makes them 37 and 38).
export const ENVELOPE_TIME_NOT_SYNCED = 21
export const ENVELOPE_OTHER_ERROR = 22

/** Validate() of the status options refuses more topics (its message says 1000; the check is 10000). */
export const MAX_TOPIC_INTEREST = 10000
/** MessagesRequest.Validate: the largest `limit` a history request may ask for. */
export const MAX_LIMIT_IN_MESSAGES_REQUEST = 1000
/** WithDefaults: the PoW requirement assumed for a peer whose status leaves it out. */
export const PEER_DEFAULT_POW = 0.001
