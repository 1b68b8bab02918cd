// The load generator's own ceiling: a "sink" that does the least a relay can do. It accepts the
// generator's connections and passes every envelope it gets from a sender on to the connections
// that asked for everything (the receivers): no validation, no pool, no dedup, no re-encoding of an
// envelope (its received bytes are sent). `bench relay` against it measures what the generator (and
// RLPx on this machine) can push and take; a real relay can only be slower. It speaks one shh version
// or one waku capability (then its receivers are the peers with no bloom and no topic interest).
import { asShhPeer } from '../p2p/shh-protocol.js'
import { P2PHost } from '../p2p/host.js'
import { generateNodeKey } from '../p2p/nodekey.js'
import type { NetPeer } from '../p2p/net-peer.js'
import { EnvelopeBatch } from '../p2p/envelope-batch.js'
import type { Envelope, ShhVersion } from '../whisper/envelope.js'

/** envelopes per list packet: far below geth's 1 MiB packet limit even at 4 KB payloads */
const BATCH = 128

export interface SinkOptions {
  listen: { host: string; port: number }
  shh?: ShhVersion
  /** speak this waku capability instead of shh */
  waku?: 'waku/0' | 'waku/1'
}

/** The part of a peer the sink uses: shh peers can take one encoded batch for all receivers. */
interface SinkPeer {
  wantsAll(): boolean
  send(batch: EnvelopeBatch, envs: Envelope[]): boolean
}

function sinkPeer(np: NetPeer): SinkPeer {
  if (np.net === 'waku') {
    return { wantsAll: () => np.interest.bloom === null && np.interest.topics === null, send: (_batch, envs) => np.sendEnvelopes(envs) }
  }
  const p = asShhPeer(np)
  return { wantsAll: () => p.bloom === null, send: (batch, envs) => (p.sendEnvelopeBatch ? p.sendEnvelopeBatch(batch) : p.sendEnvelopes(envs)) }
}

export interface Sink {
  enode: string
  stats(): { peers: number; envelopesIn: number; envelopesOut: number }
  stop(): Promise<void>
}

export async function startSink(o: SinkOptions): Promise<Sink> {
  if (o.waku !== undefined && o.shh !== undefined) throw new Error('give shh or waku, not both')
  const protocols = o.waku !== undefined ? { protocols: [o.waku] } : { shhVersions: [o.shh ?? 6] }
  const host = new P2PHost({ privateKey: generateNodeKey(), listen: o.listen, ...protocols, minPow: 0, logger: () => {} })
  const peers = new Set<SinkPeer>()
  let envelopesIn = 0
  let envelopesOut = 0
  // What arrived in one I/O turn goes out on the next, as one list per receiver encoded and compressed
  // once for all of them: the relay's own batching (forwarder.ts), so that per-packet costs (framing,
  // encryption, writes) are not what makes the sink slower than the relay it is the floor for.
  let pending: Envelope[] = []
  let scheduled = false
  const flushSoon = () => {
    if (scheduled) return
    scheduled = true
    setImmediate(() => {
      scheduled = false
      const envs = pending
      pending = []
      for (let i = 0; i < envs.length; i += BATCH) {
        const part = envs.slice(i, i + BATCH)
        const batch = new EnvelopeBatch(part)
        for (const q of peers) {
          if (!q.wantsAll()) continue
          if (q.send(batch, part)) envelopesOut += part.length
        }
      }
    })
  }
  host.on('peer', (np) => {
    const p = sinkPeer(np)
    peers.add(p)
    np.on('close', () => peers.delete(p))
    np.on('envelopes', (envs) => {
      envelopesIn += envs.length
      for (const e of envs) pending.push(e)
      flushSoon()
    })
  })
  await host.start()
  return {
    enode: host.enode,
    stats: () => ({ peers: peers.size, envelopesIn, envelopesOut }),
    stop: () => host.stop(),
  }
}
