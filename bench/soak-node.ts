// One node of the soak (soak-run.ts), in its own process so that the soak can kill it for real (SIGKILL)
// and start it again with the same key and port. It talks to the soak over the IPC channel: commands
// in (add a peer, post, report stats, stop), events out (ready, deliveries in batches, post results,
// stats). It exits when the soak goes away.
import { WhisperNode, type NodeStats } from '../src/node/whisper-node.js'
import { fromHex } from '../src/whisper/bytes.js'

export interface SoakNodeConfig {
  privateKey: string
  /** 0 on the first start; the same port again on a restart (its peers redial that address) */
  port: number
  staticPeers: string[]
  relay: boolean
  roomKey: string
  topic: string
  minPow: number
  verbosity: number
}

export type SoakCommand =
  | { cmd: 'addPeer'; enode: string }
  | { cmd: 'post'; id: string; payloadBytes: number; ttl: number; pow: number }
  | { cmd: 'stats' }
  | { cmd: 'stop' }

/** the node's own counters the soak reports, plus the process's memory and CPU */
export type SoakStats = Pick<NodeStats, 'peers' | 'poolSize' | 'poolBytes' | 'envelopesIn' | 'envelopesOut' | 'envelopesDropped' | 'peersDropped'> & {
  heapUsed: number
  rss: number
  /** CPU time of this process so far, microseconds */
  cpuUser: number
  cpuSystem: number
}

export type SoakEvent =
  | { ev: 'ready'; enode: string; port: number }
  /** message ids with the wall-clock time (ms) each was delivered to the room subscription */
  | { ev: 'delivered'; ids: string[]; at: number[] }
  | { ev: 'posted'; id: string; hash: string; expiry: number; at: number }
  | { ev: 'postFailed'; id: string; error: string }
  | { ev: 'stats'; stats: SoakStats }
  | { ev: 'error'; error: string }

const send = (m: SoakEvent) => {
  if (process.connected) process.send?.(m)
}

async function run(cfg: SoakNodeConfig): Promise<void> {
  const node = new WhisperNode({
    privateKey: fromHex(cfg.privateKey),
    listen: { host: '127.0.0.1', port: cfg.port },
    shhVersions: [6],
    staticPeers: cfg.staticPeers,
    relay: cfg.relay,
    minPow: cfg.minPow,
    sealThreads: 1,
    verbosity: cfg.verbosity,
    logger: (level, msg) => process.stderr.write(`[${level}] ${msg}\n`),
  })
  const topic = fromHex(cfg.topic)
  const roomKey = fromHex(cfg.roomKey)
  let ids: string[] = []
  let at: number[] = []
  let flushTimer: NodeJS.Timeout | null = null
  const flush = () => {
    flushTimer = null
    if (ids.length === 0) return
    send({ ev: 'delivered', ids, at })
    ids = []
    at = []
  }
  await node.start()
  if (!cfg.relay) {
    node.subscribe({ topics: [topic], symKey: roomKey }, (m) => {
      if (m.mine) return
      const text = Buffer.from(m.payload.subarray(0, Math.min(64, m.payload.length))).toString('latin1')
      ids.push(text.slice(0, text.indexOf('|') >>> 0))
      at.push(Date.now())
      flushTimer ??= setTimeout(flush, 20)
    })
  }
  const port = Number(/:(\d+)(\?|$)/.exec(node.enode)?.[1] ?? cfg.port)
  send({ ev: 'ready', enode: node.enode, port })

  process.on('message', (c: SoakCommand) => {
    switch (c.cmd) {
      case 'addPeer':
        node.addPeer(c.enode)
        return
      case 'post': {
        const payload = new Uint8Array(Math.max(c.payloadBytes, c.id.length + 1)).fill(0x2e)
        payload.set(Buffer.from(`${c.id}|`, 'latin1'))
        node.post({ topic, payload, symKey: roomKey, ttl: c.ttl, pow: c.pow, workTime: 10, shh: 6 }).then(
          (r) => send({ ev: 'posted', id: c.id, hash: r.hash, expiry: r.envelopes[0].expiry, at: Date.now() }),
          (e: unknown) => send({ ev: 'postFailed', id: c.id, error: e instanceof Error ? e.message : String(e) }),
        )
        return
      }
      case 'stats': {
        const s = node.stats()
        const mem = process.memoryUsage()
        const cpu = process.cpuUsage()
        send({
          ev: 'stats',
          stats: {
            peers: s.peers, poolSize: s.poolSize, poolBytes: s.poolBytes, envelopesIn: s.envelopesIn, envelopesOut: s.envelopesOut,
            envelopesDropped: s.envelopesDropped, peersDropped: s.peersDropped, heapUsed: mem.heapUsed, rss: mem.rss,
            cpuUser: cpu.user, cpuSystem: cpu.system,
          },
        })
        return
      }
      case 'stop':
        flush()
        void node.stop().finally(() => process.exit(0))
    }
  })
  // the soak is gone (or killed us from its side): leave without a trace
  process.on('disconnect', () => void node.stop().finally(() => process.exit(0)))
}

if (process.send) {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as SoakNodeConfig
  run(cfg).catch((e: unknown) => {
    send({ ev: 'error', error: e instanceof Error ? e.message : String(e) })
    process.exit(1)
  })
}
