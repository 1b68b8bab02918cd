// `p2pmessage bench relay <enode>`: the relay load generator (src/bench/relay-load.ts) against any
// Whisper node. Progress goes to stderr, the table or the JSON object to stdout.
import type { Command } from 'commander'
import { writeFileSync } from 'node:fs'
// the load generator's modules load when the command runs, not with every other command
import { CliError } from './errors.js'
import { shhOnlyProtocols } from './options.js'
import { cliIo } from './io.js'
import { progressLine } from '../log/progress.js'

interface Flags {
  senders: string; receivers: string; rate: string; duration?: string; size: string; shh?: string; protocols?: string; pow?: string
  drain: string; json?: boolean; plot?: string; threads?: string
}

function int(v: string, name: string, min: number): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < min) throw new CliError(`bench relay: --${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`)
  return n
}

function pos(v: string, name: string): number {
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`bench relay: --${name} must be a positive number, got ${JSON.stringify(v)}`)
  return n
}

export function registerBenchRelay(bench: Command): void {
  bench
    .command('relay')
    .description('load-test any Whisper node: N senders and M receivers over RLPx, delivered/lost/duplicated envelopes and latency')
    .argument('<enode>', 'the node under test (enode://id@host:port)')
    .option('--senders <n>', 'sender connections, each with its own node key', '4')
    .option('--receivers <n>', 'receiver connections, each with its own node key', '4')
    .option('--rate <r|max>', "envelopes per second, all senders together; 'max' ramps up (doubling) to the highest rate with nothing lost and p99 < 1 s", '100')
    .option('--duration <s>', 'seconds of sending (per ramp step with --rate max; default 10, 2 with max)')
    .option('--size <bytes>', 'payload bytes per envelope', '256')
    .option('--shh <5|6>', "protocol version (default: the highest the target offers, as probe finds it)")
    .option('--protocols <shh/5|shh/6>', 'the same, as --protocols spells it (no Waku load yet)')
    .option('--pow <p>', "PoW to seal at (at least the target's announced minimum); default 0.2")
    .option('--drain <s>', 'seconds to wait for stragglers after sending', '3')
    .option('--threads <n>', 'sealing threads (default: all cores)')
    .option('--json', 'print one JSON object instead of the table')
    .option('--plot <file.svg>', 'write the latency distribution of each rate as an SVG chart')
    .action(async (enode: string, f: Flags) => {
      const choice = shhOnlyProtocols({ protocols: f.protocols, shh: f.protocols === undefined ? undefined : f.shh }, 'bench relay')
      if (choice === 'both') throw new CliError('bench relay: --protocols names one version here (shh/5 or shh/6)')
      const shh = choice !== undefined ? choice : f.shh === undefined ? undefined : f.shh === '5' ? 5 : f.shh === '6' ? 6 : null
      if (shh === null) throw new CliError(`bench relay: --shh must be 5 or 6, got ${JSON.stringify(f.shh)}`)
      const rate = f.rate === 'max' ? 'max' : pos(f.rate, 'rate')
      let pow: number | undefined
      if (f.pow !== undefined) {
        pow = Number(f.pow)
        if (!Number.isFinite(pow) || pow < 0) throw new CliError(`bench relay: --pow must be a number >= 0, got ${JSON.stringify(f.pow)}`)
      }
      // without a terminal, the sealing count is said once it is done
      const line = progressLine(cliIo().stderr, 'bench relay: ', (text) => !text.startsWith('sealing'))
      const progress = (text: string, final: boolean) => line.say(text, final)
      const { runRelayLoad } = await import('../bench/relay-load.js')
      const { formatRelayReport, summarize } = await import('../bench/relay-report.js')
      const { latencyPlot } = await import('../bench/plot.js')
      let report
      try {
        report = await runRelayLoad({
          enode, rate, pow, shh,
          senders: int(f.senders, 'senders', 1),
          receivers: int(f.receivers, 'receivers', 1),
          durationS: f.duration === undefined ? undefined : pos(f.duration, 'duration'),
          payloadBytes: int(f.size, 'size', 1),
          drainS: pos(f.drain, 'drain'),
          threads: f.threads === undefined ? undefined : int(f.threads, 'threads', 1),
          progress,
        })
      } catch (e) {
        if (e instanceof CliError) throw e
        throw new CliError(`bench relay: ${e instanceof Error ? e.message : String(e)}`)
      } finally {
        line.end()
      }
      if (f.plot) {
        writeFileSync(f.plot, latencyPlot(report))
        cliIo().stderr.write(`bench relay: latency chart written to ${f.plot}\n`)
      }
      cliIo().stdout.write(f.json ? JSON.stringify(summarize(report)) + '\n' : formatRelayReport(report) + '\n')
    })
}

/** `p2pmessage bench sink`: the least a relay can do, to measure the load generator's own ceiling. */
export function registerBenchSink(bench: Command): void {
  bench
    .command('sink')
    .description("a do-nothing relay (passes packets on unchecked, keeps nothing): run 'bench relay' against it to measure the generator's own ceiling")
    .option('--listen <host:port>', 'listening address', '127.0.0.1:0')
    .option('--shh <5|6>', 'protocol version', '6')
    .action(async (f: { listen: string; shh: string }) => {
      const m = /^(.*):(\d+)$/.exec(f.listen)
      if (!m) throw new CliError(`bench sink: --listen wants host:port, got ${JSON.stringify(f.listen)}`)
      const shh = f.shh === '5' ? 5 : f.shh === '6' ? 6 : null
      if (shh === null) throw new CliError(`bench sink: --shh must be 5 or 6, got ${JSON.stringify(f.shh)}`)
      const { startSink } = await import('../bench/relay-sink.js')
      let sink
      try {
        sink = await startSink({ listen: { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) }, shh })
      } catch (e) {
        throw new CliError(`bench sink: ${e instanceof Error ? e.message : String(e)}`)
      }
      cliIo().stdout.write(sink.enode + '\n')
      await new Promise<void>((resolve) => {
        const done = () => resolve()
        process.once('SIGINT', done)
        process.once('SIGTERM', done)
      })
      const s = sink.stats()
      cliIo().stderr.write(`bench sink: ${s.envelopesIn} envelopes in, ${s.envelopesOut} out\n`)
      await sink.stop()
    })
}
