// Worker thread of the ingest bench (ingest-bench.ts): a peer that connects to the measured node and
// sends it pre-built envelopes as fast as its connection takes them. It lives on its own thread so
// that building, encoding and compressing the traffic is not charged to the node being measured.
import { asShhPeer } from '../p2p/shh-protocol.js'
import { parentPort, workerData } from 'node:worker_threads'
import { P2PHost } from '../p2p/host.js'
import { generateNodeKey } from '../p2p/nodekey.js'
import type { ShhPeer } from '../p2p/shh-peer.js'
import { sealMessage } from '../whisper/seal.js'
import type { Envelope } from '../whisper/envelope.js'
import { seededBytes } from './stats.js'

export interface SenderConfig {
  enode: string
  count: number
  payloadBytes: number
  topic: Uint8Array
  /** the key the envelopes are encrypted with (none of the node's room keys: every try fails) */
  symKey: Uint8Array
  pow: number
  ttl: number
  /** envelopes per v6 messages packet */
  batch: number
}

export type SenderCommand = { cmd: 'go' } | { cmd: 'stop' }
export type SenderEvent =
  | { ev: 'ready'; buildMs: number; envelopeBytes: number }
  | { ev: 'sent'; ms: number }
  | { ev: 'stopped' }
  | { ev: 'error'; message: string }

const port = parentPort
if (port) {
  const cfg = workerData as SenderConfig
  const post = (m: SenderEvent) => port.postMessage(m)
  let host: P2PHost | null = null
  let peer: ShhPeer | null = null
  const envs: Envelope[] = []

  const fail = (e: unknown) => post({ ev: 'error', message: e instanceof Error ? e.message : String(e) })

  const start = async () => {
    const t0 = performance.now()
    for (let i = 0; i < cfg.count; i++) {
      envs.push(sealMessage({
        shh: 6, topic: cfg.topic, payload: seededBytes(i, cfg.payloadBytes), ttl: cfg.ttl, pow: cfg.pow, workTime: 30, symKey: cfg.symKey,
      }))
    }
    const buildMs = performance.now() - t0
    host = new P2PHost({ privateKey: generateNodeKey(), shhVersions: [6], logger: () => {} })
    host.on('peer', (p) => {
      if (peer) return
      peer = asShhPeer(p) // an shh-only host
      post({ ev: 'ready', buildMs, envelopeBytes: 20 + envs[0].data.length })
    })
    await host.start()
    host.addPeer(cfg.enode)
  }

  const send = () => {
    if (!peer) return fail(new Error('no peer'))
    const t0 = performance.now()
    for (let i = 0; i < envs.length; i += cfg.batch) peer.sendEnvelopes(envs.slice(i, i + cfg.batch))
    post({ ev: 'sent', ms: performance.now() - t0 })
  }

  port.on('message', (m: SenderCommand) => {
    if (m.cmd === 'go') send()
    else if (m.cmd === 'stop') {
      void (host ? host.stop() : Promise.resolve()).then(() => {
        post({ ev: 'stopped' })
        port.close()
      }, fail)
    }
  })
  start().catch(fail)
}
