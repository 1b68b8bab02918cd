// Runs the CLI's main() in this process, with its stdout and stderr captured, stdin given, and exit
// recorded instead of ending the process: the same result as harness.ts's run() (code, stdout, stderr)
// without starting node. For cases that end before a node starts (bad flags, usage errors, help
// texts, offline commands); what needs a running node or a real terminal stays in *.e2e.test.ts.
import { Readable, Writable } from 'node:stream'
import { main, type CliIo } from '../../src/cli/main.js'

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

function sink(onText: (s: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      onText(typeof chunk === 'string' ? chunk : chunk.toString('utf8'))
      done()
    },
  })
}

/**
 * `p2pmessage ...args` in-process: `input` is stdin (closed after it, like harness.ts's run()), `env`
 * is added to this process's environment (as a spawned process would inherit it).
 */
export async function run(args: string[], input = '', opts: { env?: Record<string, string> } = {}): Promise<RunResult> {
  let stdout = ''
  let stderr = ''
  let exited!: (code: number) => void
  const exit = new Promise<number>((r) => (exited = r))
  const io: CliIo = {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    stdin: Readable.from(input === '' ? [] : [Buffer.from(input)]),
    env: { ...process.env, ...opts.env },
    exit: (code) => exited(code),
  }
  const code = await Promise.race([main(['node', 'p2pmessage', ...args], io), exit])
  return { code, stdout, stderr }
}

/** As run(), with `env` added to the environment (harness.ts's runEnv in secrets). */
export function runEnv(args: string[], env: Record<string, string>): Promise<RunResult> {
  return run(args, '', { env })
}
