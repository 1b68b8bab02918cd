// The bridge: a running WhisperNode served to browsers and scripts over HTTP and WebSocket. It does
// not own the node (the caller starts and stops it); it owns the HTTP server, the rooms and the
// history file.
import { join } from 'node:path'
import { createAccessPolicy } from '../http/access.js'
import { HttpServer } from '../http/server.js'
import { LogLevel, Logger, errorsOnStderr, type LogSink } from '../log/log.js'
import { registerApi } from './api.js'
import { HistoryStore } from './history.js'
import { resolveLimits, type BridgeLimits } from './limits.js'
import type { BridgeNode } from './node-api.js'
import { Rooms, type PostSettings } from './rooms.js'
import { registerPage } from './static.js'
import { WsHub } from './ws.js'

export interface BridgeOptions {
  /** A started node (WhisperNode). */
  node: BridgeNode
  /** 32-byte private key that signs every message the bridge sends. */
  identity: Uint8Array
  /** Where the HTTP server listens; default 127.0.0.1:8080. Port 0 picks a free port. */
  http?: { host: string; port: number }
  /** Access token; generated when binding to a non-loopback address without one. */
  token?: string
  /** Origins besides the bridge's own allowed to use the API and WebSocket (e.g. a web app's). */
  allowedOrigins?: string[]
  /** Directory for the history database (`bridge-history.sqlite`). */
  dataDir: string
  /** Sealing parameters of sent messages; default as the chat: TTL 50 s, PoW 0.2, 5 s of work. */
  post?: Partial<PostSettings>
  limits?: Partial<BridgeLimits>
  /** The shared log sink (src/log), as WhisperNode's; default: errors on stderr. */
  log?: LogSink
}

export const DEFAULT_HTTP = { host: '127.0.0.1', port: 8080 }
const DEFAULT_POST: PostSettings = { ttl: 50, pow: 0.2, workTime: 5 }
const HISTORY_FILE = 'bridge-history.sqlite'
const WS_PATH = '/ws'

/** For the CLI: it checks --token before it starts the node. */
export { checkToken } from '../http/access.js'

export class Bridge {
  /** Mount extra routes and WebSocket paths here (JSON-RPC under /rpc); they get the same access rules. */
  readonly server: HttpServer
  readonly rooms: Rooms
  readonly history: HistoryStore
  readonly limits: BridgeLimits
  private readonly hub: WsHub
  private stopped = false

  private constructor(opts: BridgeOptions) {
    const http = opts.http ?? DEFAULT_HTTP
    this.limits = resolveLimits(opts.limits)
    const policy = createAccessPolicy({ bindHost: http.host, token: opts.token, allowedOrigins: opts.allowedOrigins })
    this.history = new HistoryStore(join(opts.dataDir, HISTORY_FILE), {
      perRoom: this.limits.historyPerRoom,
      total: this.limits.historyTotal,
      totalBytes: this.limits.historyBytes,
    })
    this.rooms = new Rooms({
      node: opts.node,
      store: this.history,
      identity: opts.identity,
      post: { ...DEFAULT_POST, ...(opts.post ?? {}) },
      limits: this.limits,
    })
    // the given sink filters by level itself (the CLI's verbosity)
    const log = new Logger({ verbosity: LogLevel.trace, sink: opts.log ?? errorsOnStderr, prefix: opts.log ? '' : 'bridge: ' })
    this.server = new HttpServer({ host: http.host, port: http.port, policy, limits: this.limits, log: (level, msg) => log.log(level, msg) })
    this.hub = new WsHub({ rooms: this.rooms, node: opts.node, limits: this.limits, log })
    this.server.upgrade(WS_PATH, this.hub.handleUpgrade)
    this.server.onClose(() => this.hub.close())
    registerPage(this.server)
    registerApi(this.server, { node: opts.node, rooms: this.rooms, limits: this.limits, wsClients: () => this.hub.size })
  }

  static async start(opts: BridgeOptions): Promise<Bridge> {
    const bridge = new Bridge(opts)
    try {
      await bridge.server.listen()
    } catch (err) {
      bridge.rooms.close()
      bridge.history.close()
      throw err
    }
    return bridge
  }

  get url(): string {
    return this.server.url
  }

  /** The token clients must present, or null when none is required. */
  get token(): string | null {
    return this.server.policy.token
  }

  /** URL to open in a browser (carries the token in the fragment, which browsers never send). */
  get pageUrl(): string {
    return this.token ? `${this.url}/#token=${this.token}` : `${this.url}/`
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    await this.server.close()
    this.rooms.close()
    this.history.close()
  }
}
