// Where a command reads and writes and how it ends. The binary uses the process's own streams and
// process.exit; a test calls main(argv, io) in-process with buffers and a recorded exit, and the
// commands reach that io through cliIo() (async-local, so output from timers and callbacks a command
// starts goes to the run that started it, even when several runs overlap).
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Readable, Writable } from 'node:stream'

export type CliOutput = Writable & { isTTY?: boolean; columns?: number }
export type CliInput = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown }

export interface CliIo {
  stdout: CliOutput
  stderr: CliOutput
  stdin: CliInput
  env: NodeJS.ProcessEnv
  /** Ends the program now with `code` (process.exit in the binary). */
  exit(code: number): void
}

export const processIo: CliIo = {
  get stdout() {
    return process.stdout
  },
  get stderr() {
    return process.stderr
  },
  get stdin() {
    return process.stdin
  },
  get env() {
    return process.env
  },
  exit: (code) => process.exit(code),
}

interface Run {
  io: CliIo
  exitCode: number
}

const current = new AsyncLocalStorage<Run>()

/** The io of the run in progress (the process's outside of main). */
export function cliIo(): CliIo {
  return current.getStore()?.io ?? processIo
}

/** The status main() returns when the command ends without calling exit. */
export function setExitCode(code: number): void {
  const run = current.getStore()
  if (run) run.exitCode = code
  else process.exitCode = code
}

/** Runs `fn` with `io` as cliIo(); resolves to the exit status set meanwhile (0 by default). */
export async function withCliIo(io: CliIo, fn: () => Promise<void>): Promise<number> {
  const run: Run = { io, exitCode: 0 }
  await current.run(run, fn)
  return run.exitCode
}
