import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { LineIO } from '../../src/cli/prompt.js'
import { VirtualTerminal } from './virtual-terminal.js'

const PROMPT = 'input ~Q to quit>'
const tick = () => new Promise((r) => setImmediate(r))

describe('LineIO on a terminal', () => {
  let io: LineIO | undefined
  afterEach(() => io?.close())

  function setup(columns = 80) {
    const input = new PassThrough()
    const term = new VirtualTerminal(columns)
    io = new LineIO({ input, output: term, prompt: PROMPT, terminal: true })
    const lines: string[] = []
    io.on('line', (l) => lines.push(l))
    return { input, term, io, lines }
  }

  it('shows the prompt and emits typed lines', async () => {
    const { input, term, io, lines } = setup()
    io.start()
    expect(term.screen()).toEqual([PROMPT])
    input.write('hello\r')
    await tick()
    expect(lines).toEqual(['hello'])
    expect(term.screen()).toEqual([PROMPT + 'hello', PROMPT])
  })

  it('prints an incoming line above the prompt and keeps the partial input and cursor', async () => {
    const { input, term, io, lines } = setup()
    io.start()
    input.write('who am')
    await tick()
    io.print('2017-09-11 11:33:10 [182cbbaac94313b3b96b25d9c9a0a1adea4519e9]: who am i')
    expect(term.screen()).toEqual([
      '2017-09-11 11:33:10 [182cbbaac94313b3b96b25d9c9a0a1adea4519e9]: who am i',
      PROMPT + 'who am',
    ])
    expect(term.x).toBe(PROMPT.length + 'who am'.length)
    input.write(' i\r')
    await tick()
    expect(lines).toEqual(['who am i'])
    expect(term.screen().slice(-2)).toEqual([PROMPT + 'who am i', PROMPT])
  })

  it('keeps the cursor inside the partial input when the user moved it left', async () => {
    const { input, term, io, lines } = setup()
    io.start()
    input.write('helo')
    input.write('\x1b[D') // left arrow
    await tick()
    io.print('incoming')
    expect(term.screen()).toEqual(['incoming', PROMPT + 'helo'])
    expect(term.x).toBe(PROMPT.length + 3)
    // one key per chunk: node's readline treats a multi-character chunk as a paste at the end
    input.write('l')
    await tick()
    input.write('\r')
    await tick()
    expect(lines).toEqual(['hello'])
  })

  it('redraws a partial input that wraps over several rows without leaving fragments', async () => {
    const { input, term, io } = setup(20)
    io.start()
    const typed = 'a long line that wraps over rows'
    input.write(typed)
    await tick()
    io.print('msg one')
    io.print('msg two')
    const full = PROMPT + typed
    const rows: string[] = []
    for (let i = 0; i < full.length; i += 20) rows.push(full.slice(i, i + 20))
    expect(term.screen()).toEqual(['msg one', 'msg two', ...rows.map((r) => r.replace(/\s+$/, ''))])
  })

  it('emits end on Ctrl-D and interrupt on Ctrl-C', async () => {
    const { input, io } = setup()
    let interrupted = 0
    let ended = 0
    io.on('interrupt', () => interrupted++)
    io.on('end', () => ended++)
    io.start()
    input.write('\x03')
    await tick()
    expect(interrupted).toBe(1)
    input.write('\x04')
    await tick()
    expect(ended).toBe(1)
  })

  it('prints plainly before the prompt is shown', () => {
    const { term, io } = setup()
    io.print('Whisper node started')
    io.start()
    expect(term.screen()).toEqual(['Whisper node started', PROMPT])
  })
})

describe('LineIO without a terminal', () => {
  it('reads lines, prints plainly and reports the end of input', async () => {
    const input = new PassThrough()
    const output = new PassThrough()
    const chunks: string[] = []
    output.on('data', (c) => chunks.push(String(c)))
    const io = new LineIO({ input, output, prompt: PROMPT, terminal: false })
    const lines: string[] = []
    const ended = new Promise<void>((r) => io.on('end', r))
    io.on('line', (l) => {
      lines.push(l)
      io.print(`got ${l}`)
    })
    io.start()
    input.end('one\ntwo\r\nthree')
    await ended
    expect(lines).toEqual(['one', 'two', 'three'])
    expect(chunks.join('')).toBe('got one\ngot two\ngot three\n')
  })
})
