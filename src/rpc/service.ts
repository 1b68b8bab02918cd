// One node's JSON-RPC service: the 2.0 server with the shh, net, web3 and admin namespaces registered,
// sharing one keystore and one set of poll filters across every transport (bridge /rpc, --rpc-addr).
import type { NetBackend, ShhBackend } from './backend.js'
import type { PollFiltersOptions } from './filters.js'
import { RpcServer, type RpcServerOptions } from './jsonrpc.js'
import { NetAdminApi } from './net-admin-api.js'
import { ShhApi } from './shh-api.js'

export interface RpcServiceOptions extends RpcServerOptions {
  networkId?: number
  filters?: PollFiltersOptions
}

export class RpcService {
  readonly server: RpcServer
  readonly shh: ShhApi
  readonly admin: NetAdminApi

  constructor(backends: { shh: ShhBackend; net: NetBackend }, opts: RpcServiceOptions = {}) {
    this.server = new RpcServer(opts)
    this.shh = new ShhApi(backends.shh, { filters: { log: opts.log, ...opts.filters } })
    this.admin = new NetAdminApi(backends.net, backends.shh, { networkId: opts.networkId })
    this.shh.register(this.server)
    this.admin.register(this.server)
  }

  /** Removes the poll filters and forgets the keys; transports are closed by their owners. */
  close(): void {
    this.shh.close()
  }
}
