// `p2pmessage mailserver`: a relay that also archives every envelope it accepts and answers history
// requests as geth's mail server does (wnode -mailclient, our chat's --mailserver).
import type { Command } from 'commander'
import { addMailOptions } from './mail-options.js'
import { relayOptions, roomsNeedBoth, runRelay, type RelayFlags } from './relay.js'

export function registerMailServer(program: Command): void {
  const cmd = program
    .command('mailserver')
    .description('run a mail server: a relay that archives every envelope and answers history requests (like geth wnode -mailserver)')
  relayOptions(cmd)
  cmd.requiredOption('--password <password>', 'mail server password: requests must be encrypted with the key derived from it (as geth)')
  addMailOptions(cmd, { datadir: true })
  cmd.action(async (flags: RelayFlags & { password: string }, command: Command) => {
    roomsNeedBoth(flags, command)
    await runRelay(flags, flags.password)
  })
}
