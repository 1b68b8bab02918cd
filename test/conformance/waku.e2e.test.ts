// The probe's waku group (src/conformance/checks/waku.ts) run by runSuite: skipped without Waku, passing
// against our own node, and each check failing against a node broken for it. Loopback only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runSuite } from '../../src/conformance/runner.js'
import { formatText } from '../../src/conformance/report.js'
import type { SuiteReport } from '../../src/conformance/types.js'
import { WhisperNode } from '../../src/node/index.js'
import { startFaultProxy, WAKU_FAULTS, type FaultProxy } from './fault-proxy.js'
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
    expect(r.results.map((c) => c.id)).toEqual(['waku.status-options', 'waku.unknown-option', 'waku.topic-interest', 'waku.status-update', 'waku.light-node', 'waku.rate-limit', 'waku.confirmations', 'waku.mail-paging'])
    for (const c of r.results) expect(c).toMatchObject({ status: 'skip', detail: 'no waku version in common: the node offers shh/6, we test waku/1, waku/0' })
    expect(r.ok).toBe(true)
    expect(formatText(r)).toMatch(/\n {2}skip {9}waku\.status-options {2}no waku version in common/)
  }, budget(30_000))
})

const failed = (r: SuiteReport) => [...new Set(r.results.filter((c) => c.status === 'fail').map((c) => c.id))].sort()
function expectFailed(r: SuiteReport, ids: string[]): void {
  const got = failed(r)
  if (JSON.stringify(got) !== JSON.stringify([...ids].sort())) {
    throw new Error(`failed checks ${JSON.stringify(got)}, expected ${JSON.stringify(ids)}:\n${formatText(r)}`)
  }
}
const detail = (r: SuiteReport, id: string) => r.results.find((c) => c.id === id && c.status === 'fail')?.detail ?? ''

describe('the waku group against our own node', () => {
  const nodes: WhisperNode[] = []
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()))
  })

  it('a relay speaking waku/0 and waku/1 with confirmations and a per-peer rate limit passes every check on both versions', async () => {
    // no per-IP limit: every connection of the suite comes from 127.0.0.1
    const relay = await startNode({ relay: true, protocols: ['waku/0', 'waku/1'], confirmations: true, rateLimits: { packetsPerSecPeer: 50 } })
    nodes.push(relay)
    const r = await runSuite({ enode: relay.enode, shh: 6, only: ['waku'], timeoutMs: 8000, pow: 0.2 })
    expectFailed(r, [])
    expect(r.node?.waku).toEqual([1, 0])
    const passed = (cap: string) => r.results.filter((c) => c.cap === cap && c.status === 'pass').map((c) => c.id)
    expect(passed('waku/1')).toEqual(['waku.status-options', 'waku.unknown-option', 'waku.topic-interest', 'waku.status-update', 'waku.light-node', 'waku.rate-limit', 'waku.confirmations'])
    expect(passed('waku/0')).toEqual(['waku.status-options', 'waku.unknown-option', 'waku.topic-interest', 'waku.light-node', 'waku.rate-limit', 'waku.confirmations'])
    // the one skip per version: waku.mail-paging, without --mail-password (test/conformance/waku-mail.e2e.test.ts)
    expect(r.results.filter((c) => c.status === 'skip').map((c) => c.id)).toEqual(['waku.mail-paging', 'waku.mail-paging'])
    expect(formatText(r)).toMatch(/\n {2}ok {4}waku\/1 {2}waku\.confirmations {3}message response then batch acknowledgement, both [0-9a-f]{16}…\n/)
  }, budget(90_000))

  it('--protocols waku/0 alone: the waku group runs on waku/0 only, the shh groups are skipped', async () => {
    const relay = await startNode({ relay: true, protocols: ['shh/6', 'waku/0', 'waku/1'] })
    nodes.push(relay)
    const r = await runSuite({ enode: relay.enode, shh: 'none', waku: [0], only: ['status', 'waku'], timeoutMs: 8000, pow: 0.2 })
    expectFailed(r, [])
    expect(r.node?.waku).toEqual([0])
    expect([...new Set(r.results.filter((c) => c.group === 'waku').map((c) => c.cap))]).toEqual(['waku/0'])
    for (const c of r.results.filter((x) => x.group === 'status')) expect(c).toMatchObject({ status: 'skip', detail: 'no shh version to test: --protocols names only waku/0' })
  }, budget(90_000))

  it('a light node refuses a light peer; the checks that need forwarding are skipped', async () => {
    const light = await startNode({ protocols: ['waku/1'], lightNode: true })
    nodes.push(light)
    const r = await runSuite({ enode: light.enode, shh: 6, only: ['waku'], timeoutMs: 8000, pow: 0.2 })
    expectFailed(r, [])
    expect(r.results.find((c) => c.id === 'waku.light-node')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/^the node is light, so are we: it disconnected us/) })
    for (const id of ['waku.unknown-option', 'waku.topic-interest', 'waku.status-update']) {
      expect(r.results.find((c) => c.id === id)).toMatchObject({ status: 'skip', detail: 'the node announces light mode (it does not forward)' })
    }
  }, budget(90_000))
})

