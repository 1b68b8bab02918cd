// waku.mail-paging (src/conformance/checks/waku-mail.ts) run by runSuite: passing against our mail server
// offering waku/1, skipped with its reason without a password or without a Waku mail server, failing
// against a mail server whose request-completes lose the cursor (a fault proxy in front of ours).
// Loopback only; the archive lives in a temp dir removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runSuite } from '../../src/conformance/runner.js'
import { formatText } from '../../src/conformance/report.js'
import type { SuiteReport } from '../../src/conformance/types.js'
import { Archive } from '../../src/node/archive.js'
import { MailServer } from '../../src/node/mailserver.js'
import { WhisperNode } from '../../src/node/whisper-node.js'
import { startFaultProxy, WAKU_FAULTS, type FaultProxy } from './fault-proxy.js'
import { budget } from '../support/budget.js'

const PASSWORD = 'conformance-waku-mail-pw'
const paging = (r: SuiteReport) => r.results.filter((c) => c.id === 'waku.mail-paging')
const others = (r: SuiteReport) => r.results.filter((c) => c.id !== 'waku.mail-paging' && c.status === 'fail')

describe('waku.mail-paging', () => {
  let dir: string
  let mail: WhisperNode
  let server: MailServer
  let relay: WhisperNode
  const proxies: FaultProxy[] = []
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'p2pm-conf-wakumail-'))
    mail = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, protocols: ['shh/6', 'waku/1'], relay: true, verbosity: 0, sealThreads: 1 })
    server = new MailServer(mail, { password: PASSWORD, archive: await Archive.open({ dir, flushMs: 5 }) })
    await mail.start()
    relay = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, protocols: ['waku/1'], relay: true, verbosity: 0, sealThreads: 1 })
    await relay.start()
  })
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()))
    await mail?.stop()
    server?.close()
    await relay?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('our mail server offering waku/1 passes: every envelope once, in order, the bad cursor refused', async () => {
    const r = await runSuite({ enode: mail.enode, shh: 'none', waku: [1], only: ['waku'], mailPassword: PASSWORD, timeoutMs: 8000, pow: 0.2 })
    if (!r.ok) throw new Error(formatText(r))
    expect(paging(r)).toHaveLength(1)
    expect(paging(r)[0]).toMatchObject({ cap: 'waku/1', status: 'pass' })
    expect(paging(r)[0].detail).toMatch(/^5 envelopes in order on pages of 2, 2, 1, the last cursor empty; a 7-byte cursor: ERROR= "request is invalid: [^"]+": kept \(/)
  }, budget(90_000))

  it('is skipped without --mail-password, and against a node that serves no Waku mail', async () => {
    const none = await runSuite({ enode: mail.enode, shh: 'none', waku: [1], only: ['waku'], timeoutMs: 8000, pow: 0.2 })
    expect(paging(none)[0]).toMatchObject({ status: 'skip', detail: 'no --mail-password: cannot tell whether the node serves Waku mail' })
    const plain = await runSuite({ enode: relay.enode, shh: 'none', waku: [1], only: ['waku'], mailPassword: PASSWORD, timeoutMs: 4000, pow: 0.2 })
    expect(paging(plain)[0]).toMatchObject({ status: 'skip', detail: expect.stringMatching(/^no request-complete for request [0-9a-f]{16}… within 4 s: the node serves no Waku mail, or under another password$/) })
    expect(plain.ok).toBe(true)
  }, budget(90_000))

  it('fails against a mail server whose request-complete drops the cursor', async () => {
    const p = await startFaultProxy(mail.enode, WAKU_FAULTS['waku-no-cursor'], { waku: true })
    proxies.push(p)
    const r = await runSuite({ enode: p.enode, shh: 'none', waku: [1], only: ['waku'], mailPassword: PASSWORD, timeoutMs: 8000, pow: 0.2 })
    expect(others(r)).toEqual([])
    expect(paging(r)[0]).toMatchObject({ status: 'fail', detail: 'cursor empty after 1 page(s) (2) with 2 of our 5 envelopes' })
  }, budget(90_000))
})
