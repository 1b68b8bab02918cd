// Shared helpers for the p2p tests: hosts on 127.0.0.1 with ephemeral ports, event waits with a
// deadline (a missed event fails the test instead of hanging it), geth fixture envelopes.
import { readFileSync } from 'node:fs'
import { EventEmitter as NodeEmitter } from 'node:events'
import { waitEvent } from '../support/wait-event.js'
import type { Socket } from 'node:net'
import { newRLPx, peerSocket, rlpxPendingSockets, rlpxSocket, type Capabilities, type Peer, type RLPx } from '../../src/p2p/devp2p/index.js'
import * as snappy from 'snappyjs'
import { P2PHost, type DialEvent, type DialResult, type DialScheduled, type P2PHostOptions } from '../../src/p2p/host.js'
import type { Connections } from '../../src/p2p/connections.js'
import { generateNodeKey } from '../../src/p2p/nodekey.js'
import type { ShhPeer } from '../../src/p2p/shh-peer.js'
import { decodeEnvelope, type Envelope, type ShhVersion } from '../../src/whisper/envelope.js'

export const DEBUG = process.env.P2P_TEST_LOG === '1'
const hostLogs = new WeakMap<P2PHost, string[]>()
const hostDials = new WeakMap<P2PHost, DialLog>()

export function logsOf(host: P2PHost): string[] {
  return hostLogs.get(host) ?? []
}

/** Every dial event of a host made by makeHost(), from its construction on. */
export interface DialLog {
  started: DialEvent[]
  results: DialResult[]
  scheduled: DialScheduled[]
}

export function dialsOf(host: P2PHost): DialLog {
  return hostDials.get(host)!
}

/** The sockets a host holds a connection record for (its private registry: for leak checks). */
export function trackedSockets(host: P2PHost): Set<Socket> {
  return (host as unknown as { conns: Connections }).conns.sockets()
}

export const failedDials = (host: P2PHost): DialResult[] => dialsOf(host).results.filter((r) => !r.ok)

export function makeHost(opts: Partial<P2PHostOptions> = {}): P2PHost {
  const logs: string[] = []
  const host = new P2PHost({
    privateKey: generateNodeKey(),
    listen: { host: '127.0.0.1', port: 0 },
    redialMinMs: 50,
    redialMaxMs: 400,
    logger: (level, msg) => {
      logs.push(msg)
      if (DEBUG) process.stderr.write(`[${level}] ${msg}\n`)
    },
    ...opts,
  })
  hostLogs.set(host, logs)
  const dials: DialLog = { started: [], results: [], scheduled: [] }
  host.on('dial', (d) => dials.started.push(d))
  host.on('dial:result', (r) => dials.results.push(r))
  host.on('dial:scheduled', (s) => dials.scheduled.push(s))
  hostDials.set(host, dials)
  return host
}

export { waitEvent }

export function waitPeer(host: P2PHost, id?: string, ms?: number): Promise<ShhPeer> {
  // these hosts offer shh only: every peer of theirs is an shh peer
  const existing = host.peers().find((p) => id === undefined || p.id === id)
  if (existing) return Promise.resolve(existing as unknown as ShhPeer)
  return waitEvent<[ShhPeer]>(host, 'peer', (p) => id === undefined || p.id === id, ms).then(([p]) => p)
}

export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)))
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer))
}

