// Mail flags that are refused before a node starts: one line, exit 2; main() run in-process.
// (The mail server and the chat's history end to end: mailserver.e2e.test.ts.)
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDirs } from '../support/temp-dirs.js'
import { LOCAL, LOCAL_RELAY } from './harness.js'
import { run } from './in-process.js'

const tmp = tempDirs('p2pm-ms-').make

describe('mail options: clear errors', () => {
  it('--mailserver without its password, and the reverse', async () => {
    const a = await run([...LOCAL, '--enode', 'enode://79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8@127.0.0.1:1', '--mailserver', 'enode://79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8@127.0.0.1:1'])
    expect(a.code).toBe(2)
    expect(a.stderr).toMatch(/--mailserver needs --mailserver-password/)
    const b = await run([...LOCAL, '--enode', 'enode://79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8@127.0.0.1:1', '--history', '1h'])
    expect(b.code).toBe(2)
    expect(b.stderr).toMatch(/need --mailserver/)
  })
  it('mailserver: bad sizes and durations', async () => {
    const s = await run(['mailserver', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--password', 'x', '--datadir', tmp(), '--max-archive', 'lots'])
    expect(s.stderr).toMatch(/invalid --max-archive "lots"/)
    const d = await run(['relay', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--mailserver-password', 'x', '--datadir', tmp(), '--retention', '-1d'])
    expect(d.stderr).toMatch(/invalid --retention "-1d"/)
    const p = await run(['mailserver', ...LOCAL_RELAY, '--listen', '127.0.0.1:0'])
    expect(p.code).toBe(2)
    expect(p.stderr).toMatch(/--password/)
  })
})
