// One node's JSON-RPC service: the 2.0 server with the shh, waku, net, web3 and admin namespaces
// registered, sharing one keystore and one set of poll filters per namespace across every transport
// (bridge /rpc, --rpc-addr). waku_* is there when the node runs the Waku network.
import { SHH_FLAVOUR, WAKU_FLAVOUR } from './api-flavour.js'
import type { NetBackend, ShhBackend } from './backend.js'
import type { PollFiltersOptions } from './filters.js'
import { RpcServer, type RpcServerOptions } from './jsonrpc.js'
import { Keystore } from './keystore.js'
import { NetAdminApi } from './net-admin-api.js'
import { ShhApi } from './shh-api.js'

export interface RpcServiceOptions extends RpcServerOptions {
  networkId?: number
  filters?: PollFiltersOptions
}

export class RpcService {
  readonly server: RpcServer
  readonly shh: ShhApi
  /** null when the node does not run Waku */
  readonly waku: ShhApi | null
  readonly admin: NetAdminApi

  /** `waku`: a backend bound to the Waku network (its namespace is registered only then). */
  constructor(backends: { shh: ShhBackend; net: NetBackend; waku?: ShhBackend }, opts: RpcServiceOptions = {}) {
    this.server = new RpcServer(opts)
    const filters = { log: opts.log, ...opts.filters }
    // one keystore: a key made with shh_newSymKey also opens waku_ messages (status-go keeps one per service)
    const keystore = new Keystore()
    this.shh = new ShhApi(backends.shh, { filters, keystore, flavour: SHH_FLAVOUR })
    this.waku = backends.waku ? new ShhApi(backends.waku, { filters, keystore, flavour: WAKU_FLAVOUR }) : null
    this.admin = new NetAdminApi(backends.net, backends.shh, { networkId: opts.networkId })
    this.shh.register(this.server)
    this.waku?.register(this.server)
    this.admin.register(this.server)
  }

  /** Removes the poll filters and forgets the keys; transports are closed by their owners. */
  close(): void {
    this.shh.close()
    this.waku?.close()
  }
}
