// Errors a user can fix (bad flag, bad file, port in use, unreachable enode): the CLI prints
// `p2pmessage: <message>` on stderr and exits with status 2, never a stack trace.
export class CliError extends Error {
  readonly exitCode: number
  constructor(message: string, exitCode = 2) {
    super(message)
    this.name = 'CliError'
    this.exitCode = exitCode
  }
}

/** One readable line from anything thrown (Error, string, node system error). */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const sys = err as NodeJS.ErrnoException
    if (sys.code === 'EADDRINUSE') return `address already in use${sys.message.match(/ (\S+:\d+)$/) ? ': ' + sys.message.match(/ (\S+:\d+)$/)![1] : ''}`
    if (sys.code === 'EADDRNOTAVAIL') return `cannot listen on that address (not available on this machine)`
    if (sys.code === 'EACCES' && sys.syscall === 'listen') return `permission denied to listen on that port`
    return err.message.split('\n')[0] || err.name
  }
  return String(err)
}
