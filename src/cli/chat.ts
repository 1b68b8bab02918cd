// `p2pmessage` / `p2pmessage chat`: the original Go client's chat room (same flags, lines, prompt and
// network), plus what it lacked: custom enodes, listening, shh/6, persistent identity, direct messages,
// JSON output, piped input that exits once delivered, and clean exits.
import type { Command } from 'commander'
import type { WhisperNode } from '../node/whisper-node.js'
import { symKeyFromPassword, generatePrivateKey, publicKeyOf, addressOf } from '../whisper/crypto.js'
import { envelopeHash, envelopePow, envelopeSent } from '../whisper/envelope.js'
import { formatChatLine, toHex, toJsonMessage, type ShownMessage } from './format.js'
import { loadOrCreateKeyFile } from './keys.js'
import { createLifecycle } from './lifecycle.js'
import { createLogSink } from './logsink.js'
import { CliError } from './errors.js'
import { addNetworkOptions, createNode, resolveNetwork, startError, unreachableMessage, watchStaticPeers, type NetworkFlags } from './network.js'
import { parsePow, parsePublicKey, parseSeconds, parseTopicArg, parseTtl, parseWork } from './options.js'
import { LineIO } from './prompt.js'
import { collect } from './options.js'
import { fetchChatHistory, HistoryGate, resolveHistory, type HistoryFlags } from './chat-history.js'

export const QUIT_COMMAND = '~Q'
export const PROMPT = `input ${QUIT_COMMAND} to quit>`

interface ChatFlags extends NetworkFlags, HistoryFlags {
  topic: string
  password: string
  identity?: string
  to?: string
  ttl: string
  pow: string
  work: string
  json?: boolean
  connectTimeout: string
}

interface ChatConfig {
  topic: Uint8Array
  symKey: Uint8Array
  identity: Uint8Array // signing key, also the key direct messages to us are encrypted to
  to?: Uint8Array
  ttl: number
  pow: number
  work: number
  json: boolean
  /** seconds; 0 = wait for a peer forever */
  connectTimeout: number
}

export function registerChat(program: Command): void {
  const cmd = program
    .command('chat', { isDefault: true })
    .description('join a whisper chat room (the default command), like the original p2pmessage')
    .option('--topic <hex>', 'topic, 4 bytes in hex', '44c7429f')
    .option('--password <password>', 'room password (the symmetric key is derived from it)', '123456')
  addNetworkOptions(cmd, { verbosity: '1' })
  cmd
    .option('--identity <file>', 'signing key file (created when missing) so your address stays the same; default: a new key per run')
    .option('--to <pubkey>', 'send direct messages, encrypted to this public key (130 hex), instead of to the room')
    .option('--ttl <seconds>', 'time to live of sent messages', '50')
    .option('--pow <n>', 'proof of work of sent messages, and the minimum accepted from peers', '0.2')
    .option('--work <seconds>', 'maximum time spent on proof of work per message', '5')
    .option('--json', 'print one JSON object per received message (for scripts); status lines go to stderr')
    .option('--connect-timeout <seconds>', 'without --listen: give up (exit 2) when no peer has connected this long after start; 0 waits forever', '30')
    .option('--mailserver <enode>', 'a mail server to get the room\'s history from, shown before the live lines (repeatable)', collect)
    .option('--mailserver-password <password>', 'the mail server\'s password (required with --mailserver; the room password is not assumed)')
    .option('--history <duration>', 'how far back to ask the mail servers, e.g. 30m, 24h, 7d (default: 24h with --mailserver)')
    .action(async (flags: ChatFlags) => {
      await runChat(flags)
    })
}

function resolveChat(flags: ChatFlags): ChatConfig {
  const topic = parseTopicArg(flags.topic)
  const ttl = parseTtl(flags.ttl)
  const pow = parsePow(flags.pow)
  const work = parseWork(flags.work)
  const to = flags.to !== undefined ? parsePublicKey(flags.to) : undefined
  const identity = flags.identity ? loadOrCreateKeyFile(flags.identity, '--identity').privateKey : generatePrivateKey()
  const connectTimeout = parseSeconds(flags.connectTimeout, '--connect-timeout')
  return { topic, symKey: symKeyFromPassword(flags.password), identity, to, ttl, pow, work, json: flags.json === true, connectTimeout }
}

/** Lines posted but not yet handed to any peer (piped input waits for them before exiting). */
class DeliveryTracker {
  private readonly pending = new Map<number, { hashes: string[]; deadline: number }>()
  /** recently sent hashes, for a 'sent' that comes before post() returned */
  private readonly recent = new Map<string, true>()
  private next = 0
  private waiter: (() => void) | null = null

  add(hashes: string[], deadline: number): void {
    if (hashes.some((h) => this.recent.has(h))) return
    this.pending.set(this.next++, { hashes, deadline })
  }

