// Two chat clients meeting through a `p2pmessage relay`, and `probe` finding that relay fully conformant.
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ProbeReport } from '../../src/cli/probe.js'
import { Cli, CHAT_LINE, ensureBuilt, LOCAL, LOCAL_RELAY, run } from './harness.js'

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
    const { enode } = await startRelay(['--pow', '0.5', '--shh', '6'])
    // the TTL leaves room for a slow start: the warning needs the connection, which may come after the post
    const writer = spawnCli([...LOCAL, '--shh', '6', '--ttl', '8', '--enode', enode])
    writer.end('too little work\n')
    await writer.waitFor(/^warning: peer [0-9a-f]{16} \(127\.0\.0\.1:\d+\) requires PoW 0\.5; your messages \(--pow 0\.01\) will not be sent to it$/, { stream: 'stderr' })
    expect((await writer.exited).code).toBe(1)
    expect(writer.stderr).toMatch(/1 message\(s\) expired before reaching any peer \(1 peer\(s\) require more PoW than --pow 0\.01\)/)
  })
})

describe('probe', () => {
  it.each(['5', '6', 'both'])('reports our relay as fully conformant (--shh %s)', async (shh) => {
    const { enode } = await startRelay(['--shh', 'both'])
    const r = await run(['probe', enode, '--shh', shh, '--json', '--pow', '0.01', '--work', '1'])
    const report = JSON.parse(r.stdout) as ProbeReport
    expect(report.checks.filter((c) => !c.ok)).toEqual([])
    expect(report.passed).toBe(true)
    expect(r.code).toBe(0)
    expect(report.shh).toBe(shh === '5' ? 5 : 6)
    if (shh === '5') expect(report.status).toBeNull()
    else expect(report.status).toEqual({ minPow: 0.01, bloom: 'full', lightNode: false })
    expect(report.hello?.capabilities).toEqual(expect.arrayContaining([{ name: 'shh', version: 5 }, { name: 'shh', version: 6 }]))
    expect(report.checks.map((c) => c.name)).toEqual([
      'RLPx handshake', 'hello', 'shh version', 'status', 'accepts a valid envelope', 'forwards envelopes',
      'drops a peer sending an invalid envelope',
    ])
  })

  it('prints a readable report', async () => {
    const { enode } = await startRelay(['--shh', 'both'])
    const r = await run(['probe', enode, '--pow', '0.01', '--work', '1'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^probe enode:\/\/[0-9a-f]{128}@127\.0\.0\.1:\d+\n/)
    expect(r.stdout).toMatch(/\n {2}ok {4}status +min PoW 0\.01, bloom full \(all topics\), light node no\n/)
    expect(r.stdout).toMatch(/\n {2}ok {4}drops a peer sending an invalid envelope +envelope dated 1 h ahead: it disconnected us \(SUBPROTOCOL_ERROR\)\n/)
    expect(r.stdout).toMatch(/\nall 7 checks passed\n$/)
  })
})
