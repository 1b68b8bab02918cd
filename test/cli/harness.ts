// Runs the real CLI (node bin/p2pmessage, from dist/, kept current by the global setup) as child
// processes for end-to-end tests, and reads their stdout/stderr line by line. Everything stays on 127.0.0.1 (tests pass --bootnodes none).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { expect } from 'vitest'
import { budget } from '../support/budget.js'

export const ROOT = resolve(import.meta.dirname, '../..')
const BIN = join(ROOT, 'bin/p2pmessage')
const MAIN_JS = join(ROOT, 'dist/src/cli/main.js')

/**
 * dist/ is the current source: the global setup (test/support/fresh-dist.ts) recompiles it before any
 * test file starts when a source is newer. Kept as a guard for a runner that skipped the setup.
 */
export function ensureBuilt(): void {
  if (!existsSync(MAIN_JS)) throw new Error('dist/src/cli/main.js missing: run through vitest (its global setup compiles) or npm run build')
}

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export class Cli {
  readonly child: ChildProcessWithoutNullStreams
  readonly stdoutLines: string[] = []
  readonly stderrLines: string[] = []
  stdout = ''
  stderr = ''
  readonly exited: Promise<Exit>
  private waiters: (() => void)[] = []

  // `script` (default this repository's bin/p2pmessage) and `cwd` let the package tests run an installed copy
  constructor(args: string[], opts: { env?: Record<string, string>; script?: string[]; cwd?: string } = {}) {
    this.child = spawn(process.execPath, [...(opts.script ?? [BIN]), ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    // whole text and complete lines; a line shows once its newline has come, the last one at exit (flush)
    const collect = (stream: NodeJS.ReadableStream, add: (d: string) => void, lines: string[]): (() => void) => {
      let buf = ''
      stream.setEncoding('utf8').on('data', (d: string) => {
        add(d)
        buf += d
        const parts = buf.split('\n')
        buf = parts.pop() ?? ''
        lines.push(...parts)
        this.wake()
      })
      return () => {
        if (buf) lines.push(buf)
      }
    }
    const flushOut = collect(this.child.stdout, (d) => (this.stdout += d), this.stdoutLines)
    const flushErr = collect(this.child.stderr, (d) => (this.stderr += d), this.stderrLines)
    this.child.stdin.on('error', () => undefined) // EPIPE when the process already left
    this.exited = new Promise((resolveExit) => {
      this.child.on('close', (code, signal) => {
        flushOut()
        flushErr()
        this.wake()
        resolveExit({ code, signal })
      })
    })
  }

  private wake(): void {
    const ws = this.waiters
    this.waiters = []
    for (const w of ws) w()
  }

  /** Waits for a line (stdout by default) matching `re`; fails after `timeoutMs` with the output so far. */
  async waitFor(re: RegExp, opts: { stream?: 'stdout' | 'stderr'; timeoutMs?: number; from?: number } = {}): Promise<string> {
    const lines = opts.stream === 'stderr' ? this.stderrLines : this.stdoutLines
    const deadline = Date.now() + budget(opts.timeoutMs ?? 40_000)
    let done = false
    void this.exited.then(() => (done = true))
    for (;;) {
      const hit = lines.slice(opts.from ?? 0).find((l) => re.test(l))
      if (hit !== undefined) return hit
      if (done || Date.now() > deadline) {
        throw new Error(`no ${opts.stream ?? 'stdout'} line matching ${re} ${done ? '(process exited)' : '(timeout)'}\n` +
          `--- stdout:\n${this.stdout}\n--- stderr:\n${this.stderr}`)
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(0, Math.min(500, deadline - Date.now())))
        this.waiters.push(() => {
          clearTimeout(t)
          r()
        })
      })
    }
  }

  write(text: string): void {
    this.child.stdin.write(text)
  }

  end(text?: string): void {
    this.child.stdin.end(text)
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal)
  }

  /** For afterEach: make sure nothing is left running. */
  async dispose(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL')
    }
    await this.exited
  }
}

/** Runs to completion (stdin closed at once unless `input` is given). */
export async function run(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = new Cli(args)
  cli.end(input)
  const { code } = await cli.exited
  return { code, stdout: cli.stdout, stderr: cli.stderr }
}

/** Flags every test chat gets: stay on this machine, cheap proof of work. */
export const LOCAL = ['--bootnodes', 'none', '--pow', '0.01', '--work', '1']
/** The same for a relay (it seals nothing, so no --work). */
export const LOCAL_RELAY = ['--bootnodes', 'none', '--pow', '0.01']

export const CHAT_LINE = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (<mine>|\[([0-9a-f]{40}|anonymous)\])( \(direct\))?: (.*)$/

/** The non-empty lines of a process's output. */
export const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '')

/** Bad input: status 2 and exactly one stderr line `p2pmessage: …` matching `re`, no stack trace. */
export function expectUsageError(r: { code: number | null; stderr: string }, re: RegExp): void {
  expect(r.code).toBe(2)
  const l = lines(r.stderr)
  expect(l).toHaveLength(1)
  expect(l[0]).toMatch(/^p2pmessage: /)
  expect(l[0]).toMatch(re)
  expect(r.stderr).not.toMatch(/\n\s+at /)
}
