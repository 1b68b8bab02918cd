// `p2pmessage mailserver` and the chat's --mailserver, end to end on loopback, per protocol version:
// lines said while a reader was away come back as history, in time order, before the live lines.
// (Bad mail flags: mailserver.test.ts, in-process.)
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { closeSync, openSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { tempDirs } from '../support/temp-dirs.js'
import { Archive, ARCHIVE_FILE } from '../../src/node/archive.js'
import { envelopeHash } from '../../src/whisper/envelope.js'
import { rawEnvelope } from '../node/helpers.js'
import { Cli, CHAT_LINE, ensureBuilt, LOCAL, LOCAL_RELAY, run } from './harness.js'

const procs: Cli[] = []
// removed after the processes that write in them are gone
const dirs = tempDirs('p2pm-ms-e2e-', null)
function spawnCli(args: string[]): Cli {
  const c = new Cli(args)
  procs.push(c)
  return c
}
const tmp = dirs.make

beforeAll(() => ensureBuilt())
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.dispose()))
  dirs.cleanup()
})

describe.each([5, 6])('mail server and chat history on shh/%i', (shh) => {
  it('a chat that joins later gets the earlier lines, in order, marked in --json', async () => {
    const datadir = join(tmp(), 'ms')
    const ms = spawnCli(['mailserver', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--shh', String(shh), '--password', 'letmein', '--datadir', datadir, '--status', '1'])
    const enode = await ms.waitFor(/^enode:\/\//)
    expect(statSync(datadir).mode & 0o777).toBe(0o700)
    // short-lived: gone from every pool before the reader comes, so only the mail server has them
    const writer = spawnCli([...LOCAL, '--shh', String(shh), '--enode', enode, '--ttl', '2'])
    writer.end('first\nsecond\nthird\n')
    expect((await writer.exited).code).toBe(0)
    await ms.waitFor(/ status peers=\d+ pool=0 in=3 .* archive=3 /)

    const reader = spawnCli([...LOCAL, '--shh', String(shh), '--enode', enode, '--mailserver', enode, '--mailserver-password', 'letmein', '--history', '1h', '--json'])
    const done = await reader.waitFor(/^history: /, { stream: 'stderr' })
    // shh/6 pages (a page here); shh/5 cannot
    const pages = shh === 6 ? ' in 1 page\\(s\\)' : ''
    expect(done).toMatch(new RegExp(`^history: complete from mail server [0-9a-f]{16} \\(3 envelope\\(s\\) received over shh/${shh}${pages}\\)$`))
    const msgs = reader.stdoutLines.map((l) => JSON.parse(l) as { text: string; history?: boolean; sent: number })
    // in the order they were said, also within a second (the server answers in arrival order)
    expect(msgs.map((m) => m.text)).toEqual(['first', 'second', 'third'])
    expect(msgs.map((m) => m.sent)).toEqual([...msgs.map((m) => m.sent)].sort((a, b) => a - b))
    expect(msgs.every((m) => m.history === true)).toBe(true)
    // a live line after the history is not marked
    const writer2 = spawnCli([...LOCAL, '--shh', String(shh), '--enode', enode])
    writer2.end('live\n')
    expect((await writer2.exited).code).toBe(0)
    const live = JSON.parse(await reader.waitFor(/"text":"live"/)) as { history?: boolean }
    expect(live.history).toBeUndefined()
    await ms.waitFor(/ requests=1 delivered=3$/)
    ms.kill('SIGTERM')
    expect((await ms.exited).code).toBe(0)
  })
})

it('chat lines format: history printed before the live lines with the original line format', async () => {
  const ms = spawnCli(['mailserver', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--password', 'pw', '--datadir', join(tmp(), 'ms'), '--status', '1'])
  const enode = await ms.waitFor(/^enode:\/\//)
  const writer = spawnCli([...LOCAL, '--enode', enode, '--ttl', '2'])
  writer.end('said before\n')
  expect((await writer.exited).code).toBe(0)
  await ms.waitFor(/ status peers=\d+ pool=0 in=1 .* archive=1 /)
  const reader = spawnCli([...LOCAL, '--enode', enode, '--mailserver', enode, '--mailserver-password', 'pw'])
  const line = await reader.waitFor(/: said before$/)
  expect(line).toMatch(CHAT_LINE)
  await reader.waitFor(/^history: complete/)
  expect(reader.stdoutLines.findIndex((l) => l.endsWith(': said before'))).toBeGreaterThanOrEqual(0)
  expect(reader.stdoutLines.findIndex((l) => l.endsWith(': said before'))).toBeLessThan(reader.stdoutLines.findIndex((l) => l.startsWith('history: ')))
})

describe('mail options: clear errors', () => {
  it('mailserver: unusable datadir', async () => {
    const r = await run(['mailserver', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--password', 'x', '--datadir', '/proc/self'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^p2pmessage: archive directory \/proc\/self is read-only/)
  })

  it('mailserver: a damaged archive (zeroed pages) is one line naming the file, or the node runs and stops cleanly', async () => {
    const dir = tmp()
    const archive = await Archive.open({ dir })
    const t = Math.floor(Date.now() / 1000) - 5000
    for (let i = 0; i < 3000; i++) {
      const env = rawEnvelope(i % 2 ? 6 : 5, { sent: t + i, data: new Uint8Array(200) })
      archive.add(env, envelopeHash(env))
    }
    await archive.close()
    const file = join(dir, ARCHIVE_FILE)
    const first = Math.floor(statSync(file).size / 4096 * 0.4)
    const fd = openSync(file, 'r+')
    for (let p = first; p < first + 24; p++) writeSync(fd, Buffer.alloc(4096), 0, 4096, p * 4096)
    closeSync(fd)
    const ms = spawnCli(['mailserver', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--password', 'x', '--datadir', dir, '--status', '0'])
    const how = await Promise.race([ms.waitFor(/^enode:\/\//).then(() => 'started'), ms.exited.then(() => 'exited')])
    if (how === 'started') {
      ms.kill('SIGTERM')
      expect((await ms.exited).code).toBe(0)
      for (const l of ms.stderrLines.filter((x) => /malformed|corrupt|damaged/.test(x))) expect(l).toContain(file)
    } else {
      expect((await ms.exited).code).not.toBe(0)
      expect(ms.stderrLines).toHaveLength(1)
      expect(ms.stderrLines[0]).toMatch(/^p2pmessage: archive .*archive\.sqlite is damaged or not an archive \(SQLITE_CORRUPT.*move the file away/)
      expect(ms.stderrLines[0]).toContain(file)
    }
  })
})
