/**
 * geth v1.9.7's Whisper JSON-RPC (the `shh`, `net`, `web3` and `admin` namespaces) over a running
 * `WhisperNode`, to mount on an HTTP server of your own: {@link createRpcHandler} gives a
 * request handler (POST JSON-RPC, geth's limits and answers) and a WebSocket upgrade handler
 * (subscriptions). Your server's access rules are yours: the handler checks no Host, Origin or token,
 * so bind it to loopback or put your own checks in front of it.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { WhisperNode } from 'p2pmessage'
 * import { createRpcHandler } from 'p2pmessage/rpc'
 * const node = new WhisperNode({ listen: { host: '127.0.0.1', port: 30303 } })
 * await node.start()
 * const rpc = createRpcHandler({ node })
 * const server = createServer((req, res) => void rpc.handleRequest(req, res))
 * server.on('upgrade', rpc.handleUpgrade)
 * server.listen(8545, '127.0.0.1')
 * ```
 * @module p2pmessage/rpc
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { WhisperNode } from '../node/index.js'
import type { LogSink } from '../log/log.js'
import { rpcHttpHandler, MAX_REQUEST_CONTENT_LENGTH } from './http.js'
import { nodeRpcService } from './attach.js'
import { RpcWsEndpoint } from './ws.js'

/** What {@link createRpcHandler} serves and how. */
export interface RpcHandlerOptions {
  /** The started node the API drives (keys, filters and posts go through it). */
  node: WhisperNode
  /** `web3_clientVersion` and `admin_nodeInfo.name` (default: the node's default devp2p client id). */
  clientId?: string
  /** `net_version` (default 1, as geth). */
  networkId?: number
  /** Largest HTTP request body and WebSocket message, bytes (default 5 MiB, as geth). */
  maxBodyBytes?: number
  /** Most requests in one batch (default 100). */
  batchLimit?: number
  /** Diagnostics (method names and errors, never parameters or results); default: the node's log. */
  log?: LogSink
}

/** The JSON-RPC service of one node, ready to be mounted on an HTTP server. */
export interface RpcHandler {
  /** Serves one HTTP request as geth does: POST a call or batch, answered as `application/json`. */
  handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void>
  /** Takes over an HTTP `upgrade` (WebSocket): calls and `shh_subscribe` subscriptions. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Closes the WebSocket connections, removes the poll filters and forgets the keys added over RPC. */
  close(): Promise<void>
}

/** Builds the geth-compatible JSON-RPC service over `opts.node`; see the module's example. */
export function createRpcHandler(opts: RpcHandlerOptions): RpcHandler {
  const service = nodeRpcService(opts.node, { clientId: opts.clientId, networkId: opts.networkId, batchLimit: opts.batchLimit, log: opts.log })
  const maxBytes = opts.maxBodyBytes ?? MAX_REQUEST_CONTENT_LENGTH
  const http = rpcHttpHandler(service.server, { maxBodyBytes: maxBytes })
  const ws = new RpcWsEndpoint(service.server, { maxMessageBytes: maxBytes })
  let closed: Promise<void> | null = null
  return {
    handleRequest: (req, res) => http(req, res),
    handleUpgrade: (req, socket, head) => ws.handleUpgrade(req, socket, head),
    close: () =>
      (closed ??= ws.close().finally(() => service.close())),
  }
}
