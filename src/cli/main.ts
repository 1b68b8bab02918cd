// The `p2pmessage` program. Each subcommand lives in its own file and registers itself with a
// `register*(program)` call; `chat` is the default command (the original client had no subcommands).
// Only the module of the command being run is loaded (a dynamic import): `--version`, `--help`, `keygen`
// or `vectors` never load the node, the native SQLite addon, ws or the seal workers. bin/p2pmessage
// answers a bare `--version` or `--help` from commands.ts without loading this module at all.
import { Command, CommanderError } from 'commander'
import { CliError, describeError } from './errors.js'
import { normalizeArgv } from './argv.js'
import { AFTER_HELP, COMMANDS, PROGRAM_DESCRIPTION, VERSION } from './commands.js'
import { cliIo, processIo, setExitCode, withCliIo, type CliIo } from './io.js'
import { closestWord } from './typo.js'
import { holdYoungGeneration, releaseYoungGeneration } from './young-generation.js'

export { COMMANDS } from './commands.js'
export type { CliIo } from './io.js'

const HELP_FLAGS = new Set(['--help', '-h'])
const VERSION_FLAGS = new Set(['--version', '-V'])

/**
 * The program with `only`'s module loaded and registered (all of them when `only` is '*'); the other
 * commands are listed by name and description so that `--help` shows them all.
 */
export async function buildProgram(only: string | '*' | null = '*'): Promise<Command> {
  const program = new Command('p2pmessage')
  program
    .description(PROGRAM_DESCRIPTION)
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({
      // help, version and usage errors go to the run's io (the process's, or a test's buffers)
      writeOut: (str) => cliIo().stdout.write(str),
      writeErr: (str) => cliIo().stderr.write(str),
      // commander's own choice (a terminal's width, else 80), asked of the run's streams
      getOutHelpWidth: () => (cliIo().stdout.isTTY && cliIo().stdout.columns) || 80,
      getErrHelpWidth: () => (cliIo().stderr.isTTY && cliIo().stderr.columns) || 80,
      // commander's own usage errors read like ours: one line, `p2pmessage: ...`
      // and commander's `(Did you mean --topic?)` joins the same line, in the style of our own typo hints
      outputError: (str, write) => write(`p2pmessage: ${oneLineUsageError(str)}`),
    })
    .addHelpText('after', AFTER_HELP)
  for (const entry of COMMANDS) {
    if (only === '*' || only === entry.name) {
      ;(await entry.load())(program)
      program.commands.find((c) => c.name() === entry.name)?.description(entry.description)
    } else {
      program.command(entry.name).description(entry.description)
    }
  }
  return program
}

/** `error: unknown option '--topc'\n(Did you mean --topic?)\n` as `unknown option '--topc' (did you mean --topic?)\n`. */
export function oneLineUsageError(str: string): string {
  return str.replace(/^error: /, '').replace(/\s*\n\(Did you mean (.+)\?\)\s*$/, ' (did you mean $1?)\n')
}

/** `unknown command 'realy' (did you mean relay?)`, or the list of commands when nothing is close. */
export function unknownCommandMessage(word: string): string {
  const best = closestWord(word, [...COMMANDS.map((c) => c.name), 'help'])
  if (best !== null) return `unknown command '${word}' (did you mean ${best}?)`
  return `unknown command '${word}' (commands: ${COMMANDS.map((c) => c.name).join(', ')}; see p2pmessage --help)`
}

/** Which command's module argv needs: a name, null (top-level help/version) or an unknown word. */
function selectCommand(args: string[]): { only: string | null } | { unknown: string } {
  const first = args[0]
  const known = (w: string | undefined) => w !== undefined && COMMANDS.some((c) => c.name === w)
  if (first === undefined) return { only: 'chat' }
  if (HELP_FLAGS.has(first) || VERSION_FLAGS.has(first)) return { only: null }
  // options first: the default command (`p2pmessage -topic ffff0000 -password x`)
  if (first.startsWith('-')) return { only: 'chat' }
  if (first === 'help') {
    const topic = args[1]
    if (topic === undefined || topic.startsWith('-')) return { only: null }
    return known(topic) ? { only: topic } : { unknown: topic }
  }
  // chat takes no arguments, so a first word that names no command is a typo, not a chat argument
  return known(first) ? { only: first } : { unknown: first }
}

/**
 * Runs the CLI with `io` (the process's streams and process.exit by default) and resolves to the exit
 * status; user errors print one line on stderr and give status 2. A command that keeps running (chat,
 * relay) ends through io.exit.
 */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  return withCliIo(io, () => run(argv))
}

async function run(argv: string[]): Promise<void> {
  const io = cliIo()
  // Go's flag package takes -help like --help; so do we (and -version alike)
  const args = argv.slice(2).map((a) => (a === '-help' ? '--help' : a === '-version' ? '--version' : a))
  const selected = selectCommand(args)
  if ('unknown' in selected) {
    io.stderr.write(`p2pmessage: ${unknownCommandMessage(selected.unknown)}\n`)
    setExitCode(2)
    return
  }
  if (COMMANDS.some((c) => c.name === selected.only && c.runsNode)) holdYoungGeneration()
  try {
    const program = await buildProgram(selected.only)
    await program.parseAsync(normalizeArgv(program, [...argv.slice(0, 2), ...args]))
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and --version come through here with exit code 0; commander already printed its message
      setExitCode(err.exitCode === 0 ? 0 : 2)
      return
    }
    io.stderr.write(`p2pmessage: ${describeError(err)}\n`)
    setExitCode(err instanceof CliError ? err.exitCode : 2)
  } finally {
    // startNode released it once the node ran; this covers a command that ended before (an error, --help)
    releaseYoungGeneration()
  }
}
