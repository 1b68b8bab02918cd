// The `shh` JSON-RPC namespace of go-ethereum v1.9.7 (whisper/whisperv6/api.go) and the `waku` one of
// status-go v0.78.0 (waku/api.go, a copy of it): the same method names, parameter and result shapes,
// encodings and error messages, over a ShhBackend bound to one network. What differs between the two
// is an ApiFlavour (api-flavour.ts). Posting on shh is always shh/6, as in geth v1.9. Results use
// hexutil encodings: bytes "0x..", ids as plain hex; waku's message structs carry base64.
import { isValidPublicKey, publicKeyOf } from '../whisper/crypto.js'
import { envelopeHash, type Envelope } from '../whisper/envelope.js'
import { isWhisperError } from '../whisper/errors.js'
import type { ReceivedMessage } from '../whisper/open.js'
import type { DeliveredMessage } from '../node/filter.js'
import { SHH_FLAVOUR, type ApiFlavour } from './api-flavour.js'
import type { FilterCriteria, ShhBackend, WrapParams } from './backend.js'
import { parseNodeUrl } from './enode-url.js'
import { PollFilters, type PollFiltersOptions } from './filters.js'
import { T, type GoType } from './gotypes.js'
import { encodeBytes } from './hexutil.js'
import type { RpcServer } from './jsonrpc.js'
import { Keystore } from './keystore.js'

export const PROTOCOL_VERSION_STR = '6.0'

// api.go's error values (the same in both)
const ERR_SYM_ASYM = 'specify either a symmetric or an asymmetric key'
const ERR_INVALID_SYMMETRIC_KEY = 'invalid symmetric key'
const ERR_INVALID_PUBLIC_KEY = 'invalid public key'
const ERR_INVALID_SIGNING_PUB_KEY = 'invalid signing public key'
const ERR_TOO_LOW_POW = 'message rejected, PoW too low'
const ERR_NO_TOPICS = 'missing topic(s)'

/** whisperv6.NewMessage (gen_newmessage_json.go): every field optional. */
export const NEW_MESSAGE: GoType = SHH_FLAVOUR.newMessage

/** whisperv6.Criteria (gen_criteria_json.go). */
export const CRITERIA: GoType = SHH_FLAVOUR.criteria

interface NewMessage {
  symKeyID?: string
  pubKey?: Uint8Array
  sig?: string
  ttl?: number
  topic?: Uint8Array
  payload?: Uint8Array
  padding?: Uint8Array
  powTime?: number
  powTarget?: number
  targetPeer?: string
}

interface Criteria {
  symKeyID?: string
  privateKeyID?: string
  sig?: Uint8Array
  minPow?: number
  topics?: Uint8Array[] | null
  allowP2P?: boolean
}

/** The RPC shape of a received message (api.go Message, in its field order); bytes in the flavour's encoding. */
export interface RpcMessage {
  sig?: string
  ttl: number
  timestamp: number
  topic: string
  payload: string
  padding: string
  pow: number
  hash: string
  recipientPublicKey?: string
  /** waku only: came in a trusted peer's direct packet (status-go's `P2P bool \`json:"bool,omitempty"\``) */
  bool?: true
  /**
   * Ours, not geth's: re-sealed by a version gateway, original verified (docs/relayed-messages.md).
   * `sig` above is then the gateway's key; this names the original sender (absent: unsigned).
   */
  relayed?: { sig?: string; address?: string; timestamp: number; shh: number; gateway: string }
}

/** geth's validateDataIntegrity for a 32-byte key: right size and not all zero. */
function validKey(k: Uint8Array, size: number): boolean {
  return k.length === size && !(size > 3 && k.every((b) => b === 0))
}

const isZeroTopic = (t: Uint8Array | undefined): boolean => !t || t.every((b) => b === 0)

