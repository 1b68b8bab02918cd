// The mail-request attack of issue 25, against the built CLI: a mail server (`p2pmessage mailserver`,
// its own process) with a large archive, a good pair of chat peers exchanging room messages through it
// (good-peer.ts, one worker each), and N attacking shh/5 peers that ask for a topic nothing matches
// over the whole range 0..2^32: a burst of 5 requests, then one a second each. Reports the good pair's
// loss and latency per direction; run it with --attackers 0 for the baseline.
//
//   node dist/bench/mail-attack.js fill <datadir> [rows=150000]     archive of shh/5 envelopes (~1.6 KB each)
//   node dist/bench/mail-attack.js run --cli <bin/p2pmessage> --datadir <dir> [--attackers 12] [--seconds 30]
//       [--interval 200] [--fresh] [--idle] [--port 0]
// --fresh seals a new request with a new topic each time (no two alike); by default each attacker
// resends one sealed request, as the issue measured. --idle connects the attackers but sends nothing:
// what their mere presence (and this process's own CPU on a shared machine) costs the good pair.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { createInterface } from 'node:readline'
import { Worker } from 'node:worker_threads'
import { Archive } from '../src/node/archive.js'
import { WhisperNode } from '../src/node/whisper-node.js'
import { envelopeHash, type Envelope } from '../src/whisper/envelope.js'
import { encodeMailRequestPayload } from '../src/whisper/mailrequest.js'
import { symKeyFromPassword } from '../src/whisper/crypto.js'
import { toHex } from '../src/whisper/bytes.js'
import { benchScript } from '../src/bench/scripts.js'
import { percentile } from '../src/bench/stats.js'
import { WorkerLink } from './flood-run.js'
import type { GoodPeerConfig, GoodPeerEvent } from './good-peer.js'

const PASSWORD = 'attack-pw'
const POW = 0.01
const args = process.argv.slice(2)
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : dflt
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ')

async function fill(dir: string, rows: number): Promise<void> {
  const archive = await Archive.open({ dir })
  const now = Math.floor(Date.now() / 1000)
  const start = now - 7 * 24 * 3600
  for (let i = 0; i < rows; i++) {
    const sent = start + Math.floor((i * 7 * 24 * 3600) / rows)
    const env: Envelope = {
      shh: 5, version: Uint8Array.of(0), expiry: sent + 60, ttl: 60, topic: Uint8Array.of(0xaa, 0xbb, i & 0xff, 0),
      aesNonce: new Uint8Array(randomBytes(12)), data: new Uint8Array(randomBytes(1500)), nonce: BigInt(i),
    }
    archive.add(env, envelopeHash(env))
    if (i % 10_000 === 9_999) process.stderr.write(`fill: ${i + 1}/${rows}\n`)
  }
  archive.close()
  const a = await Archive.open({ dir })
  process.stdout.write(`archive ${a.file}: ${JSON.stringify(a.stats())}\n`)
  a.close()
}

async function startServer(cli: string, dir: string, port: number): Promise<{ child: ChildProcess; enode: string; status: string[] }> {
  const child = spawn(cli, ['mailserver', '--password', PASSWORD, '--datadir', dir, '--listen', `127.0.0.1:${port}`, '--bootnodes', 'none',
    '--shh', 'both', '--pow', String(POW), '--status', '5', '--verbosity', '2', '--max-peers', '100'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const status: string[] = []
  const enode = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! })
    rl.on('line', (l) => {
      if (l.startsWith('enode://')) resolve(l.trim())
      if (l.includes('status')) status.push(l)
      if (process.env.ATTACK_DEBUG) process.stderr.write(`server: ${l}\n`)
    })
    child.once('exit', (code) => reject(new Error(`mail server exited (${code}) before it printed its enode`)))
  })
  return { child, enode, status }
}

interface Direction { posted: number; got: number; lost: number; p50: number; p95: number }

function direction(posted: Map<string, number>, got: Map<string, number>): Direction {
  const lat: number[] = []
  for (const [id, at] of posted) {
    const g = got.get(id)
    if (g !== undefined) lat.push(g - at)
  }
  return { posted: posted.size, got: lat.length, lost: posted.size - lat.length, p50: percentile(lat, 50), p95: percentile(lat, 95) }
}

