// The network flags shared by `chat` and `relay` (--enode, --bootnodes, --listen, --protocols or --shh, --nodekey,
// --verbosity, --max-peers), checked up front and turned into WhisperNode options.
import { Option, type Command } from 'commander'
import { WhisperNode } from '../node/whisper-node.js'
import type { DialTargetStatus } from '../node/index.js'
import type { GatewayRoom } from '../node/gateway.js'
import { MAINNET_BOOTNODES } from '../p2p/bootnodes.js'
import { OUTRIGHT_DIAL_FAILURES } from '../p2p/host-types.js'
import { EnodeError, parseEnode } from '../p2p/enode.js'
import { generateNodeKey } from '../p2p/nodekey.js'
import { CliError } from './errors.js'
import { loadOrCreateKeyFile } from './keys.js'
import { closestWord } from './typo.js'
import { releaseYoungGeneration } from './young-generation.js'
import {
  collect, parseListen, parsePositiveInt, parseProtocols, parseShh, parseVerbosity, protocolsOfShh, type HostPort, type Protocol, type ShhChoice,
} from './options.js'

export interface NetworkFlags {
  enode?: string[]
  bootnodes: string
  listen?: string
  shh: string
  protocols?: string
  nodekey?: string
  verbosity: string
  maxPeers?: string
  logFile?: string
}

export interface NetworkConfig {
  nodeKey: Uint8Array
  staticPeers: string[]
  bootnodes: string[]
  listen?: HostPort
  /** the --shh choice; undefined when --protocols said what the node offers */
  shh: ShhChoice | undefined
  /** the shh versions among the protocols */
  shhVersions: (5 | 6)[]
  /** what the node offers (--protocols, or --shh's shorthand) */
  protocols: Protocol[]
  verbosity: number
  maxPeers?: number
}

export function addNetworkOptions(cmd: Command, defaults: { listen?: string; verbosity: string; shh?: string }): Command {
  cmd
    .option('--enode <url>', 'a node to connect to and stay connected with (repeatable)', collect)
    .option('--bootnodes <list>', 'discovery bootstrap: mainnet, none, or comma-separated enode URLs', 'mainnet')
  if (defaults.listen) cmd.option('--listen <host:port>', 'accept incoming connections on this address', defaults.listen)
  else cmd.option('--listen <host:port>', 'accept incoming connections on this address (default: off, like the original)')
  cmd
    .addOption(new Option('--shh <version>', 'whisper protocol version to speak: 5, 6 or both (shorthand of --protocols)').default(defaults.shh ?? 'both'))
    .option('--protocols <list>', 'protocols to offer, comma-separated: shh/5, shh/6, waku/0, waku/1 (each connection runs the highest common version per family)')
    .option('--nodekey <file>', 'node key file (created when missing), for a stable enode URL; default: a new key per run')
    .option('--verbosity <0-5>', 'log level on stderr: 0 silent, 1 error, 2 warn, 3 info, 4 debug, 5 trace', defaults.verbosity)
    .option('--log-file <path>', 'write log lines to this file (created 0600, appended) instead of stderr; SIGHUP reopens it')
    .option('--max-peers <n>', 'maximum number of peers', '80')
  // --shh has a default, so only here can it be told from one given on the command line
  cmd.hook('preAction', (c) => {
    if (c.getOptionValueSource('shh') === 'cli' && c.getOptionValue('protocols') !== undefined) {
      throw new CliError('give --protocols or --shh, not both (--shh 6 is --protocols shh/6)')
    }
  })
  return cmd
}

export function checkEnode(url: string, flag: string): string {
  try {
    parseEnode(url)
    return url.trim()
  } catch (err) {
    if (err instanceof EnodeError) throw new CliError(`${flag}: ${err.message}`)
    throw err
  }
}

function resolveBootnodes(value: string): string[] {
  const v = value.trim()
  if (v.toLowerCase() === 'mainnet') return [...MAINNET_BOOTNODES]
  if (v.toLowerCase() === 'none' || v === '') return []
  // a single word that is no URL is a misspelt keyword more likely than a broken enode URL
  const meant = /^[a-z]+$/i.test(v) ? closestWord(v, ['mainnet', 'none']) : null
  if (meant) throw new CliError(`--bootnodes: unknown value "${v}" (did you mean ${meant}?)`)
  return v.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => checkEnode(s, '--bootnodes'))
}

