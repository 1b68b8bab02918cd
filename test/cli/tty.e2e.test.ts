// The interactive path on a real pseudo-terminal (util-linux `script`): the prompt, an incoming line
// printed above it while the user is typing, the partial input kept, then ~Q.
import { createServer } from 'node:net'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Cli, ensureBuilt, LOCAL } from './harness.js'
import { hasScript, openTerminal } from './pty.js'

const PROMPT = 'input ~Q to quit>'

const procs: Cli[] = []
beforeAll(() => ensureBuilt())
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.dispose()))
})

describe.runIf(hasScript())('chat on a terminal', () => {
  it('keeps the partial input intact when a message arrives, sends it on Enter, quits on ~Q', async () => {
    const A = new Cli([...LOCAL, '--listen', '127.0.0.1:0'])
    procs.push(A)
    const enode = (await A.waitFor(/^Listening on /)).replace('Listening on ', '')

    const cmd = `stty cols 100 rows 40; exec node bin/p2pmessage ${[...LOCAL, '--enode', enode].join(' ')}`
    const { tty, screen, exited, until } = openTerminal(cmd, 100, 400)
    try {
      await until(() => screen.screen().at(-1) === PROMPT, 'the prompt')
      expect(screen.screen()).toContain('Connected to peer,you can type message now.')

      tty.stdin.write('half a sen')
      await until(() => screen.screen().at(-1) === PROMPT + 'half a sen', 'the typed text')
      A.write('interrupting you\n')
      await until(() => screen.screen().some((l) => / \[[0-9a-f]{40}\]: interrupting you$/.test(l)), 'the incoming line')
      const lines = screen.screen()
      expect(lines.at(-2)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[[0-9a-f]{40}\]: interrupting you$/)
      expect(lines.at(-1)).toBe(PROMPT + 'half a sen')

      tty.stdin.write('tence\r')
      await A.waitFor(/\]: half a sentence$/)
      await until(() => screen.screen().some((l) => /<mine>: half a sentence$/.test(l)), 'the own line')

      tty.stdin.write('~Q\r')
      await until(() => screen.screen().includes('Quit command received'), 'the quit line')
      expect(await exited).toBe(0)
    } finally {
      tty.kill('SIGKILL')
    }
  })
})

describe.runIf(hasScript())('chat on a terminal that gives up waiting', () => {
  it('consumes what was typed while waiting (said not sent) instead of leaving it to the shell', async () => {
    const closed = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const port = (srv.address() as { port: number }).port
        srv.close(() => resolve(port))
      })
    })
    const ghost = `enode://${'1f465ada3edb807037f73cd53a9391aa9ccd2342d257288fe8566825582a395175b58576899ba3628a1e6cdf599ac3087ea4910d2693a72fa7e916b86cd0600d'}@127.0.0.1:${closed}`
    // the shell that started the chat reads the terminal after it: what it gets is what would run as commands
    const chat = `node bin/p2pmessage ${[...LOCAL, '--connect-timeout', '4', '--enode', ghost].join(' ')}`
    const cmd = `stty cols 100 rows 40; ${chat}; echo "EXIT=$?"; read -t 2 rest; echo "LEFT=[$rest]"`
    const { tty, screen, exited, until } = openTerminal(`bash -c '${cmd}'`, 100)
    try {
      await until(() => screen.screen().some((l) => l.startsWith('Whisper node started')), 'the start line')
      tty.stdin.write('ls -la\r')
      tty.stdin.write('rm half')
      await until(() => screen.screen().some((l) => l.startsWith('LEFT=')), 'the shell after the chat')
      const lines = screen.screen()
      expect(lines).toContain('EXIT=2')
      expect(lines).toContain('not sent (no peer took it): ls -la')
      expect(lines).toContain('not sent (no peer took it): rm half')
      expect(lines).toContain('LEFT=[]')
      expect(await exited).toBe(0)
    } finally {
      tty.kill('SIGKILL')
    }
  })
})
