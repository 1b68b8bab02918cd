// Deliberately broken whisper nodes for the conformance tests: a raw RLPx server in front of a real
// WhisperNode. Each client connection gets its own upstream connection to the node
// (RawShhConnection), and every shh packet passes through a fault hook that may rewrite, hold,
// duplicate or swallow it. With no fault the proxy is transparent (the suite passes through it).
import { secp256k1 } from '@noble/curves/secp256k1.js'
import * as snappy from 'snappyjs'
import type { Capabilities, Peer } from '../../src/p2p/devp2p/index.js'
import { formatEnode, parseEnode } from '../../src/p2p/enode.js'
import { RawShhConnection } from '../../src/p2p/raw-shh-connection.js'
import { fullBloom } from '../../src/whisper/bloom.js'
import { envelopePow, envelopeSent } from '../../src/whisper/envelope.js'
import { decodeMessages, encodeMessages, float64ToBits } from '../../src/whisper/packets.js'
import { rlpDecodeFirst, rlpEncode, type RlpItem } from '../../src/whisper/rlp.js'
import type { StatusOptions } from '../../src/waku/options.js'
import { decodeWakuStatus, encodeWakuStatus } from '../../src/waku/status.js'
import { decodeRequestComplete, encodeRequestCompleted } from '../../src/waku/request-complete.js'
import { listenRlpx } from '../support/rlpx-listener.js'

export interface Link {
  toClient(code: number, payload: Uint8Array): void
  toNode(code: number, payload: Uint8Array): void
  clientStatusSeen: boolean
  held: [number, Uint8Array][]
}

export interface Fault {
  /** a packet from the node on its way to the client; default: pass it on */
  fromNode?(link: Link, code: number, payload: Uint8Array): void
  /** a packet from the client on its way to the node; default: pass it on */
  fromClient?(link: Link, code: number, payload: Uint8Array): void
}

export interface FaultProxy {
  enode: string
  close(): Promise<void>
}

/** `waku`: the proxy offers (and speaks upstream) waku/1 instead of shh/5 and shh/6. */
export async function startFaultProxy(nodeEnode: string, fault: Fault = {}, opts: { waku?: boolean } = {}): Promise<FaultProxy> {
  const upstreamTarget = parseEnode(nodeEnode)
  const privateKey = secp256k1.utils.randomSecretKey()
  const id = Buffer.from(secp256k1.getPublicKey(privateKey, false).subarray(1)).toString('hex')
  const uplinks = new Set<RawShhConnection>()

  class ProxiedShh {
    constructor(version: number, peer: Peer, send: (code: number, data: Uint8Array) => void) {
      const queue: [number, Uint8Array][] = []
      let up: RawShhConnection | null = null
      const compress = () => (peer.getHelloMessage()?.protocolVersion ?? 0) >= 5
      const link: Link = {
        clientStatusSeen: false,
        held: [],
        toClient: (code, payload) => {
          try {
            send(code, compress() ? snappy.compress(payload) : payload)
          } catch {
            // client gone
          }
        },
        toNode: (code, payload) => {
          if (up && up.send(code, payload)) return
          queue.push([code, payload])
        },
      }
      this.handle = (code, data) => (fault.fromClient ? fault.fromClient(link, code, data) : link.toNode(code, data))
      const upCaps = opts.waku ? [{ name: 'waku', version }] : undefined
      void RawShhConnection.open({ target: upstreamTarget, shh: opts.waku ? 6 : (version as 5 | 6), capabilities: upCaps, status: 'none', timeoutMs: 5000 }).then((u) => {
        up = u
        uplinks.add(u)
        u.on('packet', (p: { code: number; payload: Uint8Array }) => (fault.fromNode ? fault.fromNode(link, p.code, p.payload) : link.toClient(p.code, p.payload)))
        const flush = setInterval(() => {
          while (queue.length > 0 && u.send(queue[0][0], queue[0][1])) queue.shift()
          if (!u.isOpen) clearInterval(flush)
        }, 10)
        void u.closed.then((c) => {
          clearInterval(flush)
          uplinks.delete(u)
          if (c.byUs) return
          try {
            peer.disconnect((c.reason ?? 0x10) as never)
          } catch {
            // already closing
          }
        })
        peer.events.once('close', () => u.close())
      }, () => peer.disconnect(0x01 as never))
    }
    handle: (code: number, data: Uint8Array) => void
    _handleMessage(code: number, data: Uint8Array): void {
      this.handle(code, data)
    }
  }

  const capabilities: Capabilities[] = opts.waku
    ? [{ name: 'waku', version: 1, length: 128, constructor: ProxiedShh as unknown as Capabilities['constructor'] }]
    : [5, 6].map((v) => ({ name: 'shh', version: v, length: v === 5 ? 64 : 128, constructor: ProxiedShh as unknown as Capabilities['constructor'] }))
  const listener = await listenRlpx(privateKey, { capabilities, clientId: 'fault-proxy/v0', maxPeers: 200, ignoreErrors: true })
  let closing: Promise<void> | null = null
  return {
    enode: formatEnode({ id, host: '127.0.0.1', port: listener.port }),
    async close() {
      if (closing) return closing
      closing = shut()
      return closing
    },
  }
  async function shut(): Promise<void> {
    for (const u of uplinks) u.close()
    await listener.close()
  }
}

