// `p2pmessage mailserver`: a relay that also archives every envelope it accepts and answers history
// requests as geth's mail server does (wnode -mailclient, our chat's --mailserver).
import type { Command } from 'commander'
import { CliError } from './errors.js'
import { relayCommand } from './relay.js'

export function registerMailServer(program: Command): void {
  relayCommand(program, {
    name: 'mailserver',
    description: 'run a mail server: a relay that archives every envelope and answers history requests (like geth wnode -mailserver)',
    secret: 'password',
    secretHelp: 'mail server password (required): requests must be encrypted with the key derived from it (as geth)',
    mailPassword: (password) => {
      if (password === undefined || password === '') {
        throw new CliError('mailserver needs --password (or --password-file <file>, or P2PMESSAGE_PASSWORD): the key of the requests is derived from it')
      }
      return password
    },
  })
}
