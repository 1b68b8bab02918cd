// A command on a real pseudo-terminal (util-linux `script`), its output read into a VirtualTerminal so
// that a test asserts what the user would see; shared by the chat's terminal tests.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { ROOT } from './harness.js'
import { VirtualTerminal } from './virtual-terminal.js'

export function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

export interface Terminal {
  tty: ChildProcess & { stdin: NonNullable<ChildProcess['stdin']> }
  screen: VirtualTerminal
  /** the exit code of `script` (that of the command it ran) */
  exited: Promise<number | null>
  /** polls every 100 ms, at most `tries` times; the error shows the screen and the raw bytes */
  until(pred: () => boolean, what: string): Promise<void>
}

/** Runs the shell command line `cmd` (from the repository root) on a terminal `cols` wide. */
export function openTerminal(cmd: string, cols: number, tries = 300): Terminal {
  const tty = spawn('script', ['-qefc', cmd, '/dev/null'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] })
  const screen = new VirtualTerminal(cols)
  let raw = ''
  tty.stdout.setEncoding('utf8').on('data', (d: string) => {
    raw += d
    screen.feed(d)
  })
  const exited = new Promise<number | null>((r) => tty.on('close', (code) => r(code)))
  const until = async (pred: () => boolean, what: string): Promise<void> => {
    for (let i = 0; i < tries && !pred(); i++) await new Promise((r) => setTimeout(r, 100))
    if (!pred()) throw new Error(`timeout waiting for ${what}; screen:\n${screen.screen().join('\n')}\nraw: ${JSON.stringify(raw)}`)
  }
  return { tty, screen, exited, until }
}