  sent(hashes: string[]): void {
    for (const h of hashes) {
      this.recent.set(h, true)
      if (this.recent.size > 10_000) this.recent.delete(this.recent.keys().next().value as string)
    }
    const set = new Set(hashes)
    for (const [id, p] of this.pending) if (p.hashes.some((h) => set.has(h))) this.pending.delete(id)
    if (this.pending.size === 0) this.waiter?.()
  }

  /** Resolves with the number of lines that expired undelivered (0: all delivered). */
  async settle(): Promise<number> {
    while (this.pending.size > 0) {
      const now = Date.now()
      const latest = Math.max(...[...this.pending.values()].map((p) => p.deadline))
      if (now >= latest) break
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, latest - now)
        this.waiter = () => {
          clearTimeout(t)
          resolve()
        }
      })
      this.waiter = null
    }
    return this.pending.size
  }
}

async function runChat(flags: ChatFlags): Promise<void> {
  const net = resolveNetwork(flags)
  const cfg = resolveChat(flags)
  const hist = resolveHistory(flags)
  // mail servers are static and trusted peers: their answers are p2p messages, which only trusted peers may send
  if (hist) for (const url of hist.mailservers) if (!net.staticPeers.includes(url)) net.staticPeers.push(url)
  if (net.staticPeers.length === 0 && net.bootnodes.length === 0 && !net.listen) {
    throw new CliError('nothing to connect to: give --enode <url>, --bootnodes mainnet|<list>, or --listen <host:port>')
  }
  const myPublicKey = publicKeyOf(cfg.identity)

  const terminal = process.stdin.isTTY === true && process.stdout.isTTY === true && !cfg.json
  const io = new LineIO({ input: process.stdin, output: process.stdout, prompt: PROMPT, terminal })
  // Status lines: on stdout like the original; with --json stdout holds only messages.
  const say = (line: string) => (cfg.json ? process.stderr.write(line + '\n') : io.print(line))
  const logger = createLogSink({
    verbosity: net.verbosity,
    viaPrompt: () => (terminal && process.stderr.isTTY ? (l: string) => io.print(l) : null),
  })

  let node: WhisperNode | null = null
  const lifecycle = createLifecycle({ node: () => node, beforeStop: () => io.close() })

  node = createNode(net, { minPow: cfg.pow, logger })
  try {
    await node.start()
  } catch (err) {
    node = null
    throw startError(err, net.listen)
  }
  const running = node
  logger(3, `chat identity address=${toHex(addressOf(myPublicKey))} publicKey=${toHex(myPublicKey)}`)
  watchStaticPeers(running, net.staticPeers, logger)

  // On a terminal the room's lines start after the 'Connected' banner, as in the original; what the pool
  // hands us in between waits for it.
  let early: string[] | null = terminal ? [] : null
  const emit = (line: string) => {
    if (cfg.json) process.stdout.write(line + '\n')
    else if (early) early.push(line)
    else io.print(line)
  }
  // history (p2p messages from a mail server) comes first, in time order; the room's lines wait for it
  const gate = hist ? new HistoryGate(emit) : null
  if (gate) gate.status = say
  const show = (m: ShownMessage & { mine?: boolean; p2p?: boolean }) => {
    const mine = m.mine === true || (m.src !== undefined && Buffer.from(m.src).equals(Buffer.from(myPublicKey)))
    const fromHistory = gate !== null && m.p2p === true
    const line = cfg.json ? JSON.stringify({ ...toJsonMessage(m, mine), ...(fromHistory ? { history: true } : {}) }) : formatChatLine(m, mine)
    if (fromHistory) gate.history({ sent: m.sent, text: line })
    else if (gate) gate.live(line)
    else emit(line)
  }
  // A v6 peer announces the least PoW it accepts; our node, like geth, never sends it less, which would
  // look like a silent room. Said once per peer, whatever the verbosity.
  const warnedPow = new Set<string>()
  const warn = (line: string) => (terminal ? io.print(line) : process.stderr.write(line + '\n'))
  const checkPowRequirements = () => {
    for (const p of running.peers()) {
      if (p.minPow > cfg.pow && !warnedPow.has(p.id)) {
        warnedPow.add(p.id)
        warn(`warning: peer ${p.id.slice(0, 16)} (${p.address}) requires PoW ${p.minPow}; your messages (--pow ${cfg.pow}) will not be sent to it`)
      }
    }
  }
  running.subscribe({ topics: [cfg.topic], symKey: cfg.symKey, allowP2P: true }, show)
  // Direct messages to our identity, as the original's filter (KeySym + KeyAsym) also received.
  running.subscribe({ topics: [cfg.topic], privateKey: cfg.identity, allowP2P: true }, show)

  running.on('peer:added', checkPowRequirements)

  const delivery = new DeliveryTracker()
  running.on('sent', (_peer: string, hashes: string[]) => delivery.sent(hashes))

  let failed = 0
  let queue: Promise<void> = Promise.resolve()
  const send = (text: string) => {
    queue = queue.then(async () => {
      if (lifecycle.exiting) return
      try {
        checkPowRequirements()
        const payload = new TextEncoder().encode(text)
        const { hashes, envelopes } = await running.post({
          topic: cfg.topic,
          payload,
          ...(cfg.to ? { dst: cfg.to } : { symKey: cfg.symKey }),
          src: cfg.identity,
          ttl: cfg.ttl,
          pow: cfg.pow,
          workTime: cfg.work,
          shh: net.shh,
        })
        delivery.add(hashes, Date.now() + cfg.ttl * 1000)
        // A direct message is encrypted to the recipient: our own filters cannot open it, so the
        // echo the room gets from the pool is made here.
        if (cfg.to) {
          const env = envelopes[0]
          show({
            shh: env.shh, topic: env.topic, payload, src: myPublicKey, address: addressOf(myPublicKey),
            sent: envelopeSent(env), ttl: env.ttl, pow: envelopePow(env), hash: envelopeHash(env), symmetric: false, mine: true,
          })
        }
      } catch (err) {
        failed++
        say(`failed to send message: ${err instanceof Error ? err.message : String(err)}`)
      }
    })
  }

  const endOfInput = async () => {
    await queue
    await historyDone
    const undelivered = await delivery.settle()
    if (undelivered > 0 || failed > 0) {
      const parts: string[] = []
      if (undelivered > 0) {
        const demanding = running.peers().filter((p) => p.minPow > cfg.pow)
        parts.push(`${undelivered} message(s) expired before reaching any peer` +
          (demanding.length > 0 ? ` (${demanding.length} peer(s) require more PoW than --pow ${cfg.pow})` : ''))
      }
      if (failed > 0) parts.push(`${failed} message(s) could not be sent`)
      lifecycle.exit(1, `p2pmessage: ${parts.join('; ')}`)
    } else {
      lifecycle.exit(0)
    }
  }

  io.on('line', (text) => {
    if (lifecycle.exiting) return
    if (text === QUIT_COMMAND) {
      say('Quit command received')
      io.close()
      // at a prompt the user is done; piped lines before ~Q still get delivered
      if (terminal) lifecycle.exit(0)
      else void endOfInput()
      return
    }
    send(text)
  })
  io.on('end', () => {
    if (!lifecycle.exiting) void endOfInput()
  })
  io.on('interrupt', () => lifecycle.exit(0))

  // A node that only dials out and has reached nobody says whom it could not reach and leaves, instead of
  // waiting forever (with --listen, others may still dial in: it waits).
  const giveUpMs = !net.listen && cfg.connectTimeout > 0 ? cfg.connectTimeout * 1000 : undefined
  const waitForPeer = () =>
    running.waitForPeer(giveUpMs).catch((err: unknown) => {
      if (lifecycle.exiting) return false
      if (err instanceof Error && (err as { code?: string }).code === 'timeout') {
        lifecycle.exit(2, `p2pmessage: ${unreachableMessage(running.dialTargets(), cfg.connectTimeout)}`)
        return false
      }
      throw err
    })

  const historyDone: Promise<void> = hist && gate
    ? fetchChatHistory(running, hist, cfg, cfg.connectTimeout > 0 ? cfg.connectTimeout * 1000 : 60_000)
      .then((lines) => void gate.finish(lines), (err: unknown) => void gate.finish([`history: ${(err as Error).message}`]))
    : Promise.resolve()

  say('Whisper node started,please send message after connect to other nodes')
  // the original never listened; with --listen, others need this URL to dial us
  if (net.listen) say(`Listening on ${running.enode}`)
  const announceConnected = () => {
    say('Connected to peer,you can type message now.')
    say(`Filter is configured for the topic: ${toHex(cfg.topic)} `)
    say(`Please type the message. To quit type: '${QUIT_COMMAND}'`)
    const held = early ?? []
    early = null
    for (const line of held) io.print(line)
  }
  if (terminal) {
    // like the original: the prompt appears once there is someone to talk to
    try {
      if ((await waitForPeer()) === false) return
    } catch (err) {
      if (lifecycle.exiting) return // Ctrl-C or SIGTERM while waiting: the node is stopping on purpose
      throw err
    }
    if (lifecycle.exiting) return
    announceConnected()
    io.start()
  } else {
    // piped lines are posted at once; the pool keeps them until a peer comes
    io.start()
    void waitForPeer().then((ok) => {
      if (ok !== false && !lifecycle.exiting) announceConnected()
    }, () => undefined)
  }
}