function rewriteStatus(payload: Uint8Array, edit: (items: RlpItem[]) => RlpItem[]): Uint8Array {
  let items: RlpItem
  try {
    items = rlpDecodeFirst(payload)
  } catch {
    return payload
  }
  // only well-formed statuses are rewritten: the bad ones the suite sends must reach the node as sent
  if (!Array.isArray(items)) return payload
  return rlpEncode(edit([...items]) as never)
}

/** The fault classes the issue names (the RPC one is built on the node itself, see the test). */
export const FAULTS: Record<string, Fault> = {
  // the node announces PoW 2 but enforces its real 0.2
  'wrong-pow': {
    fromNode(l, code, p) {
      l.toClient(code, code === 0 ? rewriteStatus(p, (it) => ((it[1] = uintBytes(float64ToBits(2))), it)) : p)
    },
  },
  // nothing the client sends ever costs it the connection: bad envelopes and packets are swallowed
  'no-validation': {
    fromClient(l, code, p) {
      if (code !== 1) return l.toNode(code, p)
      let envs
      try {
        envs = decodeMessages(6, p)
      } catch {
        return
      }
      const now = Math.floor(Date.now() / 1000)
      const ok = envs.filter((e) => envelopeSent(e) <= now + 10 && e.expiry >= now && envelopePow(e) >= 0.2)
      if (ok.length > 0) l.toNode(1, encodeMessages(6, ok))
    },
  },
  // the node's status is held back until the client's arrives
  'status-in-reply': {
    fromNode(l, code, p) {
      if (code === 0 && !l.clientStatusSeen) return void l.held.push([code, p])
      l.toClient(code, p)
    },
    fromClient(l, code, p) {
      l.toNode(code, p)
      if (code === 0 && !l.clientStatusSeen) {
        l.clientStatusSeen = true
        for (const [c, q] of l.held.splice(0)) l.toClient(c, q)
      }
    },
  },
  'extra-status-fields': {
    fromNode(l, code, p) {
      l.toClient(code, code === 0 ? rewriteStatus(p, (it) => [...it, Uint8Array.of(42)]) : p)
    },
  },
  // every messages packet also goes back to its sender
  'echo-to-sender': {
    fromClient(l, code, p) {
      l.toNode(code, p)
      if (code === 1) setTimeout(() => l.toClient(1, p), 300)
    },
  },
  // the client's bloom never reaches the node: it sends everything
  'ignores-bloom': {
    fromClient(l, code, p) {
      if (code === 3 && p.length === 66) return // a well-formed 64-byte bloom update
      const full = (it: RlpItem[]) => (it[2] instanceof Uint8Array && it[2].length === 64 ? ((it[2] = fullBloom()), it) : it)
      l.toNode(code, code === 0 ? rewriteStatus(p, full) : p)
    },
  },
}

function uintBytes(x: bigint): Uint8Array {
  let h = x.toString(16)
  if (h.length % 2) h = '0' + h
  return x === 0n ? new Uint8Array(0) : Uint8Array.from(Buffer.from(h, 'hex'))
}

/** A waku/1 status (options) rewritten through its decoded form; one that does not decode passes as sent. */
function rewriteWakuStatus(payload: Uint8Array, edit: (o: StatusOptions) => StatusOptions): Uint8Array {
  try {
    return encodeWakuStatus(1, edit(decodeWakuStatus(1, payload)))
  } catch {
    return payload
  }
}

/** Broken Waku nodes (a waku/1 proxy in front of a real node), one per check of the waku group. */
export const WAKU_FAULTS: Record<string, Fault> = {
  // the node's status is sent as waku/0's [version, options]: it does not decode as waku/1's
  'waku-v0-status': {
    fromNode(l, code, p) {
      l.toClient(code, code === 0 ? rlpEncode([1, rlpDecodeFirst(p) as never]) : p)
    },
  },
  // the client's topic interest never reaches the node (a full bloom instead): it is sent everything
  'waku-no-interest': {
    fromClient(l, code, p) {
      l.toNode(code, code === 0 ? rewriteWakuStatus(p, ({ topicInterest: _t, ...o }) => ({ ...o, bloomFilter: fullBloom() })) : p)
    },
  },
  // status updates are swallowed
  'waku-no-update': {
    fromClient(l, code, p) {
      if (code !== 22) l.toNode(code, p)
    },
  },
  // the node says it is a light node but keeps light peers
  'waku-says-light': {
    fromNode(l, code, p) {
      l.toClient(code, code === 0 ? rewriteWakuStatus(p, (o) => ({ ...o, lightNode: true })) : p)
    },
  },
  // the node announces a packet rate limit it does not enforce
  'waku-says-limit': {
    fromNode(l, code, p) {
      l.toClient(code, code === 0 ? rewriteWakuStatus(p, (o) => ({ ...o, packetRateLimits: { ip: 10, peerId: 5, topic: 0 } })) : p)
    },
  },
  // a mail server that drops the cursor: every request-complete says "last page"
  'waku-no-cursor': {
    fromNode(l, code, p) {
      if (code !== 125) return l.toClient(code, p)
      const rc = decodeRequestComplete(p)
      l.toClient(code, rc.ok ? encodeRequestCompleted(rc.requestId, rc.lastEnvelopeHash, null) : p)
    },
  },
  // the batch acknowledgement comes before the message response
  'waku-ack-first': {
    fromNode(l, code, p) {
      if (code === 12) return void l.held.push([code, p])
      l.toClient(code, p)
      if (code === 11) for (const [c, q] of l.held.splice(0)) l.toClient(c, q)
    },
  },
}
