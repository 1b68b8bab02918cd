// The conformance suite against our own nodes (every check passes) and against deliberately broken
// ones (the matching checks fail with a precise reason, the others still pass). Loopback only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runSuite } from '../../src/conformance/runner.js'
import type { SuiteReport } from '../../src/conformance/types.js'
import { WhisperNode } from '../../src/node/index.js'
import { attachRpc, type AttachedRpc } from '../../src/rpc/attach.js'
import { T } from '../../src/rpc/gotypes.js'
import { FAULTS, startFaultProxy, type FaultProxy } from './fault-proxy.js'
import { budget } from '../support/budget.js'

const failed = (r: SuiteReport) => [...new Set(r.results.filter((c) => c.status === 'fail').map((c) => c.id))].sort()
/** The failed check ids must be exactly `ids`; on a mismatch the message lists every failure with its detail. */
function expectFailed(r: SuiteReport, ids: string[]): void {
  const got = failed(r)
  if (JSON.stringify(got) !== JSON.stringify([...ids].sort())) {
    const lines = r.results.filter((c) => c.status === 'fail').map((c) => `${c.id}@shh/${c.shh} (${c.ms} ms): ${c.detail}`)
    throw new Error(`failed checks ${JSON.stringify(got)}, expected ${JSON.stringify(ids)}:\n${lines.join('\n')}`)
  }
}
const detail = (r: SuiteReport, id: string) => r.results.find((c) => c.id === id && c.status === 'fail')?.detail ?? ''

async function startNode(opts: ConstructorParameters<typeof WhisperNode>[0] = {}): Promise<WhisperNode> {
  const n = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, verbosity: 0, sealThreads: 1, ...opts })
  await n.start()
  return n
}

describe('conformance suite against our own nodes', () => {
  const nodes: WhisperNode[] = []
  let rpc: AttachedRpc | null = null
  afterAll(async () => {
    await rpc?.close()
    await Promise.all(nodes.map((n) => n.stop()))
  })

  it('a relay (shh/5 and shh/6) passes every check', async () => {
    const relay = await startNode({ relay: true, shhVersions: [5, 6] })
    nodes.push(relay)
    const r = await runSuite({ enode: relay.enode, shh: 'both', timeoutMs: 8000, pow: 0.2 })
    expectFailed(r, [])
    expect(r.ok).toBe(true)
    expect(new Set(r.results.map((c) => c.id)).size).toBeGreaterThanOrEqual(40)
    expect(r.results.filter((c) => c.status === 'pass').length).toBeGreaterThan(80)
    // skipped only where nothing applies: no --rpc, full bloom, no waku offered
    for (const s of r.results.filter((c) => c.status === 'skip')) expect(s.detail).toMatch(/no --rpc given|full bloom|no --mail-password|no waku version in common/)
  }, budget(150_000))

  it('a chat node (not a relay) with JSON-RPC passes every check, rpc group included', async () => {
    const node = await startNode({ shhVersions: [6] })
    nodes.push(node)
    rpc = await attachRpc({ node, rpcAddr: { host: '127.0.0.1', port: 0 }, clientId: 'p2pmessage-test/v0' })
    const r = await runSuite({ enode: node.enode, shh: 6, rpc: rpc.endpoint!.wsUrl, timeoutMs: 8000, pow: 0.2 })
    expectFailed(r, [])
    const rpcPassed = r.results.filter((c) => c.group === 'rpc' && c.status === 'pass').map((c) => c.id)
    expect(rpcPassed).toEqual(expect.arrayContaining(['rpc.post-sym-signed', 'rpc.post-asym-unsigned', 'rpc.filter-sym', 'rpc.filter-asym', 'rpc.subscribe', 'rpc.bad-params', 'rpc.set-min-pow', 'rpc.max-size-enforced', 'rpc.p2p-direct']))
  }, budget(150_000))
})

