// A sender process of `bench relay --processes K` (relay-senders.ts forks K of them): it opens its
// share of the sender connections to the target and, for each step, replays its slice of the
// pre-sealed corpus at its share of the rate. Send times go back to the parent as wall-clock
// milliseconds (performance.timeOrigin + now: the same clock in every process), in batches, so the
// parent's receivers can compute latency once the step is over. Sending from several processes keeps
// the generator's own CPU from being what the ramp finds.
import { readSync, openSync, closeSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { openLoadConn, type LoadConn, type LoadPeer, type LoadProtocol } from './relay-conn.js'
import { splitRecords } from './relay-corpus.js'

export interface SenderInit { enode: string; protocol: LoadProtocol; connections: number; file: string }
export type SenderCommand =
  | { cmd: 'step'; rate: number; startAt: number; first: number; count: number; byteStart: number; byteEnd: number }
  | { cmd: 'stop' }
export type SenderReport =
  | { ev: 'ready' }
  | { ev: 'error'; message: string }
  /** flat triples: first index, how many, wall-clock ms they were written */
  | { ev: 'sent'; triples: number[] }
  | { ev: 'done'; sent: number; lagMsP99: number; lagMsMax: number; closed: number; socketsBusy: boolean; onTime: boolean }

const TICK_MS = 5
const BUSY_BYTES = 1024 * 1024
const REPORT_MS = 50

const wallNow = () => performance.timeOrigin + performance.now()

function post(m: SenderReport): void {
  process.send?.(m)
}

async function main(init: SenderInit): Promise<void> {
  const conns: { conn: LoadConn; peer: LoadPeer; closed: boolean }[] = []
  for (let i = 0; i < init.connections; i++) {
    // senders ask for nothing back (an empty bloom), as in relay-load.ts
    const conn = await openLoadConn(init.enode, init.protocol, false)
    const c = { conn, peer: conn.peer, closed: false }
    void conn.closed.then(() => (c.closed = true))
    conns.push(c)
  }
  const fd = openSync(init.file, 'r')
  process.on('message', (m: SenderCommand) => {
    if (m.cmd === 'stop') {
      for (const c of conns) c.conn.close()
      closeSync(fd)
      setTimeout(() => process.exit(0), 200).unref()
      return
    }
    const bytes = new Uint8Array(m.byteEnd - m.byteStart)
    readSync(fd, bytes, 0, bytes.length, m.byteStart)
    void step(m, splitRecords(typeof init.protocol === 'number' ? init.protocol : 6, bytes))
  })
  post({ ev: 'ready' })

  const step = async (m: Extract<SenderCommand, { cmd: 'step' }>, envs: ReturnType<typeof splitRecords>) => {
    const lag = monitorEventLoopDelay({ resolution: 5 })
    const closedBefore = conns.filter((c) => c.closed).length
    let triples: number[] = []
    let lastReport = 0
    let next = 0
    let sent = 0
    let rr = 0
    let busySeen = false
    await new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, m.startAt - wallNow())))
    lag.enable()
    const t0 = wallNow()
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = wallNow()
        let n = Math.min(envs.length, Math.floor((m.rate * (now - t0)) / 1000) + 1) - next
        const live = conns.filter((c) => !c.closed && c.peer.bufferedBytes < BUSY_BYTES)
        if (live.length < conns.length) busySeen = true
        if (n > 0 && live.length > 0) {
          const per = Math.ceil(n / live.length)
          for (let j = 0; j < live.length && n > 0; j++) {
            const take = Math.min(per, n)
            const at = wallNow()
            if (live[(rr + j) % live.length].peer.sendEnvelopes(envs.slice(next, next + take))) {
              triples.push(m.first + next, take, at)
              sent += take
            }
            next += take
            n -= take
          }
          rr++
        }
        if (now - lastReport > REPORT_MS && triples.length > 0) {
          post({ ev: 'sent', triples })
          triples = []
          lastReport = now
        }
        if (next >= envs.length || conns.every((c) => c.closed)) return resolve()
        setTimeout(tick, TICK_MS)
      }
      tick()
    })
    lag.disable()
    if (triples.length > 0) post({ ev: 'sent', triples })
    const planned = envs.length / m.rate
    const onTime = (wallNow() - t0) / 1000 <= planned * 1.05 + 0.05
    post({
      ev: 'done', sent, lagMsP99: lag.percentile(99) / 1e6, lagMsMax: lag.max / 1e6,
      closed: conns.filter((c) => c.closed).length - closedBefore, socketsBusy: busySeen, onTime,
    })
  }
}

// the parent went away (or closed the channel): nothing left to send for
process.on('disconnect', () => process.exit(0))
process.once('message', (init: SenderInit) => {
  main(init).catch((e: unknown) => {
    post({ ev: 'error', message: e instanceof Error ? e.message : String(e) })
    setTimeout(() => process.exit(1), 100).unref()
  })
})
