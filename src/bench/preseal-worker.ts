// Worker thread of the relay load generator's pre-sealing (preseal.ts): seals its share of the
// envelopes (unique random payloads, PoW at least the target's minimum) and hands them back encoded,
// in chunks, so the main thread can show progress and no envelope is sealed on the clock.
import { parentPort, workerData } from 'node:worker_threads'
import { randomBytes } from 'node:crypto'
import { sealMessage } from '../whisper/seal.js'
import { encodeEnvelope, type ShhVersion } from '../whisper/envelope.js'

export interface PresealJob {
  shh: ShhVersion
  count: number
  payloadBytes: number
  topic: Uint8Array
  symKey: Uint8Array
  pow: number
  ttl: number
  /** unix seconds: the envelopes' sent time (one for the whole batch) */
  now: number
}

/** `sealMs`: time spent sealing (worker start-up excluded), for the caller's TTL estimate */
export type PresealEvent = { ev: 'chunk'; envs: Uint8Array[] } | { ev: 'done'; sealMs: number } | { ev: 'error'; message: string }

const CHUNK = 64

const port = parentPort
if (port) {
  const job = workerData as PresealJob
  try {
    let chunk: Uint8Array[] = []
    const t0 = performance.now()
    for (let i = 0; i < job.count; i++) {
      const env = sealMessage({
        shh: job.shh, topic: job.topic, payload: randomBytes(job.payloadBytes), symKey: job.symKey,
        ttl: job.ttl, pow: job.pow, workTime: 60, now: job.now,
      })
      chunk.push(encodeEnvelope(env))
      if (chunk.length === CHUNK) {
        port.postMessage({ ev: 'chunk', envs: chunk } satisfies PresealEvent)
        chunk = []
      }
    }
    if (chunk.length > 0) port.postMessage({ ev: 'chunk', envs: chunk } satisfies PresealEvent)
    port.postMessage({ ev: 'done', sealMs: performance.now() - t0 } satisfies PresealEvent)
  } catch (err) {
    port.postMessage({ ev: 'error', message: err instanceof Error ? err.message : String(err) } satisfies PresealEvent)
  }
}
