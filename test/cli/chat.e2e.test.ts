// Real `p2pmessage` processes on 127.0.0.1: one listening, one dialling it with --enode; lines typed
// (written to stdin) in one appear in the other in the original client's exact format.
import { execFile, spawnSync } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadOrCreateNodeKey } from '../../src/p2p/nodekey.js'
import { addressOf } from '../../src/whisper/crypto.js'
import { budget } from '../support/budget.js'
import { tempDirs } from '../support/temp-dirs.js'
import { Cli, CHAT_LINE, ensureBuilt, LOCAL, ROOT } from './harness.js'

const CONNECTED = /^Connected to peer,you can type message now\.$/

function identity(dir: string, name: string): { file: string; address: string; publicKey: string } {
  const file = join(dir, `${name}.key`)
  const key = loadOrCreateNodeKey(file)
  return { file, address: Buffer.from(addressOf(key.publicKey)).toString('hex'), publicKey: Buffer.from(key.publicKey).toString('hex') }
}

/** The local time in a chat line is close to now (same clock, same machine). */
function expectRecentLocalTime(stamp: string): void {
  const [date, time] = stamp.split(' ')
  const [y, mo, d] = date.split('-').map(Number)
  const [h, mi, s] = time.split(':').map(Number)
  const t = new Date(y, mo - 1, d, h, mi, s).getTime()
  expect(Math.abs(t - Date.now())).toBeLessThan(5 * 60_000)
}

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as { port: number }).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

const procs: Cli[] = []
function spawnCli(args: string[]): Cli {
  const c = new Cli(args)
  procs.push(c)
  return c
}

const dirs = tempDirs('p2pmessage-chat-', afterAll)
let dir: string
beforeAll(() => {
  ensureBuilt()
  dir = dirs.make()
})
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.dispose()))
})

