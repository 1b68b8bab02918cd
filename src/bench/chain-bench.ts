// Latency of a message across a chain of nodes on loopback (A - B - C - D - E, each dialling the
// next). Each message is posted at the first node (sealed before the clock starts) and timed at every
// node as it enters that node's pool ('envelope' event): one sample per hop is the time between two
// neighbours' pool arrivals (receive, geth's add checks, pool, forward, loopback TCP), and the
// end-to-end sample runs from the first node's pool to the delivery at the last node's subscription
// (which also opens it and checks its signature). All nodes share this process's one thread, so the
// figures are upper bounds of what separate machines would see. Messages go one at a time.
import { generatePrivateKey, randomBytes } from '../whisper/crypto.js'
import { WhisperNode } from '../node/whisper-node.js'
import { percentile } from './stats.js'

export interface ChainOptions {
  /** nodes in the chain (default 5: 4 hops) */
  nodes?: number
  messages: number
  /** payload bytes per message (default 200, a chat line with room to spare) */
  payloadBytes?: number
  timeoutMs?: number
}

export interface ChainMeasurement {
  nodes: number
  messages: number
  hopMs: number[]
  e2eMs: number[]
  hopMsP50: number
  hopMsP99: number
  e2eMsP50: number
  e2eMsP99: number
}

const TOPIC = Uint8Array.of(0xc4, 0xa1, 0x0e, 0x55)

export async function measureChainLatency(opts: ChainOptions): Promise<ChainMeasurement> {
  const count = opts.nodes ?? 5
  const timeoutMs = opts.timeoutMs ?? 60_000
  const nodes: WhisperNode[] = []
  try {
    for (let i = 0; i < count; i++) {
      const n = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, shhVersions: [6], verbosity: 0, logger: () => {}, sealThreads: 1 })
      nodes.push(n)
      await n.start()
    }
    // each node dials the next; wait until every link is up
    const linked = nodes.slice(1).map((n) => n.waitForPeer(timeoutMs))
    for (let i = 0; i + 1 < count; i++) nodes[i].addPeer(nodes[i + 1].enode)
    await Promise.all(linked)
    await waitFor(() => nodes.every((n, i) => n.stats().peers === (i === 0 || i === count - 1 ? 1 : 2)), timeoutMs, 'the chain links')

    const key = randomBytes(32)
    const src = generatePrivateKey()
    const arrivals = new Map<string, number[]>() // hash -> arrival time per node index
    nodes.forEach((n, i) =>
      n.on('envelope', (ev: { hash: string }) => {
        const t = performance.now()
        let a = arrivals.get(ev.hash)
        if (!a) arrivals.set(ev.hash, (a = new Array<number>(count).fill(NaN)))
        a[i] = t
      }),
    )
    let delivered: ((hash: string, t: number) => void) | null = null
    nodes[count - 1].subscribe({ topics: [TOPIC], symKey: key }, (m) => delivered?.(Buffer.from(m.hash).toString('hex'), performance.now()))

    const hopMs: number[] = []
    const e2eMs: number[] = []
    for (let k = 0; k < opts.messages; k++) {
      const got = new Promise<[string, number]>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`chain bench: message ${k} not delivered within ${timeoutMs} ms`)), timeoutMs)
        delivered = (h, at) => {
          clearTimeout(t)
          resolve([h, at])
        }
      })
      const payload = randomBytes(opts.payloadBytes ?? 200)
      const { hash } = await nodes[0].post({ topic: TOPIC, payload, symKey: key, src, ttl: 60, pow: 0.2, workTime: 10, shh: 6 })
      const [h, at] = await got
      const a = arrivals.get(hash)
      if (h !== hash || !a || a.some(Number.isNaN)) throw new Error(`chain bench: message ${k} did not pass every node`)
      for (let i = 0; i + 1 < count; i++) hopMs.push(a[i + 1] - a[i])
      e2eMs.push(at - a[0])
      arrivals.delete(hash)
    }
    return {
      nodes: count, messages: opts.messages, hopMs, e2eMs,
      hopMsP50: percentile(hopMs, 50), hopMsP99: percentile(hopMs, 99),
      e2eMsP50: percentile(e2eMs, 50), e2eMsP99: percentile(e2eMs, 99),
    }
  } finally {
    await Promise.all(nodes.map((n) => n.stop()))
  }
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`chain bench: timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
