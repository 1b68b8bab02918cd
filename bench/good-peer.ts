// Worker thread of the flood bench (flood-run.ts): a well-behaved chat node on its own thread. It
// connects to the node under test, posts a message to the room every `intervalMs` and reports when
// each was posted and when each of the other side's messages arrived (wall-clock ms with sub-ms
// precision, comparable across threads: performance.timeOrigin + performance.now()).
import { parentPort, workerData } from 'node:worker_threads'
import { WhisperNode } from '../src/node/whisper-node.js'
import { fromHex } from '../src/whisper/bytes.js'

export interface GoodPeerConfig {
  enode: string
  topic: string
  key: string
  intervalMs: number
  minPow: number
}

export type GoodPeerCommand = { cmd: 'go' } | { cmd: 'pause' } | { cmd: 'stop' }
export type GoodPeerEvent =
  | { ev: 'ready' }
  | { ev: 'posted'; id: string; at: number }
  | { ev: 'got'; id: string; at: number }
  | { ev: 'stopped' }
  | { ev: 'error'; message: string }

export const wallNow = (): number => performance.timeOrigin + performance.now()

const port = parentPort
if (port) {
  const cfg = workerData as GoodPeerConfig
  const post = (m: GoodPeerEvent) => port.postMessage(m)
  const topic = fromHex(cfg.topic)
  const key = fromHex(cfg.key)
  const node = new WhisperNode({ shhVersions: [6], minPow: cfg.minPow, sealThreads: 1, verbosity: 0, logger: () => {} })
  let timer: NodeJS.Timeout | null = null
  let k = 0
  const tick = () => {
    const id = `g${k++}`
    node.post({ topic, payload: Buffer.from(`${id}|`), symKey: key, ttl: 60, pow: cfg.minPow * 2, workTime: 10, shh: 6 }).then(
      () => post({ ev: 'posted', id, at: wallNow() }),
      (e: unknown) => post({ ev: 'error', message: e instanceof Error ? e.message : String(e) }),
    )
  }
  const start = async () => {
    await node.start()
    node.subscribe({ topics: [topic], symKey: key }, (m) => {
      if (m.mine) return
      const text = Buffer.from(m.payload).toString('latin1')
      post({ ev: 'got', id: text.slice(0, text.indexOf('|')), at: wallNow() })
    })
    node.addPeer(cfg.enode)
    await node.waitForPeer(30_000)
    post({ ev: 'ready' })
  }
  port.on('message', (m: GoodPeerCommand) => {
    if (m.cmd === 'go' && timer === null) timer = setInterval(tick, cfg.intervalMs)
    else if (m.cmd === 'pause' && timer !== null) {
      clearInterval(timer)
      timer = null
    } else if (m.cmd === 'stop') {
      if (timer !== null) clearInterval(timer)
      void node.stop().then(() => {
        post({ ev: 'stopped' })
        port.close()
      })
    }
  })
  start().catch((e: unknown) => post({ ev: 'error', message: e instanceof Error ? e.message : String(e) }))
}
