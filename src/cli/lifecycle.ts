// Ending a long-running command: on Ctrl-C, SIGTERM or a quit command the node says goodbye to its
// peers (devp2p DISCONNECT) before the program exits with the chosen status, once (through the run's
// io: process.exit in the binary, a recorded status when a test runs main() in-process).
import { cliIo } from './io.js'
import type { LogFile } from './logfile.js'

export interface Stoppable {
  stop(): Promise<void>
}

export interface Lifecycle {
  /** Stops the node (politely, bounded in time) and exits with `code`. Later calls are ignored. */
  exit(code: number, message?: string): void
  /** Ctrl-C or SIGTERM: says the command's stopping line, then exit(0). */
  interrupt(): void
  readonly exiting: boolean
}

const STOP_TIMEOUT_MS = 5000

export function createLifecycle(opts: {
  node: () => Stoppable | null
  beforeStop?: () => void
  /**
   * runs before the exit message is written (bounded by the same timeout as stopping); a number it
   * resolves to is the exit status instead of `code` (a chat that leaves lines unsent)
   */
  beforeExit?: (code: number) => Promise<number | void>
  /**
   * Every long-running command says one `<command> stopping` line on Ctrl-C, SIGTERM or SIGHUP (unless
   * it has a --log-file), in its
   * own output style: stopping takes a moment (peers are told, the archive is committed), and a user
   * who pressed Ctrl-C sees that it was heard, as geth's "Got interrupt, shutting down...".
   */
  stopping?: () => void
  /**
   * --log-file: SIGHUP reopens it (logrotate's postrotate or systemd's ExecReload) instead of stopping
   * the command, and it is closed once the node has stopped
   */
  logFile?: LogFile | null
}): Lifecycle {
  let exiting = false
  const lifecycle: Lifecycle = {
    get exiting() {
      return exiting
    },
    exit(code, message) {
      if (exiting) return
      exiting = true
      const io = cliIo()
      try {
        opts.beforeStop?.()
      } catch {
        // best effort: we are leaving anyway
      }
      const node = opts.node()
      const stopped = Promise.resolve()
        .then(() => opts.beforeExit?.(code))
        .then((status) => {
          if (typeof status === 'number') code = status
        })
        .catch(() => undefined)
        .then(() => {
          if (message) io.stderr.write(message + '\n')
          return node ? node.stop() : undefined
        })
        .catch(() => undefined)
      const guard = new Promise<void>((r) => setTimeout(r, STOP_TIMEOUT_MS).unref())
      void Promise.race([stopped, guard]).then(() => {
        opts.logFile?.close()
        io.exit(code)
      })
    },
    interrupt() {
      if (exiting) return
      try {
        opts.stopping?.()
      } catch {
        // best effort: we are leaving anyway
      }
      lifecycle.exit(0)
    },
  }
  const onSignal = () => lifecycle.interrupt()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const logFile = opts.logFile
  if (logFile) process.on('SIGHUP', () => logFile.reopen())
  else process.once('SIGHUP', onSignal)
  return lifecycle
}
