// npm run flood [-- --seconds 10 --kinds unique,duplicate,lowpow,expired --json]
// One peer floods a node while a good peer and the node exchange a message every 100 ms both ways;
// each kind of flood runs with the node's per-peer limits on and off (off = geth's behaviour).
import { formatFlood, runFlood, type FloodReport } from './flood-run.js'
import type { FloodKind } from './flooder.js'

const args = process.argv.slice(2)
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}
const seconds = Number(opt('seconds') ?? 10)
const kinds = (opt('kinds') ?? 'unique,duplicate,lowpow,expired').split(',') as FloodKind[]
const json = args.includes('--json')
const reports: FloodReport[] = []
for (const kind of kinds) {
  for (const limits of [true, false]) {
    if (!json) process.stderr.write(`flood: ${kind}, limits ${limits ? 'on' : 'off'}\n`)
    reports.push(await runFlood({ kind, seconds, limits: limits ? undefined : false }))
  }
}
process.stdout.write(json ? JSON.stringify(reports) + '\n' : formatFlood(reports) + '\n')
