// `relay --room`: a shh/5-only chat and a shh/6-only chat in one room through the gateway, the original
// sender shown, both ways; a line that reaches no peer is reported on the terminal too. (Bad room specs:
// gateway.test.ts, in-process.)
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Cli, CHAT_LINE, ensureBuilt, LOCAL, LOCAL_RELAY } from './harness.js'
import { hasScript, openTerminal } from './pty.js'

const procs: Cli[] = []
function spawnCli(args: string[]): Cli {
  const c = new Cli(args)
  procs.push(c)
  return c
}
beforeAll(() => ensureBuilt())
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.dispose()))
})

const RELAYED_LINE = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \[([0-9a-f]{40})\] \(relayed by ([0-9a-f]{40})\): (.*)$/

describe('relay --room', () => {
  it('joins a shh/5-only and a shh/6-only chat in one room, both ways, with the original sender', async () => {
    const relay = spawnCli(['relay', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--room', '44c7429f:123456', '--status', '1'])
    const enode = await relay.waitFor(/^enode:\/\//)
    await relay.waitFor(/ gateway room 44c7429f: shh\/5 <-> shh\/6$/)
    // verbosity 3: the chat logs its identity address, which the shh/6 side must see as the sender
    const v5 = spawnCli([...LOCAL, '--shh', '5', '--enode', enode, '--verbosity', '3'])
    const v6 = spawnCli([...LOCAL, '--shh', '6', '--enode', enode])
    await v5.waitFor(/^Connected to peer/)
    await v6.waitFor(/^Connected to peer/)
    await relay.waitFor(/note: peers on shh\/5 and shh\/6 are connected; only the --room rooms cross/)

    v5.write('hello from shh/5\n')
    const at6 = await v6.waitFor(/: hello from shh\/5$/)
    const m6 = RELAYED_LINE.exec(at6)
    expect(m6, at6).not.toBeNull()
    const v5addr = /chat identity address=([0-9a-f]{40})/.exec(v5.stderr)?.[1]
    expect(v5addr).toBeDefined()
    expect(m6![2]).toBe(v5addr)
    expect(m6![3]).not.toBe(v5addr)

    v6.write('hello from shh/6\n')
    const at5 = await v5.waitFor(/: hello from shh\/6$/)
    expect(RELAYED_LINE.test(at5), at5).toBe(true)
    expect(m6![3]).toBe(RELAYED_LINE.exec(at5)![3]) // one gateway both ways
    await relay.waitFor(/ status .* crossed=2 shed=0 failed=0$/)
    // nothing came back to its author
    await new Promise((r) => setTimeout(r, 800))
    expect(v5.stdoutLines.filter((l) => /hello from shh\/5$/.test(l) && CHAT_LINE.test(l) && !l.includes('<mine>'))).toEqual([])
  })
})

describe.runIf(hasScript())('a line that reaches no peer, on a terminal', () => {
  it('prints why it was not delivered', async () => {
    const relay = spawnCli(['relay', '--bootnodes', 'none', '--pow', '50', '--shh', '6', '--listen', '127.0.0.1:0'])
    const enode = await relay.waitFor(/^enode:\/\//)
    const cmd = `stty cols 200 rows 40; exec node bin/p2pmessage ${[...LOCAL, '--ttl', '2', '--enode', enode].join(' ')}`
    const { tty, screen, exited, until } = openTerminal(cmd, 200)
    try {
      await until(() => screen.screen().some((l) => l.startsWith('Connected to peer')), 'connected')
      tty.stdin.write('anyone there?\r')
      await until(() => screen.screen().some((l) => l.startsWith('not sent (')), 'the undelivered line')
      const line = screen.screen().find((l) => l.startsWith('not sent ('))!
      expect(line).toMatch(/^not sent \(the peers require more PoW \(at least 50\) than it carried \([\d.]+\)\): anyone there\?$/)
    } finally {
      tty.kill('SIGKILL')
      await exited
    }
  })
})
