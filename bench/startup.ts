// npm run bench:startup [-- --runs 5 --json]
// How long `p2pmessage --version` and `p2pmessage --help` take from exec to exit (median of --runs),
// beside `node -e 0` (the floor: node's own start-up on this machine) and a command that loads its
// module (`keygen --help`). Targets: --version under 150 ms, --help under 250 ms. The load average is
// printed with the figures: on a busy machine every figure, the floor included, grows.
// NODE_EXTRA_CA_CERTS makes node parse that certificate file at every start, before any of our code
// (about 70 ms of CPU for a system bundle): when it is set, the cases also run without it.
import { spawnSync } from 'node:child_process'
import { loadavg } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '../..')
const BIN = join(ROOT, 'bin/p2pmessage')

const args = process.argv.slice(2)
const runsArg = args.indexOf('--runs')
const runs = runsArg >= 0 ? Math.max(1, Number(args[runsArg + 1]) || 5) : 5
const json = args.includes('--json')

interface Case {
  name: string
  argv: string[]
  targetMs?: number
}

const CASES: Case[] = [
  { name: 'node -e 0', argv: ['-e', '0'] },
  { name: 'p2pmessage --version', argv: [BIN, '--version'], targetMs: 150 },
  { name: 'p2pmessage --help', argv: [BIN, '--help'], targetMs: 250 },
  { name: 'p2pmessage keygen --help', argv: [BIN, 'keygen', '--help'] },
]

function timeOnce(argv: string[], env: NodeJS.ProcessEnv): number {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr.toString()}`)
  return ms
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const envs: { label: string; env: NodeJS.ProcessEnv }[] = [{ label: '', env: process.env }]
if (process.env.NODE_EXTRA_CA_CERTS) {
  const { NODE_EXTRA_CA_CERTS: _, ...without } = process.env
  envs.push({ label: ' (no NODE_EXTRA_CA_CERTS)', env: without })
}

const load = loadavg()
// one untimed run each first: the file cache, not the program, would otherwise be measured
for (const c of CASES) timeOnce(c.argv, process.env)
const results = envs.flatMap(({ label, env }) => CASES.map((c) => {
  const times: number[] = []
  for (let i = 0; i < runs; i++) times.push(timeOnce(c.argv, env))
  const med = median(times)
  return { name: c.name + label, medianMs: Math.round(med), runsMs: times.map((t) => Math.round(t)), targetMs: c.targetMs, ok: c.targetMs === undefined ? undefined : med < c.targetMs }
}))
const loadAfter = loadavg()

if (json) {
  process.stdout.write(JSON.stringify({ runs, loadBefore: load, loadAfter, results }, null, 2) + '\n')
} else {
  process.stdout.write(`start-up, median of ${runs} (load average ${load.map((l) => l.toFixed(2)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(2)).join(' ')} after)\n`)
  for (const r of results) {
    const target = r.targetMs === undefined ? '' : `  target < ${r.targetMs} ms: ${r.ok ? 'ok' : 'MISSED'}`
    process.stdout.write(`  ${r.name.padEnd(52)} ${String(r.medianMs).padStart(5)} ms  (${r.runsMs.join(', ')})${target}\n`)
  }
}
if (results.some((r) => r.ok === false)) process.exitCode = 1
