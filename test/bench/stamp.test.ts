// The stamp every chart in docs/ carries (date, cores, load at start and end of its measurement), and
// the load gate that refuses to draw on a busy machine unless forced.
import { describe, expect, it } from 'vitest'
import { loadGate, readStamp, stampSvg, stampText } from '../../bench/stamp.js'
import { lineChart } from '../../src/bench/plot.js'

const chart = () => lineChart([{ name: 'a', points: [[0, 0], [10, 50], [20, 100]] }], { title: 't', xLabel: 'x', yLabel: 'y', yMax: 100 })
const stamp = { date: new Date('2026-12-08T03:04:59Z'), loadStart: 0.84, loadEnd: 1.5, cores: 2 }

describe('stamp', () => {
  it('says when, on how many cores and at what load', () => {
    expect(stampText(stamp)).toBe('drawn 2026-12-08 03:04 UTC on 2 cores, 1-min load average 0.84 at start, 1.50 at end')
    expect(stampText({ ...stamp, forced: true })).toMatch(/1\.50 at end \(above the load limit: forced\)$/)
  })

  it('adds a line under the chart: the picture grows by it, the plot is untouched', () => {
    const svg = chart()
    const out = stampSvg(svg, stamp)
    expect(readStamp(svg)).toBeNull()
    expect(readStamp(out)).toBe(stampText(stamp))
    expect(out).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="760" height="460" viewBox="0 0 760 460"/)
    expect(out).toContain('<rect width="760" height="460" fill="white"/>')
    expect(out.match(/<path [^\n]*/g)).toEqual(svg.match(/<path [^\n]*/g))
    expect(out.endsWith('</svg>\n')).toBe(true)
  })

  it('a chart stamped again carries only the new stamp, at the same size', () => {
    const once = stampSvg(chart(), stamp)
    const later = { ...stamp, date: new Date('2026-12-09T10:00:00Z'), loadStart: 3, loadEnd: 4 }
    const twice = stampSvg(once, later)
    expect(twice.match(/class="stamp"/g)).toHaveLength(1)
    expect(readStamp(twice)).toBe(stampText(later))
    expect(twice).toContain('height="460" viewBox="0 0 760 460"')
  })

  it('refuses an SVG that plot.ts did not draw', () => {
    expect(() => stampSvg('<svg xmlns="http://www.w3.org/2000/svg"></svg>', stamp)).toThrow(/not a chart drawn by plot\.ts/)
  })

  it('the load gate: under the limit fine, over it refused, forced over it a loud warning', () => {
    expect(loadGate(2, false, 1.2)).toEqual({ load: 1.2, ok: true, message: null })
    const refused = loadGate(2, false, 7.5)
    expect(refused.ok).toBe(false)
    expect(refused.message).toMatch(/load average is 7\.50, above the limit of 2 .*--force/)
    const forced = loadGate(2, true, 7.5)
    expect(forced.ok).toBe(true)
    expect(forced.message).toMatch(/^WARNING: .*7\.50.*--force/)
  })
})
