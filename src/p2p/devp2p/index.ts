// The door to @ethereumjs/devp2p: the only module the rest of the code imports devp2p from, and (with
// the files next to it) the only code that touches devp2p's non-public members. It re-exports the
// public API we use, builds RLPx, Peer and DPT instances (fixes applied, members checked, no chain
// config), and offers typed views of the internals (views.ts) instead of casts.
//
// On load it checks the prototype methods it relies on (contract.ts) and throws Devp2pContractError,
// naming the member, when the installed devp2p lacks one; the instance fields are checked on the first
// instance of each class built here.
import { promises as dnsPromises } from 'node:dns'
import { DPT, ECIES, Peer, RLPx, type DPTOptions, type PeerOptions, type RLPxOptions } from '@ethereumjs/devp2p'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { checkInstanceOnce, checkMembers } from './contract.js'
import { applyDevp2pFixes } from './fixes.js'
// RLPx frame MACs on the WebAssembly keccak (perf): patched when fast-mac.ts loads, before any Peer
import { fastMac } from './fast-mac.js'

checkMembers('Peer', 'method', Peer.prototype)
checkMembers('ECIES', 'method', ECIES.prototype)

export { DISCONNECT_REASON, DisconnectReasonNames, MAC } from '@ethereumjs/devp2p'
export type { Capabilities, DPT, Peer, PeerInfo, RLPx } from '@ethereumjs/devp2p'
export { applyDevp2pFixes, decodeMessageCode, endedBeforeConnect } from './fixes.js'
export { SharedPayload, compressPayload, compressionCount } from './shared-payload.js'
export { fastMac }
export { Devp2pContractError, MEMBERS, PRIVATE_MEMBER_NAMES, checkMembers, memberProblem, type Member, type MemberKind } from './contract.js'
export * from './views.js'

/** devp2p's Common (chain config): we never pass one; its type stays inside the door. */
type NoCommon = { common?: never }

/** An RLPx host (fixes applied). `listenPort: null` leaves the hello's port empty until setRlpxListenPort(). */
export function newRLPx(privateKey: Uint8Array, opts: Omit<RLPxOptions, 'common'> & NoCommon): RLPx {
  applyDevp2pFixes()
  const rlpx = new RLPx(privateKey, { ...opts, common: undefined as unknown as RLPxOptions['common'] })
  checkInstanceOnce('RLPx', rlpx)
  // inbound Peers are built by RLPx itself: check the first one it adds
  rlpx.events.once('peer:added', (peer) => checkInstanceOnce('Peer', peer))
  return rlpx
}

/**
 * A devp2p Peer dialled over an already connected `socket` to the node `remoteId` (we start the RLPx
 * handshake), for one-shot connections: no listening port to announce (geth reads an empty field as 0).
 */
export function newOutboundPeer(o: {
  socket: PeerOptions['socket']
  remoteId: string
  privateKey: Uint8Array
  timeoutMs: number
  clientId: string | Uint8Array
  capabilities: PeerOptions['capabilities']
}): Peer {
  applyDevp2pFixes()
  const peer = new Peer({
    socket: o.socket,
    remoteId: Uint8Array.from(Buffer.from(o.remoteId, 'hex')),
    privateKey: o.privateKey,
    id: secp256k1.getPublicKey(o.privateKey, false).subarray(1),
    timeout: o.timeoutMs,
    clientId: typeof o.clientId === 'string' ? new TextEncoder().encode(o.clientId) : o.clientId,
    capabilities: o.capabilities,
    common: undefined as unknown as PeerOptions['common'],
    port: null as unknown as number,
  })
  checkInstanceOnce('Peer', peer)
  return peer
}

/** A discv4 table. devp2p points the process-wide dns.promises resolver at 8.8.8.8 when it builds its
 * DNS helper (unused: shouldGetDnsPeers stays false): the system resolvers are put back. */
export function newDPT(privateKey: Uint8Array, opts: Omit<DPTOptions, 'common'> & NoCommon): DPT {
  const servers = dnsPromises.getServers()
  const dpt = new DPT(privateKey, { ...opts, common: undefined as unknown as DPTOptions['common'] })
  dnsPromises.setServers(servers)
  checkInstanceOnce('DPT', dpt)
  checkInstanceOnce('DPTServer', (dpt as unknown as { _server: object })._server)
  return dpt
}
