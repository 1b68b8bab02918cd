// Every chart in docs/ says when it was drawn and how busy the machine was: on a shared 2-core box a
// latency figure drawn at load 22 shows the other jobs, not the code, and a reader believes the
// picture. stampSvg writes that line under a chart of plot.ts; loadGate refuses to start drawing when
// the machine is too busy (unless forced, and then the stamp says so).
import { availableParallelism, loadavg } from 'node:os'

export interface Stamp {
  /** when the figure's measurement ended */
  date: Date
  /** 1-minute load average when its measurement started and ended */
  loadStart: number
  loadEnd: number
  cores: number
  /** drawn above the load limit, on request */
  forced?: boolean
}

export function stampText(s: Stamp): string {
  const when = s.date.toISOString().slice(0, 16).replace('T', ' ')
  return `drawn ${when} UTC on ${s.cores} cores, 1-min load average ${s.loadStart.toFixed(2)} at start, ${s.loadEnd.toFixed(2)} at end` +
    (s.forced ? ' (above the load limit: forced)' : '')
}

const STAMP_HEIGHT = 20
const HEAD = /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="(\d+)" height="(\d+)" viewBox="0 0 (\d+) (\d+)"/
const OLD_STAMP = /\n<text class="stamp"[^\n]*<\/text>/

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/**
 * The chart with the stamp as a line of its own under it (the picture grows by one line); a chart
 * stamped before gets the new stamp in place of the old one. Throws on an SVG plot.ts did not draw.
 */
export function stampSvg(svg: string, s: Stamp): string {
  const head = HEAD.exec(svg)
  if (!head || !svg.trimEnd().endsWith('</svg>')) throw new Error('not a chart drawn by plot.ts: cannot stamp it')
  const W = Number(head[1])
  const stamped = OLD_STAMP.test(svg)
  const H = Number(head[2]) - (stamped ? STAMP_HEIGHT : 0)
  const H2 = H + STAMP_HEIGHT
  let out = svg.replace(OLD_STAMP, '')
  out = out.replace(HEAD, `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H2}" viewBox="0 0 ${W} ${H2}"`)
  out = out.replace(/<rect width="(\d+)" height="\d+" fill="white"\/>/, `<rect width="$1" height="${H2}" fill="white"/>`)
  const line = `<text class="stamp" x="${W - 8}" y="${H2 - 7}" text-anchor="end" font-size="11" fill="#555">${esc(stampText(s))}</text>`
  return out.replace(/<\/svg>\s*$/, `${line}\n</svg>\n`)
}

/** The stamp line of a stamped chart, or null. */
export function readStamp(svg: string): string | null {
  const m = /<text class="stamp"[^>]*>([^<]*)<\/text>/.exec(svg)
  return m ? m[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') : null
}

export interface LoadVerdict {
  load: number
  ok: boolean
  /** what to tell the user: null when the load is within the limit */
  message: string | null
}

/**
 * Whether figures may be drawn now: the 1-minute load average against `maxLoad`. Above it, refused
 * unless `force`, and then a loud warning.
 */
export function loadGate(maxLoad: number, force: boolean, load: number = loadavg()[0]): LoadVerdict {
  if (load <= maxLoad) return { load, ok: true, message: null }
  const what = `the 1-minute load average is ${load.toFixed(2)}, above the limit of ${maxLoad} (${availableParallelism()} cores)`
  if (!force) return { load, ok: false, message: `${what}: figures drawn now would show the other jobs, not this code; wait for a quieter moment, or pass --force (the stamp will say so)` }
  return { load, ok: true, message: `WARNING: ${what}; drawing anyway (--force): every figure will carry that load` }
}
