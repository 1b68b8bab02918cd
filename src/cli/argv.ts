// Go's flag package (the original p2pmessage) accepts `-topic x` as well as `--topic x`; commander would
// read `-topic` as the short flags -t -o -p... So before parsing, every single-dash spelling of a known
// long option (any subcommand) gets its second dash back. Values of options are never rewritten.
import type { Command } from 'commander'

interface LongOption {
  takesValue: boolean
}

function collectLongOptions(cmd: Command, into: Map<string, LongOption>): void {
  for (const opt of cmd.options) {
    if (opt.long && opt.long.startsWith('--')) {
      into.set(opt.long.slice(2), { takesValue: opt.required || opt.optional })
    }
  }
  for (const sub of cmd.commands) collectLongOptions(sub, into)
}

/** `argv` as process.argv (node, script, ...args). */
export function normalizeArgv(program: Command, argv: string[]): string[] {
  const known = new Map<string, LongOption>()
  collectLongOptions(program, known)
  const out = argv.slice(0, 2)
  let expectValue = false
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--') {
      out.push(...argv.slice(i))
      break
    }
    if (expectValue) {
      out.push(arg)
      expectValue = false
      continue
    }
    const m = /^(-{1,2})([A-Za-z][A-Za-z0-9-]+)(=.*)?$/.exec(arg)
    const opt = m ? known.get(m[2]) : undefined
    if (m && opt) {
      out.push(`--${m[2]}${m[3] ?? ''}`)
      expectValue = opt.takesValue && m[3] === undefined
      continue
    }
    out.push(arg)
  }
  return out
}
