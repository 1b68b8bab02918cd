// The mail group of the conformance suite: passes against our own mail server (shh/5 and shh/6),
// fails with a precise reason against a plain relay given --mail-password, and is skipped with its
// reason when no password is given. Loopback only; the archive lives in a temp dir removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runSuite } from '../../src/conformance/runner.js'
import type { SuiteReport } from '../../src/conformance/types.js'
import { Archive } from '../../src/node/archive.js'
import { MailServer } from '../../src/node/mailserver.js'
import { WhisperNode } from '../../src/node/whisper-node.js'
import { budget } from '../support/budget.js'

const PASSWORD = 'conformance-mail-pw'
const MAIL_IDS = ['mail.answer', 'mail.range', 'mail.unsigned', 'mail.wrong-password', 'mail.foreign-signer']

const byStatus = (r: SuiteReport, s: string) => r.results.filter((c) => c.status === s).map((c) => `${c.id}@${c.shh}`).sort()
const lines = (r: SuiteReport) => r.results.map((c) => `${c.id}@shh/${c.shh} ${c.status}: ${c.detail}`).join('\n')
const detailOf = (r: SuiteReport, id: string, shh: number) => r.results.find((c) => c.id === id && c.shh === shh)?.detail ?? ''

describe('conformance mail group', () => {
  let dir: string
  let mail: WhisperNode
  let server: MailServer
  let relay: WhisperNode
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'p2pm-conf-mail-'))
    mail = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, shhVersions: [5, 6], relay: true, verbosity: 0, sealThreads: 1 })
    server = new MailServer(mail, { password: PASSWORD, archive: await Archive.open({ dir, flushMs: 5 }) })
    await mail.start()
    relay = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, shhVersions: [5, 6], relay: true, verbosity: 0, sealThreads: 1 })
    await relay.start()
  })
  afterAll(async () => {
    await mail?.stop()
    server?.close()
    await relay?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('our mail server passes every mail check on shh/5 and shh/6', async () => {
    const r = await runSuite({ enode: mail.enode, shh: 'both', only: ['mail'], mailPassword: PASSWORD, timeoutMs: 8000, pow: 0.2 })
    if (!r.ok) throw new Error(lines(r))
    expect(byStatus(r, 'pass')).toEqual([...MAIL_IDS.flatMap((id) => [`${id}@6`, `${id}@5`]).filter((x) => x !== 'mail.foreign-signer@6')].sort())
    expect(detailOf(r, 'mail.range', 5)).toBe('answered lower; not lower-1, upper, upper+1')
    expect(detailOf(r, 'mail.range', 6)).toBe('answered lower, upper; not lower-1, upper+1')
    expect(server.stats().answered).toBeGreaterThanOrEqual(4)
  }, budget(120_000))

  it('a plain relay given --mail-password fails the answer checks with the reason, the refusal checks pass', async () => {
    const r = await runSuite({ enode: relay.enode, shh: 'both', only: ['mail'], mailPassword: PASSWORD, timeoutMs: 4000, pow: 0.2 })
    expect(byStatus(r, 'fail')).toEqual(['mail.answer@5', 'mail.answer@6', 'mail.range@5', 'mail.range@6'])
    expect(detailOf(r, 'mail.range', 5)).toMatch(/^request \[\d+, \d+\]: lower missing \(expected lower\.\.upper-1\)$/)
    expect(detailOf(r, 'mail.range', 6)).toMatch(/^request \[\d+, \d+\]: lower missing, upper missing \(expected lower\.\.upper\)$/)
    for (const shh of [5, 6]) {
      expect(detailOf(r, 'mail.answer', shh)).toMatch(/^no p2p message with our envelope dated \d+ s ago \(the node accepted it\) within 4 s of a request for \[\d+, \d+\] \(0 other envelopes came\): not a mail server, or another password$/)
    }
    expect(byStatus(r, 'pass')).toEqual(['mail.foreign-signer@5', 'mail.unsigned@5', 'mail.unsigned@6', 'mail.wrong-password@5', 'mail.wrong-password@6'])
  }, budget(120_000))

  it('a shh/5 mail server that answers any signer fails mail.foreign-signer only', async () => {
    const d = mkdtempSync(join(tmpdir(), 'p2pm-conf-mail-'))
    const lax = new WhisperNode({ listen: { host: '127.0.0.1', port: 0 }, shhVersions: [5], relay: true, verbosity: 0, sealThreads: 1 })
    const s = new MailServer(lax, { password: PASSWORD, archive: await Archive.open({ dir: d, flushMs: 5 }), requireNodeKey: false })
    try {
      await lax.start()
      const r = await runSuite({ enode: lax.enode, shh: 5, only: ['mail'], mailPassword: PASSWORD, timeoutMs: 8000, pow: 0.2 })
      expect(byStatus(r, 'fail')).toEqual(['mail.foreign-signer@5'])
      expect(detailOf(r, 'mail.foreign-signer', 5)).toMatch(/^request signed with another key: answered with [1-9]\d* p2p message envelope\(s\), the archived one among them$/)
    } finally {
      await lax.stop()
      s.close()
      rmSync(d, { recursive: true, force: true })
    }
  }, budget(120_000))

  it('without --mail-password the group is skipped with the reason', async () => {
    const r = await runSuite({ enode: mail.enode, shh: 'both', only: ['mail'], timeoutMs: 4000, pow: 0.2 })
    expect(r.results.length).toBe(9)
    for (const c of r.results) expect(c).toMatchObject({ status: 'skip', detail: 'no --mail-password: cannot tell whether the node is a mail server' })
  }, budget(60_000))
})