/** geth's ToWhisperMessage; `dst` is the filter's public key for messages opened with a private key. */
function toRpcMessage(m: ReceivedMessage, flavour: ApiFlavour, dst?: Uint8Array): RpcMessage {
  const b = flavour.encodeMessageBytes
  const out: RpcMessage = {
    ttl: m.ttl,
    timestamp: m.sent,
    topic: encodeBytes(m.topic),
    payload: b(m.payload),
    padding: b(m.padding),
    pow: m.pow,
    hash: b(m.hash),
  }
  const ordered: RpcMessage = m.src ? { sig: b(m.src), ...out } : out
  if (!m.symmetric && dst) ordered.recipientPublicKey = b(dst)
  if (flavour.p2pField && (m as Partial<DeliveredMessage>).p2p === true) ordered.bool = true
  const r = (m as { relayed?: DeliveredMessage['relayed'] }).relayed
  if (r) {
    ordered.relayed = {
      ...(r.src ? { sig: encodeBytes(r.src) } : {}),
      ...(r.address ? { address: encodeBytes(r.address) } : {}),
      timestamp: r.sent,
      shh: r.shh,
      gateway: encodeBytes(r.by),
    }
  }
  return ordered
}

/** geth's Envelope.Seal failure text (our whisper layer words it differently). */
function sealErrorText(workTime: number): string {
  return `failed to reach the PoW target, specified pow time (${workTime} seconds) was insufficient`
}

export interface ShhApiOptions {
  /** shared with the node's other namespace (status-go's waku and whisper each hold their own; one node here) */
  keystore?: Keystore
  filters?: PollFiltersOptions
  /** the namespace and its encodings (default: geth's shh) */
  flavour?: ApiFlavour
}

/** One namespace's service: state shared by all connections of one node (keys, poll filters). */
export class ShhApi {
  readonly keystore: Keystore
  readonly filters: PollFilters
  readonly flavour: ApiFlavour

  constructor(
    private readonly backend: ShhBackend,
    opts: ShhApiOptions = {},
  ) {
    this.keystore = opts.keystore ?? new Keystore()
    this.filters = new PollFilters(backend, opts.filters)
    this.flavour = opts.flavour ?? SHH_FLAVOUR
  }

  version(): string {
    return this.flavour.version ?? PROTOCOL_VERSION_STR
  }

  /** geth's Info (waku's has no memory), and (ours) the unpolled filter messages dropped over the filters' bounds (filters.ts). */
  info(): { memory?: number; messages: number; minPow: number; maxMessageSize: number; droppedMessages: number } {
    const i = this.backend.info()
    const rest = { messages: i.messages, minPow: this.backend.minPow(), maxMessageSize: this.backend.maxMessageSize(), droppedMessages: this.filters.dropped }
    return this.flavour.infoMemory ? { memory: i.memory, ...rest } : rest
  }

  setMaxMessageSize(size: number): boolean {
    this.backend.setMaxMessageSize(size)
    return true
  }

  setMinPoW(pow: number): boolean {
    this.backend.setMinPow(pow)
    return true
  }

  setBloomFilter(bloom: Uint8Array): boolean {
    this.backend.setBloomFilter(bloom)
    return true
  }

  async markTrustedPeer(url: string): Promise<boolean> {
    const n = await parseNodeUrl(url)
    this.backend.markTrustedPeer(n.pubkey)
    return true
  }

  newKeyPair(): string {
    return this.keystore.newKeyPair()
  }

  addPrivateKey(key: Uint8Array): string {
    return this.keystore.addPrivateKey(key)
  }

  deleteKeyPair(id: string): boolean {
    if (this.keystore.deleteKeyPair(id)) return true
    throw new Error(`key pair ${id} not found`)
  }

  hasKeyPair(id: string): boolean {
    return this.keystore.hasKeyPair(id)
  }

  getPublicKey(id: string): string {
    return encodeBytes(this.keystore.getPublicKey(id))
  }

  getPrivateKey(id: string): string {
    return encodeBytes(this.keystore.getPrivateKey(id))
  }

  newSymKey(): string {
    return this.keystore.newSymKey()
  }

  addSymKey(key: Uint8Array): string {
    return this.keystore.addSymKey(key)
  }

  generateSymKeyFromPassword(password: string): Promise<string> {
    return this.keystore.addSymKeyFromPassword(password)
  }

  hasSymKey(id: string): boolean {
    return this.keystore.hasSymKey(id)
  }

  getSymKey(id: string): string {
    return encodeBytes(this.keystore.getSymKey(id))
  }

  deleteSymKey(id: string): boolean {
    return this.keystore.deleteSymKey(id)
  }

  makeLightClient(): boolean {
    this.backend.setLightClient(true)
    return this.backend.lightClient()
  }

  cancelLightClient(): boolean {
    this.backend.setLightClient(false)
    return !this.backend.lightClient()
  }

