// A minimal terminal screen for tests: interprets what node:readline writes (text, CR/LF, autowrap,
// CSI A/B/C/D/G/H/J/K) into a grid, so a test can assert what the user would SEE.
import { Writable } from 'node:stream'

export class VirtualTerminal extends Writable {
  readonly isTTY = true
  readonly columns: number
  readonly rows = 1000
  private grid: string[][] = [[]]
  x = 0
  y = 0
  private wrapPending = false

  constructor(columns: number) {
    super({ decodeStrings: false })
    this.columns = columns
  }

  override _write(chunk: unknown, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.feed(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'))
    cb()
  }

  private line(y: number): string[] {
    while (this.grid.length <= y) this.grid.push([])
    return this.grid[y]
  }

  private put(ch: string): void {
    if (this.wrapPending) {
      this.x = 0
      this.y++
      this.wrapPending = false
    }
    const row = this.line(this.y)
    while (row.length < this.x) row.push(' ')
    row[this.x] = ch
    if (this.x === this.columns - 1) this.wrapPending = true
    else this.x++
  }

  feed(data: string): void {
    for (let i = 0; i < data.length; i++) {
      const c = data[i]
      if (c === '\x1b' && data[i + 1] === '[') {
        let j = i + 2
        let params = ''
        while (j < data.length && /[0-9;?]/.test(data[j])) params += data[j++]
        this.csi(params, data[j])
        i = j
        continue
      }
      if (c === '\n') {
        // a terminal in cooked output mode turns LF into CR LF
        this.y++
        this.x = 0
        this.wrapPending = false
        this.line(this.y)
        continue
      }
      if (c === '\r') {
        this.x = 0
        this.wrapPending = false
        continue
      }
      this.put(c)
    }
  }

  private csi(params: string, cmd: string): void {
    const n = params === '' ? undefined : Number(params.split(';')[0])
    this.wrapPending = false
    switch (cmd) {
      case 'A': this.y = Math.max(0, this.y - (n ?? 1)); break
      case 'B': this.y += n ?? 1; this.line(this.y); break
      case 'C': this.x = Math.min(this.columns - 1, this.x + (n ?? 1)); break
      case 'D': this.x = Math.max(0, this.x - (n ?? 1)); break
      case 'G': this.x = Math.min(this.columns - 1, (n ?? 1) - 1); break
      case 'J': // 0: from cursor to end of screen
        this.line(this.y).length = Math.min(this.line(this.y).length, this.x)
        this.grid.length = this.y + 1
        break
      case 'K':
        if ((n ?? 0) === 2) this.grid[this.y] = []
        else if ((n ?? 0) === 0) this.line(this.y).length = Math.min(this.line(this.y).length, this.x)
        else for (let k = 0; k <= this.x; k++) this.line(this.y)[k] = ' '
        break
      default:
        throw new Error(`virtual terminal: unsupported CSI ${params}${cmd}`)
    }
  }

  /** The screen as lines, trailing spaces and trailing empty lines removed. */
  screen(): string[] {
    const lines = this.grid.map((r) => r.map((c) => c ?? ' ').join('').replace(/\s+$/, ''))
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
    return lines
  }
}
