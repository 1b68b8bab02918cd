// The three renderings of a SuiteReport: readable text, one JSON object, JUnit XML for CI.
import type { SuiteReport } from './types.js'

const MARK = { pass: 'ok  ', fail: 'FAIL', skip: 'skip' } as const

/** The report as `p2pmessage probe` prints it: one line per check, then the counts and the skip reasons. */
export function formatText(r: SuiteReport): string {
  const lines = [`probe ${r.target}`]
  if (r.node) {
    const st = Object.entries(r.node.status).map(([v, s]) => (s.minPow !== undefined ? `${v} (min PoW ${s.minPow}, bloom ${s.bloom}, light ${s.lightNode})` : v)).join(', ')
    lines.push(`node ${JSON.stringify(r.node.clientId)}, base protocol ${r.node.baseProtocol}, ${r.node.capabilities.join(' ')}${st ? `; tested ${st}` : ''}${r.rpc ? `; rpc ${r.rpc}` : ''}`)
  }
  const width = Math.max(0, ...r.results.map((c) => c.id.length))
  for (const c of r.results) lines.push(`  ${MARK[c.status]}  ${c.cap ?? (c.shh ? `shh/${c.shh}` : '     ')}  ${c.id.padEnd(width)}  ${c.detail}`)
  const refused = r.refusedSlots > 0 ? `; it refused ${r.refusedSlots} for want of a free peer slot` : ''
  lines.push(`at most ${r.maxConnections} connection${r.maxConnections === 1 ? '' : 's'} to the node at once${refused}`)
  lines.push(`${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped (${(r.ms / 1000).toFixed(1)} s)`)
  const skips = r.results.filter((c) => c.status === 'skip')
  if (skips.length > 0) {
    // one line per distinct reason, with the checks it covers
    const byReason = new Map<string, string[]>()
    for (const s of skips) byReason.set(s.detail, [...(byReason.get(s.detail) ?? []), s.id])
    lines.push('skipped:')
    for (const [why, ids] of byReason) lines.push(`  ${why}: ${[...new Set(ids)].join(', ')}`)
  }
  return lines.join('\n') + '\n'
}

/** The report as one line of JSON (`probe --json`). */
export function formatJson(r: SuiteReport): string {
  return JSON.stringify(r) + '\n'
}

const esc = (s: string) => s.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '')

/** The report as JUnit XML, one test suite per group (`probe --junit`), for CI dashboards. */
export function formatJunit(r: SuiteReport): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>']
  out.push(`<testsuites name="p2pmessage probe" tests="${r.results.length}" failures="${r.failed}" skipped="${r.skipped}" time="${(r.ms / 1000).toFixed(3)}">`)
  const suites = new Map<string, typeof r.results>()
  for (const c of r.results) {
    const key = c.cap ?? (c.shh ? `shh/${c.shh}` : 'node')
    suites.set(key, [...(suites.get(key) ?? []), c])
  }
  for (const [name, cases] of suites) {
    const f = cases.filter((c) => c.status === 'fail').length
    const s = cases.filter((c) => c.status === 'skip').length
    const t = cases.reduce((k, c) => k + c.ms, 0) / 1000
    out.push(`  <testsuite name="${esc(`${r.target} ${name}`)}" tests="${cases.length}" failures="${f}" skipped="${s}" errors="0" time="${t.toFixed(3)}">`)
    for (const c of cases) {
      out.push(`    <testcase classname="${esc(`${name}.${c.group}`)}" name="${esc(c.id)}" time="${(c.ms / 1000).toFixed(3)}">`)
      if (c.status === 'fail') out.push(`      <failure message="${esc(c.detail)}">${esc(`${c.rule}\nsource: ${c.source}\nobserved: ${c.detail}`)}</failure>`)
      else if (c.status === 'skip') out.push(`      <skipped message="${esc(c.detail)}"/>`)
      else out.push(`      <system-out>${esc(c.detail)}</system-out>`)
      out.push('    </testcase>')
    }
    out.push('  </testsuite>')
  }
  out.push('</testsuites>')
  return out.join('\n') + '\n'
}
