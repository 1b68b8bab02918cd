// The RPC backends over a real WhisperNode: geth's Whisper methods that the shh API calls, with
// geth's error texts where the node words things its own way (unknown peers, the pool's add checks,
// sealing that missed its PoW target, the 10 MiB cap), and the devp2p facts the admin API reports.
// A backend is bound to one side of the node: 'shh' posts on shh/6 (with a shh/5 copy) and reads every
// network, as before Waku; 'waku' posts on and reads only the Waku network, in status-go v0.78.0's words.
import { MAX_MESSAGE_SIZE_CAP, NodeError, type Net, type WhisperNode } from '../node/index.js'
import { validateEnvelope } from '../node/validate.js'
import { defaultClientId } from '../p2p/client-id.js'
import { parseEnode } from '../p2p/enode.js'
import { BLOOM_SIZE } from '../whisper/bloom.js'
import { envelopeHash, envelopePow, envelopeSize, type Envelope } from '../whisper/envelope.js'
import { keccak256 } from '../whisper/keccak.js'
import type { ReceivedMessage } from '../whisper/open.js'
import type { FilterCriteria, NetBackend, PeerDetails, ShhBackend, WrapParams } from './backend.js'

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')

/** Go's %f. */
const goF = (n: number): string => n.toFixed(6)

/** geth's getPeer error (status-go's says "could"): the id it prints is keccak256 of the public key. */
function peerNotFound(pubkey: Uint8Array, family: RpcFamily): Error {
  return new Error(`${family === 'waku' ? 'could' : 'Could'} not find peer with ID: ${hex(keccak256(pubkey))}`)
}

/** Which API a backend serves: geth's shh or status-go's waku. */
export type RpcFamily = 'shh' | 'waku'

export class NodeShhBackend implements ShhBackend {
  /** the shh/5 copy sealed with each wrapped v6 envelope, sent along with it (issue: one room across versions) */
  private readonly copies = new WeakMap<Envelope, Envelope>()

  constructor(
    private readonly node: WhisperNode,
    readonly family: RpcFamily = 'shh',
  ) {}

  /** The network posts go to: waku's, or shh/6 when the node also runs Waku (else any network of the format, as before). */
  private get postNet(): Net | undefined {
    if (this.family === 'waku') return 'waku'
    return this.node.nets.includes('waku') && this.node.nets.includes('shh/6') ? 'shh/6' : undefined
  }

  minPow(): number {
    return this.node.minPow
  }

  maxMessageSize(): number {
    return this.node.maxMessageSize
  }

  setMinPow(pow: number): void {
    if (pow < 0) throw new Error(`invalid PoW: ${goF(pow)}`)
    this.node.setMinPow(pow)
  }

  setMaxMessageSize(size: number): void {
    if (size > MAX_MESSAGE_SIZE_CAP) throw new Error(`message size too large [${size}>${MAX_MESSAGE_SIZE_CAP}]`)
    // geth accepts 0 (then nothing fits); every envelope is at least 20 bytes, so 1 behaves the same
    this.node.setMaxMessageSize(Math.max(1, size))
  }

  setBloomFilter(bloom: Uint8Array): void {
    if (bloom.length !== BLOOM_SIZE) throw new Error(`invalid bloom filter size: ${bloom.length}`)
    this.node.setBloom(bloom)
  }

  setLightClient(on: boolean): void {
    this.node.setLightNode(on)
  }

  lightClient(): boolean {
    return this.node.lightNode
  }

  info(): { memory: number; messages: number } {
    const s = this.node.stats()
    return { memory: s.poolBytes, messages: s.poolSize }
  }

  private connected(pubkey: Uint8Array): string {
    const id = hex(pubkey)
    if (!this.node.peers().some((p) => p.id === id && (this.family === 'shh' || p.net === 'waku'))) throw peerNotFound(pubkey, this.family)
    return id
  }

  markTrustedPeer(pubkey: Uint8Array): void {
    this.node.markTrusted(this.connected(pubkey))
  }

  /**
   * geth's Wrap for v6, plus the same message for this node's shh/5 peers (same payload, signer and
   * sent time) when it speaks shh/5: geth's answer stays the v6 hash, and shh/5 chats hear it too.
   */
  async wrap(p: WrapParams): Promise<Envelope> {
    const now = Math.floor(Date.now() / 1000)
    const v5 = this.family === 'shh' && this.node.versions.includes(5) ? this.wrapV5(p, now) : Promise.resolve(null)
    try {
      const env = await this.node.wrap({ ...p, shh: 6, now })
      const copy = await v5
      if (copy) this.copies.set(env, copy)
      return env
    } catch (e) {
      if (e instanceof NodeError && e.code === 'pow') {
        throw new Error(`failed to reach the PoW target, specified pow time (${p.workTime} seconds) was insufficient`)
      }
      throw e
    }
  }

  private async wrapV5(p: WrapParams, now: number): Promise<Envelope | null> {
    // v5 has no "no PoW" (0 = search the whole work time) and v5 peers announce no requirement:
    // aim at least at the node's own minimum, which its pool (and geth 1.6's default) asks for
    const pow = Math.max(p.pow, this.node.minPow, 0.01)
    try {
      return await this.node.wrap({ ...p, shh: 5, pow, workTime: Math.max(p.workTime, 2), now })
    } catch (e) {
      this.node.log.warn('shh_post: no shh/5 copy', { err: (e as Error).message })
      return null
    }
  }

