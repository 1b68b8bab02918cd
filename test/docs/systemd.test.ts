// docs/systemd/*.service: docs/deploy.md shows each unit exactly as its file, and every flag of its
// ExecStart is a flag of that command (main() --help, in-process). systemd-analyze verify:
// systemd.e2e.test.ts.
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { run } from '../cli/in-process.js'

const ROOT = resolve(import.meta.dirname, '../..')
const UNIT_DIR = join(ROOT, 'docs/systemd')
const units = readdirSync(UNIT_DIR).filter((f) => f.endsWith('.service')).sort()

function key(unit: string, name: string): string[] {
  return unit.split('\n').filter((l) => l.startsWith(`${name}=`)).map((l) => l.slice(name.length + 1))
}

describe('systemd units', () => {
  it('are the relay and the mail server, on SQLite and on PostgreSQL', () => {
    expect(units).toEqual(['p2pmessage-mailserver-postgres.service', 'p2pmessage-mailserver.service', 'p2pmessage-relay.service'])
  })

  for (const f of units) {
    it(`${f}: shown unchanged in docs/deploy.md`, () => {
      const deploy = readFileSync(join(ROOT, 'docs/deploy.md'), 'utf8')
      const text = readFileSync(join(UNIT_DIR, f), 'utf8')
      expect(deploy).toContain(`\`docs/systemd/${f}\`:\n\n\`\`\`ini\n${text}\`\`\`\n`)
    })

    it(`${f}: ExecStart uses real flags, SIGTERM to stop, SIGHUP to reload with --log-file, and the hardening`, async () => {
      const text = readFileSync(join(UNIT_DIR, f), 'utf8')
      const [exec] = key(text, 'ExecStart')
      const [bin, command, ...args] = exec.split(' ')
      expect(bin).toBe('/usr/local/bin/p2pmessage')
      expect(command).toBe(f.replace(/^p2pmessage-|\.service$/g, '').split('-')[0])
      const help = await run([command, '--help'])
      expect(help.code).toBe(0)
      for (const flag of args.filter((a) => a.startsWith('--'))) expect(help.stdout, flag).toContain(`${flag} `)
      expect(args).toContain('--log-file')
      // what the command is told matches what systemd lets it write
      const writable = key(text, 'ReadWritePaths')[0].split(' ')
      expect(writable).toContain(`/var/lib/${key(text, 'StateDirectory')[0]}`)
      expect(writable).toContain(`/var/log/${key(text, 'LogsDirectory')[0]}`)
      for (const path of args.filter((a) => a.startsWith('/var/'))) expect(writable.some((w) => path.startsWith(w + '/') || path === w), path).toBe(true)
      const expected: Record<string, string> = {
        KillSignal: 'SIGTERM', ExecReload: '/bin/kill -HUP $MAINPID', Restart: 'on-failure', User: 'p2pmessage',
        NoNewPrivileges: 'yes', ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes', CapabilityBoundingSet: '',
      }
      for (const [k, v] of Object.entries(expected)) expect(key(text, k), k).toEqual([v])
      // metrics only on loopback; devp2p on all interfaces
      expect(args[args.indexOf('--metrics') + 1]).toMatch(/^127\.0\.0\.1:\d+$/)
      expect(args[args.indexOf('--listen') + 1]).toMatch(/^0\.0\.0\.0:\d+$/)
    })
  }
})
