// What WhisperNode's constructor derives from NodeOptions before it wires its parts (the logger, the
// versions, the node key and the peer host's options, each checked with a NodeError 'params' naming
// the bad option), and the gateway's view of the node.
import type { ShhVersion } from '../whisper/envelope.js'
import type { P2PHostOptions } from '../p2p/host.js'
import { loadOrCreateNodeKey, generateNodeKey, nodeKeyFromPrivateKey, type NodeKey } from '../p2p/nodekey.js'
import { Logger, normalizeVerbosity, stderrSink, type LogSink } from '../log/log.js'
import { NodeError } from './errors.js'
import type { Requirements } from './requirements.js'
import type { PeerHost } from '../p2p/transport.js'
import type { GatewayHost } from './gateway.js'
import type { Ingest } from './ingest.js'
import type { Posting } from './posting.js'
import type { NodeOptions } from './node-types.js'

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

/** The versions offered, sorted, without repeats: a non-empty subset of [5, 6]. */
export function resolveVersions(opts: NodeOptions): ShhVersion[] {
  const versions = [...new Set(opts.shhVersions ?? [5, 6])].sort() as ShhVersion[]
  if (versions.length === 0 || versions.some((v) => v !== 5 && v !== 6)) {
    throw new NodeError('params', `shhVersions must be a non-empty subset of [5, 6]`)
  }
  return versions
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
export function hostOptions(opts: NodeOptions, key: NodeKey, versions: ShhVersion[], req: Requirements, log: Logger): P2PHostOptions {
  return {
    privateKey: key.privateKey,
    listen: opts.listen,
    shhVersions: versions,
    maxPeers: opts.maxPeers ?? 80,
    staticPeers: opts.staticPeers,
    trustedPeers: opts.trustedPeers,
    bootnodes: opts.bootnodes,
    discovery: opts.discovery,
    clientId: opts.clientId,
    minPow: req.minPow,
    bloom: req.bloom,
    lightNode: req.lightNode,
    maxMessageSize: req.maxMessageSize,
    logger: (level, msg) => log.log(level, msg),
  }
}

/** What the gateway may do with the node: see its peers, seal as the node, and inject what it sealed. */
export function gatewayHost(log: Logger, versions: ShhVersion[], key: NodeKey, host: () => PeerHost, req: Requirements, posting: Posting, ingest: Ingest): GatewayHost {
  return {
    log,
    versions,
    privateKey: key.privateKey,
    peers: () => host().peers(),
    minPow: () => req.minPow,
    seal: (p) => posting.seal(p),
    inject: (env) => {
      const e = ingest.admit(env)
      ingest.announce(e)
      return e.key
    },
  }
}
