// `npm run sim -- --nodes 1000 --degree 6 [--messages K] [--loss p] [--latency ms] [--churn c]
//   [--policy ours|geth|both] [--seed n] [--json] [--plot FILE.svg] [--save FILE.json]`: the network
// simulation (simulate.ts). A table for people, one JSON object with --json; --plot runs both
// policies on the same graph and draws their propagation curves on one chart; --save writes every
// result with its curve (what `npm run figures` draws several network sizes on one chart from).
import { parseArgs } from 'node:util'
import { writeFileSync } from 'node:fs'
import { simulate, type Policy, type SimResult } from './simulate.js'
import { lineChart } from '../bench/plot.js'
import { progressLine } from '../log/progress.js'

const USAGE = 'usage: npm run sim -- --nodes N --degree D [--messages K] [--loss p] [--latency ms] [--churn c] [--policy ours|geth|both] [--seed n] [--json] [--plot FILE.svg] [--save FILE.json]'

function num(v: string | undefined, name: string, dflt: number, ok: (x: number) => boolean): number {
  if (v === undefined) return dflt
  const x = Number(v)
  if (!Number.isFinite(x) || !ok(x)) throw new Error(`--${name}: invalid value ${JSON.stringify(v)}`)
  return x
}

export function formatSim(results: SimResult[]): string {
  const ms = (x: number | null) => (x === null ? 'never' : `${x}`)
  const head = ['policy', 'nodes', 'deg', 'msgs', 'delivered', 'ms to 50%', 'ms to 99%', 'ms to 100%', 'copies/node/msg', 'bytes/node/msg', 'heap/node idle', 'heap/node peak']
  const rows = results.map((r) => [
    r.policy, `${r.nodes}`, `${r.degreeMin}-${r.degreeMax}`, `${r.messages}`, `${(r.deliveredFraction * 100).toFixed(2)}%`,
    ms(r.msTo50), ms(r.msTo99), ms(r.msTo100), `${r.copiesPerNodePerMessage} (${r.copiesMin}-${r.copiesMax})`,
    `${r.bytesPerNodePerMessage}`, `${(r.idleHeapBytesPerNode / 1024).toFixed(0)} KiB`, `${(r.heapBytesPerNode / 1024).toFixed(0)} KiB`,
  ])
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)))
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ')
  const r0 = results[0]
  const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`
  return [
    `simulated time: link latency ${r0.latencyMs} ms (±20%), loss ${r0.loss}, churn ${r0.churn}; processing counts as instant`,
    '', fmt(head), ...rows.map(fmt), '',
    `real cost (not in the times above): ${results.map((r) => `${r.policy} ${(r.wallMs / 1000).toFixed(1)} s wall, ${(r.cpuMs / 1000).toFixed(1)} s CPU (${r.cpuUsPerCopy} µs per copy received)`).join('; ')}; ` +
      `peak RSS ${mb(Math.max(...results.map((r) => r.peakRssBytes)))}, load ${results[0].loadAvg1Start.toFixed(2)} at start, ${results[results.length - 1].loadAvg1End.toFixed(2)} at end`,
  ].join('\n')
}

export function propagationPlot(results: SimResult[]): string {
  const r0 = results[0]
  // one network: the policies name the curves; several sizes on one chart: the size too
  const sizes = new Set(results.map((r) => `${r.nodes}/${r.degree}`))
  const policyName = (r: SimResult) => (r.policy === 'geth' ? 'geth policy (300 ms cycle)' : 'ours (prompt)')
  const name = (r: SimResult) => (sizes.size > 1 ? `${r.nodes.toLocaleString('en-US')} nodes, deg ${r.degree}: ${r.policy === 'geth' ? 'geth 300 ms' : 'ours'}` : policyName(r))
  const net = sizes.size > 1 ? '' : `${r0.nodes} nodes, degree ${r0.degree}, `
  return lineChart(results.map((r) => ({ name: name(r), points: r.curve.map(([t, f]) => [t, f * 100] as [number, number]) })), {
    title: `Propagation: ${net}${r0.latencyMs} ms links${r0.loss ? `, loss ${r0.loss}` : ''}${r0.churn ? `, churn ${r0.churn}` : ''} (simulated time)`,
    xLabel: 'simulated ms after the post',
    yLabel: '% of nodes holding the message',
    yMax: 100,
  })
}

async function main(argv: string[]): Promise<void> {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string' }, degree: { type: 'string' }, messages: { type: 'string' }, loss: { type: 'string' },
      latency: { type: 'string' }, churn: { type: 'string' }, policy: { type: 'string' }, seed: { type: 'string' },
      json: { type: 'boolean' }, plot: { type: 'string' }, save: { type: 'string' }, help: { type: 'boolean' },
    },
  })
  if (v.help) {
    process.stdout.write(USAGE + '\n')
    return
  }
  const nodes = num(v.nodes, 'nodes', 100, (x) => Number.isInteger(x) && x >= 2)
  const opts = {
    nodes,
    degree: num(v.degree, 'degree', 6, (x) => Number.isInteger(x) && x >= 1 && x < nodes),
    messages: num(v.messages, 'messages', 5, (x) => Number.isInteger(x) && x >= 1),
    loss: num(v.loss, 'loss', 0, (x) => x >= 0 && x < 1),
    latencyMs: num(v.latency, 'latency', 50, (x) => x >= 0),
    churn: num(v.churn, 'churn', 0, (x) => x >= 0 && x < 1),
    seed: num(v.seed, 'seed', 1, (x) => Number.isInteger(x)),
  }
  const policy = v.policy ?? (v.plot ? 'both' : 'ours')
  if (!['ours', 'geth', 'both'].includes(policy)) throw new Error(`--policy: ours, geth or both, got ${JSON.stringify(policy)}`)
  const policies: Policy[] = policy === 'both' ? ['ours', 'geth'] : [policy as Policy]
  // without a terminal only the completed steps are said
  const line = progressLine(process.stderr, 'sim: ', () => false)
  const progress = (text: string, final: boolean) => line.say(text, final)
  const results: SimResult[] = []
  try {
    for (const p of policies) results.push(await simulate({ ...opts, policy: p, progress }))
  } finally {
    line.end()
  }
  if (v.plot) {
    writeFileSync(v.plot, propagationPlot(results))
    process.stderr.write(`sim: propagation chart written to ${v.plot}\n`)
  }
  if (v.save) writeFileSync(v.save, JSON.stringify(results) + '\n')
  if (v.json) {
    const strip = ({ curve: _c, ...r }: SimResult) => r
    process.stdout.write(JSON.stringify(results.length === 1 ? strip(results[0]) : Object.fromEntries(results.map((r) => [r.policy, strip(r)]))) + '\n')
  } else process.stdout.write(formatSim(results) + '\n')
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*\/dist\//, '/dist/'))) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`sim: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`)
    process.exitCode = 2
  })
}
