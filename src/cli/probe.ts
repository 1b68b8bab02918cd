// `p2pmessage probe <enode>`: the Whisper conformance suite (src/conformance/) against a remote node.
// This file only parses flags, maps bad input to CliError (exit 2) and prints the report.
// Exit 0 only when no check failed (skips are not failures), 1 when one failed, 2 for bad input or
// a node that cannot be reached at all.
import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { formatJson, formatJunit, formatText } from '../conformance/report.js'
import { RpcTransportError } from '../conformance/rpc-client.js'
import { runSuite } from '../conformance/runner.js'
import { GROUPS, type Group, type SuiteReport } from '../conformance/types.js'
import { EnodeError, parseEnode } from '../p2p/enode.js'
import { ProbeConnectError } from '../p2p/probe-connection.js'
import { CliError } from './errors.js'
import type { WakuVersion } from '../waku/codes.js'
import { parsePow, parseProtocols, parseSeconds, parseShh, type ShhChoice } from './options.js'
import { cliIo, setExitCode } from './io.js'

interface ProbeFlags {
  shh: string
  protocols?: string
  /** --shh came from the command line (not its default) */
  shhExplicit?: boolean
  rpc?: string
  only?: string
  quick?: boolean
  json?: boolean
  junit?: string
  timeout: string
  pow: string
  mailPassword?: string
}

export function registerProbe(program: Command): void {
  program
    .command('probe')
    .description('Whisper conformance suite: rlpx/hello, status, envelope validation, forwarding, packets, p2p, limits (and mail with --mail-password, rpc with --rpc)')
    .argument('<enode>', 'enode URL of the node to probe')
    .option('--shh <version>', 'versions to test: 5, 6 or both (each one the node offers)', 'both')
    .option('--protocols <list>', 'comma list of shh/5, shh/6, waku/0, waku/1: the probe offers exactly these; the shh groups run on the shh versions named, the waku group on the waku versions named (default: shh/5, shh/6 and both waku versions)')
    .option('--rpc <url>', "the node's geth-style shh JSON-RPC (http:// or ws://): also test posting, filters, subscriptions, bad calls")
    .option('--only <groups>', `comma-separated groups: ${GROUPS.join(',')}`)
    .option('--quick', 'only the 7 basic checks (handshake, hello, shh version, status, accept, forward, drop)')
    .option('--json', 'print the report as one JSON object')
    .option('--junit <file>', 'also write the report as JUnit XML to <file>')
    .option('--timeout <seconds>', 'how long to wait for each expected event', '10')
    .option('--pow <n>', 'PoW of our test envelopes when the node does not announce its minimum (shh/5 without --rpc)', '0.2')
    .option('--mail-password <pw>', "the node's mail server password: also test history requests (the mail group)")
    .action(async (url: string, flags: ProbeFlags, command: Command) => {
      flags.shhExplicit = command.getOptionValueSource('shh') === 'cli'
      const report = await probe(url, flags)
      cliIo().stdout.write(flags.json ? formatJson(report) : formatText(report))
      if (flags.junit) {
        try {
          writeFileSync(flags.junit, formatJunit(report))
        } catch (err) {
          throw new CliError(`cannot write ${flags.junit}: ${(err as Error).message}`)
        }
      }
      setExitCode(report.ok ? 0 : 1)
    })
}

export function parseGroups(value: string): Group[] {
  const groups = value.split(',').map((s) => s.trim()).filter(Boolean)
  const bad = groups.filter((g) => !(GROUPS as readonly string[]).includes(g))
  if (bad.length > 0 || groups.length === 0) throw new CliError(`--only ${value}: unknown group ${bad.join(', ') || '(none)'}; groups: ${GROUPS.join(', ')}`)
  return groups as Group[]
}

export async function probe(url: string, flags: ProbeFlags): Promise<SuiteReport> {
  let port: number
  try {
    port = parseEnode(url).port
  } catch (err) {
    if (err instanceof EnodeError) throw new CliError(err.message)
    throw err
  }
  if (port === 0) throw new CliError(`cannot probe ${url}: port 0 (the node does not listen)`)
  if (flags.mailPassword !== undefined && flags.mailPassword.length === 0) throw new CliError('--mail-password: empty password')
  const { shh, waku } = probeVersions(flags)
  const timeoutMs = Math.max(1, parseSeconds(flags.timeout, '--timeout')) * 1000
  try {
    return await runSuite({
      enode: url,
      shh,
      ...(waku !== undefined ? { waku } : {}),
      rpc: flags.rpc,
      only: flags.only !== undefined ? parseGroups(flags.only) : undefined,
      quick: flags.quick,
      timeoutMs,
      pow: parsePow(flags.pow),
      mailPassword: flags.mailPassword,
    })
  } catch (err) {
    if (err instanceof ProbeConnectError || err instanceof RpcTransportError) throw new CliError(err.message)
    throw err
  }
}

/**
 * The versions --protocols (or --shh) names: each group runs only on its family's versions named, so
 * `--protocols waku/1` probes Waku alone and skips the shh groups, saying why.
 */
function probeVersions(flags: ProbeFlags): { shh: ShhChoice | 'none'; waku?: WakuVersion[] } {
  if (flags.protocols === undefined) return { shh: parseShh(flags.shh) }
  if (flags.shhExplicit) throw new CliError('probe: give --protocols or --shh, not both')
  const ps = parseProtocols(flags.protocols)
  const shh = ps.filter((p) => p.startsWith('shh/')).map((p) => Number(p.slice(4)) as 5 | 6)
  const waku = ps.filter((p) => p.startsWith('waku/')).map((p) => Number(p.slice(5)) as WakuVersion)
  return { shh: shh.length === 2 ? 'both' : shh.length === 0 ? 'none' : shh[0], waku }
}
