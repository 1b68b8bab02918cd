// Errors the bridge reports to its clients. The code is stable (scripts match on it); the HTTP status
// is how the REST API reports it; the WebSocket protocol sends the code and message in an `error`.
export type BridgeErrorCode =
  | 'bad-request'
  | 'bad-topic'
  | 'bad-password'
  | 'bad-text'
  | 'text-too-long'
  | 'bad-enode'
  | 'unknown-room'
  | 'unknown-peer'
  | 'too-many-rooms'
  | 'rate-limited'
  | 'post-failed'

const STATUS: Record<BridgeErrorCode, number> = {
  'bad-request': 400,
  'bad-topic': 400,
  'bad-password': 400,
  'bad-text': 400,
  'text-too-long': 413,
  'bad-enode': 400,
  'unknown-room': 404,
  'unknown-peer': 404,
  'too-many-rooms': 409,
  'rate-limited': 429,
  'post-failed': 500,
}

export class BridgeError extends Error {
  constructor(
    readonly code: BridgeErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'BridgeError'
  }

  get status(): number {
    return STATUS[this.code]
  }
}
