// Where the node's log lines go: stderr in geth's terminal format. While the chat prompt is on a
// terminal, stderr is usually that same terminal, so the lines go through the prompt's printer
// instead, which keeps the user's partial input intact. With --log-file they go to that file instead.
import { formatTerminalLine, levelSink, type LogSink } from '../log/log.js'
import { cliIo } from './io.js'
import type { LogFile } from './logfile.js'

export type LineWriter = (line: string) => void

export interface LogSinkOptions {
  verbosity: number
  /** set while a terminal prompt is shown and stderr is a terminal too */
  viaPrompt?: () => LineWriter | null
  /** --log-file: every line goes there (and none to stderr or the prompt) */
  file?: LogFile | null
}

export function createLogSink(opts: LogSinkOptions): LogSink {
  return levelSink(opts.verbosity, (level, msg) => {
    const line = formatTerminalLine(level, msg)
    if (opts.file) return opts.file.write(line)
    const printer = opts.viaPrompt?.() ?? null
    if (printer) printer(line)
    else cliIo().stderr.write(line + '\n')
  })
}
