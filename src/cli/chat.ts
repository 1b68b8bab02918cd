// `p2pmessage` / `p2pmessage chat`: the original Go client's chat room (same flags, lines, prompt and
// network), plus what it lacked: custom enodes, listening, shh/6, persistent identity, direct messages,
// JSON output, piped input that exits once delivered, and clean exits.
import type { Command } from 'commander'
import type { WhisperNode } from '../node/whisper-node.js'
import type { UndeliveredEvent } from '../node/delivery.js'
import { symKeyFromPassword, generatePrivateKey, publicKeyOf, addressOf } from '../whisper/crypto.js'
import { envelopeHash, envelopePow, envelopeSent } from '../whisper/envelope.js'
import { formatChatLine, sanitizeText, toHex, toJsonMessage, type ShownMessage } from './format.js'
import { loadOrCreateKeyFile } from './keys.js'
import { addMetricsOption, parseMetricsAddr, startMetrics } from './metrics-options.js'
import type { MetricsServer } from '../metrics/server.js'
import { createLifecycle } from './lifecycle.js'
import { createLogSink } from './logsink.js'
import { openLogFile } from './logfile.js'
import { CliError } from './errors.js'
import { cliIo } from './io.js'
import { resolveSecret, secretOption } from './secrets.js'
import {
  addNetworkOptions, createNode, noPeerYetMessage, nothingLeftToDial, resolveNetwork, startNode, unreachableMessage, watchStaticPeers, type NetworkFlags,
} from './network.js'
import { parsePow, parsePublicKey, parseSeconds, parseTopicArg, parseTtl, parseWork } from './options.js'
import { drainTypedInput, LineIO, readTypedLines } from './prompt.js'
import { Delivery } from './delivery.js'
import { collect } from './options.js'
import { fetchChatHistory, HistoryGate, resolveHistory, type HistoryFlags } from './chat-history.js'

export const QUIT_COMMAND = '~Q'
/** how long the chat waits quietly for a first peer before saying what it is dialling */
const STILL_DIALLING_MS = 3000
/** how often a chat that only dials out checks whether anything is left to dial */
const GIVE_UP_CHECK_MS = 500
export const PROMPT = `input ${QUIT_COMMAND} to quit>`

