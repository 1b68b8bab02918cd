// `p2pmessage mailserver`: a relay that also archives every envelope it accepts and answers history
// requests as geth's mail server does (wnode -mailclient, our chat's --mailserver).
import type { Command } from 'commander'
import { addMailOptions } from './mail-options.js'
import { CliError } from './errors.js'
import { resolveSecret, secretOption } from './secrets.js'
import { relayOptions, roomsNeedBoth, runRelay, type RelayFlags } from './relay.js'

export function registerMailServer(program: Command): void {
  const cmd = program
    .command('mailserver')
    .description('run a mail server: a relay that archives every envelope and answers history requests (like geth wnode -mailserver)')
  relayOptions(cmd)
  secretOption(cmd, 'password', 'password', 'mail server password (required): requests must be encrypted with the key derived from it (as geth)')
  addMailOptions(cmd, { datadir: true })
  cmd.action(async (flags: RelayFlags & { password?: string }, command: Command) => {
    roomsNeedBoth(flags, command)
    const password = resolveSecret(flags as unknown as Record<string, unknown>, 'password')
    if (password === undefined || password === '') {
      throw new CliError('mailserver needs --password (or --password-file <file>, or P2PMESSAGE_PASSWORD): the key of the requests is derived from it')
    }
    await runRelay(flags, password)
  })
}
