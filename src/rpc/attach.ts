// One call to serve a running WhisperNode over JSON-RPC: the service (keys and filters shared by all
// transports), mounted under /rpc on the bridge's server when one is given, and on its own address
// (`--rpc-addr`) when asked. What the CLI's `bridge --rpc` uses.
import type { HttpLimits } from '../http/limits.js'
import type { HttpServer } from '../http/server.js'
import type { WhisperNode } from '../node/index.js'
import type { LogSink } from '../log/log.js'
import { mountRpc, RpcEndpoint, type RpcTransportOptions } from './endpoint.js'
import { NodeNetBackend, NodeShhBackend } from './node-backend.js'
import { RpcService, type RpcServiceOptions } from './service.js'

export interface AttachRpcOptions extends RpcServiceOptions, RpcTransportOptions {
  node: WhisperNode
  /** mount under /rpc on this server (the bridge's), with its access rules */
  bridgeServer?: HttpServer
  /** also listen here (every path answers JSON-RPC, HTTP and WebSocket) */
  rpcAddr?: { host: string; port: number }
  /** for rpcAddr: required from clients beyond loopback (generated when absent) */
  token?: string
  allowedOrigins?: string[]
  /** for rpcAddr: request rate, token failures and connections per address (default: the bridge's) */
  limits?: Partial<HttpLimits>
  /** the devp2p client id the node announces (web3_clientVersion, admin_nodeInfo.name) */
  clientId?: string
}

export interface AttachedRpc {
  readonly service: RpcService
  /** the standalone server, when rpcAddr was given */
  readonly endpoint: RpcEndpoint | null
  close(): Promise<void>
}

/**
 * The JSON-RPC service over a running node: what `bridge --rpc` attaches and what `createRpcHandler`
 * (p2pmessage/rpc) mounts. Method names and error texts only (never parameters or results) go to the
 * node's log unless `opts.log` says otherwise.
 */
export function nodeRpcService(node: WhisperNode, opts: RpcServiceOptions & { clientId?: string } = {}): RpcService {
  const log = opts.log ?? nodeLog(node)
  const waku = node.nets.includes('waku') ? new NodeShhBackend(node, 'waku') : undefined
  return new RpcService({ shh: new NodeShhBackend(node), waku, net: new NodeNetBackend(node, { clientId: opts.clientId }) }, { ...opts, log })
}

const nodeLog = (node: WhisperNode): LogSink => (level, msg) => node.log.log(level, msg)

export async function attachRpc(opts: AttachRpcOptions): Promise<AttachedRpc> {
  const log = opts.log ?? nodeLog(opts.node)
  const service = nodeRpcService(opts.node, { ...opts, log })
  let endpoint: RpcEndpoint | null = null
  try {
    if (opts.rpcAddr) {
      endpoint = await RpcEndpoint.start(service.server, {
        host: opts.rpcAddr.host,
        port: opts.rpcAddr.port,
        token: opts.token,
        allowedOrigins: opts.allowedOrigins,
        http: opts.http,
        ws: opts.ws,
        limits: opts.limits,
        log,
      })
    }
  } catch (err) {
    service.close()
    throw err
  }
  if (opts.bridgeServer) mountRpc(opts.bridgeServer, service.server, opts)
  let closed = false
  return {
    service,
    endpoint,
    async close() {
      if (closed) return
      closed = true
      await endpoint?.close()
      service.close()
    },
  }
}
