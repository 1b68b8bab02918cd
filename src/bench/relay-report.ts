// What `bench relay` prints: one JSON object for programs (the figures of the run, or with rate
// 'max' of the best sustained step, plus every step) and a table for people.
import type { RelayLoadReport, StepResult } from './relay-load.js'

// the run's settings, and the figures of the headline step, in the --json object (in this order)
const SETTINGS = ['target', 'senders', 'receivers', 'payloadBytes', 'pow'] as const
const HEADLINE = ['sent', 'delivered', 'lost', 'duplicates', 'deliveredPerSec', 'latencyMsP50', 'latencyMsP99', 'latencyMsMax'] as const

export type RelaySummary = Pick<RelayLoadReport, (typeof SETTINGS)[number] | 'maxSustainedPerSec' | 'stoppedAt' | 'corpus' | 'warnings'> &
  Pick<StepResult, (typeof HEADLINE)[number] | 'generatorLimited' | 'disconnects'> & {
    /** the headline step's rate */
    rate: number
    steps: Omit<StepResult, 'latencySample'>[]
  }

/** The step the headline figures come from: the only one, or the best sustained one of a ramp. */
function headlineStep(r: RelayLoadReport): StepResult {
  if (r.maxSustainedPerSec === undefined) return r.steps[r.steps.length - 1]
  const ok = r.steps.filter((s) => s.sustained && s.targetPerSec === r.maxSustainedPerSec)
  return ok[0] ?? r.steps[0]
}

function pick<T, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>
}

export function summarize(r: RelayLoadReport): RelaySummary {
  const h = headlineStep(r)
  const out: RelaySummary = {
    ...pick(r, SETTINGS),
    rate: h.targetPerSec,
    ...pick(h, HEADLINE),
    disconnects: r.steps.reduce((a, s) => a + s.disconnects, 0),
    generatorLimited: r.steps.some((s) => s.generatorLimited),
    steps: r.steps.map(({ latencySample: _l, ...s }) => s),
    warnings: r.warnings,
  }
  if (r.maxSustainedPerSec !== undefined) out.maxSustainedPerSec = r.maxSustainedPerSec
  if (r.stoppedAt !== undefined) out.stoppedAt = r.stoppedAt
  if (r.corpus !== undefined) out.corpus = r.corpus
  return out
}

const num = (x: number): string => (Number.isFinite(x) ? String(x) : '-')

export function formatRelayReport(r: RelayLoadReport): string {
  const lines: string[] = []
  lines.push(`target    ${r.target.clientId || '?'} ${r.target.protocol}, announced min PoW ${r.target.minPow ?? 'n/a'}`)
  lines.push(`load      ${r.senders} senders, ${r.receivers} receivers, ${r.payloadBytes}-byte payloads, PoW ${r.pow}, ${r.durationS} s per rate`)
  if (r.corpus) lines.push(`corpus    ${r.corpus.file}, sent from ${r.corpus.processes === 0 ? 'this process' : `${r.corpus.processes} sender processes`}`)
  lines.push('')
  const head = ['rate/s', 'sent', 'sent/s', 'delivered', 'lost', 'dup', 'dlvd/s', 'p50 ms', 'p99 ms', 'max ms', 'disc', 'gen lag p99', 'ok']
  const rows = r.steps.map((s) => [
    num(s.targetPerSec), num(s.sent), num(s.sentPerSec), `${s.delivered}/${s.expected}`, num(s.lost), num(s.duplicates),
    num(s.deliveredPerSec), num(s.latencyMsP50), num(s.latencyMsP99), num(s.latencyMsMax), num(s.disconnects),
    `${num(s.loopLagMsP99)} ms${s.generatorLimited ? ' (!)' : ''}`, s.sustained ? 'yes' : 'no',
  ])
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)))
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ')
  lines.push(fmt(head))
  for (const row of rows) lines.push(fmt(row))
  if (r.steps.length > 0 && r.receivers > 1) {
    lines.push('')
    const last = headlineStep(r)
    lines.push(`per receiver at ${last.targetPerSec}/s: ` + last.receivers.map((x, i) => `#${i + 1} ${x.delivered} dlvd, ${x.lost} lost, ${x.duplicates} dup, p99 ${num(x.latencyMsP99)} ms${x.disconnected ? ', disconnected' : ''}`).join('; '))
  }
  if (r.maxSustainedPerSec !== undefined) {
    lines.push('')
    lines.push(`max sustained: ${r.maxSustainedPerSec} envelopes/s (nothing lost, p99 < 1 s, no disconnect)`)
    if (r.stoppedAt) lines.push(`stopped at ${r.stoppedAt.rate}/s by ${r.stoppedAt.reason}`)
  }
  for (const w of r.warnings) lines.push(`warning: ${w}`)
  return lines.join('\n')
}
