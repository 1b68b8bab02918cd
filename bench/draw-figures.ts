// npm run figures -- [--only sim,relay,wnode] [--out docs] [--max-load N] [--force] [--wnode PATH] [--small]
// Redraws every chart in docs/ from fresh runs, each stamped with the date and the 1-minute load
// average at the start and end of its measurement (bench/stamp.ts):
//   sim-propagation.svg     `npm run sim` on 1,000 nodes (degree 6) and 10,000 nodes (degree 8), both policies
//   relay-latency-ours.svg  `p2pmessage bench relay --rate max` against `p2pmessage relay --shh 6` on loopback
//   relay-latency-wnode.svg the same against geth's wnode (--wnode PATH), both inside a loopback-only
//                           network namespace this script makes (unshare -rn); without --wnode it is left as it is
// The relay parts run first: their latencies are the ones the load moves. Before each part the load is checked: above --max-load (default: the number of cores) it refuses,
// unless --force, which warns and says so on the stamp. --small runs tiny networks and a short relay
// run (the tests use it to check the plumbing). The tables of every run go to stdout, for the docs.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadGate, stampSvg, type Stamp } from './stamp.js'
import { propagationPlot } from '../src/sim/main.js'
import type { SimResult } from '../src/sim/simulate.js'

const ROOT = resolve(import.meta.dirname, '../..')
const BIN = join(ROOT, 'bin/p2pmessage')
const SIM = join(ROOT, 'dist/src/sim/main.js')
const SELF = join(ROOT, 'dist/bench/draw-figures.js')
const PARTS = ['sim', 'relay', 'wnode'] as const
type Part = (typeof PARTS)[number]
const USAGE = 'usage: npm run figures -- [--only sim,relay,wnode] [--out docs] [--max-load N] [--force] [--wnode PATH] [--small]'

interface Run {
  out: string
  small: boolean
  maxLoad: number
  force: boolean
}

class RefusedError extends Error {}

/** Runs a child to its end; its stderr (progress) passes through, its stdout is returned. */
function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (code === 0) resolvePromise(out)
      else reject(new Error(`${args.slice(0, 3).join(' ')} ... ended with ${signal ?? `exit ${code}`}`))
    })
  })
}

/** Starts a node process, resolves with it and the enode URL it prints on stdout. */
function startNode(cmd: string, args: string[], keepStdinOpen: boolean): Promise<{ kill: () => Promise<void>; enode: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    if (!keepStdinOpen) child.stdin.end()
    let seen = ''
    let err = ''
    const exited = new Promise<void>((r) => child.once('close', () => r()))
    const kill = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    }
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      seen += d
      const m = /enode:\/\/[0-9a-f]{128}@[0-9.]+:\d+/.exec(seen)
      if (m) {
        child.stdout.removeAllListeners('data')
        child.stdout.resume()
        resolvePromise({ kill, enode: m[0] })
      }
    })
    child.on('error', reject)
    void exited.then(() => reject(new Error(`${cmd} ended before printing its enode: ${(err || seen).trim().split('\n').pop() ?? ''}`)))
  })
}

function gate(part: Part, r: Run): boolean {
  const v = loadGate(r.maxLoad, r.force)
  if (!v.ok) throw new RefusedError(`figures: ${part}: ${v.message}`)
  if (v.message) process.stderr.write(`\n*** figures: ${part}: ${v.message} ***\n\n`)
  return v.message !== null
}

async function measured<T>(forced: boolean, fn: () => Promise<T>): Promise<{ value: T; stamp: Stamp }> {
  const loadStart = loadavg()[0]
  const value = await fn()
  return { value, stamp: { date: new Date(), loadStart, loadEnd: loadavg()[0], cores: availableParallelism(), forced } }
}

async function drawSim(r: Run, tmp: string): Promise<void> {
  const forced = gate('sim', r)
  const nets = r.small ? [{ nodes: 30, degree: 4 }, { nodes: 60, degree: 4 }] : [{ nodes: 1000, degree: 6 }, { nodes: 10000, degree: 8 }]
  const { value: results, stamp } = await measured(forced, async () => {
    const all: SimResult[] = []
    for (const n of nets) {
      const save = join(tmp, `sim-${n.nodes}.json`)
      const args = ['--expose-gc', '--max-semi-space-size=64', SIM, '--nodes', `${n.nodes}`, '--degree', `${n.degree}`, '--messages', '5', '--policy', 'both', '--seed', '1', '--save', save]
      const table = await run(process.execPath, args)
      process.stdout.write(`== npm run sim -- ${args.slice(3, -2).join(' ')}\n${table}\n`)
      all.push(...(JSON.parse(readFileSync(save, 'utf8')) as SimResult[]))
    }
    return all
  })
  write(r, 'sim-propagation.svg', stampSvg(propagationPlot(results), stamp))
}

