// The load generator's own ceiling: a "sink" that does the least a relay can do. It accepts the
// generator's connections and passes every messages packet it gets from a sender on, as it came,
// to the connections that asked for everything (the receivers): no validation, no pool, no dedup,
// no re-encoding. `bench relay` against it measures what the generator (and RLPx on this machine)
// can push and take; a real relay can only be slower.
import { asShhPeer } from '../p2p/shh-protocol.js'
import { P2PHost } from '../p2p/host.js'
import { generateNodeKey } from '../p2p/nodekey.js'
import type { ShhPeer } from '../p2p/shh-peer.js'
import type { ShhVersion } from '../whisper/envelope.js'

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
  host.on('peer', (np) => {
    const p = asShhPeer(np) // an shh-only host
    peers.add(p)
    p.on('close', () => peers.delete(p))
    p.on('envelopes', (envs) => {
      envelopesIn += envs.length
      for (const q of peers) {
        if (q === p || q.bloom !== null) continue
        if (q.sendEnvelopes(envs)) envelopesOut += envs.length
      }
    })
  })
  await host.start()
  return {
    enode: host.enode,
    stats: () => ({ peers: peers.size, envelopesIn, envelopesOut }),
    stop: () => host.stop(),
  }
}
