// The `--rpc` / `--rpc-addr` flags of `p2pmessage bridge`: JSON-RPC (geth's shh API) under /rpc on the
// bridge's address, and on its own address when --rpc-addr is given (loopback unless a host is
// named; beyond loopback the bridge's token rule applies: --token, or one generated and printed).
// The JSON-RPC layer knows nothing of the CLI: flags are parsed and its errors worded here.
import type { Command } from 'commander'
import type { Bridge } from '../bridge/bridge.js'
import type { WhisperNode } from '../node/index.js'
import { attachRpc, type AttachedRpc } from '../rpc/attach.js'
import { CliError } from './errors.js'
import { parseListen } from './options.js'

export interface RpcFlags {
  rpc?: boolean
  rpcAddr?: string
}

export function addRpcOptions(cmd: Command): void {
  cmd
    .option('--rpc', 'serve JSON-RPC (geth shh_* API) over HTTP and WebSocket at <http address>/rpc')
    .option('--rpc-addr <host:port>', 'also serve JSON-RPC on this address (implies --rpc; a bare port means 127.0.0.1)')
}

/** `host:port`, or a bare port on loopback. */
function parseRpcAddr(value: string): { host: string; port: number } {
  if (/^\s*\d+\s*$/.test(value)) return parseListen(`127.0.0.1:${value.trim()}`, '--rpc-addr')
  return parseListen(value, '--rpc-addr')
}

/**
 * Starts JSON-RPC for a running bridge when the flags ask for it; prints where it listens with `say`.
 * Returns null when neither flag is set.
 */
export async function startBridgeRpc(opts: {
  flags: RpcFlags & { token?: string; allowOrigin?: string[] }
  node: WhisperNode
  bridge: Bridge
  say: (line: string) => void
}): Promise<AttachedRpc | null> {
  const { flags, node, bridge, say } = opts
  if (!flags.rpc && flags.rpcAddr === undefined) return null
  const rpcAddr = flags.rpcAddr !== undefined ? parseRpcAddr(flags.rpcAddr) : undefined
  let rpc: AttachedRpc
  try {
    rpc = await attachRpc({
      node,
      bridgeServer: bridge.server,
      rpcAddr,
      token: flags.token ?? bridge.token ?? undefined,
      allowedOrigins: flags.allowOrigin,
    })
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const where = `--rpc-addr ${rpcAddr?.host}:${rpcAddr?.port}`
    if (e?.code === 'EADDRINUSE') throw new CliError(`cannot listen on ${where}: address already in use`)
    if (e?.code === 'EADDRNOTAVAIL') throw new CliError(`cannot listen on ${where}: that address does not belong to this machine`)
    if (e?.code === 'EACCES') throw new CliError(`cannot listen on ${where}: permission denied`)
    throw new CliError(`cannot start JSON-RPC: ${e instanceof Error ? e.message : String(err)}`)
  }
  say(`rpc ${bridge.url}/rpc`)
  if (rpc.endpoint) {
    say(`rpc ${rpc.endpoint.url}`)
    if (rpc.endpoint.token !== null && rpc.endpoint.token !== bridge.token) say(`rpc token ${rpc.endpoint.token}`)
  }
  return rpc
}
