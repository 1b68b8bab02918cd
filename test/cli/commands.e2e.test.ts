// The real binary answers --version, --help and a typo as main() does (commands.test.ts checks those
// in-process), and a command loads only its own modules (no native SQLite addon, ws or playwright for
// chat or keygen).
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ensureBuilt, expectUsageError, run, ROOT } from './harness.js'
import { run as runInProcess } from './in-process.js'

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

  it('the real binary: --version (answered without commander) and --help as main() prints them, a typo exits 2', async () => {
    const version = await run(['--version'])
    expect(version.code).toBe(0)
    expect(version.stdout).toBe((await runInProcess(['--version'])).stdout)
    for (const args of [['--help'], ['-h'], ['-help'], ['help']]) {
      const help = await run(args)
      expect(help.code).toBe(0)
      expect(help.stdout).toBe((await runInProcess(args)).stdout)
    }
    expectUsageError(await run(['realy']), /^p2pmessage: unknown command 'realy' \(did you mean relay\?\)$/)
  })

  it('each command loads only its own modules: ws for the bridge alone, SQLite not before an archive opens', async () => {
    expect(await heavyModulesLoaded(['--version'])).toEqual([])
    expect(await heavyModulesLoaded(['--help'])).toEqual([])
    expect(await heavyModulesLoaded(['chat', '--help'])).toEqual([])
    expect(await heavyModulesLoaded(['relay', '--help'])).toEqual([])
    expect(await heavyModulesLoaded(['keygen'])).toEqual([])
    expect(await heavyModulesLoaded(['vectors', 'verify', join(ROOT, 'fixtures/shh5-geth.json')])).toEqual([])
    // the check itself can fail: the bridge does load ws (better-sqlite3 only once its history opens: src/node/sqlite.ts)
    expect((await heavyModulesLoaded(['bridge', '--help'])).sort()).toEqual(['ws'])
  })
})
