// Helpers for node tests over real sockets: nodes on 127.0.0.1 with ephemeral ports, low PoW,
// waits with a deadline (a missed event fails the test rather than hanging it), and clean teardown.
import { waitEvent } from '../support/wait-event.js'
import { budget } from '../support/budget.js'
import { WhisperNode, type NodeOptions } from '../../src/node/whisper-node.js'
import type { DeliveredMessage } from '../../src/node/filter.js'
import { ProbeConnection } from '../../src/p2p/probe-connection.js'
import { parseEnode } from '../../src/p2p/enode.js'
import type { ShhPeer } from '../../src/p2p/shh-peer.js'
import { envelopeHash, type Envelope, type ShhVersion } from '../../src/whisper/envelope.js'
import { buildEnvelope, sealEnvelope } from '../../src/whisper/seal.js'
import type { Archive } from '../../src/node/archive.js'
import { randomBytes } from '../../src/whisper/crypto.js'

export const DEBUG = process.env.NODE_TEST_LOG === '1'
export const TEST_POW = 0.01
export const TOPIC = new Uint8Array([0x44, 0xc7, 0x42, 0x9f])

export class Net {
  readonly nodes: WhisperNode[] = []
  readonly probes: ProbeConnection[] = []

  async node(o: NodeOptions & { name?: string; noListen?: boolean } = {}): Promise<WhisperNode> {
    const { name, noListen, ...opts } = o
    const n = new WhisperNode({
      listen: noListen ? undefined : { host: '127.0.0.1', port: 0 },
      minPow: 0.001,
      verbosity: DEBUG ? 5 : 0,
      logger: DEBUG ? (l, m) => process.stderr.write(`${name ?? '?'} [${l}] ${m}\n`) : () => {},
      sealThreads: 1,
      ...opts,
    })
    this.nodes.push(n)
    await n.start()
    return n
  }

  /** A protocol-correct peer under the test's control (it sends whatever envelopes it is given). */
  async probe(target: WhisperNode, shh: ShhVersion, status?: { minPow: number; bloom: Uint8Array | null; lightNode: boolean }): Promise<{ conn: ProbeConnection; peer: ShhPeer }> {
    const conn = await ProbeConnection.open({ target: parseEnode(target.enode), shhVersions: [shh], ourStatus: status })
    this.probes.push(conn)
    return { conn, peer: await conn.shh }
  }

  async close(): Promise<void> {
    for (const p of this.probes.splice(0)) p.close()
    await Promise.all(this.nodes.splice(0).map((n) => n.stop()))
  }
}

export function inbox(node: WhisperNode, symKey: Uint8Array, topics = [TOPIC]): DeliveredMessage[] {
  const got: DeliveredMessage[] = []
  node.subscribe({ topics, symKey }, (m) => got.push(m))
  return got
}

export const text = (m: DeliveredMessage): string => Buffer.from(m.payload).toString()

export function post(node: WhisperNode, symKey: Uint8Array, msg: string, o: { shh?: ShhVersion | 'both'; pow?: number; ttl?: number; topic?: Uint8Array } = {}) {
  return node.post({ topic: o.topic ?? TOPIC, payload: new TextEncoder().encode(msg), symKey, ttl: o.ttl ?? 50, pow: o.pow ?? TEST_POW, workTime: 2, shh: o.shh })
}

export const newKey = (): Uint8Array => randomBytes(32)

export async function until(cond: () => boolean, what = 'condition', ms = 10_000): Promise<void> {
  const end = Date.now() + budget(ms)
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export { waitEvent }

/** Resolves once `node` has a peer with id `id` (already connected or later). */
export async function connected(node: WhisperNode, id: string): Promise<void> {
  if (node.peers().some((p) => p.id === id)) return
  await waitEvent(node, 'peer:added', (p: { id: string }) => p.id === id)
}

/** Connects b to a (b dials a) and waits until both see each other. */
export async function link(a: WhisperNode, b: WhisperNode): Promise<void> {
  b.addPeer(a.enode)
  await Promise.all([connected(a, b.id), connected(b, a.id)])
}

/**
 * Archives `perSecond` envelopes (one room key, payloads m0, m1, ...) in each of `seconds` seconds from `t0`, in
 * that order, and waits for the commit; returns them in archive order. For the mail paging tests (shh/6, Waku).
 */
export async function seedArchive(archive: Archive, t0: number, seconds: number, perSecond: number, topicOf: (i: number) => Uint8Array = () => TOPIC): Promise<Envelope[]> {
  const room = newKey()
  const out: Envelope[] = []
  for (let s = 0; s < seconds; s++) {
    for (let j = 0; j < perSecond; j++) {
      const i = s * perSecond + j
      const env = sealEnvelope(buildEnvelope({ shh: 6, topic: topicOf(i), payload: new TextEncoder().encode(`m${i}`), ttl: 50, pow: 0, workTime: 1, symKey: room, now: t0 + s }), 0.0001, 1)
      archive.add(env, envelopeHash(env))
      out.push(env)
    }
  }
  await archive.flush()
  return out
}
