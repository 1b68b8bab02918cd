// P2PHost's options, events and errors (host.ts re-exports them): shared by the host's parts.
import type { ShhVersion } from '../whisper/envelope.js'
import { LogLevel, type LogSink } from '../log/log.js'
import type { InboundGateOptions } from './conn-limits.js'
import type { Cap, NetPeer, OurStatus } from './net-peer.js'

export interface P2PHostOptions {
  privateKey: Uint8Array
  listen?: { host: string; port: number } // no listening socket when absent
  shhVersions?: ShhVersion[] // default [5, 6]; devp2p picks the highest version both sides offer
  protocols?: Cap[] // instead of shhVersions: e.g. ['shh/6', 'waku/1']; the highest common version per family runs
  status?: Partial<OurStatus> // the rest of our status (Waku: topic interest, confirmations, rate limits)
  maxPeers?: number // default 80
  staticPeers?: string[] // enode URLs: dialled, redialled with backoff
  trustedPeers?: string[] // enode URLs or node ids: allowed over maxPeers, marked trusted (p2p messages)
  bootnodes?: string[] // enode URLs: dialled at start, and discovery seeds
  discovery?: boolean // discv4 (UDP) on; default false
  clientId?: string // default p2pmessage/vX/os-arch/nodejsN
  minPow?: number // our status (v6), default 0.2
  bloom?: Uint8Array | null // our status (v6): 64 bytes, null = full node (accept all), default null
  lightNode?: boolean // our status (v6), default false
  maxMessageSize?: number // packets above this drop the peer (geth), default 1 MiB
  statusTimeoutMs?: number // shh status deadline after hello, default 5000
  handshakeTimeoutMs?: number // TCP connect + RLPx handshake deadline, default 10000
  redialMinMs?: number // first static-peer redial delay, default 1000 (doubles per failure)
  redialMaxMs?: number // backoff ceiling, default 60000
  logger?: LogSink // geth levels: 1 error .. 5 trace
  limits?: HostLimits // see conn-limits.ts; defaults are geth's
}

export interface HostLimits extends InboundGateOptions {
  frameReadTimeoutMs?: number // default 30000
  frameWriteTimeoutMs?: number // default 20000
  maxQueuedBytes?: number // unwritten bytes per peer before it is dropped
}

/** static and bootnode: the host's dial targets; discovered: a node discv4 found. */
export type DialKind = 'static' | 'bootnode' | 'discovered'

/** A dial starts (TCP connect, then the RLPx handshake). */
export interface DialEvent {
  id: string
  host: string
  port: number
  kind: DialKind
}

/** How a dial ended: ok once both hellos are through; else why (TCP error, handshake timeout, ...). */
export interface DialResult {
  id: string
  kind: DialKind
  ok: boolean
  error?: string
}

/** A static peer or bootnode will be dialled again in `inMs` (exponential backoff). */
export interface DialScheduled {
  id: string
  kind: DialKind
  inMs: number
}

export interface P2PHostEvents {
  peer: [peer: NetPeer]
  'peer:removed': [peer: NetPeer, reason: number]
  dial: [dial: DialEvent]
  'dial:result': [result: DialResult]
  'dial:scheduled': [next: DialScheduled]
}

export class P2PHostError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'P2PHostError'
    this.code = code
  }
}

/** What a host has moved on the wire since start (P2PHost.traffic()). */
export interface HostTraffic {
  /** TCP bytes of every RLPx socket, framing included (geth's p2p ingress/egress meters) */
  ingressBytes: number
  egressBytes: number
  /** sub-protocol (shh, waku) packets read and written */
  packetsIn: number
  packetsOut: number
}

/** A peer we dial (static or bootnode), as the host sees it now. */
export interface DialTargetStatus {
  /** Node id, 128 hex digits. */
  id: string
  /** Address dialled. */
  host: string
  /** TCP port dialled. */
  port: number
  /** A static peer (redialled for ever) or a bootnode. */
  kind: 'static' | 'bootnode'
  /** Connected now. */
  connected: boolean
  /** Why the last dial failed (e.g. refused, another node id, no shared whisper version). */
  lastError?: string
  /** What the last failed dial got, by kind, until one succeeds. */
  failure?: DialFailure
}

/**
 * What a failed TCP dial got, as a user counts it. The first three fail outright (the network says no at
 * once); a timeout may be a slow network; `other` is anything else (a reset, a closed handshake...).
 */
export type DialFailure = 'network unreachable' | 'host unreachable' | 'connection refused' | 'timed out' | 'other'

export const OUTRIGHT_DIAL_FAILURES: readonly DialFailure[] = ['network unreachable', 'host unreachable', 'connection refused']

export function dialFailureOf(err: unknown): DialFailure {
  const code = (err as NodeJS.ErrnoException | null)?.code
  const text = errText(err)
  if (code === 'ENETUNREACH' || /\bENETUNREACH\b/.test(text)) return 'network unreachable'
  if (code === 'EHOSTUNREACH' || /\bEHOSTUNREACH\b/.test(text)) return 'host unreachable'
  if (code === 'ECONNREFUSED' || /\bECONNREFUSED\b/.test(text)) return 'connection refused'
  if (code === 'ETIMEDOUT' || /\bETIMEDOUT\b|Connection timeout/i.test(text)) return 'timed out'
  return 'other'
}

// the shared logger's levels, by the short names the host's parts use
export const { error: ERROR, info: INFO, debug: DEBUG, trace: TRACE } = LogLevel

export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

export function errText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name
  return String(err)
}

export function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}

/** Where the host is reachable from outside: a wildcard listen address is advertised as loopback. */
export function advertisedHost(host: string | undefined): string {
  if (host === undefined || host === '' || host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host
}