export async function until(cond: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

interface FixtureFile {
  envelopes: { name: string; rlp: string }[]
  messagesPacket: { rlp: string; envelopeNames: string[] }
  status: { rlp: string }[]
  powRequirementPacket?: { pow: number; rlp: string }
  bloomFilterExPacket?: { rlp: string; topic: string }
  bloom?: { topic: string; bloom: string }[]
}

export function fixture(shh: ShhVersion): FixtureFile {
  return JSON.parse(readFileSync(new URL(`../../fixtures/shh${shh}-geth.json`, import.meta.url), 'utf8')) as FixtureFile
}

export function fixtureEnvelopes(shh: ShhVersion): { name: string; rlp: Uint8Array; env: Envelope }[] {
  return fixture(shh).envelopes.map((e) => {
    const rlp = Uint8Array.from(Buffer.from(e.rlp, 'hex'))
    return { name: e.name, rlp, env: decodeEnvelope(shh, rlp) }
  })
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

// ---- a "raw" peer: devp2p's RLPx with a bare-bones shh protocol whose every byte the test controls ----


export class RawShh extends NodeEmitter {
  readonly received: [number, Uint8Array][] = []
  constructor(
    readonly version: number,
    readonly peer: Peer,
    private readonly sendFn: (code: number, data: Uint8Array) => void,
  ) {
    super()
  }
  _handleMessage(code: number, data: Uint8Array): void {
    this.received.push([code, data])
    this.emit('message', code, data)
  }
  // compress=false sends the payload raw even though the host speaks base protocol 5 (hostile)
  send(code: number, payload: Uint8Array, compress = true): void {
    this.sendFn(code, compress ? snappy.compress(payload) : payload)
  }
  nextMessage(code?: number, ms = 10_000): Promise<Uint8Array> {
    const have = this.received.find(([c]) => code === undefined || c === code)
    if (have) {
      this.received.splice(this.received.indexOf(have), 1)
      return Promise.resolve(have[1])
    }
    return waitEvent<[number, Uint8Array]>(this, 'message', (c) => code === undefined || c === code, ms).then(([c, d]) => {
      const i = this.received.findIndex(([cc, dd]) => cc === c && dd === d)
      if (i >= 0) this.received.splice(i, 1)
      return d
    })
  }
}

export interface RawPeer {
  rlpx: RLPx
  id: string
  protocol: Promise<RawShh>
  removed: Promise<{ reason: number; byUs: boolean | null }> // only for peers past the hello
  socketClosed: Promise<void> // the TCP connection is gone, whatever the stage
  close(): Promise<void>
}

// Dials `host` from a fresh RLPx whose only capability is `caps` (default shh/6), no listener.
export function rawPeer(target: P2PHost, caps: { name: string; version: number; length: number }[] = [{ name: 'shh', version: 6, length: 128 }]): RawPeer {
  const key = generateNodeKey()
  let resolveProto!: (p: RawShh) => void
  const protocol = new Promise<RawShh>((r) => (resolveProto = r))
  const capabilities: Capabilities[] = caps.map((c) => {
    class Bound extends RawShh {
      constructor(v: number, peer: Peer, send: (code: number, data: Uint8Array) => void) {
        super(v, peer, send)
        // like any protocol, only talk after both hellos
        peer.events.once('connect', () => resolveProto(this))
      }
    }
    return { ...c, constructor: Bound as unknown as Capabilities['constructor'] }
  })
  const rlpx = newRLPx(key, { capabilities, maxPeers: 10, listenPort: null })
  const removed = new Promise<{ reason: number; byUs: boolean | null }>((resolve) => {
    rlpx.events.on('peer:removed', (_p, reason, byUs) => resolve({ reason, byUs }))
  })
  const enode = target.enode
  const m = /^enode:\/\/([0-9a-f]{128})@([\d.]+):(\d+)/.exec(enode)!
  const socketClosed = rlpx
    .connect({ id: Uint8Array.from(Buffer.from(m[1], 'hex')), address: m[2], tcpPort: Number(m[3]) })
    .then(() => {
      const s = rlpxSocket(rlpx, m[1])
      return new Promise<void>((r) => (!s || s.closed ? r() : s.once('close', () => r())))
    })
  return {
    rlpx,
    id: Buffer.from(rlpx.id).toString('hex'),
    protocol,
    removed,
    socketClosed,
    close: async () => {
      const sockets: Socket[] = [...rlpx.getPeers().map(peerSocket), ...rlpxPendingSockets(rlpx)]
      try {
        rlpx.destroy()
      } catch {
        // already destroyed
      }
      for (const s of sockets) s.destroy()
      await Promise.all(sockets.map((s) => new Promise<void>((r) => (s.closed ? r() : s.once('close', () => r())))))
    },
  }
}

// The hosts and raw peers a test file starts, all stopped by stop() after each test: raw peers first,
// so no host is left waiting on a raw connection while it shuts down.
export interface Started {
  hosts: P2PHost[]
  raws: RawPeer[]
  /** makeHost(), stopped by stop() */
  host(opts?: Partial<P2PHostOptions>): P2PHost
  stop(): Promise<void>
}

export function started(): Started {
  const hosts: P2PHost[] = []
  const raws: RawPeer[] = []
  return {
    hosts,
    raws,
    host(opts) {
      const h = makeHost(opts)
      hosts.push(h)
      return h
    },
    async stop() {
      await Promise.all(raws.splice(0).map((r) => r.close()))
      await Promise.all(hosts.splice(0).map((h) => h.stop()))
    },
  }
}
