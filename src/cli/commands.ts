// The program's version and command table, in a module that imports nothing: bin/p2pmessage answers
// `--version` from here without loading commander or any command, and `--help` lists every command from
// the table without loading their modules.
import type { Command } from 'commander'

export const VERSION = '0.1.0'
export const PROGRAM_DESCRIPTION = 'Whisper (shh/5, shh/6) chat, relay and tools over devp2p, compatible with go-ethereum'
export const AFTER_HELP = `
Without a command, p2pmessage chats, like the original client:
  p2pmessage -topic ffff0000 -password 7859931
(all chat options: p2pmessage chat --help)`

export type Register = (program: Command) => void

export interface CommandEntry {
  name: string
  /** shown by `p2pmessage --help` without loading the module, and set on the loaded command too (one text) */
  description: string
  load: () => Promise<Register>
  /** runs a node until stopped: its start-up holds the young generation small (young-generation.ts) */
  runsNode?: true
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'chat', description: 'join a whisper chat room (the default command), like the original p2pmessage', load: async () => (await import('./chat.js')).registerChat, runsNode: true },
  { name: 'relay', description: 'run a relay node: accept peers, forward every envelope, print its enode URL and status', load: async () => (await import('./relay.js')).registerRelay, runsNode: true },
  { name: 'mailserver', description: 'run a mail server: a relay that archives every envelope and answers history requests (like geth wnode -mailserver)', load: async () => (await import('./mailserver.js')).registerMailServer, runsNode: true },
  { name: 'keygen', description: 'generate a key pair (for --identity, --nodekey or --to) and print it', load: async () => (await import('./keygen.js')).registerKeygen },
  { name: 'enode', description: 'print the enode URL of a node key file', load: async () => (await import('./enode.js')).registerEnode },
  { name: 'probe', description: 'check that a remote whisper node behaves like geth (handshake, status, accept, forward, drop)', load: async () => (await import('./probe.js')).registerProbe },
  { name: 'vectors', description: 'conformance tools for vector files made by geth (whisper) and status-go (waku)', load: async () => (await import('./vectors.js')).registerVectors },
  { name: 'envelope', description: 'seal or open a single whisper envelope offline (hex RLP, as on the wire)', load: async () => (await import('./envelope.js')).registerEnvelope },
  { name: 'bench', description: 'measure keccak/PoW sealing, envelope ingest and forwarding latency against a pure-JS single-thread baseline', load: async () => (await import('./bench.js')).registerBench },
  { name: 'bridge', description: 'run a node and serve it to browsers and web apps: chat page, WebSocket and REST API', load: async () => (await import('./bridge.js')).registerBridge, runsNode: true },
]
