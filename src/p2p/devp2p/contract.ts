// Every non-public member of @ethereumjs/devp2p that src/p2p/devp2p/ relies on, in one table: the
// views (views.ts), the fixes (fixes.ts) and the WebAssembly MAC (fast-mac.ts) use nothing else.
// A devp2p release that renames or removes one of them must fail loudly, naming it: the door checks
// the methods when it loads (on the classes' prototypes) and the fields on the first instance of each
// class it builds (newRLPx, newPeer, newDPT); test/p2p/devp2p/contract.test.ts checks all of them,
// the late fields included, on a live loopback pair.

/** devp2p classes whose internals we use; DPTServer is the DPT's `_server` (not exported). */
export type Devp2pClass = 'RLPx' | 'Peer' | 'ECIES' | 'MAC' | 'DPT' | 'DPTServer'

/**
 * method: a function on the class's prototype; field: an own property of every instance from its
 * constructor on; late-field: an own property only once something happened (checked by the contract
 * test after that event, not at run time).
 */
export type MemberKind = 'method' | 'field' | 'late-field'

export interface Member {
  cls: Devp2pClass
  name: string
  kind: MemberKind
  /** what we use it for */
  use: string
}

const m = (cls: Devp2pClass, kind: MemberKind, use: string, ...names: string[]): Member[] => names.map((name) => ({ cls, name, kind, use }))

export const MEMBERS: readonly Member[] = [
  ...m('RLPx', 'field', 'inbound sockets, listening (views.ts rlpxServer)', '_server'),
  ...m('RLPx', 'field', 'the socket of a dial in flight (views.ts rlpxSocket)', '_peers'),
  ...m('RLPx', 'field', "the hello's listen port, known once listening (views.ts setRlpxListenPort)", '_listenPort'),
  ...m('RLPx', 'field', 'its TOO_MANY_PEERS redial queue, emptied: dialling is ours (views.ts forgetRlpxRedials)', '_peersQueue'),
  ...m('Peer', 'method', 'patched by fixes.ts', '_handleBody', '_handleHeader', '_handleHello', '_handleDisconnect', '_sendMessage', '_sendDisconnect', '_onSocketClose'),
  ...m('Peer', 'method', 'base protocol dispatch (fixes.ts), the raw connections (views.ts)', '_handleMessage', '_handlePong', '_sendPing', '_sendHello'),
  ...m('Peer', 'field', 'its socket (views.ts peerSocket; fixes.ts)', '_socket'),
  ...m('Peer', 'field', 'frame parser state (fixes.ts; views.ts keysReady)', '_socketData', '_nextPacketSize', '_state', '_eciesSession'),
  ...m('Peer', 'field', 'connection state (fixes.ts; views.ts peerClosed, handshakeDone)', '_closed', '_connected', '_hello', '_weHello', '_protocols', '_pingIntervalId'),
  ...m('Peer', 'field', 'who ended it (views.ts disconnectInfo; fixes.ts)', '_disconnectWe'),
  ...m('Peer', 'late-field', 'why it ended, set by a DISCONNECT and read by devp2p for its close event (views.ts disconnectInfo; fixes.ts)', '_disconnectReason'),
  ...m('ECIES', 'method', 'frame bodies and headers (fixes.ts; views.ts frameHeader)', 'parseBody', 'createBlockHeader'),
  ...m('ECIES', 'late-field', 'the frame MACs, once the handshake derived the secrets (fast-mac.ts patches their class)', '_ingressMac', '_egressMac'),
  ...m('MAC', 'method', 'replaced by the WebAssembly keccak (fast-mac.ts)', 'update', 'updateHeader', 'updateBody', 'digest'),
  ...m('MAC', 'field', 'its AES secret and keccak state (fast-mac.ts)', '_secret', '_hash'),
  ...m('DPT', 'field', 'its UDP server (views.ts)', '_server'),
  ...m('DPTServer', 'field', 'ping deadlines never cleared by devp2p (views.ts clearDptRequests)', '_requests'),
  ...m('DPTServer', 'field', 'the bound UDP port (views.ts dptUdpPort)', '_socket'),
  ...m('DPTServer', 'field', 'the endpoint it announces (views.ts setDptEndpoint)', '_endpoint'),
]

export class Devp2pContractError extends Error {
  readonly member: string
  constructor(member: Member, found: string) {
    super(
      `@ethereumjs/devp2p changed: ${member.cls}.${member.name} is ${found}, expected a ${member.kind === 'method' ? 'method' : 'field'} ` +
        `(used for ${member.use}). src/p2p/devp2p/ needs review before this devp2p version can be used.`,
    )
    this.name = 'Devp2pContractError'
    this.member = `${member.cls}.${member.name}`
  }
}

/** What is wrong with one member on `target` (a prototype for methods, an instance for fields), or null. */
export function memberProblem(member: Member, target: object): string | null {
  const value = (target as Record<string, unknown>)[member.name]
  if (member.kind === 'method') return typeof value === 'function' ? null : value === undefined ? 'missing' : `a ${typeof value}, not a function`
  if (!Object.prototype.hasOwnProperty.call(target, member.name)) return 'missing'
  return typeof value === 'function' ? 'a function, not a field' : null
}

/** Throws Devp2pContractError, naming the member, for the first member of `cls` and `kind` that `target` lacks. */
export function checkMembers(cls: Devp2pClass, kind: MemberKind, target: object): void {
  for (const member of MEMBERS) {
    if (member.cls !== cls || member.kind !== kind) continue
    const problem = memberProblem(member, target)
    if (problem !== null) throw new Devp2pContractError(member, problem)
  }
}

const checkedInstances = new Set<Devp2pClass>()

/** The fields of the first instance of each class seen (they are all built by the same constructor). */
export function checkInstanceOnce(cls: Devp2pClass, instance: object): void {
  if (checkedInstances.has(cls)) return
  checkMembers(cls, 'field', instance)
  checkedInstances.add(cls)
}

/** Private member names (for test/architecture.test.ts: no code outside src/p2p/devp2p/ may name them). */
export const PRIVATE_MEMBER_NAMES: readonly string[] = [...new Set(MEMBERS.filter((x) => x.name.startsWith('_')).map((x) => x.name))]
