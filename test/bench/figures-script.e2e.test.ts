// `npm run figures` on a small run: the sim and relay charts are drawn from real runs (tiny networks,
// one second of relay load) into the folder asked for, each stamped with date, cores and load; a
// machine above --max-load is refused and nothing is written. Figures are not judged here.
import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { readStamp } from '../../bench/stamp.js'
import { budget } from '../support/budget.js'

const SCRIPT = resolve(import.meta.dirname, '../../dist/bench/draw-figures.js')

function figures(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', fail)
    child.on('close', (code) => done({ code, stdout, stderr }))
  })
}

const STAMP = /^drawn \d{4}-\d\d-\d\d \d\d:\d\d UTC on \d+ cores, 1-min load average \d+\.\d\d at start, \d+\.\d\d at end$/

describe('npm run figures', () => {
  it('--small draws the propagation and relay charts, stamped, and prints the tables they came from', async () => {
    const out = mkdtempSync(join(tmpdir(), 'figures-test-'))
    try {
      const r = await figures(['--small', '--only', 'sim,relay', '--out', out, '--max-load', '1000'])
      expect(r.stderr).not.toMatch(/WARNING/)
      expect(r.code).toBe(0)
      const sim = readFileSync(join(out, 'sim-propagation.svg'), 'utf8')
      expect(readStamp(sim)).toMatch(STAMP)
      // both networks, both policies
      for (const name of ['30 nodes, deg 4: ours', '30 nodes, deg 4: geth 300 ms', '60 nodes, deg 4: ours', '60 nodes, deg 4: geth 300 ms']) expect(sim).toContain(`>${name}<`)
      expect(sim.match(/<path /g)).toHaveLength(4)
      const relay = readFileSync(join(out, 'relay-latency-ours.svg'), 'utf8')
      expect(readStamp(relay)).toMatch(STAMP)
      expect(relay).toContain('Relay latency, p2pmessage shh/6')
      expect(r.stdout).toMatch(/== npm run sim -- --nodes 30 --degree 4[^]*simulated time: link latency 50 ms/)
      expect(r.stdout).toMatch(/== p2pmessage bench relay enode:\/\/[^]*--plot relay-latency-ours\.svg\n/)
      expect(existsSync(join(out, 'relay-latency-wnode.svg'))).toBe(false)
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }, budget(180_000))

  it('above --max-load it refuses and writes nothing; --force draws anyway and says so on the stamp', async () => {
    const out = mkdtempSync(join(tmpdir(), 'figures-test-'))
    try {
      // a load average is never below zero: -1 is a limit every machine is above
      const refused = await figures(['--small', '--only', 'sim', '--out', out, '--max-load=-1'])
      expect(refused.code).toBe(2)
      expect(refused.stderr).toMatch(/^figures: sim: the 1-minute load average is \d+\.\d\d, above the limit of -1 .*--force/)
      expect(existsSync(join(out, 'sim-propagation.svg'))).toBe(false)
      const forced = await figures(['--small', '--only', 'sim', '--out', out, '--max-load=-1', '--force'])
      expect(forced.code).toBe(0)
      expect(forced.stderr).toMatch(/\*\*\* figures: sim: WARNING: /)
      expect(readStamp(readFileSync(join(out, 'sim-propagation.svg'), 'utf8'))).toMatch(/\(above the load limit: forced\)$/)
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }, budget(120_000))
})