describe.each([5, 6])('chat over shh/%i, one listening and one dialling', (shh) => {
  it('exchanges lines both ways in the original format; ~Q and SIGTERM exit 0', async () => {
    const a = identity(dir, `a${shh}`)
    const b = identity(dir, `b${shh}`)
    const A = spawnCli([...LOCAL, '--shh', String(shh), '--listen', '127.0.0.1:0', '--identity', a.file, '-topic', 'ffff0000', '-password', '7859931', '-verbosity', '3'])
    const listening = await A.waitFor(/^Listening on enode:\/\//)
    const enode = listening.replace('Listening on ', '')
    const B = spawnCli([...LOCAL, '--shh', String(shh), '--enode', enode, '--identity', b.file, '--topic', 'ffff0000', '--password', '7859931'])
    await A.waitFor(CONNECTED)
    await B.waitFor(/^Please type the message/)
    expect(await A.waitFor(/Whisper peer connected/, { stream: 'stderr' })).toMatch(new RegExp(`cap=shh/${shh}\\b`))
    expect(B.stdoutLines.slice(0, 4)).toEqual([
      'Whisper node started,please send message after connect to other nodes',
      'Connected to peer,you can type message now.',
      'Filter is configured for the topic: ffff0000',
      "Please type the message. To quit type: '~Q'",
    ])

    B.write('who am i\n')
    const got = await A.waitFor(/: who am i$/)
    const m = CHAT_LINE.exec(got)
    expect(m).not.toBeNull()
    expect(m![2]).toBe(`[${b.address}]`)
    expectRecentLocalTime(m![1])
    expect(await B.waitFor(/: who am i$/)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d <mine>: who am i$/)

    A.write('héllo, b ✓\n')
    expect(await B.waitFor(/: héllo, b ✓$/)).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\[${a.address}\\]: héllo, b ✓$`))

    A.write('~Q\n')
    await A.waitFor(/^Quit command received$/)
    expect((await A.exited).code).toBe(0)

    B.kill('SIGTERM')
    expect(await B.exited).toEqual({ code: 0, signal: null })
    expect(B.stderr).toBe('')
  })
})

describe('piped input', () => {
  it('waits for a peer that comes up later, delivers every line, then exits 0', async () => {
    const port = await freePort()
    const keyA = identity(dir, 'late-node')
    const enode = `enode://${keyA.publicKey.slice(2)}@127.0.0.1:${port}`
    const sender = spawnCli([...LOCAL, '--enode', enode])
    sender.end('first line\nsecond line\n')
    // the sender has posted into its pool and waits (and says what it dials); now the peer appears
    expect(await sender.waitFor(/^No peer yet/)).toBe('No peer yet: dialling 1 --enode peer (so far: 1 connection refused); giving up after 30 s')
    const A = spawnCli([...LOCAL, '--listen', `127.0.0.1:${port}`, '--nodekey', keyA.file, '--json'])
    const exit = await sender.exited
    expect(exit.code).toBe(0)
    // in the order it happened: the peer came, then the lines were sent (and only then shown as <mine>)
    expect(sender.stdoutLines.map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /, ''))).toEqual([
      'Whisper node started,please send message after connect to other nodes',
      'No peer yet: dialling 1 --enode peer (so far: 1 connection refused); giving up after 30 s',
      'Connected to peer,you can type message now.',
      'Filter is configured for the topic: 44c7429f',
      "Please type the message. To quit type: '~Q'",
      '<mine>: first line',
      '<mine>: second line',
    ])
    const texts: string[] = []
    for (const want of ['first line', 'second line']) {
      const line = await A.waitFor(new RegExp(`"text":"${want}"`))
      const msg = JSON.parse(line)
      expect(msg).toMatchObject({ mine: false, direct: false, topic: '44c7429f', text: want })
      expect(msg.from).toMatch(/^[0-9a-f]{40}$/)
      texts.push(msg.text)
    }
    expect(texts).toEqual(['first line', 'second line'])
    // with --json, stdout carries nothing but JSON objects
    for (const l of A.stdoutLines) expect(() => JSON.parse(l)).not.toThrow()
    A.kill('SIGINT')
    expect((await A.exited).code).toBe(0)
  }, budget(120_000))

  it('--read-only keeps receiving after its stdin ended; without it an empty input says why the chat leaves', async () => {
    const R = spawnCli([...LOCAL, '--listen', '127.0.0.1:0', '--json', '--read-only'])
    R.end() // as `</dev/null` or `&` in a script
    const enode = (await R.waitFor(/^Listening on enode:\/\//, { stream: 'stderr' })).replace('Listening on ', '')
    const sender = spawnCli([...LOCAL, '--enode', enode])
    sender.end('to the reader\n')
    expect((await sender.exited).code).toBe(0)
    expect(JSON.parse(await R.waitFor(/"text":"to the reader"/))).toMatchObject({ mine: false, text: 'to the reader' })
    const second = spawnCli([...LOCAL, '--enode', enode])
    second.end('still reading\n')
    expect((await second.exited).code).toBe(0)
    await R.waitFor(/"text":"still reading"/)
    R.kill('SIGTERM')
    expect((await R.exited).code).toBe(0)

    const E = spawnCli([...LOCAL, '--listen', '127.0.0.1:0', '--json'])
    E.end()
    expect((await E.exited).code).toBe(0)
    expect(E.stderrLines).toContain('input ended with nothing to send: leaving (--read-only keeps receiving)')
  })

  it('a line too big for any pool is refused at once with the size, not after seconds of PoW', async () => {
    // at the default --pow 0.2 and --work 5, sealing 2 MB would end in a PoW error after 5 s
    const C = spawnCli(['--bootnodes', 'none', '--listen', '127.0.0.1:0'])
    C.end('a'.repeat(2_000_000) + '\n')
    expect((await C.exited).code).toBe(1)
    expect(C.stdoutLines).toContain('failed to send message: envelope not accepted by the node: huge messages are not allowed (2000177 > 1048576)')
    expect(C.stderr).toBe('p2pmessage: 1 message(s) could not be sent\n')
  })

  it('an unreachable --enode is retried in the background and said so at verbosity 2', async () => {
    const port = await freePort()
    const ghost = identity(dir, 'ghost')
    const C = spawnCli([...LOCAL, '--enode', `enode://${ghost.publicKey.slice(2)}@127.0.0.1:${port}`, '--verbosity', '2'])
    await C.waitFor(/Cannot reach enode:\/\/.* yet, retrying in the background/, { stream: 'stderr' })
    C.kill('SIGTERM')
    expect((await C.exited).code).toBe(0)
  })
})

describe('direct messages', () => {
  it('--to encrypts to one public key; the recipient sees the sender and direct: true', async () => {
    const r = identity(dir, 'recipient')
    const R = spawnCli([...LOCAL, '--listen', '127.0.0.1:0', '--identity', r.file, '--json'])
    const enode = (await R.waitFor(/^Listening on /, { stream: 'stderr' })).replace('Listening on ', '')
    const S = spawnCli([...LOCAL, '--enode', enode, '--to', r.publicKey])
    S.end('for your eyes only\n')
    expect((await S.exited).code).toBe(0)
    // the sender sees its own direct line although no filter of its own can open it
    expect(S.stdoutLines.some((l) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d <mine> \(direct\): for your eyes only$/.test(l))).toBe(true)
    const msg = JSON.parse(await R.waitFor(/for your eyes only/))
    expect(msg).toMatchObject({ direct: true, mine: false, text: 'for your eyes only' })
    R.kill('SIGTERM')
    expect((await R.exited).code).toBe(0)
  })
})

describe('peers coming and going', () => {
  it('says when the last peer left and when one is back; a line typed meanwhile shows as sent only once it is', async () => {
    const port = await freePort()
    const keyA = identity(dir, 'coming-going')
    const enode = `enode://${keyA.publicKey.slice(2)}@127.0.0.1:${port}`
    const listenA = () => spawnCli([...LOCAL, '--listen', `127.0.0.1:${port}`, '--nodekey', keyA.file])
    let A = listenA()
    await A.waitFor(/^Listening on /)
    const B = spawnCli([...LOCAL, '--enode', enode])
    await B.waitFor(CONNECTED)
    A.kill('SIGTERM')
    await A.exited
    await B.waitFor(/^Disconnected from peers; messages will be sent when a peer connects$/)
    B.write('while nobody listens\n')
    await new Promise((r) => setTimeout(r, 1500))
    expect(B.stdoutLines.some((l) => /<mine>: while nobody listens$/.test(l))).toBe(false)
    A = listenA()
    const from = B.stdoutLines.length
    await B.waitFor(/^Connected to peer$/, { from })
    await A.waitFor(/\]: while nobody listens$/)
    await B.waitFor(/<mine>: while nobody listens$/, { from })
    const after = B.stdoutLines.slice(from)
    expect(after.findIndex((l) => l === 'Connected to peer')).toBeLessThan(after.findIndex((l) => /<mine>: while nobody listens$/.test(l)))
    // said once per outage, never twice in a row
    expect(B.stdoutLines.filter((l) => l.startsWith('Disconnected from peers')).length).toBe(1)
  })

  it('a piped line that no peer took is said not sent, and never shown as <mine>', async () => {
    const port = await freePort()
    const ghost = identity(dir, 'ghost-ttl')
    const C = spawnCli([...LOCAL, '--ttl', '2', '--connect-timeout', '0', '--enode', `enode://${ghost.publicKey.slice(2)}@127.0.0.1:${port}`])
    C.end('into the void\n')
    const exit = await C.exited
    expect(exit.code).toBe(1)
    expect(C.stdoutLines).toContain('not sent (no peer took it within its TTL of 2 s): into the void')
    expect(C.stdout).not.toMatch(/<mine>/)
    expect(C.stderr).toBe('p2pmessage: 1 message(s) expired before reaching any peer\n')
  })
})

