// What a conformance check is and what it yields. Checks are data (id, group, rule, source) plus one
// async function over a SuiteContext; the runner schedules them, the reporters print them.
import type { ShhVersion } from '../whisper/envelope.js'
import type { SuiteContext } from './context.js'

export const GROUPS = ['rlpx', 'status', 'envelope', 'forward', 'packets', 'p2p', 'mail', 'limits', 'rpc'] as const
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
  /** run once per probe (on the highest shh version tested), not once per version */
  once?: boolean
  /** changes node settings over RPC: runs alone, after the others */
  exclusive?: boolean
  /** part of `--quick` (the 7 checks the first probe made) */
  quick?: boolean
  run(ctx: SuiteContext): Promise<Outcome>
}

export interface CheckResult {
  id: string
  group: Group
  shh: ShhVersion | null
  status: 'pass' | 'fail' | 'skip'
  detail: string
  rule: string
  source: string
  ms: number
}

export interface SuiteReport {
  target: string
  /** the node as seen on the baseline connection */
  node: {
    clientId: string
    baseProtocol: number
    capabilities: string[]
    shh: ShhVersion[]
    status: Record<string, { minPow?: number; bloom?: string; lightNode?: boolean }>
  } | null
  rpc: string | null
  results: CheckResult[]
  passed: number
  failed: number
  skipped: number
  ms: number
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
