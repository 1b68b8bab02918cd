// `systemd-analyze verify` on docs/systemd/*.service, with ExecStart pointed at this checkout's
// bin/p2pmessage (verify checks that the binary exists): no warning at all. Skipped, saying so, where
// systemd-analyze is not installed.
import { execFileSync, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDirs } from '../support/temp-dirs.js'

const ROOT = resolve(import.meta.dirname, '../..')
const UNIT_DIR = join(ROOT, 'docs/systemd')
const BIN = join(ROOT, 'bin/p2pmessage')
const tmp = tempDirs('p2pm-systemd-').make

function analyzer(): string | null {
  try {
    execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' })
    return 'systemd-analyze'
  } catch {
    return null
  }
}
const SA = analyzer()
if (!SA) console.warn('systemd.e2e: systemd-analyze is not installed; the units are not verified')

describe.skipIf(!SA)('systemd-analyze verify', () => {
  for (const f of readdirSync(UNIT_DIR).filter((n) => n.endsWith('.service'))) {
    it(`${f}: no warning`, () => {
      const dir = tmp()
      const text = readFileSync(join(UNIT_DIR, f), 'utf8')
      expect(text).toContain('ExecStart=/usr/local/bin/p2pmessage ')
      const unit = join(dir, f)
      writeFileSync(unit, text.replaceAll('/usr/local/bin/p2pmessage', BIN))
      const r = spawnSync(SA!, ['verify', unit], { encoding: 'utf8' })
      expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 0, out: '' })
    })
  }

  it('would say so: a unit with an unknown key or a missing binary is not silent', () => {
    const dir = tmp()
    const text = readFileSync(join(UNIT_DIR, 'p2pmessage-relay.service'), 'utf8')
    const unit = join(dir, 'p2pmessage-relay.service')
    writeFileSync(unit, text.replace('NoNewPrivileges=yes', 'NoNewPrivileges=yes\nProtectEverything=yes'))
    expect(spawnSync(SA!, ['verify', unit], { encoding: 'utf8' }).stderr).toMatch(/Unknown key 'ProtectEverything'/)
    writeFileSync(unit, text)
    expect(spawnSync(SA!, ['verify', unit], { encoding: 'utf8' }).stderr).toMatch(/\/usr\/local\/bin\/p2pmessage is not executable/)
  })
})
