// npm run soak [-- --nodes 10 --senders 3 --messages 10000 --rate 100 --ttl 30 --payload 200 --pow 0.05
//                  --kill-every 4000 --grace 3000 --seed 1 --json]
// Nodes in separate processes on loopback, a random mesh around a relay, senders posting while other
// nodes are killed (SIGKILL) and restarted; reports lost and twice-delivered messages, memory, CPU.
// Exit status 1 when a message was lost or delivered twice.
import { formatSoak, runSoak, type SoakOptions } from './soak-run.js'

const args = process.argv.slice(2)
const num = (name: string): number | undefined => {
  const i = args.indexOf(`--${name}`)
  if (i < 0) return undefined
  const v = Number(args[i + 1])
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`)
  return v
}
const json = args.includes('--json')
const opts: SoakOptions = {
  nodes: num('nodes'), senders: num('senders'), messages: num('messages'), rate: num('rate'), ttl: num('ttl'),
  payloadBytes: num('payload'), pow: num('pow'), killEveryMs: num('kill-every'), seed: num('seed'), graceMs: num('grace'),
  progress: json ? undefined : (line) => process.stderr.write(`soak: ${line}\n`),
}
const report = await runSoak(opts)
process.stdout.write(json ? JSON.stringify(report) + '\n' : formatSoak(report) + '\n')
if (report.lost > 0 || report.deliveredTwice > 0) process.exitCode = 1
