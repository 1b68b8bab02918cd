// `p2pmessage keygen`: a new secp256k1 key, printed as geth prints keys. With --out, the private key is
// written in geth's node key format (mode 0600), ready for --identity or --nodekey, and not printed.
import type { Command } from 'commander'
import { existsSync } from 'node:fs'
import { generateNodeKey, loadOrCreateNodeKey, nodeKeyFromPrivateKey, type NodeKey } from '../p2p/nodekey.js'
import { addressOf } from '../whisper/crypto.js'
import { CliError } from './errors.js'
import { toHex } from './format.js'
import { loadKeyFile } from './keys.js'
import { cliIo } from './io.js'

export function describeKey(key: NodeKey, showPrivate = true): string {
  return [
    ...(showPrivate ? [`private key: ${toHex(key.privateKey)}`] : []),
    `public key:  ${toHex(key.publicKey)}`,
    `address:     ${toHex(addressOf(key.publicKey))}`,
    `node id:     ${key.nodeId}`,
  ].join('\n')
}

export function registerKeygen(program: Command): void {
  program
    .command('keygen')
    .description('generate a key pair (for --identity, --nodekey or --to) and print it')
    .option('--out <file>', 'save the private key to <file> (geth key file format, mode 0600) instead of printing it; never overwrites')
    .option('--show <file>', 'print the keys of an existing key file instead of generating one')
    .action((opts: { out?: string; show?: string }) => {
      if (opts.out && opts.show) throw new CliError('keygen: use either --out or --show, not both')
      let key: NodeKey
      if (opts.show) {
        key = loadKeyFile(opts.show, '--show')
      } else if (opts.out) {
        if (existsSync(opts.out)) throw new CliError(`--out ${opts.out}: file exists, not overwriting a key`)
        try {
          key = loadOrCreateNodeKey(opts.out)
        } catch (err) {
          throw new CliError(`--out: ${err instanceof Error ? err.message : String(err)}`)
        }
      } else {
        key = nodeKeyFromPrivateKey(generateNodeKey())
      }
      // a key saved to a file stays off the screen (and out of terminal scrollback and logs)
      cliIo().stdout.write(describeKey(key, !opts.out) + '\n')
      if (opts.out) cliIo().stdout.write(`saved to:    ${opts.out} (private key not printed; keygen --show ${opts.out} prints it)\n`)
    })
}