interface ChatFlags extends NetworkFlags, HistoryFlags {
  metrics?: string
  light?: boolean
  topic: string
  password?: string
  passwordFile?: string
  identity?: string
  to?: string
  ttl: string
  pow: string
  work: string
  json?: boolean
  readOnly?: boolean
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

/** The original p2pmessage's room password. */
const DEFAULT_PASSWORD = '123456'

export function registerChat(program: Command): void {
  const cmd = program
    .command('chat', { isDefault: true })
    .description('join a whisper chat room (the default command), like the original p2pmessage')
    .option('--topic <hex>', 'topic, 4 bytes in hex', '44c7429f')
  secretOption(cmd, 'password', 'password', 'room password (the symmetric key is derived from it)', DEFAULT_PASSWORD)
  addNetworkOptions(cmd, { verbosity: '1' })
  cmd
    .option('--identity <file>', 'signing key file (created when missing) so your address stays the same; default: a new key per run')
    .option('--to <pubkey>', 'send direct messages, encrypted to this public key (130 hex), instead of to the room')
    .option('--ttl <seconds>', 'time to live of sent messages', '50')
    .option('--pow <n>', 'proof of work of sent messages, and the minimum accepted from peers', '0.2')
    .option('--work <seconds>', 'maximum time spent on proof of work per message', '5')
    .option('--json', 'print one JSON object per received message (for scripts); status lines go to stderr')
    .option('--light', "light node: ask peers only for this room's topic (Waku topic interest, shh/6 bloom) and forward only own lines; two light nodes refuse each other on Waku")
    .option('--read-only', 'only receive: stdin is not read, and the chat runs until Ctrl-C or SIGTERM (a reader in a script)')
    .option('--connect-timeout <seconds>', 'without --listen: give up (exit 2) when no peer has connected this long after start; 0 waits forever', '30')
    .option('--mailserver <enode>', 'a mail server to get the room\'s history from, shown before the live lines (repeatable)', collect)
  secretOption(cmd, 'mailserverPassword', 'password', 'the mail server\'s password (required with --mailserver; the room password is not assumed)')
  cmd
    .option('--history <duration>', 'how far back to ask the mail servers, e.g. 30m, 24h, 7d (default: 24h with --mailserver)')
  addMetricsOption(cmd)
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
  const password = resolveSecret(flags as unknown as Record<string, unknown>, 'password') ?? DEFAULT_PASSWORD
  return { topic, symKey: symKeyFromPassword(password), identity, to, ttl, pow, work, json: flags.json === true, connectTimeout }
}

async function runChat(flags: ChatFlags): Promise<void> {
  const net = resolveNetwork(flags)
  const cfg = resolveChat(flags)
  flags.mailserverPassword = resolveSecret(flags as unknown as Record<string, unknown>, 'mailserverPassword')
  const hist = resolveHistory(flags)
  if (flags.metrics !== undefined) parseMetricsAddr(flags.metrics)
  // mail servers are static and trusted peers: their answers are p2p messages, which only trusted peers may send
  if (hist) for (const url of hist.mailservers) if (!net.staticPeers.includes(url)) net.staticPeers.push(url)
  if (net.staticPeers.length === 0 && net.bootnodes.length === 0 && !net.listen) {
    throw new CliError('nothing to connect to: give --enode <url>, --bootnodes mainnet|<list>, or --listen <host:port>')
  }
  const myPublicKey = publicKeyOf(cfg.identity)

  const std = cliIo()
  // --read-only never reads stdin: a reader started with `&` or `</dev/null` in a script keeps receiving
  const readOnly = flags.readOnly === true
  const terminal = !readOnly && std.stdin.isTTY === true && std.stdout.isTTY === true && !cfg.json
  const io = new LineIO({ input: std.stdin, output: std.stdout, prompt: PROMPT, terminal })
  // Status lines: on stdout like the original; with --json stdout holds only messages.
  const say = (line: string) => (cfg.json ? std.stderr.write(line + '\n') : io.print(line))
  const logFile = flags.logFile !== undefined ? openLogFile(flags.logFile) : null
  const logger = createLogSink({
    verbosity: net.verbosity,
    file: logFile,
    viaPrompt: () => (terminal && std.stderr.isTTY ? (l: string) => io.print(l) : null),
  })

  // On a terminal the room's lines start after the 'Connected' banner, as in the original; what the pool
  // hands us in between waits for it.
  let early: string[] | null = terminal ? [] : null
  const emit = (line: string) => {
    if (cfg.json) std.stdout.write(line + '\n')
    else if (early) early.push(line)
    else io.print(line)
  }
  // history (p2p messages from a mail server) comes first, in time order; the room's lines wait for it
  const gate = hist ? new HistoryGate(emit) : null
  if (gate) gate.status = say
  const display = (m: ShownMessage & { p2p?: boolean }, mine: boolean) => {
    const fromHistory = gate !== null && m.p2p === true
    const line = cfg.json ? JSON.stringify({ ...toJsonMessage(m, mine), ...(fromHistory ? { history: true } : {}) }) : formatChatLine(m, mine)
    if (fromHistory) gate.history({ sent: m.sent, text: line })
    else if (gate) gate.live(line)
    else emit(line)
  }
  const delivery: Delivery = new Delivery({
    delivered: (echo) => (cfg.json ? undefined : gate ? gate.live(echo) : emit(echo)),
    expired: (text, reason) => say(`not sent (${reason ?? `no peer took it within its TTL of ${cfg.ttl} s`}): ${sanitizeText(text)}`),
  })

  // Lines posted but not sealed yet (a node that stops aborts their seal), and lines typed on a terminal
  // while the chat waited for its first peer (read as typed: Ctrl-C would make the terminal discard them).
  const unsealed = new Set<{ text: string }>()
  const typedWhileWaiting: string[] = []
  let stopReadingTyped = () => {}
  let node: WhisperNode | null = null
  let metrics: MetricsServer | null = null
  const lifecycle = createLifecycle({
    node: () => node,
    beforeStop: () => {
      void metrics?.close()
      io.close()
    },
    stopping: () => say('chat stopping'),
    logFile,
    // Every line that leaves unsent is said so, and makes the exit status non-zero. Text typed while the
    // chat waited and not ended with Enter is still in the terminal: read it, or the shell would run it
    // as commands after we exit.
    beforeExit: async (code) => {
      stopReadingTyped()
      const unsent = [
        ...delivery.unsent().map((text) => ({ text, why: 'no peer took it' })),
        ...[...unsealed].map(({ text }) => ({ text, why: 'sealing aborted' })),
        ...[...typedWhileWaiting, ...(terminal && !io.started ? await drainTypedInput(std.stdin) : [])].map((text) => ({ text, why: 'no peer took it' })),
      ]
      for (const l of unsent) say(`not sent (${l.why}): ${sanitizeText(l.text)}`)
      return unsent.length > 0 && code === 0 ? 1 : undefined
    },
  })

  node = createNode(net, { minPow: cfg.pow, logger, lightNode: flags.light === true })
  await startNode(node, net.listen, () => {
    node = null
  })
  const running = node
  logger(3, `chat identity address=${toHex(addressOf(myPublicKey))} publicKey=${toHex(myPublicKey)}`)
  watchStaticPeers(running, net.staticPeers, logger)
  metrics = await startMetrics({ flag: flags.metrics, node: running, log: logger, say })

  const show = (m: ShownMessage & { p2p?: boolean }) => {
    const mine = m.src !== undefined && Buffer.from(m.src).equals(Buffer.from(myPublicKey))
    // a line of ours from a mail server's history was said in an earlier run: shown as history
    if (!mine || m.p2p === true) return display(m, mine)
    // Our own lines come back through our filter while post() runs; those are shown by Delivery once a
    // peer took them. One signed with our identity elsewhere (another chat with the same --identity) shows.
    void queue.then(() => {
      if (!delivery.isOwn(toHex(m.hash))) display(m, true)
    })
  }
  // A v6 peer announces the least PoW it accepts; our node, like geth, never sends it less, which would
  // look like a silent room. Said once per peer, whatever the verbosity.
  const warnedPow = new Set<string>()
  const warn = (line: string) => (terminal ? io.print(line) : std.stderr.write(line + '\n'))
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

  running.on('sent', (_peer: string, hashes: string[]) => delivery.sent(hashes))
  // The node reports an own post that expired before reaching any peer, with the reason; the line is
  // then said not sent with that reason instead of the generic one.
  running.on('undelivered', (ev: UndeliveredEvent) => {
    if (ev.reason !== 'no-peer') delivery.undelivered(ev.hashes, ev.message)
  })

  let failed = 0
  let queue: Promise<void> = Promise.resolve()
  // On a terminal a line being sealed shows as a `sealing…` status above the prompt; its `<mine>` line
  // (once a peer took it) comes where the status was.
  const showSealing = () => io.setStatus(unsealed.size > 0 ? 'sealing…' : null)
  const send = (text: string) => {
    const line = { text }
    unsealed.add(line)
    showSealing()
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
        // The echo is made here (a direct message is encrypted to the recipient: our filters cannot open
        // it) and printed once a peer took the line.
        unsealed.delete(line)
        showSealing()
        const env = envelopes[0]
        const echo: ShownMessage = {
          shh: env.shh, topic: env.topic, payload, src: myPublicKey, address: addressOf(myPublicKey),
          sent: envelopeSent(env), ttl: env.ttl, pow: envelopePow(env), hash: envelopeHash(env), symmetric: !cfg.to,
        }
        if (cfg.json) display(echo, true)
        delivery.add(hashes, text, formatChatLine(echo, true), cfg.ttl)
      } catch (err) {
        // stopping aborts the seal: the line is said not sent by the exit
        if (lifecycle.exiting) return
        unsealed.delete(line)
        showSealing()
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

  let linesRead = 0
  io.on('line', (text) => {
    if (lifecycle.exiting) return
    linesRead++
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
    if (lifecycle.exiting) return
    // a reader started in a script (`&`, `</dev/null`) meets the end of its input at once: say why it leaves
    if (linesRead === 0 && !terminal) say('input ended with nothing to send: leaving (--read-only keeps receiving)')
    void endOfInput()
  })
  io.on('interrupt', () => lifecycle.interrupt())

  // A node that only dials out and has reached nobody says whom it could not reach and leaves, instead of
  // waiting forever (with --listen, others may still dial in: it waits).
  const giveUpMs = !net.listen && cfg.connectTimeout > 0 ? cfg.connectTimeout * 1000 : undefined
  const waitForPeer = () =>
    running.waitForPeer(giveUpMs).catch((err: unknown) => {
      if (lifecycle.exiting) return false
      if (err instanceof Error && (err as { code?: string }).code === 'timeout') {
        lifecycle.exit(2, `p2pmessage: ${unreachableMessage(running.dialTargets(), cfg.connectTimeout, flags.bootnodes)}`)
        return false
      }
      throw err
    })

  // bootnodes that all failed outright, with nothing found by discovery: say so now, not after the timeout
  const giveUpEarly = giveUpMs === undefined ? null : setInterval(() => {
    if (lifecycle.exiting || running.peers().length > 0) return clearInterval(giveUpEarly!)
    if (!nothingLeftToDial(running)) return
    clearInterval(giveUpEarly!)
    lifecycle.exit(2, `p2pmessage: ${unreachableMessage(running.dialTargets(), cfg.connectTimeout, flags.bootnodes, true)}`)
  }, GIVE_UP_CHECK_MS)
  giveUpEarly?.unref()

  const historyDone: Promise<void> = hist && gate
    ? fetchChatHistory(running, hist, cfg, cfg.connectTimeout > 0 ? cfg.connectTimeout * 1000 : 60_000)
      .then((lines) => void gate.finish(lines), (err: unknown) => void gate.finish([`history: ${(err as Error).message}`]))
    : Promise.resolve()

  say('Whisper node started,please send message after connect to other nodes')
  // the original never listened; with --listen, others need this URL to dial us
  if (net.listen) say(`Listening on ${running.enode}`)
  // Dialling bootnodes can take a while, or fail only after --connect-timeout: say what is going on.
  const dialling = setTimeout(() => {
    if (running.peers().length > 0 || lifecycle.exiting || net.staticPeers.length + net.bootnodes.length === 0) return
    say(noPeerYetMessage(running.dialTargets(), { statics: net.staticPeers.length, bootnodes: net.bootnodes.length },
      flags.bootnodes, giveUpMs !== undefined ? cfg.connectTimeout : undefined))
  }, STILL_DIALLING_MS)
  dialling.unref()
  let announced = false
  let disconnected = false
  const announceConnected = () => {
    if (announced) return
    announced = true
    clearTimeout(dialling)
    say('Connected to peer,you can type message now.')
    say(`Filter is configured for the topic: ${toHex(cfg.topic)}`)
    say(`Please type the message. To quit type: '${QUIT_COMMAND}'`)
    const held = early ?? []
    early = null
    for (const line of held) io.print(line)
  }
  // The original said nothing when its last peer left, and lines typed then looked sent.
  running.on('peer:removed', () => {
    if (!announced || disconnected || lifecycle.exiting || running.peers().length > 0) return
    disconnected = true
    say('Disconnected from peers; messages will be sent when a peer connects')
  })
  running.on('peer:added', () => {
    if (!disconnected || lifecycle.exiting) return
    disconnected = false
    say('Connected to peer')
  })
  if (terminal) {
    // like the original: the prompt appears once there is someone to talk to
    stopReadingTyped = readTypedLines(std.stdin, {
      line: (text) => {
        if (text !== QUIT_COMMAND) return void typedWhileWaiting.push(text)
        say('Quit command received')
        lifecycle.exit(0)
      },
      end: () => lifecycle.exit(0),
    })
    try {
      if ((await waitForPeer()) === false) return
    } catch (err) {
      if (lifecycle.exiting) return // Ctrl-C or SIGTERM while waiting: the node is stopping on purpose
      throw err
    }
    if (lifecycle.exiting) return
    stopReadingTyped()
    announceConnected()
    io.start()
    for (const text of typedWhileWaiting.splice(0)) send(text)
  } else {
    // piped lines are posted at once; the pool keeps them until a peer comes. The banner is said as the
    // first peer is added, before the pool is offered to it, so it comes before the lines it takes.
    running.on('peer:added', () => {
      if (!lifecycle.exiting) announceConnected()
    })
    if (!readOnly) io.start()
    void waitForPeer().then((ok) => {
      if (ok !== false && !lifecycle.exiting) announceConnected()
    }, () => undefined)
  }
}
