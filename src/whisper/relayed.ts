// Relayed messages (docs/relayed-messages.md): a version gateway re-seals a room's message from one
// shh version into the other and signs it with its own key, because the v5 and v6 plaintext layouts
// differ and the original signature cannot be kept. The original envelope travels in the new
// message's padding, which geth's clients ignore, so clients that know this format and the room key
// can open it and show the original sender ("relayed by" the gateway), while the rest see the
// gateway's address.
//
//   padding = "WRLY" || 0x02 || RLP([shh, originalEnvelope])
//
// Format 1 carried the bare plaintext and a stated version, and nothing bound one to the other: the
// signature covers the plaintext bytes only, the same in both layouts, so a member's signed shh/6
// plaintext claimed as shh/5 parsed into a garbage payload "signed" by that member. Format 2 carries
// the envelope: it must decode strictly as an envelope of the stated version (the field lists differ),
// open with the room's key and have the outer topic; sent time and signer come out of it. Format 1
// is no longer believed.
import { concatBytes, equalBytes } from './bytes.js'
import { WhisperError } from './errors.js'
import { decodeEnvelope, encodeEnvelope, envelopeSent, type Envelope, type ShhVersion } from './envelope.js'
import { openEnvelope, type ReceivedMessage } from './open.js'
import { rlpBytes, rlpDecode, rlpEncode, rlpList, rlpUint32 } from './rlp.js'

/** "WRLY": whisper relay. */
const RELAY_MAGIC = Uint8Array.of(0x57, 0x52, 0x4c, 0x59)
const RELAY_FORMAT_VERSION = 2

export interface RelayedOriginal {
  /** the shh version the original envelope was sealed for */
  shh: ShhVersion
  /** the original envelope's RLP, as received */
  envelope: Uint8Array
}

/** The padding a gateway puts into the re-sealed message: `original` is the envelope it opened (the wire bytes when given). */
export function encodeRelayed(original: Envelope, wire?: Uint8Array): Uint8Array {
  if (original.shh !== 5 && original.shh !== 6) throw new WhisperError('params', `relayed: shh must be 5 or 6, got ${String(original.shh)}`)
  const body = rlpEncode([original.shh, wire ?? encodeEnvelope(original)])
  return concatBytes(RELAY_MAGIC, Uint8Array.of(RELAY_FORMAT_VERSION), body)
}

/** True when the padding starts with the relay magic (whatever its format version). */
export function looksRelayed(padding: Uint8Array): boolean {
  return padding.length >= RELAY_MAGIC.length + 1 && equalBytes(padding.subarray(0, RELAY_MAGIC.length), RELAY_MAGIC)
}

/** Parses a version-2 padding; throws WhisperError 'padding' when malformed or of another version. */
export function decodeRelayed(padding: Uint8Array): RelayedOriginal {
  if (!looksRelayed(padding)) throw new WhisperError('padding', 'not a relayed message (no WRLY magic)')
  const version = padding[RELAY_MAGIC.length]
  if (version === 1) throw new WhisperError('padding', 'relayed message format version 1 does not bind the original\'s layout and is not believed')
  if (version !== RELAY_FORMAT_VERSION) throw new WhisperError('padding', `relayed message format version ${version} is not supported`)
  try {
    // fields after the second are for later versions of the format and are ignored
    const items = rlpList(rlpDecode(padding.subarray(RELAY_MAGIC.length + 1), 'relayed message'), 'relayed message')
    if (items.length < 2) throw new WhisperError('field-count', `relayed message: ${items.length} fields, want at least 2`)
    const shh = rlpUint32(items[0], 'relayed shh')
    if (shh !== 5 && shh !== 6) throw new WhisperError('version', `relayed message: unknown shh version ${shh}`)
    const envelope = rlpBytes(items[1], 'relayed envelope')
    if (envelope.length === 0) throw new WhisperError('field-size', 'relayed message: empty envelope')
    return { shh, envelope }
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
 * Verifies what an opened message's padding claims. `outer` is the message as opened: its topic,
 * payload, padding and signer address (the gateway's); `symKey` the room key it opened with.
 */
export function checkRelayed(
  outer: { topic: Uint8Array; payload: Uint8Array; padding: Uint8Array; address?: Uint8Array },
  symKey: Uint8Array | undefined,
): RelayCheck {
  if (!looksRelayed(outer.padding)) return { kind: 'none' }
  let o: RelayedOriginal
  try {
    o = decodeRelayed(outer.padding)
  } catch (err) {
    return { kind: 'invalid', reason: (err as Error).message }
  }
  if (!outer.address) return { kind: 'invalid', reason: 'relayed message not signed by its gateway' }
  if (!symKey) return { kind: 'invalid', reason: 'relayed message outside a room (not opened with a symmetric key)' }
  let env: Envelope
  try {
    env = decodeEnvelope(o.shh, o.envelope)
  } catch (err) {
    return { kind: 'invalid', reason: `relayed envelope is not a shh/${o.shh} envelope: ${(err as Error).message}` }
  }
  if (!equalBytes(env.topic, outer.topic)) return { kind: 'invalid', reason: 'relayed envelope has another topic than the message' }
  if (env.shh === 5 && env.aesNonce.length === 0) return { kind: 'invalid', reason: 'relayed envelope is not symmetric' }
  let inner: ReceivedMessage
  try {
    inner = openEnvelope(env, { symKey })
  } catch (err) {
    return { kind: 'invalid', reason: `relayed envelope does not open with the room key: ${(err as Error).message}` }
  }
  if (!equalBytes(inner.payload, outer.payload)) return { kind: 'invalid', reason: 'relayed envelope has another payload than the message' }
  return { kind: 'relayed', shh: o.shh, sent: envelopeSent(env), address: inner.address, src: inner.src, by: outer.address }
}
