// The devp2p contract (src/p2p/devp2p/contract.ts): every non-public member the door relies on exists,
// with the kind we use it as, on real instances from a loopback RLPx pair. A devp2p release that
// changes one fails here with the member's name in the test title and the message.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { ECIES, Peer, RLPx as RLPxClass, DPT as DPTClass, MAC } from '@ethereumjs/devp2p'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  checkMembers,
  Devp2pContractError,
  DISCONNECT_REASON,
  MEMBERS,
  memberProblem,
  newDPT,
  newOutboundPeer,
  newRLPx,
  rlpxServer,
  type Capabilities,
  type DPT,
  type Member,
  type Peer as PeerT,
  type RLPx,
} from '../../../src/p2p/devp2p/index.js'
import { dialSocket } from '../../../src/p2p/dial-socket.js'
import { checkMac } from '../../../src/p2p/devp2p/fast-mac.js'
import { budget } from '../../support/budget.js'

class Bare {
  constructor(_v: number, _p: PeerT, _send: (code: number, data: Uint8Array) => void) {}
  _handleMessage(): void {}
}
const caps: Capabilities[] = [{ name: 'shh', version: 6, length: 128, constructor: Bare as unknown as Capabilities['constructor'] }]

interface Pair {
  rlpx: RLPx
  client: PeerT
  server: PeerT
  dpt: DPT
  removed: Promise<{ reason: unknown; byUs: boolean | null }>
}
let pair: Pair

beforeAll(async () => {
  const serverKey = secp256k1.utils.randomSecretKey()
  const rlpx = newRLPx(serverKey, { capabilities: caps, maxPeers: 10, listenPort: null })
  const server = rlpxServer(rlpx)!
  await new Promise<void>((r) => {
    server.once('listening', () => r())
    rlpx.listen(0, '127.0.0.1')
  })
  const added = new Promise<PeerT>((r) => rlpx.events.once('peer:added', r))
  const removed = new Promise<{ reason: unknown; byUs: boolean | null }>((r) => rlpx.events.once('peer:removed', (_p, reason, byUs) => r({ reason, byUs })))
  const id = Buffer.from(secp256k1.getPublicKey(serverKey, false).subarray(1)).toString('hex')
  const port = (server.address() as { port: number }).port
  const socket = await dialSocket({ id, host: '127.0.0.1', port }, 5000)
  const client = newOutboundPeer({ socket, remoteId: id, privateKey: secp256k1.utils.randomSecretKey(), timeoutMs: 5000, clientId: 'contract/v0', capabilities: caps })
  const connected = new Promise<void>((r) => client.events.once('connect', () => r()))
  const dpt = newDPT(secp256k1.utils.randomSecretKey(), { endpoint: { address: '127.0.0.1', udpPort: null, tcpPort: null }, shouldFindNeighbours: false, shouldGetDnsPeers: false })
  await new Promise<void>((r) => {
    dpt.events.once('listening', () => r())
    dpt.bind(0, '127.0.0.1')
  })
  pair = { rlpx, client, server: await added, dpt, removed }
  await connected
}, budget(20_000))

afterAll(() => {
  pair?.dpt.destroy()
  try {
    pair?.rlpx.destroy()
  } catch {
    // already destroyed
  }
})

const get = (o: object, name: string): object => (o as Record<string, object>)[name]

/** Where a member is checked: the prototype for methods, a live instance for fields. */
function targetOf(m: Member): object {
  const ecies = () => get(pair.client, '_eciesSession')
  if (m.kind === 'method') {
    const protos = { RLPx: RLPxClass.prototype, Peer: Peer.prototype, ECIES: ECIES.prototype, MAC: MAC.prototype, DPT: DPTClass.prototype, DPTServer: Object.getPrototypeOf(get(pair.dpt, '_server')) }
    return protos[m.cls]
  }
  const instances = { RLPx: pair.rlpx, Peer: pair.client, ECIES: ecies(), MAC: get(ecies(), '_ingressMac'), DPT: pair.dpt, DPTServer: get(pair.dpt, '_server') }
  return instances[m.cls]
}

describe('devp2p contract: the members src/p2p/devp2p/ relies on', () => {
  it.each(MEMBERS.filter((m) => !(m.cls === 'Peer' && m.kind === 'late-field')).map((m) => [`${m.cls}.${m.name}`, m] as const))('%s', (name, m) => {
    const problem = memberProblem(m, targetOf(m))
    expect(problem === null ? null : `${name} is ${problem} (expected a ${m.kind}; used for ${m.use})`).toBeNull()
  })

  it('Peer._disconnectReason / _disconnectWe: set by a DISCONNECT, and what devp2p reports in its close event', async () => {
    pair.client.disconnect(DISCONNECT_REASON.TOO_MANY_PEERS)
    const { reason, byUs } = await pair.removed
    expect(Object.prototype.hasOwnProperty.call(pair.client, '_disconnectReason') ? null : 'Peer._disconnectReason is missing after a DISCONNECT').toBeNull()
    expect(get(pair.client, '_disconnectReason')).toBe(DISCONNECT_REASON.TOO_MANY_PEERS)
    // the receiving side: our fixes set these names; devp2p's own close event must read the same ones
    expect({ reason, byUs }).toEqual({ reason: DISCONNECT_REASON.TOO_MANY_PEERS, byUs: false })
  })

  it('the table is complete: every devp2p private name the door uses is in it', () => {
    const ours = new Set(['_fast', '_ecb', '_fastMac']) // what fast-mac.ts adds to MAC instances
    const known = new Set(MEMBERS.map((m) => m.name))
    const dir = resolve(__dirname, '../../../src/p2p/devp2p')
    const used = new Set<string>()
    for (const f of ['views.ts', 'fixes.ts', 'fast-mac.ts', 'index.ts']) {
      const text = readFileSync(resolve(dir, f), 'utf8').replace(/\/\/.*$/gm, '')
      for (const m of text.matchAll(/\b(_[a-z]\w*)\b/g)) used.add(m[1])
    }
    expect([...used].filter((n) => !known.has(n) && !ours.has(n)).sort()).toEqual([])
  })

  it('a changed member fails loudly, naming it (what the door does at load and on the first instance)', () => {
    const { _handleBody, ...rest } = Object.fromEntries(Object.getOwnPropertyNames(Peer.prototype).map((n) => [n, (Peer.prototype as unknown as Record<string, unknown>)[n]]))
    expect(typeof _handleBody).toBe('function')
    expect(() => checkMembers('Peer', 'method', rest)).toThrow(Devp2pContractError)
    expect(() => checkMembers('Peer', 'method', rest)).toThrow(/Peer\._handleBody is missing, expected a method/)
    expect(() => checkMembers('RLPx', 'field', { _server: null, _peers: new Map(), _listenPort: null, _peersQueue: () => [] })).toThrow(/RLPx\._peersQueue is a function, not a field/)
    class RenamedMac {
      _key = new Uint8Array(32)
      _hash = {}
      update() {}
      updateHeader() {}
      updateBody() {}
      digest() {}
    }
    expect(() => checkMac(RenamedMac)).toThrow(/MAC\._secret is missing/)
    expect(() => checkMac(MAC as unknown as new (s: Uint8Array) => object)).not.toThrow()
  })
})
