// The probe's waku group (src/conformance/checks/waku.ts) run by runSuite. Loopback only.
import { afterAll, describe, expect, it } from 'vitest'
import { runSuite } from '../../src/conformance/runner.js'
import { formatText } from '../../src/conformance/report.js'
import { WhisperNode } from '../../src/node/index.js'
import { budget } from '../support/budget.js'

async function startNode(opts: ConstructorParameters<typeof WhisperNode>[0] = {}): Promise<WhisperNode> {
  const n = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, verbosity: 0, sealThreads: 1, ...opts })
  await n.start()
  return n
}

describe('the waku group', () => {
  const nodes: WhisperNode[] = []
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()))
  })

  it('is skipped, with the reason, against a node that offers no waku version', async () => {
    const relay = await startNode({ relay: true, shhVersions: [6] })
    nodes.push(relay)
    const r = await runSuite({ enode: relay.enode, shh: 6, only: ['waku'], timeoutMs: 5000, pow: 0.2 })
    expect(r.node?.waku).toEqual([])
    expect(r.results.map((c) => c.id)).toEqual(['waku.status-options', 'waku.unknown-option', 'waku.topic-interest', 'waku.status-update', 'waku.light-node', 'waku.rate-limit', 'waku.confirmations'])
    for (const c of r.results) expect(c).toMatchObject({ status: 'skip', detail: 'no waku version in common: the node offers shh/6, we test waku/1, waku/0' })
    expect(r.ok).toBe(true)
    expect(formatText(r)).toMatch(/\n {2}skip {9}waku\.status-options {2}no waku version in common/)
  }, budget(30_000))
})
