// An in-memory network for the simulation: MemoryHost implements the node's transport seam
// (src/p2p/transport.ts) and MemoryPeer the ShhPeer a node talks to, so WhisperNode runs unchanged.
// Only the socket and the RLPx crypto are replaced: envelopes still travel as encoded shh/6
// messages packets (the bytes counted per node), are decoded on arrival exactly as from a socket
// (wire bytes kept) and go through the node's validation, pool, limits and forwarding. Each link
// delays packets by the network's latency (with jitter) and loses a share of them.
import { EventEmitter } from 'node:events'
import type { ShhPeer } from '../p2p/shh-peer.js'
import type { NetInterest, NetPeer, OurStatus } from '../p2p/net-peer.js'
import { bloomAdmitsMore, bloomMatch, topicBloom } from '../whisper/bloom.js'
import type { PeerHost } from '../p2p/transport.js'
import type { DialTargetStatus, P2PHostOptions } from '../p2p/host.js'
import { nodeKeyFromPrivateKey } from '../p2p/nodekey.js'
import { DISCONNECT_REASON } from '../p2p/shh-peer.js'
import { decodeMessages, encodeMessages } from '../whisper/packets.js'
import type { Envelope } from '../whisper/envelope.js'

export interface MemoryNetworkOptions {
  /** one-way link latency in ms (default 50) */
  latencyMs?: number
  /** share of the latency added as uniform jitter (default 0.2) */
  jitter?: number
  /** probability that a packet is lost (default 0) */
  loss?: number
  /** random numbers in [0, 1) (seeded by the simulation for reproducible runs) */
  random?: () => number
}

export class MemoryNetwork {
  readonly hosts = new Map<string, MemoryHost>()
  latencyMs: number
  jitter: number
  loss: number
  readonly random: () => number
  /** called for every envelope that arrives at a host (before the node sees it) */
  onDeliver: ((to: MemoryHost, env: Envelope) => void) | null = null
  /** called for every envelope a host hands to a link (lost or not) */
  onSend: ((from: MemoryHost, env: Envelope) => void) | null = null
  private inFlight = new Set<NodeJS.Timeout>()

  constructor(o: MemoryNetworkOptions = {}) {
    this.latencyMs = o.latencyMs ?? 50
    this.jitter = o.jitter ?? 0.2
    this.loss = o.loss ?? 0
    this.random = o.random ?? Math.random
  }

  /** The factory to give WhisperNode as `transport`. */
  transport(): (opts: P2PHostOptions) => PeerHost {
    return (opts) => {
      const h = new MemoryHost(this, opts)
      this.hosts.set(h.id, h)
      return h
    }
  }

  /** Links two running hosts (both sides see a new peer, as after a completed handshake). */
  connect(a: MemoryHost, b: MemoryHost): boolean {
    if (a === b || a.links.has(b.id) || !a.running || !b.running) return false
    const atA = new MemoryPeer(this, a, b, false)
    const atB = new MemoryPeer(this, b, a, true)
    atA.remote = atB
    atB.remote = atA
    a.links.set(b.id, atA)
    b.links.set(a.id, atB)
    atA.minPow = b.minPow
    atA.bloom = b.bloom
    atB.minPow = a.minPow
    atB.bloom = a.bloom
    a.emit('peer', atA)
    b.emit('peer', atB)
    return true
  }

  disconnect(a: MemoryHost, b: MemoryHost, reason: number = DISCONNECT_REASON.DISCONNECT_REQUESTED): void {
    a.links.get(b.id)?.disconnect(reason)
  }

  /** packets (and status changes) still travelling */
  get pending(): number {
    return this.inFlight.size
  }

  /** Runs `fn` after one link delay (latency with jitter). */
  later(fn: () => void): void {
    const ms = this.latencyMs * (1 + this.jitter * (this.random() * 2 - 1))
    const t = setTimeout(() => {
      this.inFlight.delete(t)
      fn()
    }, Math.max(0, ms))
    this.inFlight.add(t)
  }

  close(): void {
    for (const t of this.inFlight) clearTimeout(t)
    this.inFlight.clear()
  }
}

export class MemoryHost extends EventEmitter implements PeerHost {
  readonly id: string
  readonly links = new Map<string, MemoryPeer>()
  /** bytes of messages packets this host sent (all peers together) */
  bytesSent = 0
  packetsSent = 0
  running = false
  minPow: number
  bloom: Uint8Array | null
  private maxSize: number

  constructor(readonly net: MemoryNetwork, opts: P2PHostOptions) {
    super()
    this.id = nodeKeyFromPrivateKey(opts.privateKey).nodeId
    this.minPow = opts.minPow ?? 0.2
    this.bloom = opts.bloom ?? null
    this.maxSize = opts.maxMessageSize ?? 1024 * 1024
  }

