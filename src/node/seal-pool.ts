// Proof-of-work sealing across all cores: one worker thread per core, each searching a disjoint
// nonce stride (worker i tries i, i+N, i+2N, ...); the first to reach the target wins and the
// others stop within 1024 hashes. Small targets are sealed inline: a job that takes less time than
// handing it to the workers is not worth the round trip (see INLINE_MAX_BITS).
//
// Worker script: `seal-worker.js` next to this module. When this module runs from TypeScript
// sources (vitest imports src/node/seal-pool.ts), Node cannot run a .ts worker, so the compiled
// dist/src/node/seal-worker.js is used instead: build first (`npm run build`; `npm test` does).
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { searchNonce, type PowShh } from '../whisper/pow.js'
import { NodeError } from './errors.js'
import type { SealJob, SealReply } from './seal-worker.js'

export interface SealNonceOptions {
  /** Bits to reach (geth's powToFirstBit); 0 = no target: the best nonce found within workTimeMs. */
  targetBits: number
  /** Time budget in milliseconds. */
  workTimeMs: number
  /** Abort: the promise rejects with NodeError 'aborted' and the workers stop. */
  signal?: AbortSignal
}

export interface SealNonceResult {
  nonce: bigint
  /** Best bits found; below targetBits when the time ran out (the caller decides: geth errors). */
  bits: number
  /** Hashes computed, all threads together. */
  hashes: number
}

export interface SealPoolOptions {
  /** Worker threads (default: os.availableParallelism()). */
  threads?: number
  /** Targets of at most this many bits are sealed inline on the calling thread (default INLINE_MAX_BITS). */
  inlineMaxBits?: number
  /** Worker script (default: seal-worker.js next to this module, see above). */
  workerUrl?: URL
}

/**
 * Targets up to 14 bits (2^14 expected hashes, ~5 ms at the WebAssembly engine's ~3.3 M/s) seal
 * inline. Measured with `npm run bench` on 2 cores: starting the workers costs ~35 ms (paid once per
 * pool), a job on warm workers ~0.1 ms of hand-over; geth's default PoW 0.2 needs 12 bits for a
 * 300-byte message, 14 for 1 KB. Above 14 bits, blocking the event loop longer is worse than a
 * one-time start-up.
 */
export const INLINE_MAX_BITS = 14

/** The worker script for this module's location (see the file comment). */
export function defaultWorkerUrl(): URL {
  if (import.meta.url.endsWith('.ts')) return new URL('../../dist/src/node/seal-worker.js', import.meta.url)
  return new URL('./seal-worker.js', import.meta.url)
}

interface Running {
  id: number
  targetBits: number
  stop: Int32Array
  /** Workers that have not reported yet: the next job starts when none is left. */
  pending: Set<Worker>
  best: { nonce: bigint; bits: number }
  hashes: number
  settled: boolean
  resolve: (r: SealNonceResult) => void
  reject: (e: Error) => void
  cleanup: () => void
}

interface Queued {
  shh: PowShh
  rlp: Uint8Array
  opts: SealNonceOptions
  resolve: (r: SealNonceResult) => void
  reject: (e: Error) => void
  /** Removes the while-queued abort listener. */
  unlisten: () => void
}

export class SealPool {
  readonly threads: number
  readonly inlineMaxBits: number
  private readonly workerUrl: URL
  private workers: Worker[] = []
  /** The job whose workers are still busy (one job at a time: each uses every core). */
  private running: Running | null = null
  private readonly queue: Queued[] = []
  private nextId = 1
  private closed = false

  constructor(opts: SealPoolOptions = {}) {
    const threads = opts.threads ?? availableParallelism()
    if (!Number.isInteger(threads) || threads < 1) throw new NodeError('params', `threads must be a positive integer, got ${threads}`)
    this.threads = threads
    this.inlineMaxBits = opts.inlineMaxBits ?? INLINE_MAX_BITS
    this.workerUrl = opts.workerUrl ?? defaultWorkerUrl()
  }

  /** Seal jobs queued or running (for metrics). */
  get pending(): number {
    return this.queue.length + (this.running ? 1 : 0)
  }

  /** Find a nonce for `rlpWithoutNonce` (geth's Seal semantics, spread over the pool's threads). */
  sealNonce(shh: PowShh, rlpWithoutNonce: Uint8Array, opts: SealNonceOptions): Promise<SealNonceResult> {
    if (this.closed) return Promise.reject(new NodeError('state', 'seal pool is closed'))
    if (shh !== 5 && shh !== 6) return Promise.reject(new NodeError('params', `shh must be 5 or 6, got ${String(shh)}`))
    if (!(rlpWithoutNonce instanceof Uint8Array)) return Promise.reject(new NodeError('params', 'rlpWithoutNonce must be bytes'))
    if (!Number.isInteger(opts.targetBits) || opts.targetBits < 0 || opts.targetBits > 256) {
      return Promise.reject(new NodeError('params', `targetBits must be an integer in 0..256, got ${opts.targetBits}`))
    }
    if (!(opts.workTimeMs >= 0)) return Promise.reject(new NodeError('params', `workTimeMs must be >= 0, got ${opts.workTimeMs}`))
    if (opts.signal?.aborted) return Promise.reject(aborted(opts.signal))
    if (opts.targetBits > 0 && opts.targetBits <= this.inlineMaxBits) {
      const { nonce, bits, hashes } = searchNonce(shh, rlpWithoutNonce, { targetBits: opts.targetBits, workTimeMs: opts.workTimeMs })
      return Promise.resolve({ nonce, bits, hashes })
    }
    return new Promise((resolve, reject) => {
      const q: Queued = { shh, rlp: rlpWithoutNonce, opts, resolve, reject, unlisten: () => {} }
      const signal = opts.signal
      if (signal) {
        const onAbort = () => {
          const i = this.queue.indexOf(q)
          if (i >= 0) this.queue.splice(i, 1)
          reject(aborted(signal))
        }
        signal.addEventListener('abort', onAbort, { once: true })
        q.unlisten = () => signal.removeEventListener('abort', onAbort)
      }
      this.queue.push(q)
      this.pump()
    })
  }