/** `defaultNodekey`: a key file of the command's own (the bridge's datadir), made quietly on first use. */
export function resolveNetwork(flags: NetworkFlags, opts: { defaultNodekey?: string } = {}): NetworkConfig {
  const verbosity = parseVerbosity(flags.verbosity)
  const shh = flags.protocols !== undefined ? undefined : parseShh(flags.shh)
  const protocols = flags.protocols !== undefined ? parseProtocols(flags.protocols) : protocolsOfShh(shh!)
  const staticPeers = (flags.enode ?? []).map((u) => checkEnode(u, '--enode'))
  const bootnodes = resolveBootnodes(flags.bootnodes)
  const listen = flags.listen !== undefined ? parseListen(flags.listen) : undefined
  const maxPeers = flags.maxPeers !== undefined ? parsePositiveInt(flags.maxPeers, '--max-peers') : undefined
  const nodeKey = flags.nodekey ? loadOrCreateKeyFile(flags.nodekey, '--nodekey').privateKey
    : opts.defaultNodekey ? loadOrCreateKeyFile(opts.defaultNodekey, '--nodekey', null).privateKey
      : generateNodeKey()
  const shhVersions = ([5, 6] as const).filter((v) => protocols.includes(`shh/${v}`))
  return { nodeKey, staticPeers, bootnodes, listen, shh, shhVersions, protocols, verbosity, maxPeers }
}

/** The WhisperNode each command runs on: the network flags, plus what the command itself decides. */
export function createNode(
  net: NetworkConfig,
  opts: { minPow: number; relay?: boolean; lightNode?: boolean; netBridge?: boolean; logger: (level: number, msg: string) => void; gatewayRooms?: GatewayRoom[] },
): WhisperNode {
  // a relay (or a bridge) offering shh/6 and a Waku version carries envelopes between the two networks
  const both = net.protocols.includes('shh/6') && net.protocols.some((p) => p.startsWith('waku/'))
  return new WhisperNode({
    netBridge: both && (opts.relay === true || opts.netBridge === true),
    privateKey: net.nodeKey,
    listen: net.listen,
    protocols: net.protocols,
    staticPeers: net.staticPeers,
    // the original client made its custom enode a static and a trusted peer at once
    trustedPeers: net.staticPeers,
    bootnodes: net.bootnodes,
    discovery: net.bootnodes.length > 0,
    maxPeers: net.maxPeers,
    minPow: opts.minPow,
    relay: opts.relay === true,
    lightNode: opts.lightNode === true,
    gatewayRooms: opts.gatewayRooms,
    verbosity: net.verbosity,
    logger: opts.logger,
  })
}

/**
 * Why a node that only dials out has no peer after `seconds` (or, `early`, once every bootnode failed
 * outright and discovery found nobody), as one line the user can act on: what the dials got, counted.
 */
export function unreachableMessage(targets: DialTargetStatus[], seconds: number, bootnodesFlag = 'mainnet', early = false): string {
  const after = early ? 'each failed outright and discovery found no other node'
    : `no peer after ${seconds} s; --connect-timeout 0 waits forever`
  const t = targets.find((x) => x.kind === 'static' && !x.connected)
  if (t) return `cannot reach enode://${t.id}@${t.host}:${t.port}: ${t.lastError ?? 'no whisper handshake'} (${after})`
  const boots = targets.filter((x) => x.kind === 'bootnode')
  const which = bootnodesFlag.trim().toLowerCase() === 'mainnet' ? 'mainnet bootnode' : 'bootnode'
  const got = countFailures(boots)
  return `no ${which} answered with a Whisper peer (${boots.length} tried${got ? `: ${got}` : ''}; ${after}): check the network, ` +
    `give --enode <url> of a peer or relay, or host a room with --bootnodes none --listen 0.0.0.0:30303`
}

/**
 * What a node without a peer says after a few seconds: what it dials, what those dials got so far (counted
 * in the words of unreachableMessage), and when it gives up (`giveUpSeconds`, none when it waits forever).
 */
export function noPeerYetMessage(
  targets: DialTargetStatus[], configured: { statics: number; bootnodes: number }, bootnodesFlag = 'mainnet', giveUpSeconds?: number,
): string {
  const got = countFailures(targets)
  return `No peer yet: ${describeDialling(configured.statics, configured.bootnodes, bootnodesFlag)}` +
    (got ? ` (so far: ${got})` : '') + (giveUpSeconds !== undefined ? `; giving up after ${giveUpSeconds} s` : '')
}

