// Pre-sealing for the relay load generator: every envelope of a run is built and sealed before the
// clock starts, on all cores (one worker thread per core, each sealing whole envelopes: for the small
// PoW targets relays ask for, one envelope per thread beats splitting one nonce search over threads,
// which is what the node's SealPool does for a single post).
import { Worker } from 'node:worker_threads'
import { availableParallelism } from 'node:os'
import { decodeEnvelope, type Envelope } from '../whisper/envelope.js'
import { benchScript } from './scripts.js'
import type { PresealEvent, PresealJob } from './preseal-worker.js'

export interface PresealOptions extends Omit<PresealJob, 'count'> {
  count: number
  threads?: number
  /** called with (done, total) at most a few times a second */
  progress?: (done: number, total: number) => void
}

/** The envelopes and the wall time sealing took once the workers were up (the slowest worker's). */
export async function presealTimed(o: PresealOptions): Promise<{ envs: Envelope[]; sealMs: number }> {
  let sealMs = 0
  const threads = Math.max(1, Math.min(o.threads ?? availableParallelism(), o.count))
  const out: Envelope[] = []
  if (o.count <= 0) return { envs: out, sealMs }
  let lastReport = 0
  const report = () => {
    const t = performance.now()
    if (o.progress && (t - lastReport > 250 || out.length === o.count)) {
      lastReport = t
      o.progress(out.length, o.count)
    }
  }
  const { progress: _p, threads: _t, ...base } = o
  const jobs: Promise<void>[] = []
  for (let i = 0; i < threads; i++) {
    const count = Math.floor(o.count / threads) + (i < o.count % threads ? 1 : 0)
    const job: PresealJob = { ...base, count }
    jobs.push(new Promise<void>((resolve, reject) => {
      const w = new Worker(benchScript('preseal-worker'), { workerData: job })
      let settled = false
      const finish = (err?: Error) => {
        if (settled) return
        settled = true
        void w.terminate()
        if (err) reject(err)
        else resolve()
      }
      w.on('message', (m: PresealEvent) => {
        if (m.ev === 'chunk') {
          for (const raw of m.envs) out.push(decodeEnvelope(o.shh, raw))
          report()
        } else if (m.ev === 'done') {
          sealMs = Math.max(sealMs, m.sealMs)
          finish()
        }
        else finish(new Error(`sealing failed: ${m.message}`))
      })
      w.on('error', (e) => finish(e))
      w.on('exit', (code) => finish(code === 0 ? undefined : new Error(`sealing worker exited with code ${code}`)))
    }))
  }
  await Promise.all(jobs)
  return { envs: out, sealMs }
}
