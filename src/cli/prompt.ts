// Line input and output for the chat. On a terminal, node:readline edits the line, and every line printed
// while the user types (incoming messages, logs) is written ABOVE the prompt: the prompt block is erased,
// the text written, then the prompt and the partial input are redrawn with the cursor where it was.
// Without a terminal, lines are read as they come and printed as they are: no prompt, no escapes.
import { EventEmitter } from 'node:events'
import * as readline from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import type { CliInput } from './io.js'

export interface LineIOEvents {
  line: [text: string]
  /** end of input (Ctrl-D or end of a pipe) */
  end: []
  /** Ctrl-C on a terminal in raw mode (the process gets no SIGINT then) */
  interrupt: []
}

export interface LineIOOptions {
  input: Readable
  output: Writable
  prompt: string
  /** true: readline editing, prompt and redraw; false: plain lines */
  terminal: boolean
}

export class LineIO extends EventEmitter<LineIOEvents> {
  private rl: readline.Interface | null = null
  private readonly opts: LineIOOptions
  /** the prompt is on screen and the cursor is in it */
  private atPrompt = false
  private closed = false
  /** a transient line drawn just above the prompt (a line being sealed), part of the prompt block */
  private statusLine: string | null = null

  constructor(opts: LineIOOptions) {
    super()
    this.opts = opts
  }

  /** input is being read (start() was called) */
  get started(): boolean {
    return this.rl !== null
  }

  get terminal(): boolean {
    return this.opts.terminal
  }

  /**
   * Starts reading input; on a terminal, shows the prompt. Until then the terminal stays in cooked mode,
   * so Ctrl-C still raises SIGINT while the chat waits for its first peer.
   */
  start(): void {
    if (this.closed || this.rl) return
    const { input, output, terminal, prompt } = this.opts
    const rl = readline.createInterface({
      input,
      output: terminal ? output : undefined,
      terminal,
      prompt,
      historySize: terminal ? 100 : 0,
    })
    this.rl = rl
    rl.on('line', (text) => {
      this.atPrompt = false
      this.emit('line', text)
      if (this.terminal && !this.closed) this.showPrompt()
    })
    rl.on('close', () => {
      const wasClosed = this.closed
      this.closed = true
      if (!wasClosed) {
        if (this.terminal && this.atPrompt) output.write('\n')
        this.atPrompt = false
        this.emit('end')
      }
    })
    rl.on('SIGINT', () => this.emit('interrupt'))
    if (terminal) this.showPrompt()
  }

  private showPrompt(): void {
    if (this.statusLine !== null) this.opts.output.write(this.statusLine + '\n')
    this.rl?.prompt()
    this.atPrompt = true
  }

  /**
   * Shows `text` as a status line above the prompt until it is replaced (null: removed); the next line
   * printed takes its place on screen. Only on a terminal: without one there is no screen to redraw.
   */
  setStatus(text: string | null): void {
    if (!this.terminal || this.statusLine === text) return
    if (!this.rl || !this.atPrompt || this.closed) {
      this.statusLine = text
      return
    }
    this.redraw(null, text)
  }

  /** Writes one line without garbling what the user is typing. */
  print(text: string): void {
    const out = this.opts.output
    if (!this.rl || !this.atPrompt || this.closed) {
      out.write(text + '\n')
      return
    }
    this.redraw(text, this.statusLine)
  }

  /** Erases the prompt block (status line and prompt), writes `text`, and draws the block again. */
  private redraw(text: string | null, status: string | null): void {
    const out = this.opts.output
    if (!this.rl) return
    const { rows } = this.rl.getCursorPos()
    const up = rows + (this.statusLine !== null ? 1 : 0)
    if (up > 0) readline.moveCursor(out, 0, -up)
    readline.cursorTo(out, 0)
    readline.clearScreenDown(out)
    if (text !== null) out.write(text + '\n')
    this.statusLine = status
    if (status !== null) out.write(status + '\n')
    // readline moves up by the rows it drew last time before redrawing; the block was erased already and
    // the cursor is at its top, so the redraw must start here.
    ;(this.rl as unknown as { prevRows: number }).prevRows = 0
    this.rl.prompt(true)
  }

  /** Stops reading; on a terminal, leaves the cursor on a fresh line. */
  close(): void {
    if (this.closed) return
    // a status (a line being sealed) ends with the reading: what became of the line is said after
    if (this.statusLine !== null && this.atPrompt) this.redraw(null, null)
    this.statusLine = null
    this.closed = true
    if (this.terminal && this.atPrompt) this.opts.output.write('\n')
    this.atPrompt = false
    this.rl?.close()
  }
}

/**
 * What the user typed on a terminal while nothing was reading it (the chat waiting for its first peer).
 * Left in the terminal, it would be read by the shell once we exit and run as commands; so it is read
 * here and returned as lines (a partial line too: in raw mode the terminal hands it over).
 */
export async function drainTypedInput(input: CliInput, settleMs = 100): Promise<string[]> {
  if (!input.isTTY || typeof input.setRawMode !== 'function') return []
  let text = ''
  const onData = (d: Buffer | string) => {
    text += typeof d === 'string' ? d : d.toString('utf8')
  }
  try {
    input.setRawMode(true)
    input.on('data', onData)
    input.resume()
    await new Promise((r) => setTimeout(r, settleMs))
  } finally {
    input.off('data', onData)
    input.pause()
    try {
      input.setRawMode(false)
    } catch {
      // the terminal went away: nothing left to restore
    }
  }
  // eslint-disable-next-line no-control-regex
  return text.split(/[\r\n]+/).map((l) => l.replace(/[\x00-\x1f\x7f]/g, '').trim()).filter((l) => l !== '')
}

/**
 * Reads the lines a terminal in its normal (cooked) mode hands over on Enter, while the chat waits for a
 * peer and shows no prompt: Ctrl-C then makes the terminal discard its unread input, so lines are read
 * as they are typed to be said not sent (or sent once a peer comes). Returns the function that stops.
 */
export function readTypedLines(input: CliInput, on: { line: (text: string) => void; end: () => void }): () => void {
  let rest = ''
  const onData = (d: Buffer | string) => {
    const parts = (rest + (typeof d === 'string' ? d : d.toString('utf8'))).split(/\r?\n/)
    rest = parts.pop() ?? ''
    // eslint-disable-next-line no-control-regex
    for (const p of parts) on.line(p.replace(/[\x00-\x1f\x7f]/g, ''))
  }
  const onEnd = () => on.end()
  input.on('data', onData)
  input.once('end', onEnd)
  input.resume()
  let stopped = false
  return () => {
    if (stopped) return
    stopped = true
    input.off('data', onData)
    input.off('end', onEnd)
    input.pause()
  }
}
