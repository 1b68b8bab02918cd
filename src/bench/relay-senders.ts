// The parent's side of `bench relay --processes K`: K forked sender processes (relay-sender.ts), each
// with its share of the sender connections, replaying contiguous slices of the corpus at its share of
// the rate. Their send times arrive as wall-clock ms and are turned into this process's
// performance.now() time base, where the receivers stamp arrivals.
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { LoadProtocol } from './relay-conn.js'
import type { Corpus } from './relay-corpus.js'
import { benchScript } from './scripts.js'
import type { SenderCommand, SenderInit, SenderReport } from './relay-sender.js'

export interface RemoteStepResult {
  sent: number
  lagMsP99: number
  lagMsMax: number
  closed: number
  /** a sender's socket held over 1 MiB unwritten at some tick: the target was not reading fast enough */
  socketsBusy: boolean
  onTime: boolean
}

interface Child {
  proc: ChildProcess
  /** the current step's handlers */
  onSent: ((first: number, n: number, at: number) => void) | null
  onDone: ((r: Extract<SenderReport, { ev: 'done' }>) => void) | null
  failed: Error | null
}

export class RemoteSenders {
  private constructor(private readonly children: Child[], private readonly corpus: Corpus) {}

  /** Forks `processes` senders holding `connections` sender connections between them; resolves once all are connected. */
  static async start(o: { processes: number; connections: number; enode: string; protocol: LoadProtocol; corpus: Corpus }): Promise<RemoteSenders> {
    const script = fileURLToPath(benchScript('relay-sender'))
    const children: Child[] = []
    const ready: Promise<void>[] = []
    for (let k = 0; k < o.processes; k++) {
      const connections = Math.floor(o.connections / o.processes) + (k < o.connections % o.processes ? 1 : 0)
      const proc = fork(script, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
      const child: Child = { proc, onSent: null, onDone: null, failed: null }
      children.push(child)
      ready.push(new Promise<void>((resolve, reject) => {
        proc.on('message', (m: SenderReport) => {
          if (m.ev === 'ready') resolve()
          else if (m.ev === 'error') reject(new Error(`sender process: ${m.message}`))
          else if (m.ev === 'sent') {
            for (let i = 0; i < m.triples.length; i += 3) child.onSent?.(m.triples[i], m.triples[i + 1], m.triples[i + 2] - performance.timeOrigin)
          } else if (m.ev === 'done') child.onDone?.(m)
        })
        proc.on('exit', (code) => {
          child.failed = new Error(`a sender process exited (code ${code})`)
          reject(child.failed)
          child.onDone?.({ ev: 'done', sent: 0, lagMsP99: 0, lagMsMax: 0, closed: connections, socketsBusy: false, onTime: false })
        })
      }))
      proc.send({ enode: o.enode, protocol: o.protocol, connections: Math.max(1, connections), file: o.corpus.file } satisfies SenderInit)
    }
    const senders = new RemoteSenders(children, o.corpus)
    try {
      await Promise.all(ready)
    } catch (e) {
      senders.stop()
      throw e
    }
    return senders
  }

  get processes(): number {
    return this.children.length
  }

  /** Envelopes first..first+count-1 at `rate`/s in all, split in contiguous slices over the processes. */
  async step(rate: number, first: number, count: number, onSent: (index: number, n: number, at: number) => void): Promise<RemoteStepResult> {
    const k = this.children.length
    // a common start a little ahead, so every process has read its slice before the clock runs
    const startAt = performance.timeOrigin + performance.now() + 200
    const results = await Promise.all(this.children.map((c, i) => {
      const from = first + Math.floor((count * i) / k)
      const to = first + Math.floor((count * (i + 1)) / k)
      if (to <= from || c.failed) return Promise.resolve(null)
      return new Promise<Extract<SenderReport, { ev: 'done' }>>((resolve) => {
        c.onSent = onSent
        c.onDone = resolve
        const cmd: SenderCommand = {
          cmd: 'step', rate: (rate * (to - from)) / count, startAt, first: from, count: to - from,
          byteStart: this.corpus.offsets[from], byteEnd: this.corpus.offsets[to],
        }
        c.proc.send(cmd)
      })
    }))
    const done = results.filter((r) => r !== null)
    return {
      sent: done.reduce((a, r) => a + r.sent, 0),
      lagMsP99: Math.max(0, ...done.map((r) => r.lagMsP99)),
      lagMsMax: Math.max(0, ...done.map((r) => r.lagMsMax)),
      closed: done.reduce((a, r) => a + r.closed, 0),
      socketsBusy: done.some((r) => r.socketsBusy),
      onTime: done.length === results.length && done.every((r) => r.onTime),
    }
  }

  stop(): void {
    for (const c of this.children) {
      if (c.proc.connected) c.proc.send({ cmd: 'stop' } satisfies SenderCommand)
      const t = setTimeout(() => c.proc.kill(), 2000)
      t.unref()
      c.proc.once('exit', () => clearTimeout(t))
    }
  }
}
