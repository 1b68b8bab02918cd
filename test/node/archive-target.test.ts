// `--archive`: which archive a mail server opens, and the one-line errors of a bad value (the
// processes' exit status 2 for these: archive-pg-mailservers.e2e.test.ts).
import { describe, expect, it } from 'vitest'
import { parseArchiveTarget, resolveMail } from '../../src/cli/mail-options.js'
import { CliError } from '../../src/cli/errors.js'

const flags = { retention: '30d', maxArchive: '1GiB' }

describe('--archive', () => {
  it('absent: SQLite in the datadir; sqlite:DIR; postgres:// and postgresql:// URLs', () => {
    expect(resolveMail('pw', flags, '/d').archive).toEqual({ kind: 'sqlite', dir: '/d' })
    expect(resolveMail('pw', { ...flags, archive: 'sqlite:/var/lib/x' }, '/d').archive).toEqual({ kind: 'sqlite', dir: '/var/lib/x' })
    for (const url of ['postgres://u:p@db:5432/arch', 'postgresql://u@127.0.0.1/arch']) expect(parseArchiveTarget(url)).toEqual({ kind: 'postgres', url })
  })

  it('a bad value is one line naming what is expected, never the password', () => {
    const cases: [string, RegExp][] = [
      ['mysql://u:secret@h/db', /^unknown --archive scheme "mysql:": expected sqlite:DIR or postgres:\/\/user:password@host:port\/database$/],
      ['/var/lib/archive', /^invalid --archive "\/var\/lib\/archive": expected sqlite:DIR or postgres:\/\//],
      ['sqlite:', /^invalid --archive "sqlite:": give the archive directory/],
      ['postgres:///db', /^invalid --archive URL postgres:\/\/…: it names no host/],
      ['postgres://u:secret@/db', /^invalid --archive URL: expected/],
      ['postgres://u:secret@db:5432', /^invalid --archive URL: it names no database/],
      ['postgres://u:secret@db:notaport/x', /^invalid --archive URL: expected/],
    ]
    for (const [value, re] of cases) {
      let err: unknown
      try {
        parseArchiveTarget(value)
      } catch (e) {
        err = e
      }
      expect(err, value).toBeInstanceOf(CliError)
      expect((err as CliError).exitCode).toBe(2)
      expect((err as Error).message, value).toMatch(re)
      expect((err as Error).message).not.toContain('secret')
    }
  })
})
