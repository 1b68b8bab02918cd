// `p2pmessage relay`: a whisper node that listens, keeps and forwards every envelope and opens none:
// a meeting point for chat clients (theirs and geth's). Prints its enode URL, peers joining and
// leaving (verbosity >= 3), and a periodic one-line status.
import type { Command } from 'commander'
import type { WhisperNode } from '../node/whisper-node.js'
import { disconnectReasonName } from '../node/index.js'
import { formatLocalTime } from './format.js'
import { createLifecycle } from './lifecycle.js'
import { createLogSink } from './logsink.js'
import { openLogFile } from './logfile.js'
import { addNetworkOptions, createNode, resolveNetwork, startNode, watchStaticPeers, type NetworkFlags } from './network.js'
import { collect, parsePow, parseRoom, parseSeconds } from './options.js'
import { CliError } from './errors.js'
import { resolveSecret, secretOption, type SecretName } from './secrets.js'
import { symKeyFromPassword } from '../whisper/crypto.js'
import { topicHex } from '../whisper/topic.js'
import { addMailOptions, DEFAULT_MAIL_DATADIR, resolveMail, startMailServer, type MailFlags } from './mail-options.js'
import type { MailServer } from '../node/mailserver.js'
import { cliIo } from './io.js'
import { addMetricsOption, parseMetricsAddr, startMetrics } from './metrics-options.js'
import type { MetricsServer } from '../metrics/server.js'

export interface RelayFlags extends NetworkFlags, MailFlags {
  pow: string
  status: string
  room?: string[]
  mailserverPassword?: string
  metrics?: string
}

const now = () => formatLocalTime(Date.now() / 1000)

export function registerRelay(program: Command): void {
  relayCommand(program, {
    name: 'relay',
    description: 'run a relay node: accept peers, forward every envelope, print its enode URL and status',
    secret: 'mailserverPassword',
    secretHelp: 'also be a mail server (see `p2pmessage mailserver`): archive in --datadir, answer requests made with this password',
    mailPassword: (password) => password,
  })
}

/**
 * `relay` and `mailserver` are one command with two defaults: the relay's flags, a password and the
 * archive's flags (in that order in --help), then a relay that is a mail server when `mailPassword`
 * gives a password (it may refuse a missing one by throwing).
 */
export function relayCommand(program: Command, spec: {
  name: string
  description: string
  secret: SecretName
  secretHelp: string
  mailPassword: (password: string | undefined) => string | undefined
}): void {
  const cmd = program.command(spec.name).description(spec.description)
  relayOptions(cmd)
  secretOption(cmd, spec.secret, 'password', spec.secretHelp)
  addMailOptions(cmd, { datadir: true })
  cmd.action(async (flags: RelayFlags, command: Command) => {
    roomsNeedBoth(flags, command)
    await runRelay(flags, spec.mailPassword(resolveSecret(flags as unknown as Record<string, unknown>, spec.secret)))
  })
}

/** The relay's flags, shared with `mailserver`. */
function relayOptions(cmd: Command): Command {
  // A connection carries one shh version (the highest both offer) and a relay cannot turn a v5 envelope into
  // a v6 one without the room's key, so v5 and v6 peers of one relay never see each other. The original
  // clients speak shh/5, and ours offer 5 and 6: a shh/5 relay puts them all in one room; --shh 6 or both
  // serves geth 1.9 peers too. With --room it knows a room's key and carries that room across (gateway.ts).
  addNetworkOptions(cmd, { listen: '0.0.0.0:30303', verbosity: '3', shh: '5' })
  cmd
    .option('--pow <n>', 'minimum proof of work of accepted envelopes', '0.2')
    .option('--status <seconds>', 'print a status line this often (0: never)', '60')
    .option('--room <topic:password>', 'carry this room between shh/5 and shh/6 peers (repeatable; implies --shh both)', collect)
  addMetricsOption(cmd)
  return cmd
}

/** A gateway needs both versions: --room turns the shh/5 default into both; an explicit other choice is an error later. */
function roomsNeedBoth(flags: RelayFlags, command: Command): void {
  if ((flags.room ?? []).length > 0 && command.getOptionValueSource('shh') === 'default' && flags.protocols === undefined) flags.shh = 'both'
}

