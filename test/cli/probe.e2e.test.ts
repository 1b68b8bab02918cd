// `p2pmessage probe` against nodes that fail: one without shh, one that swallows envelopes.
// (Our own relay passing every check is in relay.e2e.test.ts.)
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, run } from './harness.js'
import { startNonShhNode, startSilentShhNode, type FakeNode } from './fake-nodes.js'
import type { ProbeReport } from '../../src/cli/probe.js'

function parseReport(stdout: string): ProbeReport {
  return JSON.parse(stdout.trim()) as ProbeReport
}

function check(r: ProbeReport, name: string) {
  const c = r.checks.find((x) => x.name === name)
  if (!c) throw new Error(`no check ${name} in ${JSON.stringify(r)}`)
  return c
}

describe('probe reports failing nodes', () => {
  let node: FakeNode | undefined
  beforeAll(() => ensureBuilt())
  afterEach(async () => {
    await node?.close()
    node = undefined
  })

  it('a node that does not speak shh fails at the shh version, with its hello shown', async () => {
    node = await startNonShhNode()
    const r = await run(['probe', node.enode, '--json', '--timeout', '3'])
    expect(r.code).toBe(1)
    const rep = parseReport(r.stdout)
    expect(rep.passed).toBe(false)
    expect(check(rep, 'RLPx handshake').ok).toBe(true)
    expect(check(rep, 'hello').ok).toBe(true)
    expect(rep.hello?.clientId).toBe('fake-eth-only/v1')
    expect(rep.hello?.capabilities).toEqual([{ name: 'eth', version: 68 }])
    expect(check(rep, 'shh version')).toMatchObject({ ok: false })
    expect(check(rep, 'shh version').detail).toMatch(/offers no shh capability \(eth\/68\)/)
    expect(check(rep, 'forwards envelopes')).toMatchObject({ ok: false, skipped: true })
    // the readable summary counts the checks not run apart from the one that failed
    const text = await run(['probe', node.enode, '--timeout', '3'])
    expect(text.stdout).toMatch(/\n {2}skip {2}forwards envelopes +not run/)
    expect(text.stdout).toMatch(/\n1 of 7 checks failed, 4 skipped\n$/)
  })

  it('a node that swallows envelopes fails forwarding and dropping, in the readable report too', async () => {
    node = await startSilentShhNode()
    const r = await run(['probe', node.enode, '--pow', '0.01', '--work', '1', '--timeout', '3'])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^probe enode:\/\//)
    expect(r.stdout).toMatch(/\n {2}ok {4}RLPx handshake/)
    expect(r.stdout).toMatch(/\n {2}ok {4}shh version +shh\/6/)
    expect(r.stdout).toMatch(/\n {2}ok {4}status +min PoW 0\.001, bloom full/)
    expect(r.stdout).toMatch(/\n {2}ok {4}accepts a valid envelope/)
    expect(r.stdout).toMatch(/\n {2}FAIL {2}forwards envelopes +the envelope did not reach a second connection/)
    expect(r.stdout).toMatch(/\n {2}FAIL {2}drops a peer sending an invalid envelope +envelope dated 1 h ahead: still connected/)
    expect(r.stdout).toMatch(/2 of 7 checks failed\n$/)
    expect(node.received).toBeGreaterThanOrEqual(2)
  })

  it('shh/5 only: the silent node is probed over shh/5', async () => {
    node = await startSilentShhNode()
    const r = await run(['probe', node.enode, '--shh', '5', '--json', '--pow', '0.01', '--work', '1', '--timeout', '3'])
    expect(r.code).toBe(1)
    const rep = parseReport(r.stdout)
    expect(rep.shh).toBe(5)
    expect(check(rep, 'status').ok).toBe(true)
    expect(check(rep, 'forwards envelopes').ok).toBe(false)
  })
})
