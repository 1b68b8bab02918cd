// `p2pmessage bridge`: a whisper node (all the chat's network flags) plus the browser bridge: the chat
// page, a WebSocket and a REST API on --http (loopback by default). Keys live in --datadir so the
// enode URL and the signing address (`me` in the page and in history) survive restarts.
import { homedir, networkInterfaces } from 'node:os'
import { join } from 'node:path'
import type { Command } from 'commander'
import { Bridge, checkToken, DEFAULT_HTTP } from '../bridge/bridge.js'
import type { WhisperNode } from '../node/index.js'
import { addressOf, publicKeyOf, symKeyFromPassword } from '../whisper/crypto.js'
import { CliError } from './errors.js'
import { toHex } from './format.js'
import { ensureDirectory, loadOrCreateKeyFile } from './keys.js'
import { createLifecycle } from './lifecycle.js'
import { createLogSink } from './logsink.js'
import { openLogFile } from './logfile.js'
import { resolveSecret, secretOption } from './secrets.js'
import { addNetworkOptions, createNode, resolveNetwork, startNode, type NetworkFlags } from './network.js'
import { collect, parseListen, parsePow, parseRoom, parseTtl, parseWork, type HostPort } from './options.js'

import { addRpcOptions, startBridgeRpc, type RpcFlags } from './rpc-options.js'
import { addMailOptions, resolveMail, startMailServer, type MailFlags } from './mail-options.js'
import { fetchChatHistory, resolveHistory, type HistoryFlags } from './chat-history.js'
import type { MailServer } from '../node/mailserver.js'
import { DatadirLockedError, lockDatadir, type DatadirLock } from '../node/datadir-lock.js'
import { addMetricsOption, parseMetricsAddr, startMetrics } from './metrics-options.js'
import type { MetricsServer } from '../metrics/server.js'
import { cliIo } from './io.js'

interface BridgeFlags extends NetworkFlags, RpcFlags, MailFlags, HistoryFlags {
  http: string
  datadir: string
  token?: string
  tokenFile?: string
  metrics?: string
  allowOrigin?: string[]
  identity?: string
  ttl: string
  pow: string
  work: string
  room?: string[]
}

export const DEFAULT_DATADIR = join(homedir(), '.p2pmessage', 'bridge')

export function registerBridge(program: Command): void {
  const cmd = program
    .command('bridge')
    .description('run a node and serve it to browsers and web apps: chat page, WebSocket and REST API')
    .option('--http <host:port>', 'address of the HTTP server (a token is required beyond loopback)', `${DEFAULT_HTTP.host}:${DEFAULT_HTTP.port}`)
    .option('--datadir <dir>', 'directory for room history, node key and identity', DEFAULT_DATADIR)
  secretOption(cmd, 'token', 'token', 'access token for HTTP and WebSocket clients (generated when --http is not loopback)')
  cmd
    .option('--allow-origin <origin>', 'a web app origin (scheme://host:port) allowed to use the API (repeatable)', collect)
  addNetworkOptions(cmd, { verbosity: '2' })
  cmd
    .option('--identity <file>', 'signing key file (created when missing); default: <datadir>/identity')
    .option('--ttl <seconds>', 'time to live of sent messages', '50')
    .option('--pow <n>', 'proof of work of sent messages, and the minimum accepted from peers', '0.2')
    .option('--work <seconds>', 'maximum time spent on proof of work per message', '5')
    .option('--room <topic:password>', 'join this room and carry it between shh/5 and shh/6 peers (repeatable; rooms joined on the page are carried too)', collect)
    .option('--mailserver <enode>', 'a mail server: rooms get their history from it when joined (repeatable; needs --mailserver-password)', collect)
  secretOption(cmd, 'mailserverPassword', 'password', 'be a mail server too (archive in <datadir>/mailserver), and the password of the --mailserver servers')
  cmd
    .option('--history <duration>', 'how far back rooms ask the --mailserver servers on join, e.g. 30m, 24h, 7d', '24h')
  addMailOptions(cmd, { datadir: false })
  addRpcOptions(cmd)
  addMetricsOption(cmd)
  cmd.action(async (flags: BridgeFlags) => {
    await runBridge(flags)
  })
}

