// The WebSocket side of the bridge: pages and scripts join rooms, send, and get messages and peer
// changes pushed to them. Each connection is bounded: a frame size limit (ws maxPayload), a message
// rate, a send rate, a cap on unsent bytes (a client that stops reading is dropped instead of
// growing the bridge's memory) and heartbeats (a client that stops answering pings is dropped).
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { BridgeError } from './errors.js'
import { RateLimiter } from '../http/limits.js'
import { rejectUpgrade } from '../http/server.js'
import type { Logger } from '../log/log.js'
import type { BridgeLimits } from './limits.js'
import type { BridgeNode } from './node-api.js'
import { PROTOCOL_VERSION, parseClientMessage, salvageId, type ClientMessage, type RequestId, type ServerMessage } from './protocol.js'
import type { StoredMessage } from './history.js'
import type { Rooms } from './rooms.js'
import { messageView, peerView } from './views.js'

export interface WsHubOptions {
  rooms: Rooms
  node: BridgeNode
  limits: BridgeLimits
  log: Logger
}

const DEFAULT_HISTORY = 100
const CLOSE_GRACE_MS = 1000

/** One connected client. */
class WsClient {
  readonly rooms = new Set<string>()
  alive = true
  private violations = 0
  private readonly messageLimiter: RateLimiter
  readonly sendLimiter: RateLimiter

  constructor(
    readonly ws: WebSocket,
    private readonly limits: BridgeLimits,
  ) {
    this.messageLimiter = new RateLimiter(limits.wsMessageRate)
    this.sendLimiter = new RateLimiter(limits.sendRate)
  }

  /** Queues a message; a client whose backlog is already over the limit is dropped instead. */
  send(msg: ServerMessage): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return false
    if (this.ws.bufferedAmount > this.limits.maxWsBufferedBytes) {
      this.ws.terminate() // a close frame would wait behind the backlog it could not drain
      return false
    }
    this.ws.send(JSON.stringify(msg))
    return true
  }

  /** Counts one incoming message against the rate; false when it must be refused. */
  admit(): boolean {
    if (this.messageLimiter.take()) {
      this.violations = 0
      return true
    }
    this.violations++
    if (this.violations > this.limits.maxWsViolations) this.ws.close(1008, 'rate limit exceeded')
    return false
  }
}

export class WsHub {
  private readonly wss: WebSocketServer
  private readonly clients = new Set<WsClient>()
  private readonly rooms: Rooms
  private readonly node: BridgeNode
  private readonly limits: BridgeLimits
  private readonly log: Logger
  private readonly heartbeat: NodeJS.Timeout
  private readonly unhook: () => void
  private closed = false

  constructor(opts: WsHubOptions) {
    this.rooms = opts.rooms
    this.node = opts.node
    this.limits = opts.limits
    this.log = opts.log
    this.wss = new WebSocketServer({ noServer: true, maxPayload: opts.limits.maxWsMessageBytes, perMessageDeflate: false })
    this.heartbeat = setInterval(() => this.beat(), opts.limits.heartbeatMs)
    this.heartbeat.unref()

    const onMessage = (m: StoredMessage): void => {
      const view = messageView(m, this.rooms.address)
      for (const c of this.clients) if (c.rooms.has(m.room)) c.send({ type: 'message', ...view })
    }
    const onLeft = (room: string): void => {
      for (const c of this.clients) if (c.rooms.delete(room)) c.send({ type: 'left', room })
    }
    const onPeers = (): void => {
      const peers = this.node.peers().map(peerView)
      for (const c of this.clients) c.send({ type: 'peers', peers })
    }
    const onUndelivered = (m: StoredMessage): void => {
      for (const c of this.clients) if (c.rooms.has(m.room)) c.send({ type: 'undelivered', room: m.room, seq: m.seq, hash: m.hash, reason: m.undelivered ?? '' })
    }
    this.rooms.on('message', onMessage)
    this.rooms.on('undelivered', onUndelivered)
    this.rooms.on('left', onLeft)
    this.node.on('peer:added', onPeers)
    this.node.on('peer:removed', onPeers)
    this.unhook = () => {
      this.rooms.off('message', onMessage)
      this.rooms.off('undelivered', onUndelivered)
      this.rooms.off('left', onLeft)
      this.node.off('peer:added', onPeers)
      this.node.off('peer:removed', onPeers)
    }
  }

  get size(): number {
    return this.clients.size
  }

