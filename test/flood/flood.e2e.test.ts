// Flood: one peer sends envelopes as fast as its connection takes them (its own thread) while a good
// peer (its own thread) and the node exchange a message every 100 ms both ways. For each kind of
// flood the node must keep serving the good peer (every message both ways arrives, the good peer is
// never dropped), keep its pool within its bound and its heap from growing with the flood, and limit
// (pause) or drop the flooder. Latencies are reported by `npm run flood`, not asserted here.
import { describe, expect, it } from 'vitest'
import { runFlood } from '../../bench/flood-run.js'
import type { FloodKind } from '../../bench/flooder.js'
import { budget } from '../support/budget.js'

// small useless-envelope budgets, so that a drop happens within the short test whatever the machine
const LIMITS = { uselessBurst: 2000, uselessPerSec: 200, banMs: 60_000 }

describe('flood', () => {
  it.each(['unique', 'duplicate', 'lowpow', 'expired'] as FloodKind[])('%s flood: the node stays responsive and bounded, the flooder is limited or dropped', async (kind) => {
    const r = await runFlood({ kind, seconds: 2, limits: LIMITS, poolMaxEnvelopes: 5000, envelopes: kind === 'unique' ? 8000 : 2000, drainMs: 30_000 })
    expect(r.flooderSent).toBeGreaterThan(0)
    expect(r.goodPeerStayed).toBe(true)
    expect(r.goodToNode.posted).toBeGreaterThan(0)
    expect(r.goodToNode.delivered).toBe(r.goodToNode.posted)
    expect(r.nodeToGood.posted).toBeGreaterThan(0)
    expect(r.nodeToGood.delivered).toBe(r.nodeToGood.posted)
    expect(r.poolPeak).toBeLessThanOrEqual(5000)
    expect(r.heapPeakMB - r.heapStartMB).toBeLessThan(256)
    expect(r.node.peerPauses + r.node.floodDrops).toBeGreaterThan(0)
    // floods that cost the flooder nothing end in a drop
    if (kind !== 'unique') expect(r.node.floodDrops).toBeGreaterThan(0)
  }, budget(120_000))
})
