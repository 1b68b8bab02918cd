// A chat's --history 24h against a mail server holding 20,000 envelopes of its room (shh/6): the answer
// comes in pages of 1000 (status-go's limit and cursor), and the chat shows every line once, in order.
// The archive is filled through its own API before the mail server starts on it.
import { afterEach, beforeAll, expect, it } from 'vitest'
import { tempDirs } from '../support/temp-dirs.js'
import { Cli, ensureBuilt, LOCAL, LOCAL_RELAY } from './harness.js'
import { seedRoomArchive } from './room-archive.js'

const procs: Cli[] = []
const dirs = tempDirs('p2pm-paging-e2e-', null)
beforeAll(() => ensureBuilt())
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.dispose()))
  dirs.cleanup()
})

const N = 20_000
const PER_SECOND = 4

it('--history 24h over 20,000 archived envelopes arrives in pages, in order, nothing twice', async () => {
  const datadir = dirs.make()
  await seedRoomArchive(datadir, N, PER_SECOND)

  const ms = new Cli(['mailserver', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--shh', '6', '--password', 'mailpw', '--datadir', datadir, '--status', '0', '--verbosity', '4'])
  procs.push(ms)
  const enode = await ms.waitFor(/^enode:\/\//)
  const chat = new Cli([...LOCAL, '--shh', '6', '-topic', 'ffff0000', '-password', 'roompw', '--enode', enode, '--mailserver', enode, '--mailserver-password', 'mailpw', '--history', '24h', '--json', '--read-only'])
  procs.push(chat)
  const done = await chat.waitFor(/^history: /, { stream: 'stderr', timeoutMs: 120_000 })
  expect(done).toMatch(new RegExp(`^history: complete from mail server [0-9a-f]{16} \\(${N} envelope\\(s\\) received over shh/6 in ${N / 1000} page\\(s\\)\\)$`))
  // stdout is its own pipe: the summary on stderr may be read before the last lines
  await chat.waitFor(/"text":"line 19999"/, { timeoutMs: 60_000 })
  const msgs = chat.stdoutLines.map((l) => JSON.parse(l) as { text: string; history?: boolean })
  expect(msgs).toHaveLength(N)
  // in the order said (four in each second), each once
  expect(msgs.map((m) => m.text)).toEqual(Array.from({ length: N }, (_, i) => `line ${i}`))
  expect(msgs.every((m) => m.history === true)).toBe(true)
  // the server answered 20 requests, each a page ending with a request-complete
  const answered = ms.stderrLines.filter((l) => l.includes('Mail request answered'))
  expect(answered).toHaveLength(N / 1000)
  expect(answered.every((l) => / envelopes=1000 /.test(l))).toBe(true)
})
