// Rooms: a topic plus a password, exactly as the chat CLI and geth's wnode understand them. The room
// key is geth's key-from-password, messages are signed with the bridge's identity, so CLI users and
// Go clients in the same room see the same conversation. A room stays joined on the bridge (and its
// history keeps growing) until it is left explicitly through the API or the bridge stops; pages come
// and go without losing what was said meanwhile.
import { EventEmitter } from 'node:events'
import { pbkdf2 } from 'node:crypto'
import { concatBytes, toHex, utf8 } from '../whisper/bytes.js'
import { addressOf, publicKeyOf } from '../whisper/crypto.js'
import { keccak256 } from '../whisper/keccak.js'
import { parseTopic, topicHex } from '../whisper/topic.js'
import { BridgeError } from './errors.js'
import type { HistoryStore, StoredMessage } from './history.js'
import type { BridgeLimits } from './limits.js'
import type { BridgeNode, BridgeReceivedMessage } from './node-api.js'

export interface PostSettings {
  ttl: number
  pow: number
  workTime: number
  shh?: 5 | 6 | 'both'
}

export interface RoomsOptions {
  node: BridgeNode
  store: HistoryStore
  /** 32-byte private key that signs everything the bridge sends. */
  identity: Uint8Array
  post: PostSettings
  limits: BridgeLimits
  now?: () => number
}

export interface RoomInfo {
  room: string
  topic: string
  /** Messages in its history. */
  messages: number
}

interface JoinedRoom {
  room: string
  topic: Uint8Array
  symKey: Uint8Array
  subscription: string
  password: string
}

/** Room key derivations one client (address or connection) may have running at once. */
const MAX_DERIVATIONS_PER_CLIENT = 2

/**
 * geth's AddSymKeyFromPassword (PBKDF2-SHA256, no salt, 65,356 rounds; the bytes of whisper's
 * symKeyFromPassword), on libuv's thread pool: ~0.1 s of CPU per new password must not stop the event
 * loop (3 clients x 60 joins froze it for 33 s).
 */
function deriveRoomKey(password: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) =>
    pbkdf2(Buffer.from(password, 'utf8'), Buffer.alloc(0), 65356, 32, 'sha256', (err, key) => (err ? reject(err) : resolve(Uint8Array.from(key)))),
  )
}

const MAX_PASSWORD_LENGTH = 1024
const KEY_CACHE_SIZE = 64

/** Room id: names the (topic, key) pair without revealing the key. */
function roomId(topic: Uint8Array, symKey: Uint8Array): string {
  return toHex(keccak256(concatBytes(utf8('p2pmessage-room'), topic, symKey))).slice(0, 32)
}

/**
 * A message's identity across its copies: a sender may publish the same message as a v5 and a v6
 * envelope (different hashes), and a node with peers of both versions receives both.
 */
function messageKey(from: string | null, sent: number, payload: Uint8Array): string {
  const s = new Uint8Array(8)
  new DataView(s.buffer).setUint32(4, sent >>> 0)
  return toHex(keccak256(concatBytes(utf8(from ?? '-'), s, payload)))
}

export class Rooms extends EventEmitter {
  /** Own address (40 hex): messages from it are shown as `me`. */
  readonly address: string
  private readonly node: BridgeNode
  private readonly store: HistoryStore
  private readonly identity: Uint8Array
  private readonly settings: PostSettings
  private readonly limits: BridgeLimits
  private readonly now: () => number
  private readonly joined = new Map<string, JoinedRoom>()
  private readonly keyCache = new Map<string, Uint8Array>()
  private readonly deriving = new Map<unknown, number>()
  private readonly decoder = new TextDecoder('utf-8', { fatal: false })
  /** hash of each own post (the first envelope's, as stored) -> room, until it is reported undelivered */
  private readonly ownPosts = new Map<string, string>()
  private readonly undeliveredListener = (ev: { hashes: string[]; message: string }) => this.onUndelivered(ev)

