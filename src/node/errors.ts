// Errors the node's public API throws for a caller's mistake or a state it cannot serve, each with a
// stable `code` so the CLI, bridge and RPC adapters can map them without matching message text.
/** What a NodeError is about, stable for callers to branch on. */
export type NodeErrorCode =
  | 'params' // invalid argument (key size, topic, ttl, pow, enode, ...)
  | 'state' // not started, already started, stopped
  | 'relay' // a relay node opens nothing: no subscriptions, no posting
  | 'rejected' // our own envelope failed the pool's validation (e.g. PoW below the node's minimum)
  | 'pow' // sealing did not reach the requested PoW within the work time
  | 'timeout' // waitForPeer gave up
  | 'peer' // unknown peer / peer not usable for that
  | 'aborted' // the operation was cancelled (node stopped)

/** The error WhisperNode's methods throw or reject with; `code` says why. */
export class NodeError extends Error {
  /** Why it failed. */
  readonly code: NodeErrorCode
  /** An error with its code and a one-line message. */
  constructor(code: NodeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'NodeError'
    this.code = code
  }
}
