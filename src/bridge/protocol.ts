// The bridge's WebSocket protocol: one JSON object per text frame, each with a `type`. A request may
// carry an `id` (string or number) that the answer (or the error) repeats. See the README section
// "WebSocket protocol" for the full list; this file is its parser.
import { BridgeError } from './errors.js'
import type { MessageView, PeerView } from './views.js'

export type RequestId = string | number

export type ClientMessage =
  | { type: 'join'; id?: RequestId; topic: string; password: string; history?: number }
  // a room the bridge has already joined (over REST, --room or another page): no password needed
  | { type: 'join'; id?: RequestId; room: string; history?: number }
  | { type: 'leave'; id?: RequestId; room: string }
  | { type: 'send'; id?: RequestId; room: string; text: string }
  | { type: 'peers'; id?: RequestId }
  | { type: 'ping'; id?: RequestId }

export type ServerMessage =
  | { type: 'hello'; protocol: 1; address: string; enode: string | null; rooms: { room: string; topic: string }[] }
  | { type: 'joined'; id?: RequestId; room: string; topic: string; history: MessageView[] }
  | { type: 'left'; id?: RequestId; room: string }
  | { type: 'sent'; id?: RequestId; room: string; hash: string; sent: number }
  | ({ type: 'message' } & MessageView)
  | { type: 'undelivered'; room: string; seq: number; hash: string; reason: string }
  | { type: 'peers'; id?: RequestId; peers: PeerView[] }
  | { type: 'pong'; id?: RequestId }
  | { type: 'error'; id?: RequestId; code: string; message: string }

export const PROTOCOL_VERSION = 1

const MAX_ID_LENGTH = 64

/** Parses one frame; throws BridgeError('bad-request') naming what is wrong. */
export function parseClientMessage(text: string): ClientMessage {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    throw new BridgeError('bad-request', 'message is not valid JSON')
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BridgeError('bad-request', 'message must be a JSON object')
  const o = v as Record<string, unknown>
  const id = parseId(o.id)
  const base = id === undefined ? {} : { id }
  switch (o.type) {
    case 'join': {
      const history = o.history === undefined ? undefined : o.history
      if (history !== undefined && !(Number.isInteger(history) && (history as number) >= 0)) {
        throw new BridgeError('bad-request', '"history" must be a whole number >= 0')
      }
      if (o.room !== undefined) return { type: 'join', ...base, room: str(o, 'room'), history: history as number | undefined }
      // topic and password are checked by Rooms.join with their own error codes
      return { type: 'join', ...base, topic: o.topic as string, password: o.password as string, history: history as number | undefined }
    }
    case 'leave':
      return { type: 'leave', ...base, room: str(o, 'room') }
    case 'send':
      return { type: 'send', ...base, room: str(o, 'room'), text: o.text as string }
    case 'peers':
      return { type: 'peers', ...base }
    case 'ping':
      return { type: 'ping', ...base }
    default:
      throw new BridgeError('bad-request', `unknown message type ${JSON.stringify(typeof o.type === 'string' ? o.type.slice(0, 32) : o.type ?? null)}`)
  }
}

/** The id of a frame that failed to parse, so the error can still be matched to its request. */
export function salvageId(text: string): RequestId | undefined {
  try {
    const v = JSON.parse(text) as { id?: unknown }
    return v && typeof v === 'object' ? parseId(v.id) : undefined
  } catch {
    return undefined
  }
}

function parseId(id: unknown): RequestId | undefined {
  if (id === undefined || id === null) return undefined
  if (typeof id === 'number' && Number.isFinite(id)) return id
  if (typeof id === 'string' && id.length <= MAX_ID_LENGTH) return id
  throw new BridgeError('bad-request', `"id" must be a number or a string of at most ${MAX_ID_LENGTH} characters`)
}

function str(o: Record<string, unknown>, field: string): string {
  const v = o[field]
  if (typeof v !== 'string' || v.length === 0) throw new BridgeError('bad-request', `"${field}" must be a non-empty string`)
  return v
}
