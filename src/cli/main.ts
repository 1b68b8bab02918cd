// The `p2pmessage` program. Each subcommand lives in its own file and registers itself here with a
// `register*(program)` call; `chat` is the default command (the original client had no subcommands).
import { Command, CommanderError } from 'commander'
import { CliError, describeError } from './errors.js'
import { normalizeArgv } from './argv.js'
import { registerEnode } from './enode.js'
import { registerChat } from './chat.js'
import { registerKeygen } from './keygen.js'
import { registerRelay } from './relay.js'
import { registerMailServer } from './mailserver.js'
import { registerProbe } from './probe.js'
import { registerVectors } from './vectors.js'
import { registerEnvelope } from './envelope.js'
import { registerBench } from './bench.js'
import { registerBridge } from './bridge.js'

export function buildProgram(): Command {
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
  // Subcommands: one register call per file.
  registerChat(program)
  registerRelay(program)
  registerMailServer(program)
  registerKeygen(program)
  registerEnode(program)
  registerProbe(program)
  registerVectors(program)
  registerEnvelope(program)
  registerBench(program)
  registerBridge(program)
  return program
}

/** Runs the CLI; user errors print one line on stderr and set exit status 2. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram()
  try {
    await program.parseAsync(normalizeArgv(program, argv))
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
