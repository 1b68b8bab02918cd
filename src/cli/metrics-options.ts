// The `--metrics host:port` flag of relay, mailserver, bridge and chat: Prometheus metrics at /metrics and
// /healthz (src/metrics/). A bare port means 127.0.0.1; beyond loopback requests need a token, as the
// bridge's: the bridge's --token, else one generated and printed. Flags parsed and errors worded here.
import type { Command } from 'commander'
import type { MailServer } from '../node/mailserver.js'
import type { WhisperNode } from '../node/whisper-node.js'
import type { LogSink } from '../log/log.js'
import { startMetricsServer, type MetricsServer } from '../metrics/server.js'
import { CliError } from './errors.js'
import { parseListen, type HostPort } from './options.js'

export function addMetricsOption(cmd: Command): Command {
  return cmd.option('--metrics <host:port>', 'serve Prometheus metrics at http://<host:port>/metrics and /healthz (a bare port means 127.0.0.1; a token is required beyond loopback)')
}

/** `host:port`, or a bare port on loopback; a CliError (exit 2) otherwise. */
export function parseMetricsAddr(value: string): HostPort {
  if (/^\s*\d+\s*$/.test(value)) return parseListen(`127.0.0.1:${value.trim()}`, '--metrics')
  return parseListen(value, '--metrics')
}

/** Starts the metrics server when --metrics was given (null otherwise) and says where with `say`. */
export async function startMetrics(opts: {
  flag: string | undefined
  node: WhisperNode
  mail?: MailServer | null
  token?: string
  log?: LogSink
  say: (line: string) => void
}): Promise<MetricsServer | null> {
  if (opts.flag === undefined) return null
  const addr = parseMetricsAddr(opts.flag)
  let server: MetricsServer
  try {
    server = await startMetricsServer({ ...addr, node: opts.node, mail: opts.mail, token: opts.token, log: opts.log })
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const where = `--metrics ${addr.host}:${addr.port}`
    if (e?.code === 'EADDRINUSE') throw new CliError(`cannot listen on ${where}: address already in use`)
    if (e?.code === 'EADDRNOTAVAIL') throw new CliError(`cannot listen on ${where}: that address does not belong to this machine`)
    if (e?.code === 'EACCES') throw new CliError(`cannot listen on ${where}: permission denied`)
    throw new CliError(`cannot start metrics: ${e instanceof Error ? e.message : String(err)}`)
  }
  opts.say(`metrics ${server.url}/metrics`)
  if (server.generatedToken) opts.say(`metrics token ${server.token} (generated for this run)`)
  return server
}
