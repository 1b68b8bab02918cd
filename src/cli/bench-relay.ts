// `p2pmessage bench relay <enode>`: the relay load generator (src/bench/relay-load.ts) against any
// Whisper node. Progress goes to stderr, the table or the JSON object to stdout.
import type { Command } from 'commander'
import { writeFileSync } from 'node:fs'
// the load generator's modules load when the command runs, not with every other command
import { CliError } from './errors.js'
import { parseProtocols } from './options.js'
import { cliIo } from './io.js'
import { progressLine } from '../log/progress.js'

interface Flags {
  senders: string; receivers: string; rate: string; duration?: string; size: string; shh?: string; protocols?: string; pow?: string
  drain: string; json?: boolean; plot?: string; threads?: string
  corpus?: string; processes?: string; sealCorpus?: string; count?: string; ttl?: string; rampStart?: string
}

type Choice = { shh?: 5 | 6; waku?: 'waku/0' | 'waku/1' }

/**
 * --shh or --protocols: one protocol per run (a run measures one network; the target may offer more).
 * Empty when neither was given (bench relay then finds the target's shh version).
 */
function protocolChoice(f: { shh?: string; protocols?: string }, what: string): Choice {
  if (f.protocols === undefined) {
    if (f.shh === undefined) return {}
    const v = f.shh.trim().replace(/^shh\/?/, '')
    if (v === '5' || v === '6') return { shh: v === '5' ? 5 : 6 }
    throw new CliError(`${what}: --shh must be 5 or 6, got ${JSON.stringify(f.shh)}`)
  }
  if (f.shh !== undefined) throw new CliError(`${what}: give --protocols or --shh, not both`)
  const ps = parseProtocols(f.protocols)
  if (ps.length > 1) throw new CliError(`${what}: --protocols names one protocol here (shh/5, shh/6, waku/0 or waku/1), got ${ps.join(',')}: measure each in its own run`)
  const p = ps[0]
  return p === 'waku/0' || p === 'waku/1' ? { waku: p } : { shh: p === 'shh/5' ? 5 : 6 }
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
    .argument('[enode]', 'the node under test (enode://id@host:port); none with --seal-corpus')
    .option('--senders <n>', 'sender connections, each with its own node key', '4')
    .option('--receivers <n>', 'receiver connections, each with its own node key', '4')
    .option('--rate <r|max>', "envelopes per second, all senders together; 'max' ramps up (doubling) to the highest rate with nothing lost and p99 < 1 s", '100')
    .option('--ramp-start <r>', "with --rate max: the first rate (doubling from there)", '100')
    .option('--duration <s>', 'seconds of sending (per ramp step with --rate max; default 10, 2 with max)')
    .option('--size <bytes>', 'payload bytes per envelope', '256')
    .option('--shh <5|6>', "protocol version (default: the highest the target offers, as probe finds it)")
    .option('--protocols <p>', 'the protocol to load it over: one of shh/5, shh/6, waku/0, waku/1 (Waku carries shh/6 envelopes)')
    .option('--pow <p>', "PoW to seal at (at least the target's announced minimum); default 0.2")
    .option('--drain <s>', 'seconds to wait for stragglers after sending', '3')
    .option('--threads <n>', 'sealing threads (default: all cores)')
    .option('--json', 'print one JSON object instead of the table')
    .option('--plot <file.svg>', 'write the latency distribution of each rate as an SVG chart')
    .option('--seal-corpus <file>', 'seal --count envelopes (--size, --pow, --ttl, --shh or --protocols) once into a corpus file, and stop; a shh/6 corpus replays over waku too')
    .option('--count <n>', 'envelopes in the corpus', '100000')
    .option('--ttl <s>', "the corpus envelopes' TTL: how long it can be replayed", '3600')
    .option('--corpus <file>', "replay this pre-sealed corpus (each envelope once) instead of sealing every step; the target's min PoW must not exceed the corpus's")
    .option('--processes <k>', 'with --corpus: sender processes holding the sender connections (0: this process)', '0')
    .action(async (enode: string | undefined, f: Flags) => {
      if (f.sealCorpus !== undefined) return sealCorpusCommand(f)
      if (enode === undefined) throw new CliError('bench relay: the node under test (an enode URL) is missing')
      const { shh, waku } = protocolChoice(f, 'bench relay')
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
      const { loadCorpus, CorpusError } = await import('../bench/relay-corpus.js')
      let corpus
      if (f.corpus !== undefined) {
        try {
          corpus = loadCorpus(f.corpus)
        } catch (e) {
          throw new CliError(`bench relay: ${e instanceof CorpusError ? e.message : String(e)}`)
        }
      }
      const processes = int(f.processes ?? '0', 'processes', 0)
      if (processes > 0 && corpus === undefined) throw new CliError('bench relay: --processes replays a corpus: give --corpus FILE (seal one with --seal-corpus)')
      const { formatRelayReport, summarize } = await import('../bench/relay-report.js')
      const { latencyPlot } = await import('../bench/plot.js')
      let report
      try {
        report = await runRelayLoad({
          enode, rate, pow, shh, waku,
          senders: int(f.senders, 'senders', 1),
          receivers: int(f.receivers, 'receivers', 1),
          durationS: f.duration === undefined ? undefined : pos(f.duration, 'duration'),
          payloadBytes: int(f.size, 'size', 1),
          drainS: pos(f.drain, 'drain'),
          threads: f.threads === undefined ? undefined : int(f.threads, 'threads', 1),
          progress, corpus, processes, rampStart: pos(f.rampStart ?? '100', 'ramp-start'),
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

async function sealCorpusCommand(f: Flags): Promise<void> {
  const file = f.sealCorpus!
  const choice = protocolChoice(f, 'bench relay')
  // Waku's envelopes are shh/6's: the corpus is the same
  const shh = choice.shh ?? 6
  const pow = f.pow === undefined ? 0.2 : Number(f.pow)
  if (!Number.isFinite(pow) || pow < 0) throw new CliError(`bench relay: --pow must be a number >= 0, got ${JSON.stringify(f.pow)}`)
  const { sealCorpus } = await import('../bench/relay-corpus.js')
  const line = progressLine(cliIo().stderr, 'bench relay: ', (text) => !text.startsWith('sealing'))
  let header
  try {
    header = await sealCorpus({
      file, shh, pow, count: int(f.count ?? '100000', 'count', 1), ttl: int(f.ttl ?? '3600', 'ttl', 60),
      payloadBytes: int(f.size, 'size', 1), threads: f.threads === undefined ? undefined : int(f.threads, 'threads', 1),
      progress: (done, total) => line.say(`sealing ${done}/${total} envelopes into ${file}`, done === total),
    })
  } catch (e) {
    throw new CliError(`bench relay: ${e instanceof Error ? e.message : String(e)}`)
  } finally {
    line.end()
  }
  cliIo().stdout.write(`corpus ${file}: ${header.count} shh/${header.shh}${header.shh === 6 ? ' (and waku)' : ''} envelopes, ${header.payloadBytes}-byte payloads, PoW ${header.pow}, usable until ${new Date((header.expiresAt - 30) * 1000).toISOString()}\n`)
}

/** `p2pmessage bench sink`: the least a relay can do, to measure the load generator's own ceiling. */
export function registerBenchSink(bench: Command): void {
  bench
    .command('sink')
    .description("a do-nothing relay (passes packets on unchecked, keeps nothing): run 'bench relay' against it to measure the generator's own ceiling")
    .option('--listen <host:port>', 'listening address', '127.0.0.1:0')
    .option('--shh <5|6>', 'protocol version (default 6)')
    .option('--protocols <p>', 'the protocol it speaks: one of shh/5, shh/6, waku/0, waku/1')
    .action(async (f: { listen: string; shh?: string; protocols?: string }) => {
      const m = /^(.*):(\d+)$/.exec(f.listen)
      if (!m) throw new CliError(`bench sink: --listen wants host:port, got ${JSON.stringify(f.listen)}`)
      const { shh, waku } = protocolChoice(f, 'bench sink')
      const { startSink } = await import('../bench/relay-sink.js')
      let sink
      try {
        sink = await startSink({ listen: { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) }, ...(waku ? { waku } : { shh: shh ?? 6 }) })
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
