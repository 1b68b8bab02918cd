// Two chat clients meeting through a `p2pmessage relay`, and `probe` (the conformance suite) finding that relay fully conformant.
import { afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { SuiteReport } from '../../src/conformance/types.js'
import { Cli, CHAT_LINE, ensureBuilt, LOCAL, LOCAL_RELAY, run } from './harness.js'
import { budget } from '../support/budget.js'

const procs: Cli[] = []
function spawnCli(args: string[]): Cli {
  const c = new Cli(args)
  procs.push(c)
  return c
}

async function startRelay(extra: string[] = []): Promise<{ relay: Cli; enode: string }> {
  const relay = spawnCli(['relay', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--status', '1', ...extra])
  const enode = await relay.waitFor(/^enode:\/\//)
  return { relay, enode }
}

beforeAll(() => ensureBuilt())
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.dispose()))
})

describe.each([5, 6])('relay, clients on shh/%i', (shh) => {
  it('carries lines between two clients that only know the relay', async () => {
    const { relay, enode } = await startRelay(['--shh', String(shh)])
    expect(enode).toMatch(/^enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+$/)
    const reader = spawnCli([...LOCAL, '--shh', String(shh), '--enode', enode])
    await reader.waitFor(/^Connected to peer/)
    const writer = spawnCli([...LOCAL, '--shh', String(shh), '--enode', enode])
    writer.end('through the relay\n')
    expect((await writer.exited).code).toBe(0)
    const line = await reader.waitFor(/: through the relay$/)
    expect(line).toMatch(CHAT_LINE)
    expect(CHAT_LINE.exec(line)![2]).toMatch(/^\[[0-9a-f]{40}\]$/)

    await relay.waitFor(/ peer joined id=[0-9a-f]{16} shh\/\d 127\.0\.0\.1:\d+ inbound /)
    await relay.waitFor(/ status peers=\d+ pool=[1-9]\d* in=[1-9]\d* out=[1-9]\d*$/)
    relay.kill('SIGTERM')
    expect((await relay.exited).code).toBe(0)
    // one line per event: at the default verbosity the node's own INFO log does not repeat them
    expect(relay.stderr).toBe('')
    expect(relay.stdoutLines.filter((l) => / peer left /.test(l)).length).toBeLessThanOrEqual(2)
    reader.kill('SIGTERM')
    expect((await reader.exited).code).toBe(0)
  })
})

describe('the default relay', () => {
  it('puts our chats (offering 5 and 6) in one room with shh/5-only clients like the original', async () => {
    const { relay, enode } = await startRelay()
    const original = spawnCli([...LOCAL, '--shh', '5', '--enode', enode])
    await original.waitFor(/^Connected to peer/)
    const ours = spawnCli([...LOCAL, '--enode', enode])
    ours.end('one room for all\n')
    expect((await ours.exited).code).toBe(0)
    await original.waitFor(/: one room for all$/)
    await relay.waitFor(/ peer joined id=[0-9a-f]{16} shh\/5 .*inbound/)
    expect(relay.stdout).not.toMatch(/shh\/6/)
  })

  it('with --shh both, says once that shh/5 and shh/6 peers do not see each other', async () => {
    const { relay, enode } = await startRelay(['--shh', 'both'])
    const v5 = spawnCli([...LOCAL, '--shh', '5', '--enode', enode])
    await v5.waitFor(/^Connected to peer/)
    const v6 = spawnCli([...LOCAL, '--shh', '6', '--enode', enode])
    await v6.waitFor(/^Connected to peer/)
    await relay.waitFor(/ note: peers on shh\/5 and shh\/6 are connected; messages do not cross between the two versions \(see --room\)$/)
  })
})

describe('a chat and a relay that share no whisper version', () => {
  it('the chat names the cause when it gives up', async () => {
    const { enode } = await startRelay(['--shh', '6'])
    const r = await run([...LOCAL, '--shh', '5', '--connect-timeout', '3', '--enode', enode], 'hello?\n')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^p2pmessage: cannot reach enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+: no shared whisper version \(it offers shh\/6; we offer shh\/5\) \(no peer after 3 s; --connect-timeout 0 waits forever\)$/m)
  })
})

