// Issue 10, finding 12: secrets as flags show in the process list; each has a file and an environment
// form, `--help` says which is safer, and `keygen --out` keeps the private key off the screen. The real
// binary with a mail server here; the other cases run main() in-process in secrets.test.ts.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDirs } from '../support/temp-dirs.js'
import { Cli, ensureBuilt } from './harness.js'

const dir = tempDirs('p2pmessage-secrets-', afterAll).make()

async function runEnv(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = new Cli(args, { env })
  cli.end('')
  const { code } = await cli.exited
  return { code, stdout: cli.stdout, stderr: cli.stderr }
}

describe('secrets from files and the environment', () => {
  beforeAll(() => ensureBuilt())

  it('the mail passwords too: mailserver --password-file, the chat\'s P2PMESSAGE_MAILSERVER_PASSWORD; none at all is one line', async () => {
    const pwFile = join(dir, 'mailpw')
    writeFileSync(pwFile, 'mail secret\n', { mode: 0o600 })
    const ms = new Cli(['mailserver', '--bootnodes', 'none', '--listen', '127.0.0.1:0', '--password-file', pwFile, '--datadir', join(dir, 'ms')])
    try {
      expect(await ms.waitFor(/^enode:\/\//)).toMatch(/@127\.0\.0\.1:\d+$/)
    } finally {
      await ms.dispose()
    }
    const none = await runEnv(['mailserver', '--bootnodes', 'none', '--listen', '127.0.0.1:0', '--datadir', join(dir, 'ms')], {})
    expect(none.code).toBe(2)
    expect(none.stderr.trim()).toBe('p2pmessage: mailserver needs --password (or --password-file <file>, or P2PMESSAGE_PASSWORD): the key of the requests is derived from it')
    // the chat's check that --mailserver has a password is satisfied by the variable (it then fails on the peer URL, later)
    // the secp256k1 generator point: a valid node id nobody listens as
    const url = 'enode://79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8@127.0.0.1:1'
    const withVar = await runEnv(['--bootnodes', 'none', '--mailserver', url], { P2PMESSAGE_MAILSERVER_PASSWORD: 'mail secret' })
    expect(withVar.stderr).not.toMatch(/needs --mailserver-password/)
    const without = await runEnv(['--bootnodes', 'none', '--mailserver', url], {})
    expect(without.stderr).toMatch(/--mailserver needs --mailserver-password/)
  })
})
