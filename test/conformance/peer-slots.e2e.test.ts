// The conformance suite against a node with few free peer slots: our relay started with a peer limit
// of 2 and of 3 refuses the suite's extra connections with TOO_MANY_PEERS. That is no verdict on any
// rule: nothing fails, and a check the node never found a slot for is skipped as such. Loopback only.
import { afterAll, describe, expect, it } from 'vitest'
import { formatText } from '../../src/conformance/report.js'
import { runSuite } from '../../src/conformance/runner.js'
import type { SuiteReport } from '../../src/conformance/types.js'
import { WhisperNode } from '../../src/node/index.js'
import { parseEnode } from '../../src/p2p/enode.js'
import { RawShhConnection } from '../../src/p2p/raw-shh-connection.js'
import { encodeStatus } from '../../src/whisper/packets.js'

// the skips a roomy relay gets too (suite.e2e.test.ts): no --rpc, no --mail-password, its full bloom
const INHERENT_SKIP = /^(no --rpc given|no --mail-password: |the node announces a full bloom|no waku version in common: )/
const NO_SLOT_SKIP = /^no free peer slot \(the node answered TOO_MANY_PEERS for 8 s\)$/

function failures(r: SuiteReport): string[] {
  return r.results.filter((c) => c.status === 'fail').map((c) => `${c.id}@shh/${c.shh}: ${c.detail}`)
}

describe('conformance suite against a relay with few peer slots', () => {
  const nodes: WhisperNode[] = []
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()))
  })

  for (const maxPeers of [2, 3]) {
    it(`--max-peers ${maxPeers}: no check fails; every other skip is "no free peer slot"`, async () => {
      const relay = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, verbosity: 0, sealThreads: 1, relay: true, shhVersions: [5, 6], maxPeers })
      nodes.push(relay)
      await relay.start()
      const r = await runSuite({ enode: relay.enode, shh: 'both', timeoutMs: 8000, pow: 0.2 })
      expect(failures(r)).toEqual([])
      expect(r.ok).toBe(true)
      // the limit was reached (four checks at a time need more than the relay has), so the test tested something
      expect(r.refusedSlots).toBeGreaterThan(0)
      for (const s of r.results.filter((c) => c.status === 'skip')) expect(s.detail).toMatch(new RegExp(`${INHERENT_SKIP.source}|${NO_SLOT_SKIP.source}`))
      expect(r.skipped).toBe(r.results.filter((c) => c.status === 'skip').length)
      // what the slots allow still ran: the checks that need one connection besides the observer
      const passed = new Set(r.results.filter((c) => c.status === 'pass').map((c) => `${c.id}@${c.shh}`))
      for (const id of ['rlpx.handshake@6', 'status.first@6', 'status.first@5', 'envelope.valid@6', 'envelope.future@5', 'forward.valid@6', 'forward.bloom@6', 'forward.new-peer@5']) expect(passed).toContain(id)
      const text = formatText(r)
      expect(text).toMatch(new RegExp(`\\nat most ${r.maxConnections} connections to the node at once; it refused ${r.refusedSlots} for want of a free peer slot\\n\\d+ passed, 0 failed, ${r.skipped} skipped`))
    }, 300_000)
  }

  it('a node whose only slot another peer holds: every check skipped as "no free peer slot", none failed', async () => {
    const relay = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, verbosity: 0, sealThreads: 1, relay: true, shhVersions: [5], maxPeers: 1 })
    nodes.push(relay)
    await relay.start()
    const other = await RawShhConnection.open({ target: parseEnode(relay.enode), shh: 5, status: encodeStatus(5) })
    try {
      await other.waitPacket((p) => p.code === 0, 10_000)
      const r = await runSuite({ enode: relay.enode, shh: 5, only: ['status', 'forward'], timeoutMs: 3000, pow: 0.2 })
      expect(failures(r)).toEqual([])
      expect(r.results.length).toBeGreaterThan(10)
      for (const c of r.results) expect(c).toMatchObject({ status: 'skip', detail: 'no free peer slot (the node answered TOO_MANY_PEERS for 3 s)' })
      expect(r.skipped).toBe(r.results.length)
      expect(other.isOpen).toBe(true)
    } finally {
      other.close()
    }
  }, 120_000)
})
