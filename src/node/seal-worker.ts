// Worker thread of the seal pool (seal-pool.ts): searches one disjoint nonce stride per job with the
// WebAssembly PoW engine. The pool stops it early through a shared flag, polled every 1024 hashes.
import { parentPort } from 'node:worker_threads'
import { searchNonce, type PowShh } from '../whisper/pow.js'

export interface SealJob {
  id: number
  shh: PowShh
  rlpWithoutNonce: Uint8Array
  targetBits: number
  /** Absolute wall-clock deadline (ms since epoch), shared by all workers of the job. */
  deadline: number
  startNonce: bigint
  stride: bigint
  /** Int32Array(1) over it: non-zero = stop now. */
  stop: SharedArrayBuffer
}

export type SealReply =
  | { id: number; nonce: bigint; bits: number; hashes: number }
  | { id: number; error: string }

const port = parentPort
if (port) {
  port.on('message', (job: SealJob) => {
    const stop = new Int32Array(job.stop)
    let reply: SealReply
    try {
      const r = searchNonce(job.shh, job.rlpWithoutNonce, {
        targetBits: job.targetBits,
        workTimeMs: job.deadline - Date.now(),
        startNonce: job.startNonce,
        stride: job.stride,
        cancelled: () => Atomics.load(stop, 0) !== 0,
      })
      reply = { id: job.id, nonce: r.nonce, bits: r.bits, hashes: r.hashes }
    } catch (e) {
      reply = { id: job.id, error: e instanceof Error ? e.message : String(e) }
    }
    port.postMessage(reply)
  })
}