describe('conformance suite against broken nodes', () => {
  let node: WhisperNode
  const proxies: FaultProxy[] = []
  beforeAll(async () => {
    node = await startNode({ relay: true, shhVersions: [6] })
  })
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()))
    await node.stop()
  })
  const probe = async (fault: keyof typeof FAULTS | null) => {
    const p = await startFaultProxy(node.enode, fault ? FAULTS[fault] : {})
    proxies.push(p)
    // two RLPx handshakes per connection through the proxy: a loaded machine needs the longer wait
    const r = await runSuite({ enode: p.enode, shh: 6, timeoutMs: 15_000, pow: 0.2 })
    await p.close()
    return r
  }

  it('through a transparent proxy the node still passes (the proxy itself adds no fault)', async () => {
    expectFailed(await probe(null), [])
  }, budget(150_000))

  it('status in reply only: status.first fails, nothing else', async () => {
    const r = await probe('status-in-reply')
    expectFailed(r, ['status.first'])
    expect(detail(r, 'status.first')).toMatch(/no status while ours was withheld for 3 s; it came \d+ ms after the hellos, only once we sent ours/)
  }, budget(150_000))

  it('extra status fields: status.v6-fields fails with the bytes', async () => {
    const r = await probe('extra-status-fields')
    expectFailed(r, ['status.v6-fields'])
    expect(detail(r, 'status.v6-fields')).toMatch(/^5 items: [0-9a-f]+/)
  }, budget(150_000))

  it('echo to sender: forward.no-echo fails', async () => {
    const r = await probe('echo-to-sender')
    expectFailed(r, ['forward.no-echo'])
    expect(detail(r, 'forward.no-echo')).toBe('the node sent the envelope back to its sender')
  }, budget(150_000))

  it('ignores bloom: forward.bloom and forward.bloom-update fail', async () => {
    const r = await probe('ignores-bloom')
    expectFailed(r, ['forward.bloom', 'forward.bloom-update'])
    expect(detail(r, 'forward.bloom')).toMatch(/topic outside the peer bloom: the node sent it anyway/)
  }, budget(150_000))

  it('announces a PoW it does not enforce: envelope.low-pow fails', async () => {
    const r = await probe('wrong-pow')
    expectFailed(r, ['envelope.low-pow'])
    expect(detail(r, 'envelope.low-pow')).toMatch(/^envelope with PoW [\d.e+-]+ < 2: still connected after 15 s$/)
  }, budget(150_000))

  it('no validation: every check that expects a drop for a bad envelope fails, the rest pass', async () => {
    const r = await probe('no-validation')
    expectFailed(r, [
      'envelope.batch-continues', 'envelope.field-count', 'envelope.future', 'envelope.low-pow', 'envelope.malformed',
      'envelope.nonce-size', 'envelope.too-old', 'envelope.topic-size', 'limits.oversized-packet', 'rlpx.disconnect-reason',
    ])
    expect(detail(r, 'envelope.future')).toMatch(/^envelope dated 1 h ahead: still connected after 15 s$/)
  }, budget(150_000))

  it('crashes on a method: rpc.bad-params fails naming the method, the other rpc checks pass', async () => {
    const crashing = await startNode({ shhVersions: [6] })
    const served = await attachRpc({ node: crashing, rpcAddr: { host: '127.0.0.1', port: 0 }, clientId: 'p2pmessage-test/v0' })
    // a node whose shh_setBloomFilter takes the whole node down (p2p and RPC), as a crashing process would
    served.service.server.register('shh', 'setBloomFilter', {
      params: [T.bytes],
      call: () => {
        setImmediate(() => void served.close().then(() => crashing.stop()))
        return new Promise(() => undefined)
      },
    })
    try {
      const r = await runSuite({ enode: crashing.enode, shh: 6, rpc: served.endpoint!.wsUrl, only: ['rpc'], timeoutMs: 5000, pow: 0.2 })
      expectFailed(r, ['rpc.bad-params'])
      expect(detail(r, 'rpc.bad-params')).toMatch(/^the node stopped answering after shh_setBloomFilter\(\["0x00"\]\); shh_setBloomFilter\(\["0x00"\]\): (the WebSocket closed|no answer to shh_setBloomFilter within 5 s)$/)
      expect(r.results.filter((c) => c.status === 'pass').length).toBe(12)
    } finally {
      await served.close().catch(() => undefined)
      await crashing.stop()
    }
  }, budget(150_000))
})
