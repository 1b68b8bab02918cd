// Standalone SVG line charts (no dependencies, opens in any browser): the latency distribution of
// `bench relay` per rate, and the propagation curves of `sim` per forwarding policy.
import type { RelayLoadReport } from './relay-load.js'

export interface Series {
  name: string
  /** [x, y] points, x ascending */
  points: [number, number][]
}

export interface ChartOptions {
  title: string
  xLabel: string
  yLabel: string
  logX?: boolean
  yMax?: number
  width?: number
  height?: number
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22']

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

function niceTicks(lo: number, hi: number, n: number): number[] {
  const span = hi - lo || 1
  const raw = span / n
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw
  const out: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)))
  return out
}

const fmtTick = (v: number): string => (Math.abs(v) >= 10000 ? `${v / 1000}k` : String(v))

export function lineChart(series: Series[], o: ChartOptions): string {
  // the legend column widens for long series names (about 6.6 px a character at 12 px), the plot keeps its size
  const r = Math.max(180, 50 + Math.ceil(Math.max(0, ...series.map((s) => s.name.length)) * 6.6))
  const W = (o.width ?? 760) + (r - 180)
  const H = o.height ?? 440
  const m = { l: 64, r, t: 40, b: 52 }
  const pw = W - m.l - m.r
  const ph = H - m.t - m.b
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logX || x > 0))
  let xLo = pts.length ? Math.min(...pts.map((p) => p[0])) : 0
  let xHi = pts.length ? Math.max(...pts.map((p) => p[0])) : 1
  if (o.logX) {
    xLo = 10 ** Math.floor(Math.log10(Math.max(xLo, 1e-3)))
    xHi = 10 ** Math.ceil(Math.log10(Math.max(xHi, xLo * 10)))
  } else {
    xLo = Math.min(0, xLo)
    if (xHi <= xLo) xHi = xLo + 1
  }
  const yHi = o.yMax ?? Math.max(1e-9, ...pts.map((p) => p[1]))
  const sx = (x: number) => m.l + (o.logX ? (Math.log10(x) - Math.log10(xLo)) / (Math.log10(xHi) - Math.log10(xLo)) : (x - xLo) / (xHi - xLo)) * pw
  const sy = (y: number) => m.t + ph - (y / yHi) * ph
  const parts: string[] = []
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`)
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`)
  parts.push(`<text x="${m.l + pw / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(o.title)}</text>`)
  // grid and ticks
  const xt = o.logX ? Array.from({ length: Math.round(Math.log10(xHi / xLo)) + 1 }, (_, i) => xLo * 10 ** i) : niceTicks(xLo, xHi, 8)
  for (const v of xt) {
    const x = sx(v).toFixed(1)
    parts.push(`<line x1="${x}" y1="${m.t}" x2="${x}" y2="${m.t + ph}" stroke="#e5e5e5"/>`)
    parts.push(`<text x="${x}" y="${m.t + ph + 16}" text-anchor="middle">${fmtTick(v)}</text>`)
  }
  for (const v of niceTicks(0, yHi, 5)) {
    const y = sy(v).toFixed(1)
    parts.push(`<line x1="${m.l}" y1="${y}" x2="${m.l + pw}" y2="${y}" stroke="#e5e5e5"/>`)
    parts.push(`<text x="${m.l - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmtTick(v)}</text>`)
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`)
  parts.push(`<text x="${m.l + pw / 2}" y="${H - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`)
  parts.push(`<text transform="translate(16 ${m.t + ph / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`)
  series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length]
    const p = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!o.logX || x > 0))
    if (p.length > 0) {
      const d = p.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(Math.min(y, yHi)).toFixed(1)}`).join('')
      parts.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="2"/>`)
    }
    const ly = m.t + 10 + i * 20
    parts.push(`<line x1="${m.l + pw + 12}" y1="${ly}" x2="${m.l + pw + 36}" y2="${ly}" stroke="${c}" stroke-width="3"/>`)
    parts.push(`<text x="${m.l + pw + 42}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`)
  })
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}

/** Step curves of a cumulative distribution: share of samples (0..1) at or below each value. */
function cdf(sorted: number[]): [number, number][] {
  const n = sorted.length
  return sorted.map((v, i) => [v, (i + 1) / n] as [number, number])
}

/** `bench relay --plot`: the latency CDF of every rate of the run, one curve per rate. */
export function latencyPlot(r: RelayLoadReport): string {
  const series = r.steps.map((s) => ({
    name: `${s.targetPerSec}/s${s.lost > 0 ? ` (${s.lost} lost)` : ''}`,
    points: cdf(s.latencySample.filter((x) => x > 0)),
  }))
  return lineChart(series, {
    title: `Relay latency, ${r.target.clientId.split('/')[0] || 'target'} ${r.target.protocol} (${r.senders} senders, ${r.receivers} receivers)`,
    xLabel: 'latency, send to receive (ms, log scale)',
    yLabel: 'share of deliveries',
    logX: true,
    yMax: 1,
  })
}
