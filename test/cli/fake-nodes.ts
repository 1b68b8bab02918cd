// Misbehaving remote nodes for probe tests, built from devp2p pieces: an RLPx host that speaks no shh,
// and one that completes the shh handshake but then ignores every envelope (never forwards, never drops).
import { secp256k1 } from '@noble/curves/secp256k1.js'
import type { Capabilities, Peer } from '../../src/p2p/devp2p/index.js'
import { formatEnode } from '../../src/p2p/enode.js'
import { shhCapabilities } from '../../src/p2p/shh-protocol.js'
import { listenRlpx } from '../support/rlpx-listener.js'

export interface FakeNode {
  enode: string
  /** envelopes received over shh (the silent node counts what it swallowed) */
  received: number
  close(): Promise<void>
}

async function start(capabilities: (node: FakeNode) => Capabilities[], clientId: string): Promise<FakeNode> {
  const privateKey = secp256k1.utils.randomSecretKey()
  const id = Buffer.from(secp256k1.getPublicKey(privateKey, false).subarray(1)).toString('hex')
  const node: FakeNode = { enode: '', received: 0, close: async () => undefined }
  const { port, close } = await listenRlpx(privateKey, { capabilities: capabilities(node), clientId, maxPeers: 10 })
  node.enode = formatEnode({ id, host: '127.0.0.1', port })
  node.close = close
  return node
}

/** Offers only a made-up eth capability: a probe must see its hello but no shh. */
export function startNonShhNode(): Promise<FakeNode> {
  class Unused {}
  return start(() => [{ name: 'eth', version: 68, length: 17, constructor: Unused as unknown as Capabilities['constructor'] }], 'fake-eth-only/v1')
}

/** Speaks shh/5 and shh/6 (status included) but swallows envelopes: no forwarding, no drops. */
export function startSilentShhNode(): Promise<FakeNode> {
  return start(
    (node) =>
      shhCapabilities([5, 6], {
        ourStatus: () => ({ minPow: 0.001, bloom: new Uint8Array(64).fill(0xff), lightNode: false }),
        isTrusted: () => false,
        isInbound: () => true,
        maxMessageSize: () => 1024 * 1024,
        statusTimeoutMs: 5000,
        log: () => undefined,
        onReady: (p) => p.on('envelopes', (envs) => (node.received += envs.length)),
        onClose: () => undefined,
      }),
    'fake-silent-shh/v1',
  )
}

export type { Peer }
