// Every failure that hostile or malformed input can cause in src/whisper surfaces as a WhisperError with
// a stable `code`, so callers (node, CLI) can tell "drop the peer" from "not for me" without string matching.
/**
 * What went wrong, stable for callers to branch on: `decrypt` means "not for this key", the others malformed
 * input or bad arguments.
 */
export type WhisperErrorCode =
  | 'rlp' // not well-formed (or not canonical) RLP
  | 'field-count' // wrong number of list items
  | 'field-size' // an item has the wrong type or size (e.g. topic not 4 bytes, uint too long)
  | 'version' // v5 envelope version too long / unsupported status version
  | 'aes-nonce' // v5 aesNonce neither empty nor 12 bytes; v6 data too short to hold the nonce
  | 'ciphertext' // encrypted data too short / malformed to even try
  | 'decrypt' // authentication failed: wrong key or corrupted data
  | 'signature' // signature present but unrecoverable
  | 'padding' // v5 padding-size field inconsistent
  | 'payload-size' // v6 payload-size field inconsistent
  | 'flags' // empty plaintext (no flags byte)
  | 'key' // invalid key given by the caller
  | 'topic' // topic not 4 bytes of hex
  | 'hex' // not a hex string
  | 'packet' // control packet (status, PoW requirement, bloom) malformed
  | 'pow' // PoW target not reached in the work time / invalid PoW value
  | 'params' // invalid sealing parameters (size, ttl, ...)

/** The one error type of the protocol functions; `code` says what failed. */
export class WhisperError extends Error {
  /** What failed. */
  readonly code: WhisperErrorCode
  /** An error with its code and a one-line message. */
  constructor(code: WhisperErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'WhisperError'
    this.code = code
  }
}

/** True when `e` is a WhisperError (with `code`, when given). */
export function isWhisperError(e: unknown, code?: WhisperErrorCode): e is WhisperError {
  return e instanceof WhisperError && (code === undefined || e.code === code)
}
