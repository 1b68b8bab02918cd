// What a conformance check is and what it yields. Checks are data (id, group, rule, source) plus one
// async function over a SuiteContext; the runner schedules them, the reporters print them.
import type { WakuVersion } from '../waku/codes.js'
import type { ShhVersion } from '../whisper/envelope.js'
import type { SuiteContext } from './context.js'

/**
 * The check groups, in report order: RLPx handshake, status exchange, envelope validation, forwarding,
 * control packets, p2p messages, mail server, limits, JSON-RPC, then Waku (run over waku/1 and waku/0).
 */
export const GROUPS = ['rlpx', 'status', 'envelope', 'forward', 'packets', 'p2p', 'mail', 'limits', 'rpc', 'waku'] as const
/** One of GROUPS. */
export type Group = (typeof GROUPS)[number]

export type Outcome =
  | { status: 'pass'; detail: string }
  | { status: 'fail'; detail: string }
  | { status: 'skip'; detail: string }

export interface Check {
  /** stable id, `group.name` */
  id: string
  group: Group
  /** the rule in one line, saying which behaviour is expected for which geth version when they differ */
  rule: string
  /** EIP-627 section, or the geth behaviour and the versions it holds for */
  source: string
  /** shh versions the rule applies to (not listed for the others); default both */
  versions?: ShhVersion[]
  /** the waku group's: waku versions the rule applies to; default both */
  wakuVersions?: WakuVersion[]
  /** run once per probe (on the highest shh version tested), not once per version */
  once?: boolean
  /** changes node settings over RPC: runs alone, after the others */
  exclusive?: boolean
  /** part of `--quick` (the 7 checks the first probe made) */
  quick?: boolean
  run(ctx: SuiteContext): Promise<Outcome>
}

/** The outcome of one check on one protocol version. */
export interface CheckResult {
  /** Stable id, `group.name`. */
  id: string
  /** The check's group. */
  group: Group
  /** The version it ran on (null: a check of the connection, before any version, or a waku check). */
  shh: ShhVersion | null
  /** The waku group's: the capability it ran on, `waku/1` or `waku/0`. */
  cap?: string
  /** Passed, failed, or not applicable (why in `detail`). */
  status: 'pass' | 'fail' | 'skip'
  /** What was seen, in one line (for a failure: what was expected instead). */
  detail: string
  /** The rule checked, in one line. */
  rule: string
  /** Where the rule comes from: an EIP-627 section, or the geth behaviour and versions. */
  source: string
  /** Time the check took. */
  ms: number
}

/** Everything runSuite found: the node as seen, and one result per check and version. */
export interface SuiteReport {
  /** The enode URL probed. */
  target: string
  /** the node as seen on the baseline connection */
  node: {
    /** The client id from its devp2p hello. */
    clientId: string
    /** Its devp2p base protocol version. */
    baseProtocol: number
    /** The capabilities it offered, e.g. `shh/6`. */
    capabilities: string[]
    /** The shh versions shared with us (the ones tested). */
    shh: ShhVersion[]
    /** The waku versions shared with us (tested when the waku group runs), waku/1 first. */
    waku?: (0 | 1)[]
    /** Per version tested (`shh/6`): the announced minimum PoW, bloom and light flag. */
    status: Record<string, {
      /** Announced minimum PoW (v6). */
      minPow?: number
      /** Announced bloom, hex (v6). */
      bloom?: string
      /** Announced light-node flag (v6). */
      lightNode?: boolean
    }>
  } | null
  /** The JSON-RPC URL used, when one was given. */
  rpc: string | null
  /** In report order. */
  results: CheckResult[]
  /** Results that passed. */
  passed: number
  /** Results that failed. */
  failed: number
  /** Results that were skipped. */
  skipped: number
  /** Duration of the whole run. */
  ms: number
  /** No check failed. */
  ok: boolean
  /** the most connections to the node the suite held at once */
  maxConnections: number
  /** how many of them the node refused with TOO_MANY_PEERS (checks refused throughout are skipped) */
  refusedSlots: number
}

export const pass = (detail: string): Outcome => ({ status: 'pass', detail })
export const fail = (detail: string): Outcome => ({ status: 'fail', detail })
export const skip = (detail: string): Outcome => ({ status: 'skip', detail })

/** Thrown inside a check to skip it (e.g. a precondition the node does not meet). */
export class SkipCheck extends Error {}
