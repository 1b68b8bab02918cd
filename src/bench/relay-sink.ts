// The load generator's own ceiling: a "sink" that does the least a relay can do. It accepts the
// generator's connections and passes every envelope it gets from a sender on to the connections
// that asked for everything (the receivers): no validation, no pool, no dedup, no re-encoding of an
// envelope (its received bytes are sent). `bench relay` against it measures what the generator (and
// RLPx on this machine) can push and take; a real relay can only be slower.
import { asShhPeer } from '../p2p/shh-protocol.js'
import { P2PHost } from '../p2p/host.js'
import { generateNodeKey } from '../p2p/nodekey.js'
import type { ShhPeer } from '../p2p/shh-peer.js'
import { EnvelopeBatch } from '../p2p/envelope-batch.js'
import type { Envelope, ShhVersion } from '../whisper/envelope.js'

/** envelopes per list packet: far below geth's 1 MiB packet limit even at 4 KB payloads */
const BATCH = 128

export interface SinkOptions {
  listen: { host: string; port: number }
  shh?: ShhVersion
}

export interface Sink {
  enode: string
  stats(): { peers: number; envelopesIn: number; envelopesOut: number }
  stop(): Promise<void>
}

export async function startSink(o: SinkOptions): Promise<Sink> {
  const host = new P2PHost({ privateKey: generateNodeKey(), listen: o.listen, shhVersions: [o.shh ?? 6], minPow: 0, logger: () => {} })
  const peers = new Set<ShhPeer>()
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
          if (q.bloom !== null) continue
          if (q.sendEnvelopeBatch ? q.sendEnvelopeBatch(batch) : q.sendEnvelopes(part)) envelopesOut += part.length
        }
      }
    })
  }
  host.on('peer', (np) => {
    const p = asShhPeer(np) // an shh-only host
    peers.add(p)
    p.on('close', () => peers.delete(p))
    p.on('envelopes', (envs) => {
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
