// The simulation on a small network: every message reaches every node, and the counts add up: each
// node got at least one copy (the origin may get none) and at most one per link, and every copy that
// arrived is one a node sent. The in-memory transport carries a real post between two real nodes.
import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { simulate } from '../../src/sim/simulate.js'
import { degrees, randomRegularGraph } from '../../src/sim/graph.js'
import { MemoryNetwork, type MemoryHost } from '../../src/sim/memory-transport.js'
import { WhisperNode } from '../../src/node/whisper-node.js'
import { prng } from '../../src/bench/stats.js'
import { propagationPlot, formatSim } from '../../src/sim/main.js'
import { budget } from '../support/budget.js'

describe('simulation', () => {
  it('random regular graph: every node has the degree asked for, no loops, no double links', () => {
    const edges = randomRegularGraph(200, 6, prng(7).next)
    expect(new Set(degrees(200, edges))).toEqual(new Set([6]))
    expect(edges.every(([a, b]) => a !== b)).toBe(true)
    expect(new Set(edges.map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`)).size).toBe(edges.length)
  })

  it('50 nodes: every message to every node, and the counts add up', async () => {
    const r = await simulate({ nodes: 50, degree: 4, messages: 3, latencyMs: 5, seed: 3 }, true)
    expect(r.deliveredFraction).toBe(1)
    expect(r.msTo100).not.toBeNull()
    expect(r.msTo50!).toBeLessThanOrEqual(r.msTo99!)
    for (let m = 0; m < 3; m++) {
      const copies = r.copiesByNode![m]
      copies.forEach((c, i) => {
        expect(c).toBeLessThanOrEqual(r.degreesByNode![i])
        if (i !== r.origins![m]) expect(c).toBeGreaterThanOrEqual(1)
      })
    }
    const total = r.copiesByNode!.flat().reduce((a, b) => a + b, 0)
    expect(r.copiesPerNodePerMessage).toBeCloseTo(total / (50 * 3), 3)
    expect(r.bytesPerNodePerMessage).toBeGreaterThan(0)
    expect(r.idleHeapBytesPerNode).toBeGreaterThan(0)
    expect(formatSim([r])).toContain('100.00%')
    expect(propagationPlot([r])).toMatch(/^<svg[^]*<path[^]*<\/svg>\n$/)
  }, budget(120_000))

  it('times are simulated link time: one 50 ms hop takes 40-60 ms however busy the machine, and the real timers come back', async () => {
    const realSetTimeout = globalThis.setTimeout
    const r = await simulate({ nodes: 2, degree: 1, messages: 2, latencyMs: 50, seed: 5 })
    expect(r.deliveredFraction).toBe(1)
    expect(r.msTo100!).toBeGreaterThanOrEqual(40)
    expect(r.msTo100!).toBeLessThanOrEqual(60)
    expect(r.simulatedMs).toBeGreaterThan(r.msTo100!)
    expect(r.cpuMs).toBeGreaterThan(0)
    expect(r.peakRssBytes).toBeGreaterThan(0)
    expect(globalThis.setTimeout).toBe(realSetTimeout)
    expect(formatSim([r])).toMatch(/^simulated time: link latency 50 ms[^]*real cost \(not in the times above\): ours [\d.]+ s wall, [\d.]+ s CPU/)
  }, budget(60_000))

  it("geth's 300 ms policy on the same graph also reaches everyone", async () => {
    const r = await simulate({ nodes: 20, degree: 3, messages: 1, latencyMs: 5, seed: 3, policy: 'geth' }, true)
    expect(r.deliveredFraction).toBe(1)
    // the origin's neighbours wait for their own cycle: more than a link, at most a link and a cycle
    expect(r.msTo100!).toBeGreaterThan(4)
    r.copiesByNode![0].forEach((c, i) => expect(c).toBeLessThanOrEqual(r.degreesByNode![i]))
  }, budget(60_000))

  it('every copy that arrives was sent by a node (no loss)', async () => {
    const net = new MemoryNetwork({ latencyMs: 1 })
    let sent = 0
    let got = 0
    net.onSend = () => sent++
    net.onDeliver = () => got++
    const hosts: MemoryHost[] = []
    const f = net.transport()
    const mk = () => new WhisperNode({ transport: (o) => { const h = f(o) as MemoryHost; hosts.push(h); return h }, shhVersions: [6], minPow: 0.001, verbosity: 0, logger: () => {}, sealThreads: 1 })
    const [a, b, c] = [mk(), mk(), mk()]
    await Promise.all([a, b, c].map((n) => n.start()))
    try {
      net.connect(hosts[0], hosts[1])
      net.connect(hosts[1], hosts[2])
      net.connect(hosts[0], hosts[2])
      const key = randomBytes(32)
      const topic = Uint8Array.of(1, 2, 3, 4)
      const inbox: string[] = []
      c.subscribe({ topics: [topic], symKey: key }, (m) => inbox.push(Buffer.from(m.payload).toString()))
      await a.post({ topic, payload: Buffer.from('over memory'), symKey: key, ttl: 60, pow: 0.01, workTime: 5, shh: 6 })
      for (let i = 0; i < 100 && (inbox.length === 0 || net.pending > 0); i++) await new Promise((r) => setTimeout(r, 10))
      expect(inbox).toEqual(['over memory'])
      expect(got).toBe(sent)
      expect(b.stats().poolSize).toBe(1)
    } finally {
      await Promise.all([a, b, c].map((n) => n.stop()))
      net.close()
    }
  }, budget(60_000))
})
