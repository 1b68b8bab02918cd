// The small soak of the test suite: 5 node processes on loopback (a relay, 2 senders, 2 chat nodes)
// in a mesh, 300 messages while non-senders are SIGKILLed and restarted. Nothing due may be lost or
// delivered twice to the same life of a node. (`npm run soak` runs the full size: 10 nodes, 10,000.)
import { describe, expect, it } from 'vitest'
import { runSoak } from '../../bench/soak-run.js'
import { budget } from '../support/budget.js'

describe('soak (small)', () => {
  it('no message lost or delivered twice while nodes are killed and restarted', async () => {
    const r = await runSoak({ nodes: 5, senders: 2, messages: 300, rate: 40, ttl: 30, killEveryMs: 1500, downMs: [300, 1000], seed: 7 })
    expect(r.messagesPosted).toBe(300)
    expect(r.postFailures).toBe(0)
    expect(r.kills).toBeGreaterThan(0)
    expect(r.perNode.some((n) => n.lives > 1)).toBe(true)
    expect(r.due).toBeGreaterThan(0)
    expect(r.lostSamples).toEqual([])
    expect(r.lost).toBe(0)
    expect(r.deliveredTwice).toBe(0)
    expect(r.delivered).toBe(r.due)
  }, budget(120_000))
})
