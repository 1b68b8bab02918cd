// The REST API under /api: node status, peers, rooms, history, posting. JSON in and out; errors are
// `{ "error": { "code", "message" } }` with a fitting status.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { nodeIdOf, parseEnode } from '../p2p/enode.js'
import { BridgeError } from './errors.js'
import { HttpError, readJsonBody, requireObject, sendJson } from '../http/json.js'
import { KeyedRateLimiter } from '../http/limits.js'
import { clientKey, type HttpServer, type Params } from '../http/server.js'
import type { BridgeLimits } from './limits.js'
import type { BridgeNode } from './node-api.js'
import type { Rooms } from './rooms.js'
import { messageView, peerView } from './views.js'

export interface ApiDeps {
  node: BridgeNode
  rooms: Rooms
  limits: BridgeLimits
  /** Open WebSocket connections, for the status. */
  wsClients: () => number
}

const DEFAULT_HISTORY = 100

export function registerApi(server: HttpServer, deps: ApiDeps): void {
  const { node, rooms, limits } = deps
  const sendLimiter = new KeyedRateLimiter(limits.sendRate)
  const body = async (req: IncomingMessage): Promise<Record<string, unknown>> => requireObject(await readJsonBody(req, limits.maxBodyBytes))
  const handle =
    (fn: (req: IncomingMessage, res: ServerResponse, params: Params, url: URL) => void | Promise<void>) =>
    async (req: IncomingMessage, res: ServerResponse, params: Params, url: URL): Promise<void> => {
      try {
        await fn(req, res, params, url)
      } catch (err) {
        if (err instanceof BridgeError) throw new HttpError(err.status, err.code, err.message)
        throw err
      }
    }

  server.route(
    'GET',
    '/api/status',
    handle((_req, res) => {
      const s = node.stats()
      sendJson(res, 200, {
        // null when not listening: an enode with port 0 reads as dialable and is not
        enode: node.listening ? node.enode : null,
        address: rooms.address,
        peers: s.peers,
        poolSize: s.poolSize,
        envelopesIn: s.envelopesIn,
        envelopesOut: s.envelopesOut,
        rooms: rooms.list(),
        wsClients: deps.wsClients(),
      })
    }),
  )

  server.route(
    'GET',
    '/api/peers',
    handle((_req, res) => sendJson(res, 200, { peers: node.peers().map(peerView) })),
  )

  server.route(
    'POST',
    '/api/peers',
    handle(async (req, res) => {
      const b = await body(req)
      if (typeof b.enode !== 'string') throw new BridgeError('bad-enode', '"enode" must be an enode URL string')
      let id: string
      try {
        id = parseEnode(b.enode.trim()).id
      } catch (err) {
        throw new BridgeError('bad-enode', err instanceof Error ? err.message : 'not a valid enode URL')
      }
      try {
        node.addPeer(b.enode.trim())
      } catch (err) {
        throw new BridgeError('bad-enode', err instanceof Error ? err.message : 'the node refused this enode')
      }
      // Dialing happens in the background; the peer shows up in GET /api/peers once connected.
      sendJson(res, 202, { id, enode: b.enode.trim(), status: 'dialing' })
    }),
  )

  server.route(
    'DELETE',
    '/api/peers/:peer',
    handle((_req, res, params) => {
      const wanted = params.peer.trim().toLowerCase()
      const peer = node.peers().find((p) => p.id.toLowerCase() === wanted || (p.enode ?? '').toLowerCase() === wanted || enodeId(wanted) === p.id)
      if (!peer) throw new BridgeError('unknown-peer', `no connected peer ${params.peer.slice(0, 140)}`)
      node.removePeer(peer.id)
      sendJson(res, 200, { id: peer.id, removed: true })
    }),
  )

  server.route(
    'GET',
    '/api/rooms',
    handle((_req, res) => sendJson(res, 200, { rooms: rooms.list() })),
  )

  server.route(
    'POST',
    '/api/rooms',
    handle(async (req, res) => {
      const b = await body(req)
      const joinedBefore = new Set(rooms.list().map((r) => r.room))
      const info = await rooms.join(b.topic, b.password, clientKey(req))
      sendJson(res, joinedBefore.has(info.room) ? 200 : 201, info)
    }),
  )

  server.route(
    'GET',
    '/api/rooms/:room',
    handle((_req, res, params) => {
      const info = rooms.info(params.room)
      if (!info) throw new BridgeError('unknown-room', `no room ${params.room}`)
      sendJson(res, 200, { ...info, joined: rooms.isJoined(params.room) })
    }),
  )

  server.route(
    'DELETE',
    '/api/rooms/:room',
    handle((_req, res, params) => {
      if (!rooms.leave(params.room)) throw new BridgeError('unknown-room', `the bridge is not in room ${params.room}`)
      sendJson(res, 200, { room: params.room, left: true })
    }),
  )

  server.route(
    'GET',
    '/api/rooms/:room/messages',
    handle((_req, res, params, url) => {
      const limit = intParam(url, 'limit', DEFAULT_HISTORY, 1, limits.maxHistoryPage)
      const beforeText = url.searchParams.get('before')
      const before = beforeText === null ? undefined : intParam(url, 'before', 0, 1, Number.MAX_SAFE_INTEGER)
      const messages = rooms.history(params.room, limit, before).map((m) => messageView(m, rooms.address))
      sendJson(res, 200, { room: params.room, messages })
    }),
  )

  server.route(
    'POST',
    '/api/rooms/:room/messages',
    handle(async (req, res, params) => {
      const b = await body(req)
      if (!rooms.isJoined(params.room)) throw new BridgeError('unknown-room', `the bridge is not in room ${params.room} (POST /api/rooms first)`)
      if (!sendLimiter.take(clientKey(req))) throw new BridgeError('rate-limited', 'sending too fast, wait a moment')
      const r = await rooms.send(params.room, b.text)
      sendJson(res, 201, { room: params.room, hash: r.hash, sent: r.sent })
    }),
  )
}

function enodeId(s: string): string | null {
  try {
    return nodeIdOf(s)
  } catch {
    return null
  }
}

function intParam(url: URL, name: string, dflt: number, min: number, max: number): number {
  const v = url.searchParams.get(name)
  if (v === null) return dflt
  if (!/^\d{1,16}$/.test(v) || Number(v) < min) {
    throw new HttpError(400, 'bad-request', `query parameter "${name}" must be a whole number >= ${min}`)
  }
  return Math.min(Number(v), max)
}
