// Choosing a command: a typo names the command meant (exit 2), `help <typo>` too, `-help` is `--help`,
// and a command loads only its own modules (no native SQLite addon, ws or playwright for chat or keygen).
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, expectUsageError, run, ROOT } from './harness.js'
import { COMMANDS, unknownCommandMessage } from '../../src/cli/main.js'

/** Runs main() in a fresh node and returns which heavy packages it loaded (CommonJS cache). */
function heavyModulesLoaded(args: string[]): Promise<string[]> {
  const script = `
    import { createRequire } from 'node:module'
    const require = createRequire(${JSON.stringify(join(ROOT, 'package.json'))})
    const m = await import(${JSON.stringify(join(ROOT, 'dist/src/cli/main.js'))})
    await m.main(['node', 'p2pmessage', ...${JSON.stringify(args)}])
    const heavy = Object.keys(require.cache).filter((k) => /node_modules\\/(better-sqlite3|ws|playwright-core)\\//.test(k))
    process.stderr.write('HEAVY ' + JSON.stringify([...new Set(heavy.map((k) => k.replace(/.*node_modules\\/([^/]+)\\/.*/, '$1')))]) + '\\n')
  `
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT }, (_err, _stdout, stderr) => {
      const m = /HEAVY (.*)/.exec(stderr)
      if (!m) reject(new Error(`no HEAVY line; stderr:\n${stderr}`))
      else resolve(JSON.parse(m[1]) as string[])
    })
  })
}

describe('commands', () => {
  beforeAll(() => ensureBuilt())

  it("a mistyped command says which one was meant, exit 2 (also after 'help')", async () => {
    expectUsageError(await run(['realy']), /^p2pmessage: unknown command 'realy' \(did you mean relay\?\)$/)
    expectUsageError(await run(['brige', '--http', '0']), /unknown command 'brige' \(did you mean bridge\?\)$/)
    expectUsageError(await run(['frobnicate']), /^p2pmessage: unknown command 'frobnicate' \(commands: chat, relay, .*bridge; see p2pmessage --help\)$/)
    expectUsageError(await run(['help', 'frobnicate']), /unknown command 'frobnicate'/)
    expectUsageError(await run(['help', 'realy']), /unknown command 'realy' \(did you mean relay\?\)$/)
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

  it('each command loads only its own modules: SQLite and ws for the bridge alone', async () => {
    expect(await heavyModulesLoaded(['--version'])).toEqual([])
    expect(await heavyModulesLoaded(['--help'])).toEqual([])
    expect(await heavyModulesLoaded(['chat', '--help'])).toEqual([])
    expect(await heavyModulesLoaded(['relay', '--help'])).toEqual([])
    expect(await heavyModulesLoaded(['keygen'])).toEqual([])
    expect(await heavyModulesLoaded(['vectors', 'verify', join(ROOT, 'fixtures/shh5-geth.json')])).toEqual([])
    // the check itself can fail: the bridge does load them
    expect((await heavyModulesLoaded(['bridge', '--help'])).sort()).toEqual(['better-sqlite3', 'ws'])
  })
})
