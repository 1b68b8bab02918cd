// Where the node's log lines go: stderr in geth's terminal format. While the chat prompt is on a
// terminal, stderr is usually that same terminal, so the lines go through the prompt's printer
// instead, which keeps the user's partial input intact.
const TAGS = ['', 'ERROR', 'WARN ', 'INFO ', 'DEBUG', 'TRACE']
const pad = (n: number, w = 2): string => String(n).padStart(w, '0')

export function formatLogLine(level: number, msg: string, now = new Date()): string {
  const ts = `${pad(now.getMonth() + 1)}-${pad(now.getDate())}|${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}`
  return `${TAGS[level] ?? 'TRACE'} [${ts}] ${msg}`
}

export type LineWriter = (line: string) => void

export interface LogSinkOptions {
  verbosity: number
  /** set while a terminal prompt is shown and stderr is a terminal too */
  viaPrompt?: () => LineWriter | null
}

export function createLogSink(opts: LogSinkOptions): (level: number, msg: string) => void {
  return (level, msg) => {
    if (level <= 0 || level > opts.verbosity) return
    const line = formatLogLine(level, msg)
    const printer = opts.viaPrompt?.() ?? null
    if (printer) printer(line)
    else process.stderr.write(line + '\n')
  }
}
