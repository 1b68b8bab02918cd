// Every bad input: one clear line on stderr, exit status 2, no stack trace. main() run in-process;
// errors.e2e.test.ts has the cases that need a socket or a running node (port in use, unreachable peers).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectUsageError, lines, LOCAL, LOCAL_RELAY } from './harness.js'
import { run } from './in-process.js'
import { tempDirs } from '../support/temp-dirs.js'

const GOOD_ID =
  '1f465ada3edb807037f73cd53a9391aa9ccd2342d257288fe8566825582a395175b58576899ba3628a1e6cdf599ac3087ea4910d2693a72fa7e916b86cd0600d'


describe('bad input exits 2 with one line', () => {
  const dirs = tempDirs('p2pmessage-errors-', afterAll)
  let dir: string
  beforeAll(() => {
    dir = dirs.make()
  })

  it('malformed enode URL', async () => {
    expectUsageError(await run([...LOCAL, '--enode', 'enode://1234@127.0.0.1:30303']), /--enode: invalid enode URL .*node id/)
    expectUsageError(await run([...LOCAL, '--enode', `enode://${GOOD_ID}@localhost:30303`]), /not an IP address/)
    expectUsageError(await run([...LOCAL, '--enode', `enode://${GOOD_ID}@127.0.0.1`]), /missing port/)
    expectUsageError(await run(['--bootnodes', 'http://example.com']), /--bootnodes: invalid enode URL/)
    // a misspelt keyword is suggested, not read as a URL
    expectUsageError(await run(['--bootnodes', 'nonee']), /^p2pmessage: --bootnodes: unknown value "nonee" \(did you mean none\?\)$/)
    expectUsageError(await run(['--bootnodes', 'mainet']), /\(did you mean mainnet\?\)$/)
  })

  it('a bad --metrics address, on every command that has the flag', async () => {
    const bad = [['nope', /^p2pmessage: invalid --metrics "nope": expected host:port/], ['127.0.0.1:99999', /^p2pmessage: invalid --metrics "127.0.0.1:99999": the port must be a number from 0 to 65535$/]] as const
    for (const [value, re] of bad) {
      expectUsageError(await run([...LOCAL, '--metrics', value]), re)
      expectUsageError(await run(['relay', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--metrics', value]), re)
      expectUsageError(await run(['mailserver', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--password', 'pw', '--datadir', dir, '--metrics', value]), re)
      expectUsageError(await run(['bridge', '--bootnodes', 'none', '--http', '127.0.0.1:0', '--datadir', dir, '--metrics', value]), re)
    }
  })

  it('topic that is not 4 hex bytes, also with the original single-dash spelling', async () => {
    expectUsageError(await run([...LOCAL, '--topic', 'ffff00']), /invalid --topic "ffff00": .*8 hex digits/)
    expectUsageError(await run([...LOCAL, '-topic', 'zzzzzzzz']), /invalid --topic "zzzzzzzz"/)
  })

  it('unreadable or malformed key files', async () => {
    const garbage = join(dir, 'garbage.key')
    writeFileSync(garbage, 'not a key')
    const adir = join(dir, 'a-directory')
    mkdirSync(adir)
    expectUsageError(await run([...LOCAL, '--identity', garbage]), /--identity: .*garbage\.key.*not hex/)
    expectUsageError(await run([...LOCAL, '--nodekey', adir]), /--nodekey: .*a-directory.*is a directory/)
    expectUsageError(await run(['enode', '--nodekey', join(dir, 'missing.key')]), /--nodekey .*missing\.key: no such file/)
    expectUsageError(await run(['keygen', '--show', garbage]), /--show: .*not hex/)
    // each flag's file is named for what it holds
    expectUsageError(await run([...LOCAL, '--identity', adir]), /^p2pmessage: --identity: identity file .*a-directory: cannot read: is a directory$/)
    expectUsageError(await run([...LOCAL, '--identity', garbage]), /^p2pmessage: --identity: identity file /)
  })

  it('a key file made on first use is said, with its full path; a bad --datadir is named as such', async () => {
    const fresh = join(dir, 'not', 'yet', 'there.key')
    const r = await run(['--bootnodes', 'none', '--identity', fresh])
    expect(existsSync(fresh)).toBe(true)
    expect(lines(r.stderr)).toEqual([
      `created a new key for --identity: ${fresh}`,
      'p2pmessage: nothing to connect to: give --enode <url>, --bootnodes mainnet|<list>, or --listen <host:port>',
    ])
    // a second run loads it and says nothing about it
    expect(lines((await run(['--bootnodes', 'none', '--identity', fresh])).stderr)).toHaveLength(1)
    const file = join(dir, 'a-file')
    writeFileSync(file, 'x')
    expectUsageError(await run(['bridge', '--bootnodes', 'none', '--http', '127.0.0.1:0', '--datadir', file]), new RegExp(`^p2pmessage: --datadir ${file}: ${file} is not a directory$`))
    expectUsageError(await run(['bridge', '--bootnodes', 'none', '--http', '127.0.0.1:0', '--datadir', join(file, 'sub')]), /^p2pmessage: --datadir .*a-file\/sub: .*a-file is not a directory$/)
  })

  it.runIf(existsSync('/proc/self'))('a directory that cannot be made (/proc/...) fails at once instead of spinning', async () => {
    expectUsageError(await run(['bridge', '--bootnodes', 'none', '--http', '127.0.0.1:0', '--datadir', '/proc/p2pmessage-nope']),
      /^p2pmessage: --datadir \/proc\/p2pmessage-nope: cannot create/)
    expectUsageError(await run(['--bootnodes', 'none', '--identity', '/proc/p2pmessage-nope/x.key']),
      /^p2pmessage: --identity: identity file \/proc\/p2pmessage-nope\/x\.key: cannot create: \/proc\/p2pmessage-nope: not a place where a directory can be made$/)
  })

  it('other bad values', async () => {
    expectUsageError(await run([...LOCAL, '--listen', 'nonsense']), /invalid --listen/)
    expectUsageError(await run([...LOCAL, '--shh', '7']), /invalid --shh "7"/)
    expectUsageError(await run([...LOCAL, '-verbosity', '9']), /invalid --verbosity "9"/)
    expectUsageError(await run([...LOCAL, '--to', 'abcd']), /invalid --to/)
    expectUsageError(await run([...LOCAL, '--ttl', '-5']), /invalid --ttl/)
    expectUsageError(await run(['--bogus']), /unknown option '--bogus'/)
  })

  it('chat with nothing to connect to', async () => {
    expectUsageError(await run([...LOCAL]), /nothing to connect to: give --enode <url>, --bootnodes mainnet\|<list>, or --listen <host:port>/)
  })
})
