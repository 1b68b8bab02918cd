// How received messages are shown: the original client's line format, and one JSON object per message.

/** The fields of a whisper ReceivedMessage that the chat shows (structural, so any opener's result fits). */
export interface ShownMessage {
  shh: 5 | 6
  topic: Uint8Array
  payload: Uint8Array
  src?: Uint8Array
  address?: Uint8Array
  sent: number
  ttl: number
  pow: number
  hash: Uint8Array
  symmetric: boolean
  /** re-sealed by a version gateway, original verified (the node's DeliveredMessage.relayed) */
  relayed?: { by: Uint8Array; src?: Uint8Array; address?: Uint8Array; sent: number }
}

const pad2 = (n: number): string => String(n).padStart(2, '0')

/** Go's time.Unix(sent, 0).Format("2006-01-02 15:04:05"): local time. */
export function formatLocalTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000)
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`
}

export const toHex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/**
 * A peer's text reaches the user's terminal: escape sequences in it could rewrite the screen or the
 * title, so control characters (other than tab) are shown as \xNN instead of being interpreted, and
 * the bidi embedding/override/isolate controls (U+202A-U+202E, U+2066-U+2069, which reorder what
 * follows them, up to the end of the line) as \u{NNNN}.
 */
export function sanitizeText(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/[\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`)
}

function payloadText(payload: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(payload)
}

/**
 * `2017-09-11 11:33:10 <mine>: text` or `2017-09-11 11:33:10 [40-hex address]: text`, as the original.
 * Where the original printed the zero address for an unsigned message, which reads like a real sender,
 * this says `[anonymous]`; a direct message (encrypted to our identity, not the room key) is marked
 * `(direct)`, since it is not seen by the rest of the room.
 */
export function formatChatLine(msg: ShownMessage, mine: boolean): string {
  const r = msg.relayed
  const when = formatLocalTime(r ? r.sent : msg.sent)
  const text = sanitizeText(payloadText(msg.payload))
  const direct = msg.symmetric ? '' : ' (direct)'
  if (mine) return `${when} <mine>${direct}: ${text}`
  // a gateway's re-seal: the verified original sender, and who carried it across versions
  const address = r ? r.address : msg.address
  const from = address ? toHex(address) : 'anonymous'
  const relayed = r ? ` (relayed by ${toHex(r.by)})` : ''
  return `${when} [${from}]${relayed}${direct}: ${text}`
}

export interface JsonMessage {
  time: string      // local time as in the chat line
  sent: number      // unix seconds
  from: string | null      // 40-hex address of the signer, null when unsigned
  publicKey: string | null // 130-hex uncompressed public key of the signer
  mine: boolean
  direct: boolean   // asymmetric (addressed to our identity) rather than the room key
  topic: string
  text: string
  payload: string   // hex, for binary payloads
  hash: string
  shh: 5 | 6
  ttl: number
  pow: number
  /** 40-hex address of the version gateway that re-sealed it (then `from` is the verified original sender) */
  relayedBy?: string
}

export function toJsonMessage(msg: ShownMessage, mine: boolean): JsonMessage {
  const r = msg.relayed
  const address = r ? r.address : msg.address
  const src = r ? r.src : msg.src
  const out: JsonMessage = {
    time: formatLocalTime(r ? r.sent : msg.sent),
    sent: r ? r.sent : msg.sent,
    from: address ? toHex(address) : null,
    publicKey: src ? toHex(src) : null,
    mine,
    direct: !msg.symmetric,
    topic: toHex(msg.topic),
    text: payloadText(msg.payload),
    payload: toHex(msg.payload),
    hash: toHex(msg.hash),
    shh: msg.shh,
    ttl: msg.ttl,
    pow: msg.pow,
  }
  if (r) out.relayedBy = toHex(r.by)
  return out
}
