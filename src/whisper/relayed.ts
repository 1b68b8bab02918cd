// Relayed messages (docs/relayed-messages.md): a version gateway re-seals a room's message from one
// shh version into the other and signs it with its own key, because the v5 and v6 plaintext layouts
// differ and the original signature cannot be kept. The original's decrypted plaintext travels in the
// new message's padding, which geth's clients ignore, so clients that know this format can verify it
// and show the original sender ("relayed by" the gateway), while the rest see the gateway's address.
//
//   padding = "WRLY" || 0x01 || RLP([shh, sent, signerAddress, plaintext])
//
// The inner plaintext is only believed when its payload equals the outer payload and, when signed,
// its signature recovers exactly the address stated next to it; anything else is reported 'invalid'
// and the message counts as the gateway's own.
import { concatBytes, equalBytes } from './bytes.js'
import { WhisperError } from './errors.js'
import type { ShhVersion } from './envelope.js'
import { decodePlaintext } from './message.js'
import { rlpBytes, rlpDecode, rlpEncode, rlpList, rlpUint32 } from './rlp.js'

/** "WRLY": whisper relay. */
const RELAY_MAGIC = Uint8Array.of(0x57, 0x52, 0x4c, 0x59)
const RELAY_FORMAT_VERSION = 1

export interface RelayedOriginal {
  /** the shh version the original envelope was sealed for */
  shh: ShhVersion
  /** the original envelope's sent time (expiry - ttl), unix seconds */
  sent: number
  /** 20-byte address of the original signer; absent when the original was not signed */
  address?: Uint8Array
  /** the original's decrypted plaintext, exactly as it was (flags .. signature) */
  plaintext: Uint8Array
}

/** The padding a gateway puts into the re-sealed message. */
export function encodeRelayed(o: RelayedOriginal): Uint8Array {
  if (o.shh !== 5 && o.shh !== 6) throw new WhisperError('params', `relayed: shh must be 5 or 6, got ${String(o.shh)}`)
  if (!Number.isInteger(o.sent) || o.sent < 0 || o.sent > 0xffffffff) throw new WhisperError('params', `relayed: bad sent time ${o.sent}`)
  if (o.address !== undefined && o.address.length !== 20) throw new WhisperError('params', 'relayed: address must be 20 bytes')
  if (!(o.plaintext instanceof Uint8Array) || o.plaintext.length === 0) throw new WhisperError('params', 'relayed: plaintext required')
  const body = rlpEncode([o.shh, o.sent, o.address ?? new Uint8Array(0), o.plaintext])
  return concatBytes(RELAY_MAGIC, Uint8Array.of(RELAY_FORMAT_VERSION), body)
}

/** True when the padding starts with the relay magic (whatever its format version). */
export function looksRelayed(padding: Uint8Array): boolean {
  return padding.length >= RELAY_MAGIC.length + 1 && equalBytes(padding.subarray(0, RELAY_MAGIC.length), RELAY_MAGIC)
}

/** Parses a version-1 padding; throws WhisperError 'padding' when malformed or of another version. */
export function decodeRelayed(padding: Uint8Array): RelayedOriginal {
  if (!looksRelayed(padding)) throw new WhisperError('padding', 'not a relayed message (no WRLY magic)')
  const version = padding[RELAY_MAGIC.length]
  if (version !== RELAY_FORMAT_VERSION) throw new WhisperError('padding', `relayed message format version ${version} is not supported`)
  let items
  try {
    // fields after the fourth are for later versions of the format and are ignored
    items = rlpList(rlpDecode(padding.subarray(RELAY_MAGIC.length + 1), 'relayed message'), 'relayed message')
    if (items.length < 4) throw new WhisperError('field-count', `relayed message: ${items.length} fields, want at least 4`)
    const shh = rlpUint32(items[0], 'relayed shh')
    if (shh !== 5 && shh !== 6) throw new WhisperError('version', `relayed message: unknown shh version ${shh}`)
    const sent = rlpUint32(items[1], 'relayed sent')
    const address = rlpBytes(items[2], 'relayed address')
    if (address.length !== 0 && address.length !== 20) throw new WhisperError('field-size', `relayed message: address of ${address.length} bytes`)
    const plaintext = rlpBytes(items[3], 'relayed plaintext')
    if (plaintext.length === 0) throw new WhisperError('field-size', 'relayed message: empty plaintext')
    return { shh, sent, address: address.length === 20 ? address : undefined, plaintext }
  } catch (err) {
    if (err instanceof WhisperError && err.code !== 'padding') throw new WhisperError('padding', err.message, { cause: err })
    throw err
  }
}

export type RelayCheck =
  /** an ordinary message */
  | { kind: 'none' }
  /** a verified relayed message: `address`/`src` are the original signer's (absent: the original was unsigned) */
  | { kind: 'relayed'; shh: ShhVersion; sent: number; address?: Uint8Array; src?: Uint8Array; by: Uint8Array }
  /** carries a relay padding that does not hold up: the message is the gateway's (outer signer's) own */
  | { kind: 'invalid'; reason: string }

/**
 * Verifies what an opened message's padding claims. `outer` is the message as opened: its payload,
 * padding and signer address (the gateway's).
 */
export function checkRelayed(outer: { payload: Uint8Array; padding: Uint8Array; address?: Uint8Array }): RelayCheck {
  if (!looksRelayed(outer.padding)) return { kind: 'none' }
  let o: RelayedOriginal
  try {
    o = decodeRelayed(outer.padding)
  } catch (err) {
    return { kind: 'invalid', reason: (err as Error).message }
  }
  if (!outer.address) return { kind: 'invalid', reason: 'relayed message not signed by its gateway' }
  let inner
  try {
    inner = decodePlaintext(o.shh, o.plaintext)
  } catch (err) {
    return { kind: 'invalid', reason: `relayed plaintext: ${(err as Error).message}` }
  }
  if (!equalBytes(inner.payload, outer.payload)) return { kind: 'invalid', reason: 'relayed plaintext has another payload than the message' }
  if (inner.address === undefined) {
    if (o.address !== undefined) return { kind: 'invalid', reason: 'relayed plaintext is unsigned but names a signer' }
    return { kind: 'relayed', shh: o.shh, sent: o.sent, by: outer.address }
  }
  if (o.address === undefined || !equalBytes(inner.address, o.address)) {
    return { kind: 'invalid', reason: 'relayed plaintext signature does not match the signer it names' }
  }
  return { kind: 'relayed', shh: o.shh, sent: o.sent, address: inner.address, src: inner.src, by: outer.address }
}
