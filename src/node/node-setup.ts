// What WhisperNode's constructor derives from NodeOptions before it wires its parts (the logger, the
// versions, the node key and the peer host's options, each checked with a NodeError 'params' naming
// the bad option), the shh/6 <-> Waku bridge it asks for, and the gateway's view of the node.
import type { ShhVersion } from '../whisper/envelope.js'
import type { P2PHostOptions } from '../p2p/host.js'
import type { RateLimits } from '../waku/rate-limits.js'
import { CAPS, isCap, netsOfCaps, shhNetOf, type Cap, type Net } from '../p2p/net-peer.js'
import { loadOrCreateNodeKey, generateNodeKey, nodeKeyFromPrivateKey, type NodeKey } from '../p2p/nodekey.js'
import { Logger, normalizeVerbosity, stderrSink, type LogSink } from '../log/log.js'
import { NodeError } from './errors.js'
import type { Requirements } from './requirements.js'
import type { PeerHost } from '../p2p/transport.js'
import type { GatewayHost } from './gateway.js'
import type { Ingest } from './ingest.js'
import type { Posting } from './posting.js'
import type { NodeOptions } from './node-types.js'
import { NetBridge } from './net-bridge.js'

/** The node's logger: the caller's sink (stderr by default), and `also` for the node's 'log' event. */
export function nodeLogger(opts: NodeOptions, also: LogSink): Logger {
  const sink = opts.logger ?? stderrSink
  return new Logger({
    verbosity: normalizeVerbosity(opts.verbosity),
    sink: (level, msg) => {
      sink(level, msg)
      also(level, msg)
    },
  })
}

/**
 * The capabilities offered (`protocols`, else `shhVersions`, default shh/5 and shh/6) in CAPS order, the
 * networks they make and the shh versions among them.
 */
export function resolveCaps(opts: NodeOptions): { caps: Cap[]; nets: Net[]; versions: ShhVersion[] } {
  if (opts.protocols !== undefined && opts.shhVersions !== undefined) throw new NodeError('params', 'give protocols or shhVersions, not both')
  let caps: Cap[]
  if (opts.protocols !== undefined) {
    const asked = opts.protocols
    if (!Array.isArray(asked) || asked.length === 0 || asked.some((c) => !isCap(c))) {
      throw new NodeError('params', `protocols must be a non-empty subset of ${CAPS.join(', ')}`)
    }
    caps = CAPS.filter((c) => asked.includes(c))
  } else {
    const versions = [...new Set(opts.shhVersions ?? [5, 6])].sort() as ShhVersion[]
    if (versions.length === 0 || versions.some((v) => v !== 5 && v !== 6)) {
      throw new NodeError('params', `shhVersions must be a non-empty subset of [5, 6]`)
    }
    caps = versions.map(shhNetOf) as Cap[]
  }
  const nets = netsOfCaps(caps)
  const versions = ([5, 6] as const).filter((v) => nets.includes(shhNetOf(v)))
  return { caps, nets, versions }
}

/** The given key, the key file (created when missing), or a new key for this run. */
export function resolveNodeKey(opts: NodeOptions): NodeKey {
  try {
    if (opts.privateKey) return nodeKeyFromPrivateKey(opts.privateKey)
    if (opts.nodeKeyFile) return loadOrCreateNodeKey(opts.nodeKeyFile)
    return nodeKeyFromPrivateKey(generateNodeKey(), true)
  } catch (err) {
    throw new NodeError('params', (err as Error).message, { cause: err })
  }
}

/** The peer host's options: what it listens and dials, and what it announces (our requirements). */
export function hostOptions(opts: NodeOptions, key: NodeKey, caps: Cap[], req: Requirements, log: Logger, limits?: { packets: RateLimits; bytes: RateLimits }): P2PHostOptions {
  return {
    privateKey: key.privateKey,
    listen: opts.listen,
    protocols: caps,
    maxPeers: opts.maxPeers ?? 80,
    staticPeers: opts.staticPeers,
    trustedPeers: opts.trustedPeers,
    bootnodes: opts.bootnodes,
    discovery: opts.discovery,
    clientId: opts.clientId,
    minPow: req.minPow,
    bloom: req.bloom,
    lightNode: req.lightNode,
    status: { topics: req.topics, confirmations: req.confirmations, ...(limits ? { rateLimits: limits.packets, bytesRateLimits: limits.bytes } : {}) },
    maxMessageSize: req.maxMessageSize,
    logger: (level, msg) => log.log(level, msg),
  }
}

/** What the gateway may do with the node: see its peers, seal as the node, and inject what it sealed. */
/**
 * `bridged`: the network bridge carries shh/6 to Waku, so a Waku peer takes what the gateway seals into shh/6
 * as well (it counts as a peer of the target version and its PoW ask counts too).
 */
export function gatewayHost(log: Logger, versions: ShhVersion[], key: NodeKey, host: () => PeerHost, req: Requirements, posting: Posting, ingest: Ingest, bridged: () => boolean): GatewayHost {
  return {
    log,
    versions,
    privateKey: key.privateKey,
    // the gateway carries between the shh networks: what their peers (and, bridged, Waku's) ask for
    peers: () => host().peers().flatMap((p) => (p.net === shhNetOf(p.format) || bridged() ? [{ id: p.id, shh: p.format, minPow: p.interest.minPow }] : [])),
    minPow: () => req.minPow,
    seal: (p) => posting.seal(p),
    inject: (env) => {
      const e = ingest.admit(env, shhNetOf(env.shh))
      ingest.announce(e)
      return e.key
    },
  }
}

/**
 * The shh/6 <-> Waku bridge: as `netBridge` says, else on for a relay offering both; null when off. A bridge
 * asked of a node without both networks is a NodeError 'params'.
 */
export function netBridge(opts: NodeOptions, relay: boolean, nets: readonly Net[], ingest: Ingest, log: Logger): NetBridge | null {
  const both = nets.includes('shh/6') && nets.includes('waku')
  const want = opts.netBridge ?? (relay && both)
  if (want !== false && !both) throw new NodeError('params', 'netBridge carries between shh/6 and Waku: the node must offer both')
  return want === false ? null : new NetBridge(ingest, log, want === true ? {} : want)
}