/** `host:port`, or a bare port on loopback (never all interfaces by accident). */
export function parseHttp(value: string): HostPort {
  if (/^\s*\d+\s*$/.test(value)) return parseListen(`127.0.0.1:${value.trim()}`, '--http')
  return parseListen(value, '--http')
}

async function runBridge(flags: BridgeFlags): Promise<void> {
  const http = parseHttp(flags.http)
  if (flags.metrics !== undefined) parseMetricsAddr(flags.metrics)
  flags.token = resolveSecret(flags as unknown as Record<string, unknown>, 'token')
  flags.mailserverPassword = resolveSecret(flags as unknown as Record<string, unknown>, 'mailserverPassword')
  const rooms = (flags.room ?? []).map((r) => parseRoom(r))
  if (flags.token !== undefined) {
    try {
      checkToken(flags.token)
    } catch (err) {
      throw new CliError(`invalid --token: ${(err as Error).message}`)
    }
  }
  for (const o of flags.allowOrigin ?? []) {
    if (!/^https?:\/\/[^/\s]+$/i.test(o.trim())) throw new CliError(`invalid --allow-origin "${o}": expected scheme://host[:port], e.g. https://app.example.com`)
  }
  const datadir = flags.datadir
  // the node key, identity and history go in it: a bad --datadir is said as such, not as a bad key file
  ensureDirectory(datadir, '--datadir')
  const net = resolveNetwork(flags, { defaultNodekey: join(datadir, 'nodekey') })
  if (rooms.length > 0 && net.shhVersions.length < 2) {
    throw new CliError(`--room carries rooms between shh/5 and shh/6: it needs --shh both${net.shh === undefined ? ' (or both in --protocols)' : ''}`)
  }
  const ttl = parseTtl(flags.ttl)
  const pow = parsePow(flags.pow)
  const work = parseWork(flags.work)
  const identity = flags.identity !== undefined ? loadOrCreateKeyFile(flags.identity, '--identity').privateKey
    : loadOrCreateKeyFile(join(datadir, 'identity'), '--identity', null).privateKey
  const hist = flags.mailserver ? resolveHistory(flags) : null
  // mail servers are static, trusted peers: their answers are p2p messages
  if (hist) for (const url of hist.mailservers) if (!net.staticPeers.includes(url)) net.staticPeers.push(url)
  const mailCfg = flags.mailserverPassword !== undefined ? resolveMail(flags.mailserverPassword, flags, join(datadir, 'mailserver')) : null
  const logFile = flags.logFile !== undefined ? openLogFile(flags.logFile) : null
  const logger = createLogSink({ verbosity: net.verbosity, file: logFile })
  const say = (line: string) => cliIo().stdout.write(line + '\n')
  // taken once every flag is read (a usage error holds nothing); every failed start below releases it
  const lock = lockDir(datadir)

  let node: WhisperNode | null = null
  let bridge: Bridge | null = null
  let rpc: Awaited<ReturnType<typeof startBridgeRpc>> = null
  let mail: MailServer | null = null
  let metrics: MetricsServer | null = null
  createLifecycle({
    node: () => ({
      stop: async () => {
        await metrics?.close()
        await rpc?.close()
        await bridge?.stop()
        mail?.close()
        await node?.stop()
        lock.release()
      },
    }),
    stopping: () => say('bridge stopping'),
    logFile,
  })

  node = createNode(net, { minPow: pow, logger, netBridge: true, gatewayRooms: rooms.map((r) => ({ topic: r.topic, symKey: symKeyFromPassword(r.password) })) })
  if (mailCfg) mail = await startMailServer(node, mailCfg, pow).catch((err) => {
    lock.release()
    throw err
  })
  await startNode(node, net.listen, () => {
    node = null
    mail?.close()
    lock.release()
  })
  try {
    bridge = await Bridge.start({
      node,
      identity,
      http,
      token: flags.token,
      allowedOrigins: flags.allowOrigin,
      dataDir: datadir,
      post: { ttl, pow, workTime: work, shh: net.shh },
      log: logger,
    })
  } catch (err) {
    await node.stop().catch(() => undefined)
    node = null
    lock.release()
    throw httpError(err, http)
  }
  // Every port (node, HTTP, JSON-RPC) is bound before the bridge says it is up: the rpc lines wait.
  const rpcLines: string[] = []
  try {
    rpc = await startBridgeRpc({ flags, node, bridge, say: (l) => rpcLines.push(l) })
    metrics = await startMetrics({ flag: flags.metrics, node, mail, token: flags.token ?? bridge.token ?? undefined, log: logger, say: (l) => rpcLines.push(l) })
  } catch (err) {
    await rpc?.close().catch(() => undefined)
    await bridge.stop().catch(() => undefined)
    await node.stop().catch(() => undefined)
    bridge = null
    node = null
    lock.release()
    throw err
  }
  if (hist) {
    // each room, when first joined, asks the mail servers; what they send lands in the room's history
    // marked history (merged by envelope identity with what the store already has)
    const running = node
    bridge.rooms.on('joined', (r: { room: string; topic: Uint8Array }) => {
      void fetchChatHistory(running, hist, { topic: r.topic, pow, work }, 30_000).then((lines) => {
        for (const l of lines) logger(3, `room ${r.room}: ${l}`)
      })
    })
  }
  // --room rooms are the bridge's rooms too: their history is kept and the page shows them
  for (const r of rooms) await bridge.rooms.join(Buffer.from(r.topic).toString('hex'), r.password)
  say(`bridge ${bridge.url}/`)
  for (const l of rpcLines) say(l)
  if (mail) say(`mail server archive ${mail.archive.file} (${mail.archive.stats().envelopes} envelopes)`)
  // Without --listen the node only dials out: its enode (port 0) cannot be dialled, so it is not offered.
  if (net.listen) say(`enode ${node.enode}`)
  else say(`enode none: not listening, this bridge dials out only (add --listen 0.0.0.0:30303 for peers to dial it)`)
  say(`identity ${toHex(addressOf(publicKeyOf(identity)))}`)
  if (bridge.token !== null) {
    say(`token ${bridge.token}${bridge.server.policy.generatedToken ? ' (generated for this run; pass --token to choose one)' : ''}`)
  }
  for (const base of browserUrls(bridge.url)) say(`open ${bridge.token ? `${base}/#token=${bridge.token}` : `${base}/`}`)
}

type Interfaces = ReturnType<typeof networkInterfaces>

/**
 * The base URLs a person can open for a server bound at `url`: itself, or for a wildcard bind
 * (0.0.0.0, ::), which no browser can open, localhost and then each address of this machine (IPv6 ones
 * only for an IPv6 bind), so that another machine's browser has a URL too.
 */
export function browserUrls(url: string, interfaces: Interfaces = networkInterfaces()): string[] {
  const u = new URL(url)
  const v6 = u.hostname === '[::]'
  if (u.hostname !== '0.0.0.0' && !v6) return [url.replace(/\/$/, '')]
  const port = u.port
  const out = [`http://localhost:${port}`]
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      if (a.internal || (a.family === 'IPv6' && (!v6 || a.scopeid !== 0))) continue
      out.push(a.family === 'IPv6' ? `http://[${a.address}]:${port}` : `http://${a.address}:${port}`)
    }
  }
  return out
}

function lockDir(dir: string): DatadirLock {
  try {
    return lockDatadir(dir)
  } catch (err) {
    if (err instanceof DatadirLockedError) {
      const who = err.pid === process.pid ? 'this process' : `process ${err.pid}`
      throw new CliError(`--datadir ${dir} is in use by ${who} (another bridge on it? its lock file: ${join(err.dir, 'LOCK')})`)
    }
    throw new CliError(`--datadir ${dir}: cannot take its lock: ${(err as Error).message.split('\n')[0]}`)
  }
}

function httpError(err: unknown, http: HostPort): CliError {
  const e = err as NodeJS.ErrnoException
  const where = `--http ${http.host}:${http.port}`
  switch (e?.code) {
    case 'EADDRINUSE':
      return new CliError(`cannot listen on ${where}: address already in use (another bridge? choose another port)`)
    case 'EADDRNOTAVAIL':
      return new CliError(`cannot listen on ${where}: that address does not belong to this machine`)
    case 'EACCES':
      return new CliError(`cannot listen on ${where}: permission denied (ports below 1024 need privileges)`)
    default:
      return new CliError(`cannot start the bridge: ${e instanceof Error ? e.message.split('\n')[0] : String(err)}`)
  }
}
