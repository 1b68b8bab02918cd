// Issue 10, finding 12: secrets as flags show in the process list; each has a file and an environment
// form, `--help` says which is safer, and `keygen --out` keeps the private key off the screen.
// main() run in-process; secrets.e2e.test.ts has the mail server, which runs a node.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDirs } from '../support/temp-dirs.js'
import { run, runEnv } from './in-process.js'

const dir = tempDirs('p2pmessage-secrets-', afterAll).make()

describe('secrets from files and the environment', () => {
  it('--password-file and P2PMESSAGE_PASSWORD give the same key as --password', async () => {
    const pwFile = join(dir, 'pw')
    writeFileSync(pwFile, 'room secret\nignored second line\n', { mode: 0o600 })
    const sealed = await run(['envelope', 'seal', '--shh', '6', '--password-file', pwFile, '--payload', 'from a file', '--pow', '0.01'])
    expect(sealed.code, sealed.stderr).toBe(0)
    const hex = sealed.stdout.trim()
    const opened = await runEnv(['envelope', 'open', hex], { P2PMESSAGE_PASSWORD: 'room secret' })
    expect(opened.code, opened.stderr).toBe(0)
    expect(opened.stdout).toContain('payload: from a file')
    expect((await run(['envelope', 'open', hex, '--password', 'room secret'])).stdout).toContain('payload: from a file')
  })

  it('a key given on the command line wins over a key variable; flag and file together are refused', async () => {
    const symFile = join(dir, 'sym')
    writeFileSync(symFile, '11'.repeat(32) + '\n')
    const sealed = await run(['envelope', 'seal', '--shh', '6', '--sym-key-file', symFile, '--payload', 'x', '--pow', '0.01'])
    expect(sealed.code, sealed.stderr).toBe(0)
    const opened = await runEnv(['envelope', 'open', sealed.stdout.trim(), '--sym-key-file', symFile], { P2PMESSAGE_PASSWORD: 'unrelated' })
    expect(opened.code, opened.stderr).toBe(0)
    const both = await run(['envelope', 'open', sealed.stdout.trim(), '--sym-key', '11'.repeat(32), '--sym-key-file', symFile])
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/--sym-key or --sym-key-file, not both/)
    const missing = await run(['envelope', 'open', sealed.stdout.trim(), '--key-file', join(dir, 'nope')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/--key-file .*nope: no such file/)
  })

  it('--help says which is safer', async () => {
    for (const args of [['chat', '--help'], ['bridge', '--help'], ['envelope', 'open', '--help']]) {
      const h = await run(args)
      expect(h.stdout.replace(/\s+/g, ' '), args.join(' ')).toMatch(/visible to other local users in the process list: --(password|token)-file or P2PMESSAGE_(PASSWORD|TOKEN) are safer/)
    }
  })

  it('keygen --out saves the key without printing it', async () => {
    const out = join(dir, 'key')
    const r = await run(['keygen', '--out', out])
    expect(r.code, r.stderr).toBe(0)
    const priv = readFileSync(out, 'utf8').trim()
    expect(priv).toMatch(/^[0-9a-f]{64}$/)
    expect(r.stdout).not.toContain(priv)
    expect(r.stdout).not.toMatch(/private key: [0-9a-f]/)
    expect(r.stdout).toMatch(/^public key: {2}[0-9a-f]{130}$/m)
    expect((await run(['keygen', '--show', out])).stdout).toContain(`private key: ${priv}`)
  })
})