  /** geth Send: the add() errors, in geth's words, or "failed to add envelope" for a quiet drop. */
  send(env: Envelope): void {
    try {
      const copy = this.copies.get(env)
      this.node.send(env, copy ? [copy] : [], this.postNet)
    } catch (e) {
      if (e instanceof NodeError && e.code === 'rejected') throw new Error(this.addError(env) ?? e.message)
      throw e
    }
  }

  /** The pool's refusal in the words of geth's add, or of status-go's addAndBridge for waku. */
  private addError(env: Envelope): string | null {
    const v = validateEnvelope(env, {
      now: Date.now() / 1000,
      minPow: this.node.minPow,
      minPowTolerance: this.node.minPow,
      maxMessageSize: this.node.maxMessageSize,
      bloom: null,
      bloomTolerance: null,
    })
    // geth prints the hash with %x here and with Hex() (0x-prefixed) in the PoW message
    const h = hex(envelopeHash(env))
    if (v.kind === 'drop') return v.reason === 'expired' ? 'failed to add envelope' : null
    if (v.kind !== 'reject') return null
    if (this.family === 'waku') {
      switch (v.reason) {
        case 'future':
          return 'envelope from future'
        case 'very-old':
          return 'very old envelope'
        case 'too-big':
          return `huge messages are not allowed [${h}][${envelopeSize(env)}][${this.node.maxMessageSize}]`
      }
    }
    switch (v.reason) {
      case 'future':
        return `envelope created in the future [${h}]`
      case 'very-old':
        return 'very old message'
      case 'too-big':
        return `huge messages are not allowed [${h}]`
      case 'low-pow':
        return `envelope with low PoW received: PoW=${goF(envelopePow(env))}, hash=[0x${h}]`
      default:
        return v.message
    }
  }

  sendP2P(pubkey: Uint8Array, env: Envelope): void {
    this.node.sendDirect(this.connected(pubkey), env, this.family === 'waku' ? 'waku' : undefined)
  }

  subscribe(c: FilterCriteria, cb: (m: ReceivedMessage) => void): string {
    return this.node.subscribe(
      {
        topics: c.topics, symKey: c.symKey, privateKey: c.privateKey, minPow: c.minPow, allowP2P: c.allowP2P, src: c.src,
        ...(this.family === 'waku' ? { net: 'waku' as const } : {}),
      },
      cb,
    )
  }

  unsubscribe(id: string): boolean {
    return this.node.unsubscribe(id)
  }
}

export interface NodeNetBackendOptions {
  /** the devp2p hello name the node uses (default: the node's default client id) */
  clientId?: string
}

export class NodeNetBackend implements NetBackend {
  private readonly clientId: string

  constructor(
    private readonly node: WhisperNode,
    opts: NodeNetBackendOptions = {},
  ) {
    this.clientId = opts.clientId ?? defaultClientId()
  }

  clientVersion(): string {
    return this.clientId
  }

  nodePublicKey(): Uint8Array {
    return this.node.publicKey.subarray(1)
  }

  nodePrivateKey(): Uint8Array | null {
    return this.node.privateKey
  }

  listenAddress(): { ip: string; tcpPort: number; udpPort: number; listenAddr: string } {
    const info = this.node.info()
    const e = parseEnode(this.node.enode)
    const tcpPort = info.listening?.port ?? 0
    const udpPort = info.discoveryPort ?? tcpPort
    const listenAddr = info.listening ? `${info.listening.host.includes(':') ? `[${info.listening.host}]` : info.listening.host}:${info.listening.port}` : ''
    return { ip: e.host, tcpPort, udpPort, listenAddr }
  }

  caps(): string[] {
    return this.node.caps
  }

  peers(): PeerDetails[] {
    const info = this.node.info()
    // the node lists a peer once per network it is on (shh/6 and waku/1 over one connection are two);
    // geth's admin_peers has one entry per connection, naming every protocol it runs
    const byId = new Map<string, PeerDetails>()
    for (const d of this.summaries(info)) {
      const seen = byId.get(d.pubkey)
      if (seen) seen.caps = [...seen.caps, ...d.caps].sort()
      else byId.set(d.pubkey, d)
    }
    return [...byId.values()]
  }

  private summaries(info: ReturnType<WhisperNode['info']>): PeerDetails[] {
    return this.node.peers().map((p) => {
      const colon = p.address.lastIndexOf(':')
      const remoteIp = p.address.slice(0, colon).replace(/^\[|\]$/g, '')
      const remotePort = Number(p.address.slice(colon + 1))
      let listenPort = remotePort
      if (p.enode) {
        try {
          listenPort = parseEnode(p.enode).port
        } catch {
          // keep the connection's port
        }
      }
      // the node does not report the local end of a connection; for inbound ones it is our listener
      const local = p.inbound && info.listening ? `${info.listening.host}:${info.listening.port}` : ''
      return {
        pubkey: p.id,
        clientId: p.clientId,
        caps: [p.cap],
        localAddress: local,
        remoteAddress: p.address,
        inbound: p.inbound,
        trusted: p.trusted,
        static: p.static,
        listenPort,
        remoteIp,
      }
    })
  }

  peerCount(): number {
    return new Set(this.node.peers().map((p) => p.id)).size
  }

  addPeer(enode: string): void {
    this.node.addPeer(enode)
  }

  removePeer(enodeOrId: string): void {
    this.node.removePeer(enodeOrId)
  }
}
