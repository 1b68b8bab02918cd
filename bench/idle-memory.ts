// npm run bench:memory [-- --peers 50 --settle 5 --json]
// Idle memory of the built CLI, as the kernel counts it (/proc/<pid>/status: VmRSS = RssAnon + RssFile,
// Threads), beside the floor of a bare `node -e 'setTimeout(()=>{},1e6)'`:
//   1. an idle `relay --bootnodes none` on 127.0.0.1, no peer;
//   2. an idle chat connected to it (and the relay with that one peer);
//   3. the relay with 10, then --peers idle RLPx/shh peers (opened from this process, one node key each):
//      the RSS per connected idle peer is the slope between the two.
// Each figure is read --settle seconds after its stage is reached (a benchmark may wait on the clock;
// the tests do not). Everything runs on loopback and every process it starts is stopped before it exits.
// Figures are in MB (10^6 bytes) and printed with the load average: a loaded machine swaps nothing here,
// but the figures are only comparable within one run (docs/memory.md).
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { once } from 'node:events'
import { ProbeConnection } from '../src/p2p/probe-connection.js'
import { parseEnode } from '../src/p2p/enode.js'
import { generateNodeKey } from '../src/p2p/nodekey.js'

const ROOT = resolve(import.meta.dirname, '../..')
const BIN = join(ROOT, 'bin/p2pmessage')

const args = process.argv.slice(2)
const num = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`)
  if (i < 0) return dflt
  const v = Number(args[i + 1])
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a non-negative number`)
  return v
}
const PEERS = Math.max(11, Math.floor(num('peers', 50)))
const SETTLE_MS = num('settle', 5) * 1000
const json = args.includes('--json')
const say = (line: string) => { if (!json) process.stderr.write(`idle-memory: ${line}\n`) }

interface Sample { rssMB: number; anonMB: number; fileMB: number; threads: number }

function sample(pid: number): Sample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN)
  const mb = (k: number) => Math.round(k * 1.024) / 1000
  return { rssMB: mb(kb('VmRSS')), anonMB: mb(kb('RssAnon')), fileMB: mb(kb('RssFile')), threads: kb('Threads') }
}

const children: ChildProcess[] = []
function start(argv: string[]): { child: ChildProcess; lines: string[]; waitLine: (re: RegExp) => Promise<string> } {
  const child = spawn(process.execPath, argv, { stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT })
  children.push(child)
  const lines: string[] = []
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = []
  let buf = ''
  const onData = (d: Buffer) => {
    buf += d.toString()
    let nl: number
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      lines.push(line)
      for (const w of waiters.splice(0)) {
        if (w.re.test(line)) w.resolve(line)
        else waiters.push(w)
      }
    }
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const waitLine = (re: RegExp) => {
    const seen = lines.find((l) => re.test(l))
    if (seen !== undefined) return Promise.resolve(seen)
    return new Promise<string>((res, rej) => {
      waiters.push({ re, resolve: res })
      child.once('exit', (code) => rej(new Error(`${argv.slice(1, 3).join(' ')} exited (${code}) before printing ${re}:\n${lines.join('\n')}`)))
    })
  }
  return { child, lines, waitLine }
}

const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS))
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  await exited
}

const figures: Record<string, Sample> = {}
const conns: ProbeConnection[] = []
try {
  say('bare node')
  const bare = start(['-e', 'setTimeout(()=>{},1e6)'])
  await settle()
  figures['node -e setTimeout (floor)'] = sample(bare.child.pid!)
  await stop(bare.child)

  say('idle relay')
  const relay = start([BIN, 'relay', '--bootnodes', 'none', '--listen', '127.0.0.1:0', '--status', '0'])
  const enode = await relay.waitLine(/^enode:\/\//)
  await settle()
  figures['relay, no peer'] = sample(relay.child.pid!)

  say('idle chat connected to the relay')
  const chat = start([BIN, 'chat', '--bootnodes', 'none', '--enode', enode, '--verbosity', '1'])
  await relay.waitLine(/peer joined/)
  await settle()
  figures['chat, 1 peer (the relay)'] = sample(chat.child.pid!)
  figures['relay, 1 peer (the chat)'] = sample(relay.child.pid!)
  await stop(chat.child)
  await relay.waitLine(/peer left/)

  const target = parseEnode(enode)
  const connect = async (n: number) => {
    while (conns.length < n) {
      const conn = await ProbeConnection.open({ target, privateKey: generateNodeKey(), shhVersions: [5] })
      conns.push(conn)
      await conn.shh
    }
  }
  say('relay with 10 idle peers')
  await connect(10)
  await settle()
  figures['relay, 10 idle peers'] = sample(relay.child.pid!)
  say(`relay with ${PEERS} idle peers`)
  await connect(PEERS)
  await settle()
  figures[`relay, ${PEERS} idle peers`] = sample(relay.child.pid!)
  const perPeerMB = (figures[`relay, ${PEERS} idle peers`].rssMB - figures['relay, 10 idle peers'].rssMB) / (PEERS - 10)
  const load = loadavg().map((l) => l.toFixed(2)).join(' ')
  if (json) {
    process.stdout.write(JSON.stringify({ figures, perPeerMB, load, date: new Date().toISOString(), node: process.version }) + '\n')
  } else {
    const rows = Object.entries(figures).map(([name, s]) =>
      `${name.padEnd(28)} ${s.rssMB.toFixed(1).padStart(6)} ${s.anonMB.toFixed(1).padStart(6)} ${s.fileMB.toFixed(1).padStart(6)} ${String(s.threads).padStart(7)}`)
    process.stdout.write([
      `idle memory, ${new Date().toISOString()}, node ${process.version}, load ${load}`,
      `${'process'.padEnd(28)} ${'RSS MB'.padStart(6)} ${'anon'.padStart(6)} ${'file'.padStart(6)} ${'threads'.padStart(7)}`,
      ...rows,
      `RSS per idle peer (10 -> ${PEERS} peers): ${(perPeerMB * 1000).toFixed(0)} kB`,
    ].join('\n') + '\n')
  }
} finally {
  for (const c of conns) c.close()
  await Promise.all(children.map(stop))
}