  /** shh_post: returns the envelope hash. */
  async post(req: NewMessage): Promise<string> {
    const symKeyGiven = (req.symKeyID ?? '').length > 0
    const pubKeyGiven = (req.pubKey?.length ?? 0) > 0
    if (symKeyGiven === pubKeyGiven) throw new Error(ERR_SYM_ASYM)

    const powTarget = req.powTarget ?? 0
    const powTime = req.powTime ?? 0
    const topic = req.topic ?? new Uint8Array(4)
    const params: WrapParams = {
      ttl: req.ttl ?? 0,
      payload: req.payload ?? new Uint8Array(0),
      padding: req.padding && req.padding.length > 0 ? req.padding : undefined,
      workTime: powTime,
      pow: powTarget,
      topic,
    }
    if ((req.sig ?? '').length > 0) params.src = this.keystore.getPrivateKey(req.sig as string)
    if (symKeyGiven) {
      if (isZeroTopic(req.topic)) throw new Error(ERR_NO_TOPICS)
      const key = this.keystore.getSymKey(req.symKeyID as string)
      if (!validKey(key, 32)) throw new Error(ERR_INVALID_SYMMETRIC_KEY)
      params.symKey = key
    }
    if (pubKeyGiven) {
      if (!isValidPublicKey(req.pubKey as Uint8Array)) throw new Error(ERR_INVALID_PUBLIC_KEY)
      params.dst = req.pubKey
    }
    const targetPeer = req.targetPeer ?? ''
    // geth seals first and checks the node's minimum afterwards; without a PoW target the outcome is
    // known before sealing, so skip the work (a negative target would otherwise burn powTime seconds)
    if (targetPeer === '' && powTarget <= 0 && powTarget < this.backend.minPow()) throw new Error(ERR_TOO_LOW_POW)

    let env: Envelope
    try {
      env = await this.backend.wrap(params)
    } catch (e) {
      if (isWhisperError(e, 'pow') || (e instanceof Error && (e as { code?: string }).code === 'pow')) throw new Error(sealErrorText(powTime))
      throw e
    }
    if (targetPeer !== '') {
      let n
      try {
        n = await parseNodeUrl(targetPeer)
      } catch (e) {
        throw new Error(`failed to parse target peer: ${(e as Error).message}`)
      }
      this.backend.sendP2P(n.pubkey, env)
      return encodeBytes(envelopeHash(env))
    }
    if (powTarget < this.backend.minPow()) throw new Error(ERR_TOO_LOW_POW)
    this.backend.send(env)
    return encodeBytes(envelopeHash(env))
  }

  /** The checks shared by shh_newMessageFilter and shh_subscribe("messages"), in geth's order for each. */
  private criteria(c: Criteria, forSubscription: boolean): { criteria: FilterCriteria; dst?: Uint8Array } {
    const symKeyGiven = (c.symKeyID ?? '').length > 0
    const asymKeyGiven = (c.privateKeyID ?? '').length > 0
    if (symKeyGiven === asymKeyGiven) throw new Error(ERR_SYM_ASYM)
    const out: FilterCriteria = { topics: (c.topics ?? []).map((t) => Uint8Array.from(t)), minPow: c.minPow ?? 0, allowP2P: c.allowP2P ?? false }
    if (c.sig && c.sig.length > 0) {
      if (!isValidPublicKey(c.sig)) throw new Error(ERR_INVALID_SIGNING_PUB_KEY)
      out.src = c.sig
    }
    let dst: Uint8Array | undefined
    if (symKeyGiven) {
      if (forSubscription && out.topics.length === 0) throw new Error(ERR_NO_TOPICS)
      const key = this.keystore.getSymKey(c.symKeyID as string)
      if (!validKey(key, 32)) throw new Error(ERR_INVALID_SYMMETRIC_KEY)
      out.symKey = key
    }
    if (asymKeyGiven) {
      let key: Uint8Array
      try {
        key = this.keystore.getPrivateKey(c.privateKeyID as string)
      } catch (e) {
        // Messages() hides the keystore's reason; NewMessageFilter passes it on
        if (forSubscription) throw new Error(ERR_INVALID_PUBLIC_KEY)
        throw e
      }
      out.privateKey = key
      dst = publicKeyOf(key)
    }
    return { criteria: out, dst }
  }