/** An attacking peer, connected; `go` starts its requests (all connect first: a stalled server accepts nobody late). */
async function attacker(enode: string, fresh: boolean, stop: { done: boolean }, counts: { sent: number }): Promise<{ node: WhisperNode; go: () => void }> {
  const node = new WhisperNode({ shhVersions: [5], minPow: POW, staticPeers: [enode], sealThreads: 1, verbosity: 0, logger: () => {} })
  await node.start()
  await node.waitForPeer(60_000)
  const serverId = enode.slice('enode://'.length, enode.indexOf('@'))
  const seal = () => node.wrap({
    shh: 5, topic: new Uint8Array(4), symKey: symKeyFromPassword(PASSWORD), src: node.privateKey, ttl: 50, pow: POW * 2, workTime: 5,
    payload: encodeMailRequestPayload(5, { lower: 0, upper: 2 ** 32 - 1, topic: new Uint8Array(randomBytes(4)) }),
  })
  let sealed = await seal()
  const go = () => void (async () => {
    for (let k = 0; !stop.done; k++) {
      if (fresh && k > 0) sealed = await seal()
      try {
        node.requestHistory(serverId, sealed)
        counts.sent++
      } catch {
        // dropped by a stalled server: the static peer is redialled, the next request goes then
      }
      if (k >= 4) await sleep(1000)
    }
  })()
  return { node, go }
}

async function run(): Promise<void> {
  const cli = opt('cli', 'bin/p2pmessage')
  const dir = opt('datadir', '')
  if (!dir) throw new Error('run needs --datadir (make one with: fill <datadir>)')
  const attackers = Number(opt('attackers', '12'))
  const seconds = Number(opt('seconds', '30'))
  const intervalMs = Number(opt('interval', '200'))
  const fresh = args.includes('--fresh')
  const idle = args.includes('--idle')
  const server = await startServer(cli, dir, Number(opt('port', '0')))
  const topic = toHex(randomBytes(4))
  const key = toHex(randomBytes(32))
  const posted = [new Map<string, number>(), new Map<string, number>()]
  const got = [new Map<string, number>(), new Map<string, number>()]
  const goods = [0, 1].map((side) => {
    const cfg: GoodPeerConfig = { enode: server.enode, topic, key, intervalMs, minPow: POW }
    return new WorkerLink<GoodPeerEvent>(new Worker(benchScript('good-peer', import.meta.url), { workerData: cfg }), (e) => {
      if (e.ev === 'posted') posted[side].set(e.id, e.at)
      else if (e.ev === 'got') got[side].set(e.id, e.at)
    })
  })
  const stop = { done: false }
  const counts = { sent: 0 }
  const nodes: WhisperNode[] = []
  try {
    for (const g of goods) await g.next('ready', 60_000)
    const atk = await Promise.all(Array.from({ length: attackers }, () => attacker(server.enode, fresh, stop, counts)))
    nodes.push(...atk.map((a) => a.node))
    for (const g of goods) g.worker.postMessage({ cmd: 'go' })
    if (!idle) for (const a of atk) a.go()
    await sleep(seconds * 1000)
    for (const g of goods) g.worker.postMessage({ cmd: 'pause' })
    const loadAt = load()
    stop.done = true
    await sleep(15_000) // late messages still count, as delivered late
    const ab = direction(posted[0], got[1])
    const ba = direction(posted[1], got[0])
    const all = [...posted[0]].map(([id, at]) => (got[1].get(id) ?? NaN) - at).concat([...posted[1]].map(([id, at]) => (got[0].get(id) ?? NaN) - at)).filter((x) => !Number.isNaN(x))
    process.stdout.write(`mail attack: ${attackers} attackers (${idle ? 'connected, idle' : fresh ? 'fresh requests' : 'one sealed request resent'}, ${counts.sent} sent), ${seconds} s, good pair every ${intervalMs} ms, load ${loadAt}\n`)
    process.stdout.write(`  A->B lost ${ab.lost}/${ab.posted}  p50 ${ab.p50.toFixed(0)} ms  p95 ${ab.p95.toFixed(0)} ms\n`)
    process.stdout.write(`  B->A lost ${ba.lost}/${ba.posted}  p50 ${ba.p50.toFixed(0)} ms  p95 ${ba.p95.toFixed(0)} ms\n`)
    process.stdout.write(`  both  p95 ${percentile(all, 95).toFixed(0)} ms\n`)
    process.stdout.write(`  server: ${server.status.at(-1) ?? '(no status line)'} (${server.status.length} status lines, one per 5 s)\n`)
  } finally {
    stop.done = true
    await Promise.all(nodes.map((n) => n.stop()))
    await Promise.all(goods.map((g) => g.stop({ cmd: 'stop' })))
    const exited = new Promise((r) => server.child.once('exit', r))
    server.child.kill('SIGTERM')
    // a server still stalled by requests does not get to its SIGTERM handler
    const t = setTimeout(() => server.child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(t)
  }
}

const mode = args[0]
if (mode === 'fill') await fill(args[1], Number(args[2] ?? 150_000))
else if (mode === 'run') await run()
else {
  process.stderr.write('usage: mail-attack.js fill <datadir> [rows] | run --cli <bin/p2pmessage> --datadir <dir> [--attackers 12] [--seconds 30] [--fresh]\n')
  process.exit(2)
}
