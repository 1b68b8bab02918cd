// The chat's history from mail servers (--mailserver, --mailserver-password, --history): once a mail
// server is connected, ask it for the room's messages of the last --history; hold the room's lines
// meanwhile; then print the history in time order, one line saying how it went, and the held live lines.
// Messages already shown are not shown again (the node's filters deliver an envelope hash once). Over
// shh/6 and Waku the mail client asks in pages of 1000 (mailclient.ts), so a busy day arrives as a series
// of bounded answers rather than one burst; a chat on Waku asks in Waku's request form.
import type { WhisperNode } from '../node/whisper-node.js'
import { fetchHistory, waitForMailServer } from '../node/mailclient.js'
import { nodeIdOf } from '../p2p/enode.js'
import { CliError } from './errors.js'
import { checkEnode } from './network.js'
import { parseDurationArg } from './mail-options.js'

export interface HistoryFlags {
  mailserver?: string[]
  mailserverPassword?: string
  history?: string
}

export interface HistoryConfig {
  mailservers: string[]
  password: string
  seconds: number
}

const DEFAULT_HISTORY = '24h'
const ANSWER_TIMEOUT_MS = 10_000
const QUIET_MS = 2_000

export function resolveHistory(flags: HistoryFlags): HistoryConfig | null {
  const servers = (flags.mailserver ?? []).map((u) => checkEnode(u, '--mailserver'))
  if (servers.length === 0) {
    if (flags.mailserverPassword !== undefined || flags.history !== undefined) {
      throw new CliError('--mailserver-password and --history need --mailserver <enode URL of a mail server>')
    }
    return null
  }
  if (flags.mailserverPassword === undefined || flags.mailserverPassword === '') {
    throw new CliError('--mailserver needs --mailserver-password: the mail server\'s own password (the room password is not assumed)')
  }
  return { mailservers: servers, password: flags.mailserverPassword, seconds: parseDurationArg(flags.history ?? DEFAULT_HISTORY, '--history') }
}

export interface Line {
  sent: number
  text: string
}

/**
 * Holds the room's lines while history is being fetched. `history()` takes a line that came from a
 * mail server, `live()` one from the room; `finish()` prints the history sorted by sent time, the
 * summary and then the held live lines, and lets later lines through at once.
 */
export class HistoryGate {
  private hist: Line[] | null = []
  private held: string[] = []
  constructor(private readonly out: (line: string) => void) {}

  history(l: Line): void {
    if (this.hist) this.hist.push(l)
    else this.out(l.text) // a straggler after the summary: still shown
  }

  live(text: string): void {
    if (this.hist) this.held.push(text)
    else this.out(text)
  }

  get open(): boolean {
    return this.hist !== null
  }

  finish(summary: string[]): number {
    const hist = this.hist ?? []
    this.hist = null
    // stable: lines of the same second keep the order the server sent them in (its arrival order)
    hist.sort((a, b) => a.sent - b.sent)
    for (const l of hist) this.out(l.text)
    const n = hist.length
    const held = this.held
    this.held = []
    for (const s of summary) this.status(s)
    for (const t of held) this.out(t)
    return n
  }

  /** set by the chat: where status lines go (stderr with --json) */
  status: (line: string) => void = () => {}
}

/** Asks every mail server (in parallel) and returns one status line per server. */
export async function fetchChatHistory(node: WhisperNode, cfg: HistoryConfig, room: { topic: Uint8Array; pow: number; work: number }, connectMs: number): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000)
  // a little past now: v5 servers leave `upper` out, and a clock a few seconds ahead is allowed; the range
  // is no wider than asked, as status-go's whisper mail server refuses one over 24 h
  const upper = now + 10
  const lower = Math.max(0, upper - cfg.seconds)
  return Promise.all(cfg.mailservers.map(async (url) => {
    const id = nodeIdOf(url).slice(0, 16)
    try {
      await waitForMailServer(node, url, connectMs)
      const r = await fetchHistory(node, {
        mailserver: url, password: cfg.password, lower, upper, topic: room.topic, pow: room.pow, workTime: room.work,
        timeoutMs: ANSWER_TIMEOUT_MS, quietMs: QUIET_MS,
      })
      if (r.status === 'no-answer') {
        return `history: mail server ${id} sent nothing within ${ANSWER_TIMEOUT_MS / 1000} s (no messages in that time, or a wrong --mailserver-password)`
      }
      // a server that pages (shh/6) says so; geth's answer in one piece reads as before
      const pages = r.pages > 0 ? ` in ${r.pages} page(s)` : ''
      if (r.status === 'failed') return `history: mail server ${id} failed after ${r.envelopes} envelope(s)${pages}: ${r.error}`
      return `history: complete from mail server ${id} (${r.envelopes} envelope(s) received over ${r.net === 'waku' ? 'waku' : `shh/${r.shh}`}${pages})`
    } catch (err) {
      // the node's errors about a mail server already name it
      const msg = (err as Error).message
      return msg.startsWith(`mail server ${id}`) ? `history: ${msg}` : `history: mail server ${id}: ${msg}`
    }
  }))
}
