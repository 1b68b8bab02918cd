// The `p2pmessage` program. Each subcommand lives in its own file and registers itself with a
// `register*(program)` call; `chat` is the default command (the original client had no subcommands).
// Only the module of the command being run is loaded (a dynamic import): `--version`, `--help`, `keygen`
// or `vectors` never load the node, the native SQLite addon, ws or the seal workers.
import { Command, CommanderError } from 'commander'
import { CliError, describeError } from './errors.js'
import { normalizeArgv } from './argv.js'

type Register = (program: Command) => void

interface CommandEntry {
  name: string
  /** shown by `p2pmessage --help` without loading the module, and set on the loaded command too (one text) */
  description: string
  load: () => Promise<Register>
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'chat', description: 'join a whisper chat room (the default command), like the original p2pmessage', load: async () => (await import('./chat.js')).registerChat },
  { name: 'relay', description: 'run a relay node: accept peers, forward every envelope, print its enode URL and status', load: async () => (await import('./relay.js')).registerRelay },
  { name: 'mailserver', description: 'run a mail server: a relay that archives every envelope and answers history requests (like geth wnode -mailserver)', load: async () => (await import('./mailserver.js')).registerMailServer },
  { name: 'keygen', description: 'generate a key pair (for --identity, --nodekey or --to) and print it', load: async () => (await import('./keygen.js')).registerKeygen },
  { name: 'enode', description: 'print the enode URL of a node key file', load: async () => (await import('./enode.js')).registerEnode },
  { name: 'probe', description: 'check that a remote whisper node behaves like geth (handshake, status, accept, forward, drop)', load: async () => (await import('./probe.js')).registerProbe },
  { name: 'vectors', description: 'conformance tools for geth-produced whisper vector files', load: async () => (await import('./vectors.js')).registerVectors },
  { name: 'envelope', description: 'seal or open a single whisper envelope offline (hex RLP, as on the wire)', load: async () => (await import('./envelope.js')).registerEnvelope },
  { name: 'bench', description: 'measure keccak/PoW sealing, envelope ingest and forwarding latency against a pure-JS single-thread baseline', load: async () => (await import('./bench.js')).registerBench },
  { name: 'bridge', description: 'run a node and serve it to browsers and web apps: chat page, WebSocket and REST API', load: async () => (await import('./bridge.js')).registerBridge },
]

const HELP_FLAGS = new Set(['--help', '-h'])
const VERSION_FLAGS = new Set(['--version', '-V'])

/**
 * The program with `only`'s module loaded and registered (all of them when `only` is '*'); the other
 * commands are listed by name and description so that `--help` shows them all.
 */
export async function buildProgram(only: string | '*' | null = '*'): Promise<Command> {
  const program = new Command('p2pmessage')
  program
    .description('Whisper (shh/5, shh/6) chat, relay and tools over devp2p, compatible with go-ethereum')
    .version('0.1.0')
    .exitOverride()
    .showHelpAfterError(false)
    // commander's own usage errors read like ours: one line, `p2pmessage: ...`
    .configureOutput({ outputError: (str, write) => write(`p2pmessage: ${str.replace(/^error: /, '')}`) })
    .addHelpText('after', `
Without a command, p2pmessage chats, like the original client:
  p2pmessage -topic ffff0000 -password 7859931
(all chat options: p2pmessage chat --help)`)
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

/** Damerau (optimal string alignment) distance: a swapped pair of letters counts as one typo. */
function typoDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

/** `unknown command 'realy' (did you mean relay?)`, or the list of commands when nothing is close. */
export function unknownCommandMessage(word: string): string {
  const names = [...COMMANDS.map((c) => c.name), 'help']
  const lower = word.toLowerCase()
  let best: string | null = null
  let bestDistance = Infinity
  for (const n of names) {
    const dist = n.startsWith(lower) && lower.length >= 2 ? 1 : typoDistance(lower, n)
    if (dist < bestDistance) {
      best = n
      bestDistance = dist
    }
  }
  if (best !== null && bestDistance <= Math.max(1, Math.floor(best.length / 3))) return `unknown command '${word}' (did you mean ${best}?)`
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

/** Runs the CLI; user errors print one line on stderr and set exit status 2. */
export async function main(argv: string[]): Promise<void> {
  // Go's flag package takes -help like --help; so do we (and -version alike)
  const args = argv.slice(2).map((a) => (a === '-help' ? '--help' : a === '-version' ? '--version' : a))
  const selected = selectCommand(args)
  if ('unknown' in selected) {
    process.stderr.write(`p2pmessage: ${unknownCommandMessage(selected.unknown)}\n`)
    process.exitCode = 2
    return
  }
  try {
    const program = await buildProgram(selected.only)
    await program.parseAsync(normalizeArgv(program, [...argv.slice(0, 2), ...args]))
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and --version come through here with exit code 0; commander already printed its message
      process.exitCode = err.exitCode === 0 ? 0 : 2
      return
    }
    process.stderr.write(`p2pmessage: ${describeError(err)}\n`)
    process.exitCode = err instanceof CliError ? err.exitCode : 2
  }
}