  constructor(opts: RoomsOptions) {
    super()
    this.node = opts.node
    this.store = opts.store
    this.identity = opts.identity
    this.settings = opts.post
    this.limits = opts.limits
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000))
    this.address = toHex(addressOf(publicKeyOf(opts.identity)))
    this.node.on('undelivered', this.undeliveredListener)
  }

  /**
   * Joins (or finds) the room; idempotent. `client` (an address, a connection) bounds the key
   * derivations one client has running at once.
   */
  async join(topicText: unknown, password: unknown, client: unknown = 'local'): Promise<RoomInfo> {
    if (typeof topicText !== 'string') throw new BridgeError('bad-topic', 'topic must be a string of 8 hex digits')
    let topic: Uint8Array
    try {
      topic = parseTopic(topicText)
    } catch {
      throw new BridgeError('bad-topic', `topic must be 4 bytes as 8 hex digits (e.g. 44c7429f), got ${JSON.stringify(topicText.slice(0, 20))}`)
    }
    if (typeof password !== 'string' || password.length === 0) {
      throw new BridgeError('bad-password', 'password must be a non-empty string')
    }
    if (password.length > MAX_PASSWORD_LENGTH) {
      throw new BridgeError('bad-password', `password longer than ${MAX_PASSWORD_LENGTH} characters`)
    }
    // caps first: a join that must fail costs no key derivation
    const full = () => this.joined.size >= this.limits.maxRooms
    const tooMany = () => new BridgeError('too-many-rooms', `the bridge already listens to ${this.limits.maxRooms} rooms; leave one first`)
    if (full() && ![...this.joined.values()].some((r) => r.password === password)) throw tooMany()
    const symKey = await this.keyFor(password, client)
    const room = roomId(topic, symKey)
    if (!this.joined.has(room)) {
      if (full()) throw tooMany() // others joined while the key was derived
      // p2p messages come only from trusted peers: the mail servers' history answers
      const subscription = this.node.subscribe({ topics: [topic], symKey, allowP2P: true }, (m) => this.onMessage(room, m))
      this.joined.set(room, { room, topic, symKey, subscription, password })
      // a joined room is one room for shh/5 and shh/6 peers alike: the node crosses it when it has both
      this.node.addGatewayRoom({ topic, symKey })
      this.store.rememberRoom(room, topicHex(topic), this.now())
      this.emit('joined', { room, topic, symKey })
    }
    return this.info(room)!
  }

  /** Stops listening; history stays (joining again shows it). */
  leave(room: string): boolean {
    const r = this.joined.get(room)
    if (!r) return false
    this.node.unsubscribe(r.subscription)
    this.node.removeGatewayRoom({ topic: r.topic, symKey: r.symKey })
    this.joined.delete(room)
    this.emit('left', room)
    return true
  }

  isJoined(room: string): boolean {
    return this.joined.has(room)
  }

  info(room: string): RoomInfo | undefined {
    const r = this.joined.get(room)
    if (r) return { room, topic: topicHex(r.topic), messages: this.store.count(room) }
    const stored = this.store.room(room)
    return stored ? { room, topic: stored.topic, messages: this.store.count(room) } : undefined
  }

  list(): RoomInfo[] {
    return [...this.joined.keys()].map((room) => this.info(room)!)
  }

  /** History of a joined room or of one this store remembers (e.g. from before a restart). */
  history(room: string, limit: number, before?: number): StoredMessage[] {
    if (!this.info(room)) throw new BridgeError('unknown-room', `no room ${room} (join it first)`)
    return this.store.list(room, Math.min(limit, this.limits.maxHistoryPage), before)
  }

  /** Signs, seals and posts a text; the stored message arrives through the 'message' event. */
  async send(room: string, text: unknown): Promise<{ hash: string; sent: number }> {
    const r = this.joined.get(room)
    if (!r) throw new BridgeError('unknown-room', `not in room ${room} (join it first)`)
    if (typeof text !== 'string' || text.trim().length === 0) {
      throw new BridgeError('bad-text', 'text must be a non-empty string')
    }
    const payload = utf8(text)
    if (payload.length > this.limits.maxTextBytes) {
      throw new BridgeError('text-too-long', `text is ${payload.length} bytes; the limit is ${this.limits.maxTextBytes}`)
    }
    let result: Awaited<ReturnType<BridgeNode['post']>>
    try {
      result = await this.node.post({ topic: r.topic, payload, symKey: r.symKey, src: this.identity, ...this.settings })
    } catch (err) {
      throw new BridgeError('post-failed', `could not post: ${err instanceof Error ? err.message : String(err)}`)
    }
    const first = result.envelopes[0]
    const sent = first ? first.expiry - first.ttl : this.now()
    this.ownPosts.set(result.hash, room)
    if (this.ownPosts.size > 10_000) this.ownPosts.delete(this.ownPosts.keys().next().value as string)
    this.record(room, {
      key: messageKey(this.address, sent, payload),
      hash: result.hash,
      from: this.address,
      sent,
      text,
      truncated: false,
    })
    return { hash: result.hash, sent }
  }

  close(): void {
    this.node.off('undelivered', this.undeliveredListener)
    for (const room of [...this.joined.keys()]) this.leave(room)
  }

  private onMessage(room: string, m: BridgeReceivedMessage): void {
    if (!this.joined.has(room)) return
    // a gateway's re-seal is shown from its verified original sender
    const address = m.relayed ? m.relayed.address : m.address
    const from = address ? toHex(address) : null
    const sent = m.relayed ? m.relayed.sent : m.sent
    let payload = m.payload
    let truncated = false
    if (payload.length > this.limits.maxTextBytes) {
      payload = payload.subarray(0, this.limits.maxTextBytes)
      truncated = true
    }
    this.record(room, {
      key: messageKey(from, sent, m.payload),
      hash: toHex(m.hash),
      from,
      sent,
      ...(m.relayed ? { relayedBy: toHex(m.relayed.by) } : {}),
      text: this.decoder.decode(payload),
      truncated,
      history: m.p2p === true,
    })
  }

  /** The node says an own post expired unsent: mark it in history, and tell the pages ('undelivered'). */
  private onUndelivered(ev: { hashes: string[]; message: string }): void {
    for (const h of ev.hashes) {
      const room = this.ownPosts.get(h)
      if (room === undefined) continue
      for (const x of ev.hashes) this.ownPosts.delete(x)
      const stored = this.store.markUndelivered(room, h, ev.message)
      if (stored) this.emit('undelivered', stored)
      return
    }
  }

  private record(room: string, m: { key: string; hash: string; from: string | null; sent: number; text: string; truncated: boolean; relayedBy?: string; history?: boolean }): void {
    const stored = this.store.add({ room, received: this.now(), ...m })
    if (stored) this.emit('message', stored)
  }

  private async keyFor(password: string, client: unknown): Promise<Uint8Array> {
    let key = this.keyCache.get(password)
    if (key) {
      this.keyCache.delete(password)
    } else {
      const running = this.deriving.get(client) ?? 0
      if (running >= MAX_DERIVATIONS_PER_CLIENT) {
        throw new BridgeError('rate-limited', 'room keys are already being derived for this client; wait for them')
      }
      this.deriving.set(client, running + 1)
      try {
        key = await deriveRoomKey(password) // cached because pages rejoin on reload
      } finally {
        const n = (this.deriving.get(client) ?? 1) - 1
        if (n <= 0) this.deriving.delete(client)
        else this.deriving.set(client, n)
      }
      if (this.keyCache.size >= KEY_CACHE_SIZE) {
        const oldest = this.keyCache.keys().next().value
        if (oldest !== undefined) this.keyCache.delete(oldest)
      }
    }
    this.keyCache.set(password, key)
    return key
  }
}
