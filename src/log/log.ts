// The one logger of every layer (p2p, node, bridge, rpc, cli): levels like geth's `--verbosity` (0 silent,
// 1 error, 2 warn, 3 info, 4 debug, 5 trace), messages in geth's logfmt style, lines in geth's terminal format.
// Lines go to stderr by default (stdout belongs to the chat). Callers pass context as key/value pairs;
// secrets (keys, passwords, payloads) are never given to the logger in the first place.

export const LogLevel = { silent: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5 } as const
export type LogLevelName = Exclude<keyof typeof LogLevel, 'silent'>

/** Where formatted lines go: `msg` carries no timestamp or level tag, the sink adds what it wants. */
export type LogSink = (level: number, msg: string) => void

export type LogContext = Record<string, unknown>

const TAGS = ['', 'ERROR', 'WARN ', 'INFO ', 'DEBUG', 'TRACE']

/** Clamps anything a user typed to 0..5 (geth treats values above 5 as trace). */
export function normalizeVerbosity(v: number | undefined, fallback = 3): number {
  if (v === undefined || !Number.isFinite(v)) return fallback
  return Math.max(0, Math.min(5, Math.trunc(v)))
}

function formatValue(v: unknown): string {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex')
  if (v instanceof Error) return JSON.stringify(v.message)
  if (typeof v === 'string') return /^[\w.:/@,+\-[\]]*$/.test(v) && v !== '' ? v : JSON.stringify(v)
  if (typeof v === 'bigint') return v.toString()
  if (v === undefined) return 'undefined'
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)
}

/** `msg key=value key=value`, geth's logfmt style. */
export function formatLine(msg: string, ctx?: LogContext): string {
  if (!ctx) return msg
  let out = msg
  for (const [k, v] of Object.entries(ctx)) out += ` ${k}=${formatValue(v)}`
  return out
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0')
}

/** geth's terminal format: `INFO [01-02|15:04:05.000] message key=value`. */
export function formatTerminalLine(level: number, msg: string, now = new Date()): string {
  const d = now
  const ts = `${pad(d.getMonth() + 1)}-${pad(d.getDate())}|${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  return `${TAGS[level] ?? 'TRACE'} [${ts}] ${msg}`
}

export function stderrSink(level: number, msg: string): void {
  process.stderr.write(formatTerminalLine(level, msg) + '\n')
}

/** A sink passing only levels up to `verbosity` on to `sink` (stderr by default). */
export function levelSink(verbosity: number, sink: LogSink = stderrSink): LogSink {
  return (level, msg) => {
    if (level > 0 && level <= verbosity) sink(level, msg)
  }
}

/** The default where a component is given no sink: errors only, on stderr. */
export const errorsOnStderr: LogSink = levelSink(LogLevel.error)

export class Logger {
  verbosity: number
  private readonly sink: LogSink
  private readonly prefix: string

  constructor(opts: { verbosity?: number; sink?: LogSink; prefix?: string } = {}) {
    this.verbosity = normalizeVerbosity(opts.verbosity)
    this.sink = opts.sink ?? stderrSink
    this.prefix = opts.prefix ?? ''
  }

  enabled(level: number): boolean {
    return level > 0 && level <= this.verbosity
  }

  log(level: number, msg: string, ctx?: LogContext): void {
    if (!this.enabled(level)) return
    try {
      this.sink(level, formatLine(this.prefix + msg, ctx))
    } catch {
      // a broken sink (closed stderr, throwing callback) must not take the node down
    }
  }

  error(msg: string, ctx?: LogContext): void { this.log(LogLevel.error, msg, ctx) }
  warn(msg: string, ctx?: LogContext): void { this.log(LogLevel.warn, msg, ctx) }
  info(msg: string, ctx?: LogContext): void { this.log(LogLevel.info, msg, ctx) }
  debug(msg: string, ctx?: LogContext): void { this.log(LogLevel.debug, msg, ctx) }
  trace(msg: string, ctx?: LogContext): void { this.log(LogLevel.trace, msg, ctx) }

  /** A logger sharing sink and verbosity setting at creation, with `prefix` before every message. */
  child(prefix: string): Logger {
    const parent = this
    const c = new Logger({ verbosity: this.verbosity, sink: (l, m) => parent.sink(l, m), prefix: this.prefix + prefix })
    // follow later verbosity changes of the parent
    Object.defineProperty(c, 'verbosity', { get: () => parent.verbosity, set: (v: number) => { parent.verbosity = v } })
    return c
  }
}

/** A node id or hash in log lines and messages: its first 16 hex digits, as geth's TerminalString of a node id. */
export function short(idHex: string): string {
  return idHex.slice(0, 16)
}
