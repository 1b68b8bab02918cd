// `p2pmessage bridge` flag errors, run in-process (cli.e2e.test.ts runs the real binary).
import { describe, expect, it } from 'vitest'
import { run } from '../cli/in-process.js'
import { browserUrls } from '../../src/cli/bridge.js'
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

describe('the URL to open', () => {
  const nic = (address: string, family: 'IPv4' | 'IPv6', internal = false, scopeid = 0) =>
    ({ address, family, internal, netmask: '', mac: '', cidr: null, ...(family === 'IPv6' ? { scopeid } : {}) }) as never
  const interfaces = {
    lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)],
    eth0: [nic('192.168.7.20', 'IPv4'), nic('fe80::1', 'IPv6', false, 2), nic('2001:db8::20', 'IPv6')],
  }
  it('a wildcard bind gives localhost and the machine\'s addresses, never 0.0.0.0', () => {
    expect(browserUrls('http://0.0.0.0:8090', interfaces)).toEqual(['http://localhost:8090', 'http://192.168.7.20:8090'])
    expect(browserUrls('http://[::]:8090', interfaces)).toEqual(['http://localhost:8090', 'http://192.168.7.20:8090', 'http://[2001:db8::20]:8090'])
  })
  it('a named address is its own URL', () => {
    expect(browserUrls('http://127.0.0.1:8080', interfaces)).toEqual(['http://127.0.0.1:8080'])
    expect(browserUrls('http://10.0.0.5:8080', interfaces)).toEqual(['http://10.0.0.5:8080'])
  })
})
