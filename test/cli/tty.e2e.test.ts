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
      // the `sealing…` status the line showed while it sealed is gone, replaced by the <mine> line
      await until(() => screen.screen().at(-1) === PROMPT, 'the prompt after the own line')
      expect(screen.screen()).not.toContain('sealing…')

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

const GHOST_ID = '1f465ada3edb807037f73cd53a9391aa9ccd2342d257288fe8566825582a395175b58576899ba3628a1e6cdf599ac3087ea4910d2693a72fa7e916b86cd0600d'

async function closedPort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

describe.runIf(hasScript())('Ctrl-C on a terminal', () => {
  it('before a peer connects: each typed line is said not sent, the chat says it stops, exit 1', async () => {
    const ghost = `enode://${GHOST_ID}@127.0.0.1:${await closedPort()}`
    const chat = `node bin/p2pmessage ${[...LOCAL, '--connect-timeout', '0', '--enode', ghost].join(' ')}`
    const { tty, screen, exited, until } = openTerminal(`bash -c 'stty cols 100 rows 40; ${chat}; echo "EXIT=$?"'`, 100)
    try {
      await until(() => screen.screen().some((l) => l.startsWith('Whisper node started')), 'the start line')
      tty.stdin.write('first line\r')
      tty.stdin.write('second line\r')
      await until(() => screen.screen().includes('second line'), 'the typed lines echoed')
      tty.stdin.write('\x03')
      await until(() => screen.screen().some((l) => l.startsWith('EXIT=')), 'the exit')
      const lines = screen.screen()
      expect(lines).toContain('not sent (no peer took it): first line')
      expect(lines).toContain('not sent (no peer took it): second line')
      expect(lines.some((l) => l.endsWith('chat stopping'))).toBe(true)
      expect(lines).toContain('EXIT=1')
      // the wrapping bash gets the Ctrl-C too: when the chat has exited before bash's handler runs, bash
      // takes the signal as its own after the echo and ends 130 (a race that load widens), so only the
      // chat's own status, EXIT=1 above, is ours to check; the wrapper just has to end
      await exited
    } finally {
      tty.kill('SIGKILL')
    }
  })

  it('while a line seals: `sealing…` shows above the prompt, then the line is said not sent, exit 1', async () => {
    const A = new Cli([...LOCAL, '--listen', '127.0.0.1:0'])
    procs.push(A)
    const enode = (await A.waitFor(/^Listening on /)).replace('Listening on ', '')
    // PoW 100000 on a short line is some 30 bits: the seal runs for all of its --work seconds
    const args = ['--bootnodes', 'none', '--pow', '100000', '--work', '600', '--enode', enode]
    const { tty, screen, exited, until } = openTerminal(`bash -c 'stty cols 100 rows 40; node bin/p2pmessage ${args.join(' ')}; echo "EXIT=$?"'`, 100)
    try {
      await until(() => screen.screen().at(-1) === PROMPT, 'the prompt')
      tty.stdin.write('heavy line\r')
      await until(() => screen.screen().at(-2) === 'sealing…' && screen.screen().at(-1) === PROMPT, 'the sealing status')
      tty.stdin.write('\x03')
      await until(() => screen.screen().some((l) => l.startsWith('EXIT=')), 'the exit')
      const lines = screen.screen()
      expect(lines).toContain('chat stopping')
      expect(lines).toContain('not sent (sealing aborted): heavy line')
      expect(lines).not.toContain('sealing…')
      expect(lines.join('\n')).not.toMatch(/failed to send/)
      expect(lines).toContain('EXIT=1')
      // the wrapping bash gets the Ctrl-C too: when the chat has exited before bash's handler runs, bash
      // takes the signal as its own after the echo and ends 130 (a race that load widens), so only the
      // chat's own status, EXIT=1 above, is ours to check; the wrapper just has to end
      await exited
    } finally {
      tty.kill('SIGKILL')
    }
  })
})