describe('the waku group against broken waku nodes (a proxy in front of our relay)', () => {
  let node: WhisperNode
  const proxies: FaultProxy[] = []
  beforeAll(async () => {
    node = await startNode({ relay: true, protocols: ['waku/1'], confirmations: true, minPow: 0.001 })
  })
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()))
    await node?.stop()
  })
  const probe = async (fault: keyof typeof WAKU_FAULTS | null) => {
    const p = await startFaultProxy(node.enode, fault ? WAKU_FAULTS[fault] : {}, { waku: true })
    proxies.push(p)
    const r = await runSuite({ enode: p.enode, shh: 6, only: ['waku'], timeoutMs: 10_000, pow: 0.2 })
    await p.close()
    return r
  }

  it('through a transparent proxy the node still passes', async () => {
    expectFailed(await probe(null), [])
  }, budget(90_000))

  it('a status in the waku/0 form: waku.status-options fails', async () => {
    const r = await probe('waku-v0-status')
    expectFailed(r, ['waku.status-options'])
    expect(detail(r, 'waku.status-options')).toMatch(/^waku\/1 status: .*: [0-9a-f]+/)
  }, budget(90_000))

  it('topic interest ignored: waku.topic-interest and waku.unknown-option fail', async () => {
    const r = await probe('waku-no-interest')
    expectFailed(r, ['waku.topic-interest', 'waku.unknown-option'])
    expect(detail(r, 'waku.topic-interest')).toMatch(/^topic interest \[1 topic\]: the node also sent us topic [0-9a-f]{8}, which we did not ask for$/)
  }, budget(90_000))

  it('status updates swallowed: waku.status-update fails', async () => {
    const r = await probe('waku-no-update')
    expectFailed(r, ['waku.status-update'])
    expect(detail(r, 'waku.status-update')).toMatch(/^interest moved from A to B: the envelope of topic [0-9a-f]{8} did not reach us within 10 s/)
  }, budget(90_000))

  it('a light node that keeps light peers: waku.light-node fails', async () => {
    const r = await probe('waku-says-light')
    expectFailed(r, ['waku.light-node'])
    expect(detail(r, 'waku.light-node')).toBe('the node is light, so are we: still connected after 10 s')
  }, budget(90_000))

  it('a packet rate limit announced, not enforced: waku.rate-limit fails', async () => {
    const r = await probe('waku-says-limit')
    expectFailed(r, ['waku.rate-limit'])
    expect(detail(r, 'waku.rate-limit')).toBe('200 packets at once (limit 5/s per peer): still connected after 10 s')
  }, budget(90_000))

  it('the acknowledgement before the response: waku.confirmations fails', async () => {
    const r = await probe('waku-ack-first')
    expectFailed(r, ['waku.confirmations'])
    expect(detail(r, 'waku.confirmations')).toBe('a batch acknowledgement came without a message response before it')
  }, budget(90_000))
})
