// `p2pmessage probe` against nodes that fail: one without shh, one that swallows envelopes, and
// an unreachable one. (Bad flags: probe.test.ts, in-process. Our relay passing every check is in
// relay.e2e.test.ts; the broken-node classes with precise reasons are in test/conformance/suite.e2e.test.ts.)
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { ensureBuilt, run } from './harness.js'
import { startNonShhNode, startSilentShhNode, type FakeNode } from './fake-nodes.js'
import type { SuiteReport } from '../../src/conformance/types.js'

function parseReport(stdout: string): SuiteReport {
  return JSON.parse(stdout.trim()) as SuiteReport
}

function check(r: SuiteReport, id: string) {
  const c = r.results.find((x) => x.id === id)
  if (!c) throw new Error(`no check ${id} in ${JSON.stringify(r)}`)
  return c
}

describe('probe reports failing nodes', () => {
  let node: FakeNode | undefined
  beforeAll(() => ensureBuilt())
  afterEach(async () => {
    await node?.close()
    node = undefined
  })

  it('a node that does not speak shh fails at its capabilities, with its hello shown; the rest is skipped', async () => {
    node = await startNonShhNode()
    const r = await run(['probe', node.enode, '--json', '--timeout', '3'])
    expect(r.code).toBe(1)
    const rep = parseReport(r.stdout)
    expect(rep.ok).toBe(false)
    expect(check(rep, 'rlpx.handshake').status).toBe('pass')
    expect(rep.node?.clientId).toBe('fake-eth-only/v1')
    expect(rep.node?.capabilities).toEqual(['eth/68'])
    expect(check(rep, 'rlpx.capabilities')).toMatchObject({ status: 'fail' })
    expect(check(rep, 'rlpx.capabilities').detail).toMatch(/no shh version in common: the node offers eth\/68/)
    expect(check(rep, 'forward.valid')).toMatchObject({ status: 'skip' })
    expect(rep.failed).toBe(1)
  })

  it('a node that swallows envelopes fails accepting, forwarding and dropping, in the readable report', async () => {
    node = await startSilentShhNode()
    const r = await run(['probe', node.enode, '--quick', '--shh', '6', '--pow', '0.01', '--timeout', '3'])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^probe enode:\/\//)
    expect(r.stdout).toMatch(/\n {2}ok {4}shh\/6 {2}rlpx\.handshake +client "fake-silent-shh\/v1"/)
    expect(r.stdout).toMatch(/\n {2}ok {4}shh\/6 {2}status\.decodes +version 6, min PoW 0\.001, bloom full/)
    expect(r.stdout).toMatch(/\n {2}FAIL {2}shh\/6 {2}envelope\.valid +envelope with PoW [\d.]+ .*still connected, but a valid envelope sent after it was not forwarded within 3 s/)
    expect(r.stdout).toMatch(/\n {2}FAIL {2}shh\/6 {2}forward\.valid +did not reach another connection within 3 s/)
    expect(r.stdout).toMatch(/\n {2}FAIL {2}shh\/6 {2}envelope\.future +envelope dated 1 h ahead: still connected after 3 s/)
    expect(r.stdout).toMatch(/\n4 passed, 3 failed, 0 skipped \([\d.]+ s\)\n$/)
    expect(node.received).toBeGreaterThanOrEqual(2)
  })

  it('shh/5 only: the silent node is probed over shh/5', async () => {
    node = await startSilentShhNode()
    const r = await run(['probe', node.enode, '--shh', '5', '--quick', '--json', '--pow', '0.01', '--timeout', '3'])
    expect(r.code).toBe(1)
    const rep = parseReport(r.stdout)
    expect(rep.node?.shh).toEqual([5])
    expect(check(rep, 'status.decodes')).toMatchObject({ status: 'pass', shh: 5, detail: 'version 5' })
    expect(check(rep, 'forward.valid').status).toBe('fail')
  })

  it('an unreachable node exits 2 with one line', async () => {
    const id = Buffer.from(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), false).subarray(1)).toString('hex')
    const refused = await run(['probe', `enode://${id}@127.0.0.1:1`, '--timeout', '2'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/cannot connect to 127\.0\.0\.1:1: connection refused/)
  })
})