  /** Upgrade handler for HttpServer.upgrade (access checks already passed). */
  handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (this.closed) {
      rejectUpgrade(socket, 503, JSON.stringify({ error: { code: 'shutting-down', message: 'the bridge is stopping' } }))
      return
    }
    if (this.clients.size >= this.limits.maxWsConnections) {
      rejectUpgrade(socket, 503, JSON.stringify({ error: { code: 'too-many-connections', message: 'too many WebSocket connections' } }))
      return
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws))
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.heartbeat)
    this.unhook()
    const waits: Promise<void>[] = []
    for (const c of this.clients) {
      waits.push(new Promise<void>((resolve) => c.ws.once('close', () => resolve())))
      c.ws.close(1001, 'bridge shutting down')
    }
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all(waits),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_GRACE_MS)
      }),
    ])
    clearTimeout(timer)
    for (const c of this.clients) c.ws.terminate()
    this.clients.clear()
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
  }

  private accept(ws: WebSocket): void {
    const client = new WsClient(ws, this.limits)
    this.clients.add(client)
    ws.on('pong', () => {
      client.alive = true
    })
    ws.on('message', (data: RawData, isBinary: boolean) => void this.onFrame(client, data, isBinary))
    ws.on('error', () => {
      // too-large frames and protocol violations: ws closes the connection itself (1009 / 1002)
    })
    ws.on('close', () => this.clients.delete(client))
    client.send({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      address: this.rooms.address,
      enode: this.node.listening ? this.node.enode : null,
      rooms: this.rooms.list().map((r) => ({ room: r.room, topic: r.topic })),
    })
    client.send({ type: 'peers', peers: this.node.peers().map(peerView) })
  }

  private beat(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        c.ws.terminate() // missed the previous ping: gone without a close
        continue
      }
      c.alive = false
      c.ws.ping()
    }
  }

  private async onFrame(client: WsClient, data: RawData, isBinary: boolean): Promise<void> {
    const text = isBinary ? null : rawText(data)
    let id: RequestId | undefined
    try {
      if (text === null) throw new BridgeError('bad-request', 'binary frames are not accepted; send JSON text')
      if (!client.admit()) {
        id = salvageId(text)
        throw new BridgeError('rate-limited', 'too many messages, slow down')
      }
      id = salvageId(text)
      const msg = parseClientMessage(text)
      await this.dispatch(client, msg)
    } catch (err) {
      const e = err instanceof BridgeError ? err : new BridgeError('bad-request', 'request failed')
      if (!(err instanceof BridgeError)) this.log.error(`websocket request failed: ${err instanceof Error ? err.message : String(err)}`)
      client.send({ type: 'error', ...(id === undefined ? {} : { id }), code: e.code, message: e.message })
    }
  }

  private async dispatch(client: WsClient, msg: ClientMessage): Promise<void> {
    const id = msg.id === undefined ? {} : { id: msg.id }
    switch (msg.type) {
      case 'join': {
        let info
        if ('room' in msg) {
          // only what the bridge already listens to: the page reaches the history REST already gives
          info = this.rooms.isJoined(msg.room) ? this.rooms.info(msg.room) : undefined
          if (!info) throw new BridgeError('unknown-room', `the bridge is not in room ${msg.room}; join it with its topic and password`)
        } else info = await this.rooms.join(msg.topic, msg.password, client)
        client.rooms.add(info.room)
        const limit = Math.min(msg.history ?? DEFAULT_HISTORY, this.limits.maxHistoryPage)
        const history = limit === 0 ? [] : this.rooms.history(info.room, limit).map((m) => messageView(m, this.rooms.address))
        client.send({ type: 'joined', ...id, room: info.room, topic: info.topic, history })
        return
      }
      case 'leave':
        if (!client.rooms.delete(msg.room)) throw new BridgeError('unknown-room', `this connection is not in room ${msg.room}`)
        client.send({ type: 'left', ...id, room: msg.room })
        return
      case 'send': {
        if (!client.rooms.has(msg.room)) throw new BridgeError('unknown-room', `join room ${msg.room} on this connection first`)
        if (!client.sendLimiter.take()) throw new BridgeError('rate-limited', 'sending too fast, wait a moment')
        const r = await this.rooms.send(msg.room, msg.text)
        client.send({ type: 'sent', ...id, room: msg.room, hash: r.hash, sent: r.sent })
        return
      }
      case 'peers':
        client.send({ type: 'peers', ...id, peers: this.node.peers().map(peerView) })
        return
      case 'ping':
        client.send({ type: 'pong', ...id })
        return
    }
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8')
  return data.toString('utf8')
}
