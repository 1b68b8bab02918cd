// Every long-running command ends the same way on Ctrl-C (SIGINT) or SIGTERM: one `<command> stopping`
// line in its own output style, then exit 0 (src/cli/lifecycle.ts).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Cli, ensureBuilt, LOCAL, LOCAL_RELAY } from './harness.js'
import { tempDirs } from '../support/temp-dirs.js'

const procs: Cli[] = []
const dirs = tempDirs('p2pmessage-shutdown-', afterAll)
beforeAll(() => ensureBuilt())
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.dispose()))
})

const STAMP = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d '

describe('stopping on a signal', () => {
  const cases: { name: string; args: () => string[]; ready: RegExp; stopping: RegExp }[] = [
    { name: 'chat', args: () => [...LOCAL, '--listen', '127.0.0.1:0', '--read-only'], ready: /^Listening on enode:/, stopping: /^chat stopping$/ },
    { name: 'relay', args: () => ['relay', ...LOCAL_RELAY, '--listen', '127.0.0.1:0'], ready: /^enode:/, stopping: new RegExp(`^${STAMP}relay stopping$`) },
    {
      name: 'mailserver', args: () => ['mailserver', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--password', 'pw', '--datadir', dirs.make()],
      ready: /^enode:/, stopping: new RegExp(`^${STAMP}mail server stopping$`),
    },
    {
      name: 'bridge', args: () => ['bridge', ...LOCAL, '--http', '127.0.0.1:0', '--datadir', dirs.make()],
      ready: /^open http:/, stopping: /^bridge stopping$/,
    },
  ]
  for (const c of cases) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      it(`${c.name} on ${signal}: one stopping line, exit 0`, async () => {
        const p = new Cli(c.args())
        procs.push(p)
        await p.waitFor(c.ready)
        p.kill(signal)
        expect(await p.exited).toEqual({ code: 0, signal: null })
        expect(p.stdoutLines.filter((l) => /stopping$/.test(l))).toHaveLength(1)
        expect(p.stdoutLines.at(-1)).toMatch(c.stopping)
      })
    }
  }
})
