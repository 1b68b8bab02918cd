// --log-file: lines appended to a 0600 file instead of stderr, and SIGHUP (logrotate) reopening it
// instead of stopping the command; in-process. (A spawned mail server with --log-file, rotated and
// stopped: service.e2e.test.ts.)
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openLogFile } from '../../src/cli/logfile.js'
import { createLogSink } from '../../src/cli/logsink.js'
import { createLifecycle } from '../../src/cli/lifecycle.js'
import { CliError } from '../../src/cli/errors.js'
import { tempDirs } from '../support/temp-dirs.js'
import { LOCAL, LOCAL_RELAY } from './harness.js'
import { run } from './in-process.js'

const tmp = tempDirs('p2pm-logfile-').make
const read = (f: string) => readFileSync(f, 'utf8').split('\n').filter((l) => l !== '')

// createLifecycle hooks the process's signals: the ones a test added are taken off again
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
let before = new Map<string, Function[]>()
function snapshotSignals() {
  before = new Map(SIGNALS.map((s) => [s, process.listeners(s)]))
}
afterEach(() => {
  for (const s of SIGNALS) for (const l of process.listeners(s)) if (!before.get(s)?.includes(l)) process.removeListener(s, l as () => void)
})

describe('log file', () => {
  it('is created 0600 and appended to, never truncated', () => {
    const path = join(tmp(), 'node.log')
    writeFileSync(path, 'kept\n', { mode: 0o644 })
    const f = openLogFile(path)
    f.write('one')
    f.close()
    expect(read(path)).toEqual(['kept', 'one'])
    const fresh = join(tmp(), 'fresh.log')
    const g = openLogFile(fresh)
    g.write('two')
    g.close()
    expect(statSync(fresh).mode & 0o777).toBe(0o600)
    expect(read(fresh)).toEqual(['two'])
  })

  it('reopen after a rename: earlier lines stay in the renamed file, later ones go to a new file at PATH', () => {
    const dir = tmp()
    const path = join(dir, 'node.log')
    const f = openLogFile(path)
    f.write('before')
    renameSync(path, path + '.1')
    f.write('still old')
    f.reopen()
    f.write('after')
    f.close()
    expect(read(path + '.1')).toEqual(['before', 'still old'])
    expect(read(path)).toEqual(['after'])
    expect(statSync(path).mode & 0o777).toBe(0o600)
  })

  it('a reopen that fails keeps the old file and says so once per attempt', () => {
    const dir = join(tmp(), 'logs')
    mkdirSync(dir)
    const path = join(dir, 'node.log')
    const said: string[] = []
    const f = openLogFile(path, (l) => said.push(l))
    renameSync(path, join(dir, '..', 'moved.log'))
    rmSync(dir, { recursive: true })
    f.reopen()
    f.write('kept writing')
    f.close()
    expect(said).toEqual([`p2pmessage: cannot reopen --log-file ${path}: its directory does not exist; still writing to the file open before`])
    expect(read(join(dir, '..', 'moved.log'))).toEqual(['kept writing'])
  })

  it('an unusable path is one CliError line', () => {
    const dir = tmp()
    expect(() => openLogFile(join(dir, 'no', 'such.log'))).toThrow(new CliError(`cannot open --log-file ${join(dir, 'no', 'such.log')}: its directory does not exist`))
    expect(() => openLogFile(dir)).toThrow(/^cannot open --log-file .*: it is a directory$/)
    const ro = join(dir, 'ro')
    mkdirSync(ro)
    chmodSync(ro, 0o500)
    // root ignores the mode bits: the refusal is only checked where it applies
    if (process.getuid?.() !== 0) expect(() => openLogFile(join(ro, 'x.log'))).toThrow(/: permission denied$/)
  })

  it('the log sink writes there (filtered by verbosity) and not to stderr', () => {
    const path = join(tmp(), 'node.log')
    const f = openLogFile(path)
    const sink = createLogSink({ verbosity: 3, file: f, viaPrompt: () => () => { throw new Error('not via the prompt') } })
    sink(3, 'Started P2P networking')
    sink(4, 'hidden at verbosity 3')
    f.close()
    const lines = read(path)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^INFO  \[\d\d-\d\d\|\d\d:\d\d:\d\d\.\d{3}\] Started P2P networking$/)
  })

  it('SIGHUP with a log file reopens it and does not stop the command (without one it stops: service.e2e.test.ts)', () => {
    snapshotSignals()
    const path = join(tmp(), 'node.log')
    const f = openLogFile(path)
    let stopping = 0
    const lifecycle = createLifecycle({ node: () => null, stopping: () => stopping++, logFile: f })
    f.write('first')
    renameSync(path, path + '.1')
    process.emit('SIGHUP', 'SIGHUP')
    f.write('second')
    // logrotate may run again before the next line: each SIGHUP reopens
    process.emit('SIGHUP', 'SIGHUP')
    f.write('third')
    f.close()
    expect(lifecycle.exiting).toBe(false)
    expect(stopping).toBe(0)
    expect(read(path + '.1')).toEqual(['first'])
    expect(read(path)).toEqual(['second', 'third'])
  })

  it('relay, mailserver, bridge and chat refuse an unusable --log-file before starting', async () => {
    const bad = join(tmp(), 'missing', 'node.log')
    const want = `p2pmessage: cannot open --log-file ${bad}: its directory does not exist\n`
    for (const args of [
      ['relay', ...LOCAL_RELAY, '--listen', '127.0.0.1:0'],
      ['mailserver', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--password', 'x', '--datadir', tmp()],
      ['bridge', ...LOCAL, '--http', '127.0.0.1:0', '--datadir', tmp()],
      [...LOCAL, '--listen', '127.0.0.1:0', '--read-only'],
    ]) {
      const r = await run([...args, '--log-file', bad])
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 2, stderr: want })
    }
  })
})
