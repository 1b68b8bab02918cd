// `p2pmessage enode --nodekey <file>`: the enode URL others use to dial a node with that key.
import type { Command } from 'commander'
import { formatEnode } from '../p2p/enode.js'
import { CliError } from './errors.js'
import { loadKeyFile } from './keys.js'
import { parseListen } from './options.js'
import { cliIo } from './io.js'

export function registerEnode(program: Command): void {
  program
    .command('enode')
    .description('print the enode URL of a node key file')
    .requiredOption('--nodekey <file>', 'node key file (64 hex characters, as geth --nodekey)')
    .option('--listen <host:port>', 'address the node listens on', '127.0.0.1:30303')
    .action((opts: { nodekey: string; listen: string }) => {
      const key = loadKeyFile(opts.nodekey, '--nodekey')
      const { host, port } = parseListen(opts.listen)
      if (port === 0) throw new CliError('--listen: an enode URL needs a fixed port, not 0')
      cliIo().stdout.write(formatEnode({ id: key.nodeId, host: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host, port }) + '\n')
    })
}