  /** Stop all work and terminate the workers; running and queued seals reject with NodeError 'aborted'. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const q of this.queue.splice(0)) {
      q.unlisten()
      q.reject(new NodeError('aborted', 'seal pool closed'))
    }
    if (this.running) this.settle(this.running, new NodeError('aborted', 'seal pool closed'))
    this.running = null
    const workers = this.workers
    this.workers = []
    await Promise.all(workers.map((w) => w.terminate()))
  }

  private pump(): void {
    if (this.closed || this.running) return
    const q = this.queue.shift()
    if (!q) return
    q.unlisten()
    let workers: Worker[]
    try {
      workers = this.ensureWorkers()
    } catch (e) {
      q.reject(e instanceof Error ? e : new Error(String(e)))
      this.pump()
      return
    }
    const stopBuf = new SharedArrayBuffer(4)
    const job: Running = {
      id: this.nextId++, targetBits: q.opts.targetBits, stop: new Int32Array(stopBuf),
      pending: new Set(workers), best: { nonce: 0n, bits: 0 }, hashes: 0, settled: false,
      resolve: q.resolve, reject: q.reject, cleanup: () => {},
    }
    const signal = q.opts.signal
    if (signal) {
      const onAbort = () => this.settle(job, aborted(signal))
      signal.addEventListener('abort', onAbort, { once: true })
      job.cleanup = () => signal.removeEventListener('abort', onAbort)
    }
    this.running = job
    // The clock starts when the job does, as geth's Seal; all workers share one deadline.
    const deadline = Date.now() + q.opts.workTimeMs
    workers.forEach((w, i) => {
      const msg: SealJob = {
        id: job.id, shh: q.shh, rlpWithoutNonce: q.rlp, targetBits: q.opts.targetBits, deadline,
        startNonce: BigInt(i), stride: BigInt(workers.length), stop: stopBuf,
      }
      w.ref() // keep the process alive while work is under way
      w.postMessage(msg)
    })
  }

  private ensureWorkers(): Worker[] {
    if (this.workers.length === this.threads) return this.workers
    if (this.workerUrl.protocol === 'file:' && !existsSync(fileURLToPath(this.workerUrl))) {
      throw new NodeError('state', `seal worker script not found: ${fileURLToPath(this.workerUrl)} (run npm run build)`)
    }
    while (this.workers.length < this.threads) this.workers.push(this.spawn())
    return this.workers
  }

  private spawn(): Worker {
    const w = new Worker(this.workerUrl)
    w.unref() // idle workers never hold the process open
    w.on('message', (m: SealReply) => this.onReply(w, m))
    w.on('error', (e) => this.onWorkerGone(w, e))
    w.on('exit', (code) => this.onWorkerGone(w, new Error(`exited with code ${code}`)))
    return w
  }

  private onReply(w: Worker, m: SealReply): void {
    const job = this.running
    if (!job || m.id !== job.id || !job.pending.delete(w)) return
    w.unref()
    if ('error' in m) {
      this.settle(job, new NodeError('state', `seal worker failed: ${m.error}`))
    } else {
      job.hashes += m.hashes
      if (m.bits > job.best.bits) job.best = { nonce: m.nonce, bits: m.bits }
      if ((job.targetBits > 0 && job.best.bits >= job.targetBits) || job.pending.size === 0) this.settle(job)
    }
    this.advance(job)
  }

  private onWorkerGone(w: Worker, e: Error): void {
    const i = this.workers.indexOf(w)
    if (i < 0) return // already handled, or the pool is closing
    this.workers.splice(i, 1)
    const job = this.running
    if (job?.pending.delete(w)) {
      // Its stride is lost: fail the job rather than return less than was asked for.
      this.settle(job, new NodeError('state', `seal worker died: ${e.message}`))
      this.advance(job)
    }
  }

  /** Once every worker of `job` has reported, start the next job. */
  private advance(job: Running): void {
    if (job.pending.size > 0 || this.running !== job) return
    this.running = null
    this.pump()
  }

  /** Settle a job once and tell its workers to stop (each reports within 1024 hashes). */
  private settle(job: Running, err?: Error): void {
    Atomics.store(job.stop, 0, 1)
    if (job.settled) return
    job.settled = true
    job.cleanup()
    if (err) job.reject(err)
    else job.resolve({ nonce: job.best.nonce, bits: job.best.bits, hashes: job.hashes })
  }
}

function aborted(signal: AbortSignal): NodeError {
  return new NodeError('aborted', 'sealing aborted', { cause: signal.reason })
}