/** Runs a relay; with a mail password it is also a mail server. */
export async function runRelay(flags: RelayFlags, mailPassword?: string): Promise<void> {
  const rooms = (flags.room ?? []).map((r) => parseRoom(r))
  const net = resolveNetwork(flags)
  if (rooms.length > 0 && net.shhVersions.length < 2) {
    throw new CliError(`--room carries rooms between shh/5 and shh/6: it needs --shh both${net.shh === undefined ? ' (or both in --protocols)' : ''}`)
  }
  const minPow = parsePow(flags.pow)
  const statusEvery = parseSeconds(flags.status, '--status')
  if (flags.metrics !== undefined) parseMetricsAddr(flags.metrics)
  // At the default verbosity (3) the relay's own stdout lines say each start, join and leave; the node's
  // INFO log lines would say them a second time, so they show from verbosity 4 on.
  const mailCfg = mailPassword !== undefined ? resolveMail(mailPassword, flags, flags.datadir ?? DEFAULT_MAIL_DATADIR) : null
  const logFile = flags.logFile !== undefined ? openLogFile(flags.logFile) : null
  const logger = createLogSink({ verbosity: net.verbosity === 3 ? 2 : net.verbosity, file: logFile })
  const say = (line: string) => cliIo().stdout.write(line + '\n')

  let node: WhisperNode | null = null
  let timer: NodeJS.Timeout | null = null
  let mail: MailServer | null = null
  let metrics: MetricsServer | null = null
  const lifecycle = createLifecycle({
    node: () => node,
    beforeStop: () => {
      if (timer) clearInterval(timer)
      void metrics?.close()
      // commits what is queued: every envelope reported archived is on disk before we exit
      mail?.close()
    },
    stopping: () => say(`${now()} ${mail ? 'mail server' : 'relay'} stopping`),
    logFile,
  })
  const gatewayRooms = rooms.map((r) => ({ topic: r.topic, symKey: symKeyFromPassword(r.password) }))
  node = createNode(net, { minPow, relay: true, logger, gatewayRooms })
  if (mailCfg) {
    mail = await startMailServer(node, mailCfg, minPow)
    say(`${now()} mail server archive ${mail.archive.file} (${mail.archive.stats().envelopes} envelopes)`)
  }
  await startNode(node, net.listen, () => {
    node = null
    mail?.close()
  })
  const running = node
  say(running.enode)
  for (const r of rooms) say(`${now()} gateway room ${topicHex(r.topic)}: shh/5 <-> shh/6`)
  if (running.nets.includes('shh/6') && running.nets.includes('waku')) say(`${now()} bridge: shh/6 <-> waku`)
  metrics = await startMetrics({ flag: flags.metrics, node: running, mail, log: logger, say })
  watchStaticPeers(running, net.staticPeers, logger)

  if (net.verbosity >= 3) {
    running.on('peer:added', (p: PeerLike) => say(`${now()} peer joined ${describePeer(p)}`))
    running.on('peer:removed', (p: PeerLike, reason?: unknown) =>
      say(`${now()} peer left   ${describePeer(p)}${reason !== undefined && reason !== null ? ` reason=${typeof reason === 'number' ? disconnectReasonName(reason) : String(reason)}` : ''}`))
  }
  // Said once, the first time the relay serves both versions at the same time.
  let warnedSplit = false
  running.on('peer:added', () => {
    if (warnedSplit) return
    const versions = new Set(running.peers().filter((p) => p.net !== 'waku').map((p) => p.shh))
    if (versions.size > 1) {
      warnedSplit = true
      say(rooms.length > 0
        ? `${now()} note: peers on shh/5 and shh/6 are connected; only the --room rooms cross between the two versions`
        : `${now()} note: peers on shh/5 and shh/6 are connected; messages do not cross between the two versions (see --room)`)
    }
  })
  const status = () => {
    const s = running.stats()
    let line = `${now()} status peers=${s.peers} pool=${s.poolSize} in=${s.envelopesIn} out=${s.envelopesOut}`
    if (rooms.length > 0) line += ` crossed=${s.gatewayCrossed} shed=${s.gatewayShed} failed=${s.gatewayFailed}`
    if (mail) {
      const a = mail.archive.stats()
      const m = mail.stats()
      line += ` archive=${a.envelopes} requests=${m.requests} delivered=${m.delivered}`
    }
    say(line)
  }
  if (statusEvery > 0) timer = setInterval(status, statusEvery * 1000)
  if (lifecycle.exiting && timer) clearInterval(timer)
}

interface PeerLike {
  id: string
  clientId?: string
  shh?: number
  cap?: string
  address?: string
  remoteAddress?: string
  remotePort?: number
  inbound?: boolean
}

function describePeer(p: PeerLike): string {
  const addr = p.address ?? (p.remoteAddress ? `${p.remoteAddress}:${p.remotePort ?? ''}` : '?')
  return `id=${p.id.slice(0, 16)} ${p.cap ?? `shh/${p.shh ?? '?'}`} ${addr} ${p.inbound ? 'inbound' : 'outbound'} client=${JSON.stringify(p.clientId ?? '')}`
}
