// Envelopes per second a node ingests from one peer: every envelope goes through the node's whole
// receive path (snappy, RLP decode, geth's add checks with the PoW computed, hash, bloom, pool) and is
// tried against 10 room keys on its topic (the node's 10 subscriptions; none of them fits, as for the
// traffic of other rooms a node relays, so every key costs a full AES-GCM tag check). The sending peer
// runs on its own thread (ingest-sender.ts).
import { Worker } from 'node:worker_threads'
import { randomBytes } from '../whisper/crypto.js'
import { WhisperNode } from '../node/whisper-node.js'
import { benchScript } from './scripts.js'
import type { SenderCommand, SenderConfig, SenderEvent } from './ingest-sender.js'

export interface IngestOptions {
  envelopes: number
  /** subscriptions on the envelopes' topic, each with its own key (default 10) */
  rooms?: number
  /** plaintext payload per envelope (default 900: ~1 KB envelopes) */
  payloadBytes?: number
  /** envelopes per messages packet (default 64) */
  batch?: number
  /** give up after this long (default 120 s) */
  timeoutMs?: number
}

export interface IngestMeasurement {
  envelopes: number
  rooms: number
  /** geth's size() of one envelope */
  envelopeBytes: number
  /** from the first packet sent to the last envelope pooled */
  seconds: number
  envelopesPerSec: number
  /** how long the sender took to hand everything to its socket */
  senderMs: number
  /** messages the node's subscriptions opened (0: no key fits) */
  opened: number
}

const TOPIC = Uint8Array.of(0x5e, 0x11, 0xbe, 0x7c)

export async function measureIngest(opts: IngestOptions): Promise<IngestMeasurement> {
  const rooms = opts.rooms ?? 10
  const timeoutMs = opts.timeoutMs ?? 120_000
  const node = new WhisperNode({
    listen: { host: '127.0.0.1', port: 0 }, shhVersions: [6], minPow: 1e-6, verbosity: 0, logger: () => {}, sealThreads: 1,
    // the node's capacity, not its policy: with the default limits one peer gets at most half a core
    peerLimits: false,
  })
  let worker: Worker | null = null
  let timer: NodeJS.Timeout | undefined
  try {
    await node.start()
    let opened = 0
    for (let i = 0; i < rooms; i++) node.subscribe({ topics: [TOPIC], symKey: randomBytes(32) }, () => opened++)
    const cfg: SenderConfig = {
      enode: node.enode, count: opts.envelopes, payloadBytes: opts.payloadBytes ?? 900, topic: TOPIC, symKey: randomBytes(32),
      // a few bits of PoW (the node asks for almost none): the check costs the same as at any level
      pow: 1e-5, ttl: 600, batch: opts.batch ?? 64,
    }
    const w = new Worker(benchScript('ingest-sender'), { workerData: cfg })
    worker = w
    const events: SenderEvent[] = []
    let wake: (() => void) | null = null
    let workerError: Error | null = null
    w.on('message', (m: SenderEvent) => {
      events.push(m)
      wake?.()
    })
    w.on('error', (e) => {
      workerError = e
      wake?.()
    })
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`ingest bench: no result within ${timeoutMs} ms`)), timeoutMs)
    })
    const next = async (ev: SenderEvent['ev']): Promise<SenderEvent> => {
      for (;;) {
        if (workerError) throw workerError
        const i = events.findIndex((e) => e.ev === ev || e.ev === 'error')
        if (i >= 0) {
          const e = events.splice(i, 1)[0]
          if (e.ev === 'error') throw new Error(`ingest sender: ${e.message}`)
          return e
        }
        await Promise.race([new Promise<void>((r) => (wake = r)), deadline])
      }
    }
    const ready = await next('ready')
    let pooled = 0
    let t1 = 0
    const allIn = new Promise<void>((resolve) => {
      node.on('envelope', (ev: { local: boolean }) => {
        if (ev.local) return
        if (++pooled === opts.envelopes) {
          t1 = performance.now()
          resolve()
        }
      })
    })
    const t0 = performance.now()
    w.postMessage({ cmd: 'go' } satisfies SenderCommand)
    await Promise.race([allIn, deadline])
    const sent = await next('sent')
    const seconds = (t1 - t0) / 1000
    return {
      envelopes: opts.envelopes, rooms, envelopeBytes: ready.ev === 'ready' ? ready.envelopeBytes : 0, seconds,
      envelopesPerSec: opts.envelopes / seconds, senderMs: sent.ev === 'sent' ? sent.ms : NaN, opened,
    }
  } finally {
    clearTimeout(timer)
    if (worker) {
      const w = worker
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => void w.terminate().then(() => resolve()), 5000)
        w.once('exit', () => {
          clearTimeout(t)
          resolve()
        })
        w.on('message', (m: SenderEvent) => {
          if (m.ev === 'stopped') void w.terminate()
        })
        w.postMessage({ cmd: 'stop' } satisfies SenderCommand)
      })
    }
    await node.stop()
  }
}
