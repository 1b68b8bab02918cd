// `p2pmessage bench [--json] [--quick]`: keccak/sealing throughput, sealing time, ingest rate and
// forwarding latency of this node, each next to its pure-JS single-thread baseline measured in the
// same run (see src/bench/figures.ts). Progress goes to stderr, the figures to stdout.
import type { Command } from 'commander'
import { formatBench, runBench } from '../bench/figures.js'
import { CliError } from './errors.js'
import { cliIo } from './io.js'
import { registerBenchRelay, registerBenchSink } from './bench-relay.js'

export function registerBench(program: Command): void {
  const bench = program
    .command('bench')
    .description('measure keccak/PoW sealing, envelope ingest and forwarding latency against a pure-JS single-thread baseline')
    .option('--json', 'print one JSON object (figures, baseline, ratios, targets, machine) instead of a table')
    .option('--quick', 'a shorter run (under 30 s): fewer samples, shorter measurements')
    .action(async (opts: { json?: boolean; quick?: boolean }) => {
      const progress = opts.json ? () => {} : (line: string) => cliIo().stderr.write(`bench: ${line}\n`)
      let report
      try {
        report = await runBench({ quick: opts.quick ?? false, progress })
      } catch (e) {
        throw new CliError(`bench: ${e instanceof Error ? e.message : String(e)}`)
      }
      cliIo().stdout.write(opts.json ? JSON.stringify(report) + '\n' : formatBench(report) + '\n')
    })
  // options after `relay` are relay's (both commands have --json): commander must stop reading
  // options at the subcommand's name, on every level above it
  program.enablePositionalOptions()
  bench.enablePositionalOptions()
  registerBenchRelay(bench)
  registerBenchSink(bench)
}
