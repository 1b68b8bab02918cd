// A progress line is ended before anything else prints: bench relay's `connecting … (shh/6)` on a
// terminal is followed by its error on a line of its own, not run together with it.
import { createServer } from 'node:net'
import { Readable, Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { progressLine } from '../../src/log/progress.js'
import { main, type CliIo } from '../../src/cli/main.js'

function terminal(): { out: Writable & { isTTY: boolean }; text: () => string } {
  let text = ''
  const out = Object.assign(new Writable({
    write(chunk: Buffer | string, _enc, done) {
      text += chunk.toString()
      done()
    },
  }), { isTTY: true })
  return { out, text: () => text }
}

describe('progress line', () => {
  it('on a terminal: redrawn in place, a final line stays, end() closes an open one once', () => {
    const t = terminal()
    const p = progressLine(t.out, 'x: ')
    p.say('1/2', false)
    p.say('2/2', false)
    p.end()
    p.end()
    p.say('done', true)
    p.end()
    expect(t.text()).toBe('\r\x1b[2Kx: 1/2\r\x1b[2Kx: 2/2\n\r\x1b[2Kx: done\n')
  })

  it('without a terminal: plain lines, the updates `plain` chooses', () => {
    let text = ''
    const out = new Writable({ write: (c: Buffer, _e, done) => ((text += c.toString()), done()) })
    const p = progressLine(out, 'x: ', (s) => !s.startsWith('sealing'))
    p.say('sealing 1/2', false)
    p.say('connecting', false)
    p.say('sealing 2/2', true)
    p.end()
    expect(text).toBe('x: connecting\nx: sealing 2/2\n')
  })

  it('bench relay on a terminal ends its progress line before the error', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port
        srv.close(() => resolve(p))
      })
    })
    const err = terminal()
    const io: CliIo = {
      stdout: terminal().out, stderr: err.out, stdin: Readable.from([]), env: process.env,
      exit: () => undefined,
    }
    const id = '1f465ada3edb807037f73cd53a9391aa9ccd2342d257288fe8566825582a395175b58576899ba3628a1e6cdf599ac3087ea4910d2693a72fa7e916b86cd0600d'
    const code = await main(['node', 'p2pmessage', 'bench', 'relay', `enode://${id}@127.0.0.1:${port}`, '--shh', '6'], io)
    expect(code).toBe(2)
    const lines = err.text().split('\n')
    expect(lines.at(-1)).toBe('')
    expect(lines.at(-3)).toMatch(/^\r\x1b\[2Kbench relay: connecting .*\(shh\/6\)$/)
    expect(lines.at(-2)).toMatch(/^p2pmessage: bench relay: /)
  })
})