describe('bootnodes that do not answer (127.0.0.1 only)', () => {
  it('says within seconds what it dials, and ends with what the dials got', async () => {
    // one bootnode refuses at once, the other accepts TCP and never answers: not every dial failed
    // outright, so the chat waits its --connect-timeout
    const silent = createServer(() => undefined)
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    try {
      const ports = [await freePort(), (silent.address() as { port: number }).port]
      const boots = ports.map((p, i) => `enode://${identity(dir, `boot${i}`).publicKey.slice(2)}@127.0.0.1:${p}`)
      const C = spawnCli(['--bootnodes', boots.join(','), '--connect-timeout', '6', '--pow', '0.01', '--work', '1'])
      C.end('hello?\n')
      const exit = await C.exited
      expect(exit.code).toBe(2)
      // said while it waited (3 s after start), not only when it gave up (6 s)
      expect(C.stdoutLines).toEqual([
        'Whisper node started,please send message after connect to other nodes',
        'No peer yet: dialling 2 bootnodes (so far: 1 connection refused); giving up after 6 s',
        'not sent (no peer took it): hello?',
      ])
      expect(C.stderr).toBe('p2pmessage: no bootnode answered with a Whisper peer (2 tried: 1 connection refused; no peer after 6 s; --connect-timeout 0 waits forever): ' +
        'check the network, give --enode <url> of a peer or relay, or host a room with --bootnodes none --listen 0.0.0.0:30303\n')
    } finally {
      silent.close()
    }
  })

  it('ends without waiting out --connect-timeout when every bootnode refused and discovery found nobody', async () => {
    const boots = [await freePort(), await freePort()].map((p, i) => `enode://${identity(dir, `refusing${i}`).publicKey.slice(2)}@127.0.0.1:${p}`)
    // a timeout far beyond the test's own: only ending early passes
    const C = spawnCli(['--bootnodes', boots.join(','), '--connect-timeout', '3600', '--pow', '0.01', '--work', '1'])
    C.end('hello?\n')
    expect((await C.exited).code).toBe(2)
    expect(C.stdoutLines).toContain('not sent (no peer took it): hello?')
    expect(C.stderr).toBe('p2pmessage: no bootnode answered with a Whisper peer (2 tried: 2 connection refused; each failed outright and discovery found no other node): ' +
      'check the network, give --enode <url> of a peer or relay, or host a room with --bootnodes none --listen 0.0.0.0:30303\n')
  })

  it.runIf(canUnshare())('offline (a network namespace with loopback only): the mainnet bootnodes are said network unreachable, at once', async () => {
    // nothing leaves the machine: the namespace has no route but loopback, so every dial fails in the kernel
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile('unshare', ['-rn', 'sh', '-c', `ip link set lo up && echo 'hello?' | exec '${process.execPath}' bin/p2pmessage --connect-timeout 3600 --pow 0.01 --work 1`],
        { cwd: ROOT }, (err, stdout, stderr) => resolve({ status: err ? (err as { code?: number }).code ?? null : 0, stdout, stderr }))
    })
    expect(r.status).toBe(2)
    expect(r.stdout).toContain('not sent (no peer took it): hello?')
    expect(r.stderr).toBe('p2pmessage: no mainnet bootnode answered with a Whisper peer (6 tried: 6 network unreachable; each failed outright and discovery found no other node): ' +
      'check the network, give --enode <url> of a peer or relay, or host a room with --bootnodes none --listen 0.0.0.0:30303\n')
  })
})

function canUnshare(): boolean {
  return spawnSync('unshare', ['-rn', 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'ignore' }).status === 0
}
