// A chat's --history 24h against a mail server holding 20,000 envelopes of its room (shh/6): the answer
// comes in pages of 1000 (status-go's limit and cursor), and the chat shows every line once, in order.
// The archive is filled through its own API before the mail server starts on it.
import { afterEach, beforeAll, expect, it } from 'vitest'
import { tempDirs } from '../support/temp-dirs.js'
import { Archive } from '../../src/node/archive.js'
import { envelopeHash } from '../../src/whisper/envelope.js'
import { buildEnvelope, sealEnvelope } from '../../src/whisper/seal.js'
import { symKeyFromPassword } from '../../src/whisper/crypto.js'
import { Cli, ensureBuilt, LOCAL, LOCAL_RELAY } from './harness.js'

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
  const archive = await Archive.open({ dir: datadir })
  const symKey = symKeyFromPassword('roompw')
  const topic = Uint8Array.of(0xff, 0xff, 0, 0)
  // four a second over the last ~83 minutes, long expired: only the archive has them
  const t0 = Math.floor(Date.now() / 1000) - N / PER_SECOND - 600
  for (let i = 0; i < N; i++) {
    const env = sealEnvelope(buildEnvelope({ shh: 6, topic, payload: new TextEncoder().encode(`line ${i}`), ttl: 50, pow: 0, workTime: 1, symKey, now: t0 + Math.floor(i / PER_SECOND) }), 0.01, 5)
    archive.add(env, envelopeHash(env))
  }
  archive.close()

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
