// A waku/1 chat's --history against our spawned mail server on waku/1 holding 3,000 envelopes of its
// room: the chat asks in status-go's Waku request form (RLP MessagesRequestPayload in a sealed
// envelope), the server answers in pages of 1000 with a cursor, and every line shows once, in order.
import { afterEach, beforeAll, expect, it } from 'vitest'
import { tempDirs } from '../support/temp-dirs.js'
import { Cli, ensureBuilt, LOCAL, LOCAL_RELAY } from './harness.js'
import { seedRoomArchive } from './room-archive.js'

const procs: Cli[] = []
const dirs = tempDirs('p2pm-waku-history-e2e-', null)
beforeAll(() => ensureBuilt())
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.dispose()))
  dirs.cleanup()
})

const N = 3_000
const PER_SECOND = 4

it('--history over waku/1 pages through our mail server: every line once, in order', async () => {
  const datadir = dirs.make()
  await seedRoomArchive(datadir, N, PER_SECOND)

  const ms = new Cli(['mailserver', ...LOCAL_RELAY, '--listen', '127.0.0.1:0', '--protocols', 'waku/1', '--password', 'mailpw', '--datadir', datadir, '--status', '0', '--verbosity', '4'])
  procs.push(ms)
  const enode = await ms.waitFor(/^enode:\/\//)
  const chat = new Cli([...LOCAL, '--protocols', 'waku/1', '-topic', 'ffff0000', '-password', 'roompw', '--enode', enode, '--mailserver', enode, '--mailserver-password', 'mailpw', '--history', '24h', '--json', '--read-only'])
  procs.push(chat)
  const done = await chat.waitFor(/^history: /, { stream: 'stderr', timeoutMs: 120_000 })
  expect(done).toMatch(new RegExp(`^history: complete from mail server [0-9a-f]{16} \\(${N} envelope\\(s\\) received over waku in ${N / 1000} page\\(s\\)\\)$`))
  await chat.waitFor(new RegExp(`"text":"line ${N - 1}"`), { timeoutMs: 60_000 })
  const msgs = chat.stdoutLines.map((l) => JSON.parse(l) as { text: string; history?: boolean })
  expect(msgs.map((m) => m.text)).toEqual(Array.from({ length: N }, (_, i) => `line ${i}`))
  expect(msgs.every((m) => m.history === true)).toBe(true)
  // three requests, each a page of 1000 over waku with the cursor of the one before
  const asked = ms.stderrLines.filter((l) => l.includes('Mail request') && l.includes('net=waku') && l.includes('limit=1000'))
  expect(asked).toHaveLength(N / 1000)
  expect(asked.filter((l) => /cursor=[0-9a-f]{72}/.test(l))).toHaveLength(N / 1000 - 1)
  const answered = ms.stderrLines.filter((l) => l.includes('Mail request answered'))
  expect(answered).toHaveLength(N / 1000)
  expect(answered.every((l) => / envelopes=1000 /.test(l))).toBe(true)
})