/** `dialling 6 mainnet bootnodes`, `dialling 1 --enode peer and 2 bootnodes`, `waiting for a peer to dial in` */
function describeDialling(statics: number, bootnodes: number, bootnodesFlag: string): string {
  const parts: string[] = []
  if (statics > 0) parts.push(`${statics} --enode peer${statics === 1 ? '' : 's'}`)
  if (bootnodes > 0) {
    const mainnet = bootnodesFlag.trim().toLowerCase() === 'mainnet' && bootnodes === MAINNET_BOOTNODES.length
    parts.push(`${bootnodes} ${mainnet ? 'mainnet ' : ''}bootnode${bootnodes === 1 ? '' : 's'}`)
  }
  return parts.length > 0 ? `dialling ${parts.join(' and ')}` : 'waiting for a peer to dial in'
}

/** `4 network unreachable, 2 timed out`: the last failure of each target, counted by kind. */
function countFailures(targets: DialTargetStatus[]): string {
  const counts = new Map<string, number>()
  for (const t of targets) if (t.failure !== undefined && !t.connected) counts.set(t.failure, (counts.get(t.failure) ?? 0) + 1)
  return [...counts].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${n} ${kind}`).join(', ')
}

/**
 * Offline every dial fails at once: a node that only has bootnodes need not wait its --connect-timeout
 * when each of them failed outright (unreachable, refused) and discovery found nobody else to try.
 */
export function nothingLeftToDial(node: Pick<WhisperNode, 'peers' | 'dialTargets' | 'discoveryExhausted'>): boolean {
  if (node.peers().length > 0) return false
  const targets = node.dialTargets()
  if (targets.length === 0 || targets.some((t) => t.kind !== 'bootnode')) return false
  return targets.every((t) => !t.connected && t.failure !== undefined && OUTRIGHT_DIAL_FAILURES.includes(t.failure)) && node.discoveryExhausted()
}

/** A listening or startup failure, as one line the user can act on. */
export function startError(err: unknown, listen?: HostPort): CliError {
  const e = err as NodeJS.ErrnoException
  const where = listen ? `${listen.host}:${listen.port}` : ''
  switch (e?.code) {
    case 'EADDRINUSE':
      return new CliError(`cannot listen on ${where}: address already in use (is another node running? use --listen with another port)`)
    case 'EADDRNOTAVAIL':
      return new CliError(`cannot listen on ${where}: that address does not belong to this machine`)
    case 'EACCES':
      return new CliError(`cannot listen on ${where}: permission denied (ports below 1024 need privileges)`)
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new CliError(`cannot listen on ${where}: unknown host`)
    default:
      return new CliError(`cannot start the node: ${e instanceof Error ? e.message.split('\n')[0] : String(err)}`)
  }
}

/**
 * Starts the node; when it cannot, `undo` first lets go of what was opened for it (the caller's lifecycle
 * must not stop a node that never ran) and the error says why as one line.
 */
export async function startNode(node: WhisperNode, listen: HostPort | undefined, undo: () => void): Promise<void> {
  try {
    await node.start()
  } catch (err) {
    undo()
    throw startError(err, listen)
  } finally {
    releaseYoungGeneration()
  }
}

/**
 * Like the original, --enode peers that cannot be reached are retried in the background (the host
 * redials with backoff); this tells the user so (warn level) once per outage instead of staying silent.
 */
export function watchStaticPeers(
  node: { peers(): { id: string }[] },
  staticPeers: string[],
  log: (level: number, msg: string) => void,
  everyMs = 5000,
): () => void {
  if (staticPeers.length === 0) return () => undefined
  const targets = staticPeers.map((url) => ({ url, id: parseEnode(url).id, warned: false }))
  const timer = setInterval(() => {
    const connected = new Set(node.peers().map((p) => p.id))
    for (const t of targets) {
      if (connected.has(t.id)) {
        if (t.warned) log(2, `Connected to ${t.url}`)
        t.warned = false
      } else if (!t.warned) {
        t.warned = true
        log(2, `Cannot reach ${t.url} yet, retrying in the background`)
      }
    }
  }, everyMs)
  timer.unref()
  return () => clearInterval(timer)
}