/** `bench relay` against an enode; its --plot chart is stamped into `file`. */
async function benchRelay(r: Run, tmp: string, enode: string, file: string, forced: boolean): Promise<void> {
  const plot = join(tmp, file)
  const rate = r.small ? ['--rate', '100', '--duration', '1', '--drain', '1'] : ['--rate', 'max']
  const args = [BIN, 'bench', 'relay', enode, '--senders', '4', '--receivers', '4', '--size', '256', ...rate, '--plot', plot]
  const { value: table, stamp } = await measured(forced, () => run(process.execPath, args))
  process.stdout.write(`== p2pmessage bench relay ${args.slice(3).join(' ').replace(plot, file)}\n${table}\n`)
  write(r, file, stampSvg(readFileSync(plot, 'utf8'), stamp))
}

async function drawRelay(r: Run, tmp: string): Promise<void> {
  const forced = gate('relay', r)
  const relay = await startNode(process.execPath, [BIN, 'relay', '--shh', '6', '--listen', '127.0.0.1:0', '--bootnodes', 'none', '--status', '0', '--verbosity', '1'], false)
  try {
    await benchRelay(r, tmp, relay.enode, 'relay-latency-ours.svg', forced)
  } finally {
    await relay.kill()
  }
}

/** Inside the network namespace (see main): loopback up, wnode, the generator beside it. */
async function drawWnodeInside(r: Run, tmp: string, wnode: string): Promise<void> {
  const up = spawnSync('ip', ['link', 'set', 'lo', 'up'], { encoding: 'utf8' })
  if (up.status !== 0) throw new Error(`ip link set lo up: ${up.stderr.trim() || `exit ${up.status}`}`)
  const forced = gate('wnode', r)
  // wnode reads commands from stdin and quits at its end: the pipe stays open while it runs
  const node = await startNode(wnode, ['-forwarder', '-standalone', '-ip', '127.0.0.1:30399'], true)
  try {
    await benchRelay(r, tmp, node.enode, 'relay-latency-wnode.svg', forced)
  } finally {
    await node.kill()
  }
}

function write(r: Run, file: string, svg: string): void {
  writeFileSync(join(r.out, file), svg)
  process.stderr.write(`figures: ${join(r.out, file)} written\n`)
}

async function main(argv: string[]): Promise<void> {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' }, out: { type: 'string' }, 'max-load': { type: 'string' }, force: { type: 'boolean' },
      wnode: { type: 'string' }, small: { type: 'boolean' }, 'netns-wnode': { type: 'boolean' }, help: { type: 'boolean' },
    },
  })
  if (v.help) return void process.stdout.write(USAGE + '\n')
  const only = (v.only ?? PARTS.join(',')).split(',').map((s) => s.trim())
  const bad = only.find((p) => !(PARTS as readonly string[]).includes(p))
  if (bad !== undefined) throw new Error(`--only: sim, relay or wnode, got ${JSON.stringify(bad)}`)
  const maxLoad = v['max-load'] === undefined ? availableParallelism() : Number(v['max-load'])
  if (!Number.isFinite(maxLoad)) throw new Error(`--max-load: a number, got ${JSON.stringify(v['max-load'])}`)
  const r: Run = { out: resolve(v.out ?? join(ROOT, 'docs')), small: v.small ?? false, maxLoad, force: v.force ?? false }
  const tmp = mkdtempSync(join(tmpdir(), 'figures-'))
  try {
    if (v['netns-wnode']) return await drawWnodeInside(r, tmp, v.wnode!)
    if (only.includes('relay')) await drawRelay(r, tmp)
    if (only.includes('wnode')) {
      if (v.wnode === undefined) {
        process.stderr.write('figures: wnode: skipped (no --wnode PATH): relay-latency-wnode.svg left as it was\n')
      } else {
        // this script again, in a user and network namespace of its own: wnode and the generator see only loopback
        const args = ['-rn', process.execPath, SELF, '--netns-wnode', '--wnode', resolve(v.wnode), '--out', r.out, '--max-load', `${maxLoad}`]
        if (r.force) args.push('--force')
        if (r.small) args.push('--small')
        process.stdout.write(await run('unshare', args))
      }
    }
    // last: its times are simulated and do not move with the load its own run adds
    if (only.includes('sim')) await drawSim(r, tmp)
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const refused = err instanceof RefusedError
  process.stderr.write(`${refused ? '' : 'figures: '}${err instanceof Error ? err.message : String(err)}\n${refused ? '' : USAGE + '\n'}`)
  process.exitCode = 2
})
