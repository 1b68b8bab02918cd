// Ending a long-running command: on Ctrl-C, SIGTERM or a quit command the node says goodbye to its
// peers (devp2p DISCONNECT) before the program exits with the chosen status, once (through the run's
// io: process.exit in the binary, a recorded status when a test runs main() in-process).
import { cliIo } from './io.js'

export interface Stoppable {
  stop(): Promise<void>
}

export interface Lifecycle {
  /** Stops the node (politely, bounded in time) and exits with `code`. Later calls are ignored. */
  exit(code: number, message?: string): void
  readonly exiting: boolean
}

const STOP_TIMEOUT_MS = 5000

export function createLifecycle(opts: {
  node: () => Stoppable | null
  beforeStop?: () => void
  /** runs before the exit message is written (bounded by the same timeout as stopping) */
  beforeExit?: () => Promise<void>
  onSignal?: (sig: string) => void
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
        .then(() => opts.beforeExit?.())
        .catch(() => undefined)
        .then(() => {
          if (message) io.stderr.write(message + '\n')
          return node ? node.stop() : undefined
        })
        .catch(() => undefined)
      const guard = new Promise<void>((r) => setTimeout(r, STOP_TIMEOUT_MS).unref())
      void Promise.race([stopped, guard]).then(() => io.exit(code))
    },
  }
  const onSignal = (sig: NodeJS.Signals) => {
    opts.onSignal?.(sig)
    lifecycle.exit(0)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  process.once('SIGHUP', onSignal)
  return lifecycle
}
