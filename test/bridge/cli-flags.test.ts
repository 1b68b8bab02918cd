// `p2pmessage bridge` flag errors, run in-process (cli.e2e.test.ts runs the real binary).
import { describe, expect, it } from 'vitest'
import { run } from '../cli/in-process.js'
import { tempDirs } from '../support/temp-dirs.js'

const dirs = tempDirs('p2pmessage-bridge-flags-')

describe('p2pmessage bridge flags', () => {
  it('refuses bad flags with one line and status 2', async () => {
    const dir = dirs.make()
    for (const [args, msg] of [
      [['--http', 'nowhere'], /invalid --http "nowhere"/],
      [['--token', 'short'], /invalid --token/],
      [['--allow-origin', 'evil.example'], /invalid --allow-origin/],
    ] as const) {
      const r = await run(['bridge', '--bootnodes', 'none', '--datadir', dir, ...args])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(msg)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
    }
  })

  it('a bad --rpc-addr is one error line and status 2', async () => {
    const dir = dirs.make()
    const r = await run(['bridge', '--bootnodes', 'none', '--pow', '0.01', '--http', '127.0.0.1:0', '--datadir', dir, '--rpc-addr', 'nonsense'])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr.split('\n').filter((l) => l.trim() !== '')).toEqual(['p2pmessage: invalid --rpc-addr "nonsense": expected host:port, e.g. 0.0.0.0:30303'])
  })
})
