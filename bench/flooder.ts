// Worker thread of the flood test (test/flood): a peer that sends envelopes as fast as its connection
// drains, on its own thread so that the node under test gets its CPU. Kinds of flood:
//  - unique: fresh envelopes with just enough PoW, each new to the node (then they repeat);
//  - duplicate: the same few valid envelopes again and again (free for the flooder);
//  - lowpow: shh/5 envelopes below the node's PoW minimum (geth drops those quietly, no disconnect);
//  - expired: envelopes expired a few seconds ago (dropped quietly by both versions).
import { asShhPeer } from '../src/p2p/shh-protocol.js'
import { parentPort, workerData } from 'node:worker_threads'
import { P2PHost } from '../src/p2p/host.js'
import { generateNodeKey } from '../src/p2p/nodekey.js'
import type { ShhPeer } from '../src/p2p/shh-peer.js'
import type { Envelope, ShhVersion } from '../src/whisper/envelope.js'
import { sealEnvelope } from '../src/whisper/seal.js'
import { seededBytes } from '../src/bench/stats.js'

export type FloodKind = 'unique' | 'duplicate' | 'lowpow' | 'expired'

export interface FlooderConfig {
  enode: string
  kind: FloodKind
  /** distinct envelopes prepared (cycled through) */
  envelopes: number
  /** PoW to seal with (unique/duplicate); the node's minimum or a bit more */
  pow: number
  dataBytes: number
  /** envelopes per packet (v6 lists; v5 always one) */
  batch: number
  /** keep at most this many bytes queued on the socket */
  maxBuffered?: number
}

export type FlooderCommand = { cmd: 'go' } | { cmd: 'stop' }
export type FlooderEvent =
  | { ev: 'ready'; id: string }
  | { ev: 'progress'; sent: number; packets: number }
  | { ev: 'closed'; sent: number; packets: number; reason: number }
  | { ev: 'stopped'; sent: number; packets: number }
  | { ev: 'error'; message: string }

const TOPIC = Uint8Array.of(0xf1, 0x00, 0xd0, 0x0d)

function prepare(cfg: FlooderConfig, shh: ShhVersion): Envelope[] {
  const now = Math.floor(Date.now() / 1000)
  const out: Envelope[] = []
  const count = cfg.kind === 'duplicate' ? Math.min(cfg.envelopes, 64) : cfg.envelopes
  for (let i = 0; i < count; i++) {
    const ttl = 120
    const expiry = cfg.kind === 'expired' ? now - 5 : now + ttl
    const env: Envelope = {
      shh, version: shh === 5 ? Uint8Array.of(0) : new Uint8Array(0), expiry, ttl, topic: TOPIC,
      aesNonce: shh === 5 ? seededBytes(i + 7, 12) : new Uint8Array(0), data: seededBytes(i, cfg.dataBytes), nonce: 0n,
    }
    // lowpow and expired envelopes keep nonce 0: whatever PoW that gives (almost surely below any minimum)
    out.push(cfg.kind === 'lowpow' || cfg.kind === 'expired' ? env : sealEnvelope(env, cfg.pow, 30))
  }
  return out
}

const port = parentPort
if (port) {
  const cfg = workerData as FlooderConfig
  const post = (m: FlooderEvent) => port.postMessage(m)
  const shh: ShhVersion = cfg.kind === 'lowpow' ? 5 : 6
  const maxBuffered = cfg.maxBuffered ?? 1024 * 1024
  let host: P2PHost | null = null
  let peer: ShhPeer | null = null
  let running = false
  let sent = 0
  let packets = 0
  let lastProgress = 0
  let envs: Envelope[] = []

  const pump = () => {
    if (!running || !peer || peer.closed) return
    let i = sent % envs.length
    // up to 32 packets per turn (the kernel may take everything at once), until the socket is full
    for (let n = 0; n < 32 && peer.bufferedBytes < maxBuffered; n++) {
      const batch = shh === 5 ? [envs[i]] : envs.slice(i, Math.min(envs.length, i + cfg.batch))
      if (!peer.sendEnvelopes(batch)) return
      sent += batch.length
      packets++
      i = (i + batch.length) % envs.length
    }
    if (Date.now() - lastProgress > 200) {
      lastProgress = Date.now()
      post({ ev: 'progress', sent, packets })
    }
    // a full socket: look again shortly (spinning would take CPU from the node under test)
    if (peer.bufferedBytes >= maxBuffered) setTimeout(pump, 1)
    else setImmediate(pump)
  }

  const start = async () => {
    envs = prepare(cfg, shh)
    host = new P2PHost({ privateKey: generateNodeKey(), shhVersions: [shh], logger: () => {} })
    let first = true
    // a persistent flooder: when the node drops it, it dials again (static peer) and carries on
    host.on('peer', (np) => {
      const p = asShhPeer(np) // an shh-only host
      peer = p
      p.on('close', (reason) => post({ ev: 'closed', sent, packets, reason }))
      if (first) post({ ev: 'ready', id: host!.id })
      else if (running) pump()
      first = false
    })
    await host.start()
    host.addPeer(cfg.enode)
  }

  port.on('message', (m: FlooderCommand) => {
    if (m.cmd === 'go') {
      running = true
      pump()
    } else if (m.cmd === 'stop') {
      running = false
      // no redial once stopped
      void (host ? host.stop() : Promise.resolve()).then(() => {
        post({ ev: 'stopped', sent, packets })
        port.close()
      })
    }
  })
  start().catch((e: unknown) => post({ ev: 'error', message: e instanceof Error ? e.message : String(e) }))
}
