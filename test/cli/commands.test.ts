// Choosing a command: a typo names the command meant (exit 2), `help <typo>` too, `-help` is `--help`;
// main() run in-process. (commands.e2e.test.ts: the real binary, and which modules each command loads.)
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { expectUsageError, ROOT } from './harness.js'
import { run } from './in-process.js'
import { COMMANDS, unknownCommandMessage } from '../../src/cli/main.js'
import { VERSION } from '../../src/cli/commands.js'

describe('commands', () => {
  it("a mistyped command says which one was meant, exit 2 (also after 'help')", async () => {
    expectUsageError(await run(['realy']), /^p2pmessage: unknown command 'realy' \(did you mean relay\?\)$/)
    expectUsageError(await run(['brige', '--http', '0']), /unknown command 'brige' \(did you mean bridge\?\)$/)
    expectUsageError(await run(['frobnicate']), /^p2pmessage: unknown command 'frobnicate' \(commands: chat, relay, .*bridge; see p2pmessage --help\)$/)
    expectUsageError(await run(['help', 'frobnicate']), /unknown command 'frobnicate'/)
    expectUsageError(await run(['help', 'realy']), /unknown command 'realy' \(did you mean relay\?\)$/)
  })

  it('a mistyped option or subcommand is one line in the same style as a mistyped command', async () => {
    for (const [args, re] of [
      [['--topc', 'ffff0000'], /^p2pmessage: unknown option '--topc' \(did you mean --topic\?\)$/],
      [['vectors', 'verfy', 'x.json'], /^p2pmessage: unknown command 'verfy' \(did you mean verify\?\)$/],
      [['relay', '--stauts', '5'], /^p2pmessage: unknown option '--stauts' \(did you mean --status\?\)$/],
    ] as const) {
      expectUsageError(await run([...args]), re)
    }
  })

  it('the suggestion is the closest command, or none when nothing is close', () => {
    expect(unknownCommandMessage('keygne')).toMatch(/did you mean keygen\?/)
    expect(unknownCommandMessage('vector')).toMatch(/did you mean vectors\?/)
    expect(unknownCommandMessage('chta')).toMatch(/did you mean chat\?/)
    expect(unknownCommandMessage('xyz')).not.toMatch(/did you mean/)
  })

  it('-help works like --help, for the program and for a command; help <command> too', async () => {
    for (const args of [['-help'], ['--help'], ['help']]) {
      const r = await run(args)
      expect(r.code).toBe(0)
      // every command is listed with its description, although none was loaded
      for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c.name} +${c.description.slice(0, 20)}`, 'm'))
    }
    const relay = await run(['relay', '-help'])
    expect(relay.code).toBe(0)
    expect(relay.stdout).toMatch(/^Usage: p2pmessage relay \[options\]/)
    expect(relay.stdout).toMatch(/--status <seconds>/)
    const viaHelp = await run(['help', 'relay'])
    expect(viaHelp.stdout).toBe(relay.stdout)
    expect((await run(['-version'])).stdout).toBe('0.1.0\n')
  })

  it('relay, mailserver, bridge and chat list --metrics in their help', async () => {
    for (const c of ['relay', 'mailserver', 'bridge', 'chat']) {
      const r = await run([c, '--help'])
      expect(r.code).toBe(0)
      expect(r.stdout, c).toMatch(/^  --metrics <host:port> +serve Prometheus metrics at/m)
    }
  })

  it('the version bin/p2pmessage prints without commander is the package\'s', () => {
    expect(VERSION).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version)
  })
})