  /** shh_newMessageFilter: the id to poll with shh_getFilterMessages. */
  newMessageFilter(c: Criteria): string {
    const { criteria, dst } = this.criteria(c, false)
    const id = this.filters.create(criteria)
    if (dst) this.dsts.set(id, dst)
    return id
  }

  private readonly dsts = new Map<string, Uint8Array>()

  getFilterMessages(id: string): RpcMessage[] {
    const msgs = this.filters.retrieve(id)
    const dst = this.dsts.get(id)
    return msgs.map((m) => toRpcMessage(m, this.flavour, dst))
  }

  deleteMessageFilter(id: string): boolean {
    if (!this.filters.has(id)) throw new Error(this.flavour.unknownFilter(id))
    this.filters.delete(id)
    this.dsts.delete(id)
    return true
  }

  /** waku_uninstallFilter: DeleteMessageFilter without an answer (status-go ignores Unsubscribe's error). */
  uninstallFilter(id: string): null {
    if (this.filters.has(id)) this.deleteMessageFilter(id)
    return null
  }

  /** shh_subscribe("messages", criteria): starts delivery, returns the cleanup. */
  subscribeMessages(c: Criteria, notify: (m: RpcMessage) => void): () => void {
    const { criteria, dst } = this.criteria(c, true)
    const id = this.backend.subscribe(criteria, (m) => notify(toRpcMessage(m, this.flavour, dst)))
    return () => {
      this.backend.unsubscribe(id)
    }
  }

  /** Drops every poll filter and key (node shutdown). */
  close(): void {
    this.filters.close()
    this.dsts.clear()
    this.keystore.clear()
  }

  /** Registers the `<namespace>_*` methods and the "messages" subscription on `server`. */
  register(server: RpcServer): void {
    const f = this.flavour
    const m = (name: string, params: GoType[], call: (args: unknown[]) => unknown): void =>
      server.register(f.namespace, name, { params, call: (args) => call(args) })
    if (f.version !== undefined) m('version', [], () => this.version())
    m('info', [], () => this.info())
    m('setMaxMessageSize', [T.uint32], ([n]) => this.setMaxMessageSize(n as number))
    m('setMinPoW', [T.float64], ([n]) => this.setMinPoW(n as number))
    m('setBloomFilter', [T.bytes], ([b]) => this.setBloomFilter(b as Uint8Array))
    m('markTrustedPeer', [T.string], ([u]) => this.markTrustedPeer(u as string))
    m('newKeyPair', [], () => this.newKeyPair())
    m('addPrivateKey', [T.bytes], ([k]) => this.addPrivateKey(k as Uint8Array))
    m('deleteKeyPair', [T.string], ([id]) => this.deleteKeyPair(id as string))
    m('hasKeyPair', [T.string], ([id]) => this.hasKeyPair(id as string))
    m('getPublicKey', [T.string], ([id]) => this.getPublicKey(id as string))
    m('getPrivateKey', [T.string], ([id]) => this.getPrivateKey(id as string))
    m('newSymKey', [], () => this.newSymKey())
    m('addSymKey', [T.bytes], ([k]) => this.addSymKey(k as Uint8Array))
    m('generateSymKeyFromPassword', [T.string], ([p]) => this.generateSymKeyFromPassword(p as string))
    m('hasSymKey', [T.string], ([id]) => this.hasSymKey(id as string))
    m('getSymKey', [T.string], ([id]) => this.getSymKey(id as string))
    m('deleteSymKey', [T.string], ([id]) => this.deleteSymKey(id as string))
    m('makeLightClient', [], () => this.makeLightClient())
    m('cancelLightClient', [], () => this.cancelLightClient())
    m('post', [f.newMessage], ([req]) => this.post(req as NewMessage))
    m('newMessageFilter', [f.criteria], ([c]) => this.newMessageFilter(c as Criteria))
    m('getFilterMessages', [T.string], ([id]) => this.getFilterMessages(id as string))
    m('deleteMessageFilter', [T.string], ([id]) => this.deleteMessageFilter(id as string))
    if (f.uninstallFilter) m('uninstallFilter', [T.string], ([id]) => this.uninstallFilter(id as string))
    server.registerSubscription(f.namespace, 'messages', {
      params: [f.criteria],
      subscribe: ([c], notify) => this.subscribeMessages(c as Criteria, notify),
    })
  }
}