describe('a relay that requires more PoW than the chat seals', () => {
  it('the chat says so instead of going silent, and piped input exits 1 naming the cause', async () => {
    // far above the chat's --pow: a seal stops at the first nonce reaching its target, and that nonce can
    // overshoot it by luck (by 50 times, the gap 0.5 left, in ~2 % of runs), when the relay took the post
    const { enode } = await startRelay(['--pow', '20', '--shh', '6'])
    // the TTL leaves room for a slow start: the warning needs the connection, which may come after the post
    const writer = spawnCli([...LOCAL, '--shh', '6', '--ttl', '8', '--enode', enode])
    writer.end('too little work\n')
    await writer.waitFor(/^warning: peer [0-9a-f]{16} \(127\.0\.0\.1:\d+\) requires PoW 20; your messages \(--pow 0\.01\) will not be sent to it$/, { stream: 'stderr' })
    expect((await writer.exited).code).toBe(1)
    expect(writer.stderr).toMatch(/1 message\(s\) expired before reaching any peer \(1 peer\(s\) require more PoW than --pow 0\.01\)/)
  })
})

describe('probe', () => {
  it.each(['5', '6', 'both'])('--quick: the 7 basic checks pass against our relay (--shh %s)', async (shh) => {
    const { enode } = await startRelay(['--shh', 'both'])
    const r = await run(['probe', enode, '--shh', shh, '--quick', '--json', '--pow', '0.01'])
    const report = JSON.parse(r.stdout) as SuiteReport
    expect(report.results.filter((c) => c.status !== 'pass')).toEqual([])
    expect(report.ok).toBe(true)
    expect(r.code).toBe(0)
    expect(report.node?.shh).toEqual(shh === 'both' ? [6, 5] : [Number(shh)])
    if (shh !== '5') expect(report.node?.status['shh/6']).toEqual({ minPow: 0.01, bloom: 'full', lightNode: false })
    expect(report.node?.capabilities).toEqual(expect.arrayContaining(['shh/5', 'shh/6']))
    expect([...new Set(report.results.map((c) => c.id))]).toEqual([
      'rlpx.handshake', 'rlpx.hello-id', 'rlpx.capabilities', 'status.decodes', 'envelope.valid', 'envelope.future', 'forward.valid',
    ])
  })

  it('the full suite passes against our relay: readable report, skip reasons, JUnit file', async () => {
    const { enode } = await startRelay(['--shh', 'both'])
    const junitDir = mkdtempSync(join(tmpdir(), 'probe-'))
    onTestFinished(() => rmSync(junitDir, { recursive: true, force: true }))
    const junit = join(junitDir, 'report.xml')
    const r = await run(['probe', enode, '--pow', '0.01', '--timeout', '8', '--junit', junit])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^probe enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+\n/)
    expect(r.stdout).toMatch(/\n {2}ok {4}shh\/6 {2}status\.v6-fields +4 items\n/)
    expect(r.stdout).toMatch(/\n {2}ok {4}shh\/5 {2}envelope\.low-pow +envelope with PoW [\d.e+-]+ < 0\.01: peer kept, envelope not forwarded\n/)
    expect(r.stdout).toMatch(/\n {2}ok {4}shh\/6 {2}envelope\.future +envelope dated 1 h ahead: it disconnected us \(SUBPROTOCOL_ERROR\)\n/)
    expect(r.stdout).not.toMatch(/FAIL/)
    expect(r.stdout).toMatch(/\n\d+ passed, 0 failed, \d+ skipped \([\d.]+ s\)\nskipped:\n( {2}.*\n)* {2}no --rpc given: rpc\.info, /)
    const xml = readFileSync(junit, 'utf8')
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="p2pmessage probe" tests="\d+" failures="0" skipped="\d+"/)
    expect(xml).toMatch(/<testcase classname="shh\/6\.status" name="status\.first" time="[\d.]+">/)
    expect(xml).toMatch(/<skipped message="no --rpc given"\/>/)
  }, budget(120_000))
})