  get enode(): string {
    return `enode://${this.id}@127.0.0.1:0`
  }
  get listening(): null {
    return null
  }
  get discoveryPort(): null {
    return null
  }
  get maxMessageSize(): number {
    return this.maxSize
  }
  async start(): Promise<void> {
    this.running = true
  }
  async stop(): Promise<void> {
    for (const p of [...this.links.values()]) p.disconnect(DISCONNECT_REASON.CLIENT_QUITTING)
    this.running = false
    this.net.hosts.delete(this.id)
  }
  peers(): NetPeer[] {
    return [...this.links.values()]
  }
  getPeer(id: string): NetPeer | undefined {
    return this.links.get(id)
  }
  dialTargets(): DialTargetStatus[] {
    return []
  }
  discoveryExhausted(): boolean {
    return true // the simulation links its nodes itself: no discovery
  }
  addPeer(enode: string): void {
    const id = /^enode:\/\/([0-9a-f]{128})@/.exec(enode)?.[1]
    const other = id === undefined ? undefined : this.net.hosts.get(id)
    if (other) this.net.connect(this, other)
  }
  removePeer(enodeOrId: string): boolean {
    const id = /([0-9a-f]{128})/.exec(enodeOrId)?.[1]
    const p = id === undefined ? undefined : this.links.get(id)
    p?.disconnect()
    return p !== undefined
  }
  addTrustedPeer(): void {}
  announce(changed: Partial<OurStatus>): void {
    if (changed.minPow !== undefined) this.setMinPow(changed.minPow)
    if (changed.bloom !== undefined) this.setBloom(changed.bloom)
  }
  setMinPow(pow: number): void {
    this.minPow = pow
    for (const p of this.links.values()) p.remote?.hear('powRequirement', pow)
  }
  setBloom(bloom: Uint8Array | null): void {
    this.bloom = bloom
    for (const p of this.links.values()) p.remote?.hear('bloom', bloom)
  }
  setMaxMessageSize(size: number): void {
    this.maxSize = size
  }
}

/** What `host` sees of its link to `other`. */
class MemoryPeer extends EventEmitter implements ShhPeer, NetPeer {
  readonly id: string
  readonly shh = 6 as const
  readonly net = 'shh/6' as const
  readonly cap = 'shh/6' as const
  readonly format = 6 as const
  readonly clientId = 'p2pmessage/sim'
  readonly remoteAddress = '127.0.0.1'
  readonly remotePort = 0
  readonly baseProtocolVersion = 5
  trusted = false
  minPow = 0
  bloom: Uint8Array | null = null
  lightNode = false
  readonly bufferedBytes = 0
  remote: MemoryPeer | null = null
  private isClosed = false

  constructor(private readonly network: MemoryNetwork, readonly host: MemoryHost, readonly other: MemoryHost, readonly inbound: boolean) {
    super()
    this.id = other.id
  }

  get closed(): boolean {
    return this.isClosed
  }

  sendEnvelopes(envs: Envelope[]): boolean {
    if (this.isClosed || envs.length === 0) return false
    const packet = encodeMessages(6, envs)
    const hook = this.network.onSend
    if (hook) for (const e of envs) hook(this.host, e)
    this.host.bytesSent += packet.length
    this.host.packetsSent++
    if (this.network.loss > 0 && this.network.random() < this.network.loss) return true
    const to = this.remote!
    this.network.later(() => to.receive(packet))
    return true
  }

  get interest(): NetInterest {
    return { minPow: this.minPow, bloom: this.bloom, topics: null, lightNode: false, confirmations: false, rateLimits: null }
  }

  wants(env: Envelope, pow: number, bloom?: Uint8Array): boolean {
    return pow >= this.minPow && (this.bloom === null || bloomMatch(this.bloom, bloom ?? topicBloom(env.topic)))
  }

  // the host announces to the other side itself (MemoryHost.announce)
  announce(): boolean {
    return false
  }
  confirm(): boolean {
    return false
  }
  canSend(): boolean {
    return true
  }

  sendPowRequirement(): boolean {
    return false
  }
  sendBloom(): boolean {
    return false
  }
  // the simulation's nodes are plain relays of the room: no direct messages, no mail requests
  sendP2PMessage(): boolean {
    return false
  }
  sendP2PRequest(): boolean {
    return false
  }

  disconnect(reason: number = DISCONNECT_REASON.DISCONNECT_REQUESTED): void {
    if (this.isClosed) return
    this.close(reason, true)
    this.remote?.close(reason, false)
  }

  drop(): void {
    this.disconnect(DISCONNECT_REASON.SUBPROTOCOL_ERROR)
  }

  /** The other side changed its v6 status: tell our node, after the link delay. */
  hear(what: 'powRequirement' | 'bloom', value: number | Uint8Array | null): void {
    this.network.later(() => {
      if (this.isClosed) return
      const relaxed = what === 'powRequirement' ? (value as number) < this.minPow : bloomAdmitsMore(this.bloom, value as Uint8Array | null)
      if (what === 'powRequirement') this.minPow = value as number
      else this.bloom = value as Uint8Array | null
      this.emit(what, value as never)
      this.emit('interest', relaxed)
    })
  }

  private receive(packet: Uint8Array): void {
    if (this.isClosed) return
    let envs: Envelope[]
    try {
      envs = decodeMessages(6, packet, { keepWire: true })
    } catch {
      return this.drop()
    }
    const hook = this.network.onDeliver
    if (hook) for (const e of envs) hook(this.host, e)
    this.emit('envelopes', envs)
  }

  private close(reason: number, byUs: boolean): void {
    if (this.isClosed) return
    this.isClosed = true
    this.host.links.delete(this.id)
    this.emit('close', reason, byUs)
    this.host.emit('peer:removed', this, reason)
  }
}
